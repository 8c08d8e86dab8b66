"""Placeholder component `hj_events` (to be written)."""

from spacy.language import Language


@Language.component("hj_events")
def hj_events(doc):
    return doc

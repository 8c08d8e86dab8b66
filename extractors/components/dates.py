"""Placeholder component `hj_dates` (to be written)."""

from spacy.language import Language


@Language.component("hj_dates")
def hj_dates(doc):
    return doc

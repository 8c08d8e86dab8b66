"""Placeholder component `hj_gazetteer` (to be written)."""

from spacy.language import Language


@Language.component("hj_gazetteer")
def hj_gazetteer(doc):
    return doc

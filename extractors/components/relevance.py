"""Placeholder component `hj_relevance` (to be written)."""

from spacy.language import Language


@Language.component("hj_relevance")
def hj_relevance(doc):
    return doc

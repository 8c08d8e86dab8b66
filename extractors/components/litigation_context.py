"""Placeholder component `hj_litigation` (to be written)."""

from spacy.language import Language


@Language.component("hj_litigation")
def hj_litigation(doc):
    return doc

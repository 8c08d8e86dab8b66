"""Placeholder component `hj_money` (to be written)."""

from spacy.language import Language


@Language.component("hj_money")
def hj_money(doc):
    return doc

"""hj_gazetteer never crashes, and its spans are always well-formed (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.extractors.gazetteer_helpers import entity_nlp

LABELS = {"PRISON", "TRUST", "COMPANY", "BUYER"}

# Words that drive the rules, mixed with arbitrary text, so that cues meet odd neighbours.
CUE_WORDS = st.sampled_from([
    "HMP", "HMPs", "HM Prisons", "Leeds", "Liverpool", ",", "and", "&", "prisons", "–", "(", ")",
    "Immigration Removal Centres", "IRCs", "Secure Children's Homes", "NHS", "Trust", "Foundation Trust",
    "NHS England", "and NHS Improvement", "North West", "Health and Justice", "(NHSEI)", "Ltd", "Limited",
    "awarded to", "has won", "Police", "Council", "contract", "Integrated Care Board", "CCG", "ICB",
    "one.1) Name and addresses\n", "Buyer:", "Supplier:\n", "becomes", "the trust", "Oxleas", "PPG",
    "Police and Crime Commissioner for", "in partnership with", ".", "\n", "'s", "’s", "Carchar",
    "G4S.", "PPG.", "NHSE/I.", "- ", "|", "Read more:", "Combined Authority", "has awarded the contract",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(CUE_WORDS, st.text(max_size=12)), max_size=40))
def test_never_crashes_and_spans_are_well_formed(parts):
    text = " ".join(parts)
    doc = entity_nlp()(text)
    for span in doc.spans["hj_entities"]:
        assert span.label_ in LABELS
        assert 0 <= span.start_char < span.end_char <= len(text)
        assert isinstance(span.id_, str)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_unicode_text(text):
    doc = entity_nlp()(text)
    assert all(span.label_ in LABELS for span in doc.spans["hj_entities"])


def test_large_repetitive_text_is_handled():
    text = "HMP Leeds, Wakefield and Hull. Oxleas Foundation Trust won. " * 400
    doc = entity_nlp()(text)
    assert len(doc.spans["hj_entities"]) == 4 * 400

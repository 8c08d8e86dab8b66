"""The fact components on hostile text: never a traceback, always well-typed fields."""

from __future__ import annotations

import pytest
import spacy

from hjwatch.extractors.components import register_extensions
from hjwatch.extractors.segments import MAX_SEGMENT, Segments

FACT_PIPES = ["hj_money", "hj_dates", "hj_litigation", "hj_events", "hj_relevance"]


@pytest.fixture(scope="module")
def nlp():
    register_extensions()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    for name in FACT_PIPES:
        nlp.add_pipe(name)
    return nlp


def check_types(doc):
    assert all(type(v) is int for v in doc._.values_gbp)
    assert all(type(v) is int for v in doc._.durations_months)
    assert doc._.contract_start is None or isinstance(doc._.contract_start, str)
    assert doc._.contract_end is None or isinstance(doc._.contract_end, str)
    assert isinstance(doc._.litigation, bool)
    assert isinstance(doc._.events, list) and doc._.events
    assert isinstance(doc._.relevant, bool) and 0.0 <= doc._.relevance_score <= 1.0


@pytest.mark.parametrize("text", [
    "",
    " \n\n\t ",
    "\x00\x01\x02£\x03PS\x04",
    "\ufffd\ufffd£\ufffd 12 \ufffdm contract",
    "İstanbul HMP £5m contract, Start date: 01/04/2026",  # a letter that grows when lowered
    "£" * 500 + "9" * 500,
    "31/02/2026 00/00/2026 2026-13-45 99 Smarch 2026",
    "{" * 300 + '"amount": 1e999, "currency": "GBP"' + "}" * 300,
    "contract " * 2000,
])
def test_hostile_text_gives_typed_fields(nlp, text):
    check_types(nlp(text))


def test_run_on_line_is_cut_into_bounded_segments():
    text = ("word " * 5000).strip()
    segs = Segments(text)
    assert len(segs.spans) > 1
    assert all(e - s <= MAX_SEGMENT for s, e in segs.spans)
    assert all(text[s:e].strip() == text[s:e] for s, e in segs.spans)


def test_offsets_survive_lowering(nlp):
    text = "İİİ The contract is worth £85m and starts on 1 April 2026."
    doc = nlp(text)
    money = [s for s in doc.spans["hj_facts"] if s.label_ == "MONEY"]
    assert [s.text for s in money] == ["£85m"]
    assert doc._.contract_start == "2026-04-01"

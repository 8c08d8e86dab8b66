"""hj_litigation: litigation targets with negation, hedging, pseudo phrases and scope."""

from __future__ import annotations

import pytest

from tests.extractors.pipelines import only


@pytest.fixture(scope="module")
def nlp():
    return only("hj_litigation")


@pytest.mark.parametrize("text", [
    "PPG is taking legal action against NHS England over the award of the contracts, lodging papers "
    "with the High Court.",
    "Care UK has launched a judicial review of the decision.",
    "It started a claim under the Public Contracts Regulations 2015, challenging that result.",
    "Representations from providers led the relevant authority to abandon its procurement.",
    "The incumbent appealed the contract award decision.",
    "An NHS trust that has lost its contract is making a formal complaint.",
    "The board would be referring its concerns to the NHS regulator Monitor.",
    "A decision was approved to award a replacement contract. However, the PCC received a challenge.",
    "The High Court ruled that NHS England had breached its duties.",
    "NHS England applied to lift the automatic suspension on entering into the contracts.",
    "The Independent Patient Choice and Procurement Panel reviewed the award.",
    "The award was challenged by the incumbent provider.",
])
def test_litigation_reported(nlp, text):
    assert nlp(text)._.litigation is True


@pytest.mark.parametrize("text", [
    # negated
    "No legal challenge was received during the standstill period.",
    "There were no challenges to the award decision.",
    "The award was not challenged.",
    "The procurement was abandoned without legal challenge.",
    # hedged
    "The trust could face legal action if it fails to hand over data.",
    "The provider has threatened legal action over the award.",
    "Any challenge to the award must be brought within 30 days.",
    "Representations by providers must be made by 06/03/2026.",
    "The risk of legal challenge will be mitigated by full compliance with procurement law.",
    # pseudo
    "High court building",
    "Staff work in a challenging environment.",
    "Public sector prisons must meet the NHS complaints regulations.",
    "The prisoner was sentenced at Liverpool Crown Court.",
    "An appeal for witnesses has been made by police.",
    # a notice's standing review-body field
    "six.4.1) Review body\nHigh Court, Royal Courts of Justice\nThe Strand",
    # words that need a procurement beside them
    "Complaints about healthcare were low.",
    "The Pharmacists' Defence Association backs its members.",
])
def test_not_litigation(nlp, text):
    assert nlp(text)._.litigation is False


def test_terminate_cuts_the_negation_scope(nlp):
    doc = nlp("No objection was raised by staff; the losing bidder issued proceedings over the award.")
    assert doc._.litigation is True


def test_negation_scope_is_limited(nlp):
    text = "No one expected it, and months later the incumbent provider took legal action."
    assert nlp(text)._.litigation is True


def test_snippets_are_exact_substrings(nlp):
    text = ("Meanwhile the trust published board papers. PPG is taking legal action against NHS "
            "England over the award. The case is ongoing.")
    doc = nlp(text)
    assert doc._.litigation_snippets == ["PPG is taking legal action against NHS England over the award."]
    assert all(s in text for s in doc._.litigation_snippets)


def test_long_sentence_snippet_is_short_and_exact(nlp):
    text = ("On a day when many other things happened " * 6 + "the provider took legal action "
            + "about the award and many more words followed " * 6 + ".")
    doc = nlp(text)
    (snippet,) = doc._.litigation_snippets
    assert "legal action" in snippet and snippet in text and len(snippet) <= 200


def test_litigation_spans_in_facts(nlp):
    doc = nlp("The provider launched a judicial review.")
    assert [s.text for s in doc.spans["hj_facts"] if s.label_ == "LITIGATION"] == ["judicial review"]


def test_empty_text(nlp):
    doc = nlp("")
    assert doc._.litigation is False and doc._.litigation_snippets == []


def test_every_target_pattern_contains_a_gate_stem():
    # Segments without a gate stem are never examined, so a target without one would be dead.
    from hjwatch.extractors.fact_rules import load_json, load_jsonl

    gate = load_json("context_rules.json")["gate"]
    for row in load_jsonl("litigation_targets.jsonl"):
        assert any(stem in row["pattern"].lower() for stem in gate), row["pattern"]

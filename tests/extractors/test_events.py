"""hj_events: event labels from patterns kept as data, per the gold's conventions."""

from __future__ import annotations

import pytest
import spacy

from hjwatch.extractors.components import register_extensions
from hjwatch.extractors.components.events import EVENTS
from hjwatch.extractors.fact_rules import load_jsonl


@pytest.fixture(scope="module")
def nlp():
    register_extensions()
    nlp = spacy.blank("en")
    nlp.add_pipe("hj_litigation")
    nlp.add_pipe("hj_events")
    return nlp


def events(nlp, text):
    return nlp(text)._.events


@pytest.mark.parametrize("text, expected", [
    ("The trust lost the seven-year contract for the two prisons to Practice Plus Group.", "loss"),
    ("Care UK has won a five-year contract for healthcare at Wormwood Scrubs prison.", "award"),
    ("F15: Voluntary ex ante transparency notice", "award"),
    ("The contract was awarded to Mitie Care & Custody Ltd.", "award"),
    ("NHS England intends to award a contract under the Provider Selection Regime.", "intention_to_award"),
    ("An NHS trust has announced plans to withdraw from a contract to provide healthcare.", "withdrawal"),
    ("Lloydspharmacy has chosen not to bid again for the contract.", "withdrawal"),
    ("We can confirm that we have served notice on the offender health contracts.", "notice_served"),
    ("Provider Selection Regime contract modification notice.", "modification"),
    ("The current contract had to be extended by urgent modification.", "extension"),
    ("The ICB now means to keep the contract going for one year.", "extension"),
    ("NECS designed a market engagement exercise.", "market_engagement"),
    ("A Prior Information Notice (PIN) will be published on Contracts Finder.", "prior_information"),
    ("Notice Type: UK4 - Tender notice (Procurement Act 2023)", "tender"),
    ("The tender will open in the second week of April.", "tender"),
    ("In a separate report on the prison, inspectors said conditions were the worst they had seen.",
     "inspection"),
])
def test_event_found(nlp, text, expected):
    assert expected in events(nlp, text)


@pytest.mark.parametrize("text, absent", [
    ("The deal is a two-year partnership, with an optional two-year extension.", "extension"),
    ("The buyer could add a 12-month extension.", "extension"),
    ("Whoever wins a Lot has to provide physical health services.", "award"),
    ("The provider did not win the contract.", "award"),
    ("He said staff had been through a hard time since the CQC published its inspection report.",
     "inspection"),
    ("The Authority expects to begin a formal tender process in mid 2024.", "tender"),
    ("This notice was replaced. Awarded contract (published 9 April 2021)", "award"),
])
def test_event_not_found(nlp, text, absent):
    assert absent not in events(nlp, text)


def test_form_label_award_gives_way_to_intention(nlp):
    text = "F03: Contract award notice\nThe commissioner intends to award a contract to the incumbent."
    assert events(nlp, text) == ["intention_to_award"]


def test_release_list_award_stays_with_a_signed_contract(nlp):
    text = ("Award 28 Jan 2026 at 10:14\nThe commissioners intend to award a contract. "
            "The contract was signed on 30th December 2025.")
    assert set(events(nlp, text)) == {"award", "intention_to_award"}


def test_legal_challenge_follows_litigation(nlp):
    assert "legal_challenge" in events(nlp, "PPG is taking legal action against NHS England.")


def test_order_of_first_mention(nlp):
    text = "Oxleas lost the contract. Practice Plus Group has won the contract."
    assert events(nlp, text) == ["loss", "award"]


def test_nothing_happens_is_other(nlp):
    assert events(nlp, "NHS England commissions health services for the secure estate.") == ["other"]


def test_every_rule_names_a_known_event():
    for row in load_jsonl("events.jsonl"):
        assert row["event"] in EVENTS
        assert row.get("yields_to", "award") in EVENTS

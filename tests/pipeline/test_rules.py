"""Alert rules: parsing ``[[alerts.rules]]`` and matching records."""

import doctest

import pytest

from hjwatch import InputError
from hjwatch.pipeline import rules
from hjwatch.pipeline.rules import Rule, parse_rules, recipients_for

BELMARSH_LOSS = {
    "doc_id": 1, "kind": "news", "source": "www.bbc.co.uk", "relevant": True,
    "title": "Oxleas serves notice on Belmarsh healthcare contract",
    "prisons": ["HMP Belmarsh", "HMP Thameside"], "trusts": ["Oxleas NHS Foundation Trust"],
    "companies": [], "buyers": ["NHS England"], "values_gbp": [85000000],
    "events": ["loss", "notice_served"], "litigation": False, "litigation_snippets": [],
}
PPG_CLAIM = {
    "doc_id": 2, "kind": "news", "source": "www.hsj.co.uk", "relevant": True,
    "title": "Provider takes NHS England to court over prison contract",
    "companies": ["Practice Plus Group"], "buyers": ["NHS England"], "values_gbp": [],
    "events": ["legal_challenge"], "litigation": True,
    "litigation_snippets": ["PPG is taking legal action against NHS England over the award"],
}
IRRELEVANT = {"doc_id": 3, "kind": "notice", "source": "fts", "relevant": False, "title": "Parking Pilot - CEO"}


def test_doctests():
    assert doctest.testmod(rules).failed == 0


def test_default_rule_when_none_configured():
    (rule,) = parse_rules({"to": ["research@example.org"]})
    assert rule.name == rules.DEFAULT_RULE_NAME
    assert rule.recipients == ("research@example.org",)


def test_default_rule_takes_every_relevant_record():
    (rule,) = parse_rules({"to": ["r@example.org"]})
    assert rule.matches(BELMARSH_LOSS)
    assert rule.matches(PPG_CLAIM)


def test_default_rule_skips_irrelevant_record():
    (rule,) = parse_rules({"to": ["r@example.org"]})
    assert not rule.matches(IRRELEVANT)


def test_prison_condition_is_case_insensitive():
    (rule,) = parse_rules({"rules": [{"name": "b", "prisons": ["hmp belmarsh"]}]})
    assert rule.matches(BELMARSH_LOSS)
    assert not rule.matches(PPG_CLAIM)


def test_list_condition_is_any_of():
    (rule,) = parse_rules({"rules": [{"name": "b", "prisons": ["HMP Leeds", "HMP Thameside"]}]})
    assert rule.matches(BELMARSH_LOSS)


def test_conditions_are_all_of():
    (rule,) = parse_rules({"rules": [{"name": "b", "prisons": ["HMP Belmarsh"], "litigation": True}]})
    assert not rule.matches(BELMARSH_LOSS)


def test_litigation_condition():
    (rule,) = parse_rules({"rules": [{"name": "lit", "litigation": True}]})
    assert rule.matches(PPG_CLAIM)
    assert not rule.matches(BELMARSH_LOSS)


def test_events_condition():
    (rule,) = parse_rules({"rules": [{"name": "e", "events": ["notice_served"]}]})
    assert rule.matches(BELMARSH_LOSS)
    assert not rule.matches(PPG_CLAIM)


def test_min_value_above_threshold():
    (rule,) = parse_rules({"rules": [{"name": "big", "min_value_gbp": 50_000_000}]})
    assert rule.matches(BELMARSH_LOSS)


def test_min_value_below_threshold():
    (rule,) = parse_rules({"rules": [{"name": "big", "min_value_gbp": 100_000_000}]})
    assert not rule.matches(BELMARSH_LOSS)


def test_min_value_needs_a_value():
    (rule,) = parse_rules({"rules": [{"name": "big", "min_value_gbp": 1}]})
    assert not rule.matches(PPG_CLAIM)


def test_keywords_search_title_and_snippets():
    (rule,) = parse_rules({"rules": [{"name": "k", "keywords": ["LEGAL ACTION"]}]})
    assert rule.matches(PPG_CLAIM)
    assert not rule.matches(BELMARSH_LOSS)


def test_keywords_match_whole_words():
    (rule,) = parse_rules({"rules": [{"name": "k", "keywords": ["IRC"]}]})
    assert rule.matches({"relevant": True, "title": "Healthcare at Brook House IRC"})
    assert not rule.matches({"relevant": True, "title": "Healthcare in a circle of prisons"})


def test_keywords_search_text_when_given():
    (rule,) = parse_rules({"rules": [{"name": "k", "keywords": ["mental health"]}]})
    assert rule.matches({"relevant": True, "title": "Prison contract", "text": "Mental\nhealth services at HMP Leeds"})


def test_companies_and_buyers_conditions():
    (rule,) = parse_rules({"rules": [{"name": "c", "companies": ["Practice Plus Group"], "buyers": ["NHS England"]}]})
    assert rule.matches(PPG_CLAIM)
    assert not rule.matches(BELMARSH_LOSS)


def test_kind_and_sources_conditions():
    (rule,) = parse_rules({"rules": [{"name": "n", "kind": "news", "sources": ["www.bbc.co.uk"]}]})
    assert rule.matches(BELMARSH_LOSS)
    assert not rule.matches(PPG_CLAIM)


def test_relevant_false_rule_can_ask_for_irrelevant_records():
    (rule,) = parse_rules({"rules": [{"name": "all", "relevant": False}]})
    assert rule.matches(IRRELEVANT)


def test_rule_recipients_default_to_global_to():
    rs = parse_rules({"to": ["a@example.org"], "rules": [{"name": "x"}, {"name": "y", "to": "b@example.org"}]})
    assert [r.recipients for r in rs] == [("a@example.org",), ("b@example.org",)]


def test_recipients_for_joins_rules_per_recipient():
    rs = parse_rules({"to": ["a@example.org"], "rules": [
        {"name": "all"}, {"name": "lit", "litigation": True}, {"name": "legal team", "litigation": True, "to": ["b@example.org"]}]})
    assert recipients_for(PPG_CLAIM, rs) == {"a@example.org": ["all", "lit"], "b@example.org": ["legal team"]}


def test_no_recipient_is_the_empty_string():
    assert recipients_for(BELMARSH_LOSS, [Rule("all")]) == {"": ["all"]}


def test_missing_fields_do_not_crash():
    (rule,) = parse_rules({"rules": [{"name": "x", "prisons": ["HMP Leeds"], "min_value_gbp": 5, "keywords": ["a"]}]})
    assert not rule.matches({"relevant": True})


@pytest.mark.parametrize("raw, message", [
    ({"rules": [{"name": "x", "prison": ["HMP Leeds"]}]}, "unknown key 'prison'"),
    ({"rules": [{"name": "x", "litigation": "yes"}]}, "litigation must be true or false"),
    ({"rules": [{"name": "x", "min_value_gbp": "a lot"}]}, "min_value_gbp must be a number"),
    ({"rules": [{"name": "x", "kind": "tweet"}]}, "kind must be one of"),
    ({"rules": [{"name": "x", "prisons": [1, 2]}]}, "prisons must be a string or a list of strings"),
    ({"rules": [{"name": "x", "to": ["not an address"]}]}, "is not an email address"),
    ({"rules": [{"name": "x"}, {"name": "x"}]}, "used twice"),
    ({"rules": "everything"}, "must be an array of tables"),
    ({"rules": [["x"]]}, "must be a table"),
    ({"rules": [{"name": ""}]}, "name must be a non-empty string"),
    ({"to": 5}, "[alerts] to must be a string or a list"),
])
def test_malformed_rules_are_one_line_input_errors(raw, message):
    with pytest.raises(InputError) as err:
        parse_rules(raw)
    assert message in str(err.value)
    assert "\n" not in str(err.value)

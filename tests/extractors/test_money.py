"""hj_money and parse_money: every way a contract value is written, and what is not one."""

from __future__ import annotations

import pytest

from hjwatch.extractors.parse_money import find_money, parse_amount

from tests.extractors.pipelines import only


@pytest.fixture(scope="module")
def nlp():
    return only("hj_money")


def values(nlp, text):
    return nlp(text)._.values_gbp


# -- parse_amount -------------------------------------------------------------------------

@pytest.mark.parametrize("number, mult, expected", [
    ("85", "m", 85_000_000),
    ("1.7", "million", 1_700_000),
    ("236,000,000", None, 236_000_000),
    ("2.5", "bn", 2_500_000_000),
    ("2.5", "billion", 2_500_000_000),
    ("38 108 065.00", None, 38_108_065),
    ("4.43", "million", 4_430_000),  # exact: no float rounding down to 4429999
    ("960000.0", None, 960_000),
    ("250", "k", 250_000),
    ("1,234,567.89", None, 1_234_567),  # pence dropped: whole pounds
])
def test_parse_amount(number, mult, expected):
    assert parse_amount(number, mult) == expected


@pytest.mark.parametrize("number, mult", [("", None), ("abc", None), ("5", "zillion"), ("1e400", None)])
def test_parse_amount_unreadable_is_none(number, mult):
    assert parse_amount(number, mult) is None


# -- forms ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("A foundation trust has lost an £85m contract.", [85_000_000]),
    ("The contract is worth £1.7 million.", [1_700_000]),
    ("The seven-year contract is worth £236,000,000.", [236_000_000]),
    ("The framework is valued at £2.5bn.", [2_500_000_000]),
    ("Total value of the procurement: GBP 4,391,992", [4_391_992]),
    ("Estimated total value: 38 108 065.00 GBP", [38_108_065]),
    ("two.2.6) Estimated value\nValue excluding VAT: 3,400,000", [3_400_000]),
    ("The Â£1.2m contract covers three prisons.", [1_200_000]),
    ("The contract is worth at most ÂŁ400,000 per annum.", [400_000]),
    ("Contract value: PS9,020,153 per annum", [9_020_153]),
    ("The contract value is £ 1.7m in total.", [1_700_000]),
    ("Lowest offer: £2,657,000 / Highest offer: £2,709,000 taken into consideration",
     [2_657_000, 2_709_000]),
    ("Value\n960000.0 GBP\nGross: 1200000 GBP", [960_000, 1_200_000]),
    ("Value of contract\n£8,295,000", [8_295_000]),
    ("The contract is worth 4 million pounds.", [4_000_000]),
])
def test_contract_value_forms(nlp, text, expected):
    assert values(nlp, text) == expected


def test_values_are_ints_deduplicated_in_order(nlp):
    text = ("The contract is worth £4,040,000. Value excluding VAT: £4,040,000. "
            "A second lot is valued at £1m.")
    got = values(nlp, text)
    assert got == [4_040_000, 1_000_000]
    assert all(type(v) is int for v in got)


def test_ocds_json_amount_in_gbp(nlp):
    text = '{"awards": [{"value": {"amount": 15502193.0, "currency": "GBP"}}]}'
    assert values(nlp, text) == [15_502_193]


def test_ocds_json_amount_in_other_currency_ignored(nlp):
    assert values(nlp, '{"value": {"amount": 500000.0, "currency": "EUR"}}') == []


# -- not contract values ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Nurses on the contract will be paid a salary of £35,000 per annum.",
    "Tickets for the prison healthcare conference cost £150.",
    "The trust's annual budget is £500m.",
    "The Ministry has invested £5m in new cells.",
    "Practice Plus Group, which has a turnover of £600m, won the contract.",
    "He was fined £2,000 by magistrates.",
    "The market for out-of-hospital services could be worth £10bn to £20bn a year.",
    "National registration number\nVAT – GB 180 5571 07",
    "It is registered under company number 13787459.",
    "The medical staffing market has circa 50,000 nursing vacancies.",
])
def test_not_contract_values(nlp, text):
    assert values(nlp, text) == []


def test_aggregator_size_band_is_not_a_value(nlp):
    assert values(nlp, "- Tender Value\n- £4,431,270 £1M-£10M") == [4_431_270]


def test_open_ended_band_is_not_a_value(nlp):
    assert values(nlp, "- Contracts Value: £100,190,896 £100M+") == [100_190_896]


def test_real_range_gives_both_ends(nlp):
    text = "The two contracts are expected to bring in between £35m and £40m a year."
    assert values(nlp, text) == [35_000_000, 40_000_000]


def test_nearest_cue_decides(nlp):
    text = "The contract is worth £3m, while the trust's budget is £400m."
    assert values(nlp, text) == [3_000_000]


def test_money_evidence_spans(nlp):
    doc = nlp("The trust lost an £85m contract.")
    spans = [s for s in doc.spans["hj_facts"] if s.label_ == "MONEY"]
    assert [(s.text, s.id_) for s in spans] == [("£85m", "85000000")]


def test_no_digits_no_values(nlp):
    assert values(nlp, "") == []
    assert values(nlp, "No money is mentioned here.") == []


def test_find_money_offsets_point_at_the_sum():
    text = "Worth £2.4m in total."
    (m,) = find_money(text)
    assert text[m.start:m.end] == "£2.4m"


# --- round 2: the funding of a contract under variation is its value ---------------------

VARIATION_PAPER = (
    "Variation to the prison healthcare contract\n\n"
    "The Board is asked to approve a variation to the contract with the provider. "
    "Funding for 2024/25 will rise to £2,150,000.\n"
)


def test_funding_of_a_varied_contract_is_a_value(nlp):
    assert values(nlp, VARIATION_PAPER) == [2150000]


def test_variation_in_the_same_sentence_counts(nlp):
    assert values(nlp, "Under the contract variation, funding for 2025/26 will increase to £1,200,000.") == [1200000]


def test_general_funding_without_a_variation_is_not_a_value(nlp):
    assert values(nlp, "Finance report\n\nFunding for 2024/25 will rise to £300,000,000.") == []


def test_variation_too_far_back_does_not_count(nlp):
    text = ("The contract was varied last year. The trust met its targets. Waiting lists fell. "
            "Staff numbers rose. Funding for 2024/25 will rise to £4,000,000.")
    assert values(nlp, text) == []


def test_funding_phrase_must_lead_to_the_sum(nlp):
    text = "The variation was agreed. Funding for 2024/25 was discussed, and the trust holds £9,000,000 in reserves."
    assert values(nlp, text) == []

"""hj_dates: contract lengths and stated contract start/end dates (and what is neither)."""

from __future__ import annotations

import pytest

from hjwatch.extractors.parse_dates import find_dates, parse_date
from hjwatch.extractors.parse_durations import find_durations, number_value, to_months

from tests.extractors.pipelines import only


@pytest.fixture(scope="module")
def nlp():
    return only("hj_dates")


# -- parse_durations ------------------------------------------------------------------------

@pytest.mark.parametrize("text, months", [
    ("a seven-year contract", [84]),
    ("for 4 years and 11 months", [59]),
    ("a total contract term of 7 years and 3 months", [87]),
    ("one more year", [12]),
    ("36 months", [36]),
    ("a 12-month extension", [12]),
    ("a 3-year contract", [36]),
    ("the option to extend for 2years", [24]),
    ("Duration in months: 87", [87]),
    ("twenty-four months", [24]),
])
def test_find_durations(text, months):
    assert [d.months for d in find_durations(text)] == months


@pytest.mark.parametrize("text", ["aged 18-65 years", "24/7, 365 days per year", "£25,800 a year",
                                  "paid in year 1", "3-4 years band"])
def test_find_durations_ignores_non_lengths(text):
    assert find_durations(text) == []


def test_number_words():
    assert number_value("seven") == 7
    assert number_value("Twenty-Four") == 24
    assert number_value("12") == 12
    assert number_value("several") is None


def test_to_months_limits():
    assert to_months("2", "years") == 24
    assert to_months("0", "years") is None
    assert to_months("999", "years") is None


# -- durations in context -------------------------------------------------------------------

@pytest.mark.parametrize("text, months", [
    ("The trust lost the seven-year contract for the two prisons.", [84]),
    ("an initial term of five years with the option to extend for up to two years", [60, 24]),
    ("The VEAT re-awards the contract for one more year.", [12]),
    ("The contract ran for a three-year period, and the buyer could add a 12-month extension.", [36, 12]),
    ("Renewal: 3 years at first, with the option of a further 2 years.", [36, 24]),
    ("The term is 3 years, and the commissioner may add a further 2 years, i.e. 3 + 2 = 5 years.",
     [36, 24, 60]),
    ("The contract is for an initial term of 3 years, in extensions of 2 years each.", [36, 24]),
])
def test_contract_lengths(nlp, text, months):
    assert nlp(text)._.durations_months == months


@pytest.mark.parametrize("text", [
    "The trust has provided prison healthcare for the last 10 years.",
    "He was jailed for six years in 2019.",
    "Inmates aged 21 years and over are held there.",
    "The report was published 10 years ago.",
    "Over the years the jail has held some infamous prisoners.",
    "HMP Thameside Contract Value: Per annum - PS9,020,153 Five years - PS45,100,765",
])
def test_not_contract_lengths(nlp, text):
    assert nlp(text)._.durations_months == []


def test_durations_are_deduplicated(nlp):
    text = "The deal is a two-year partnership, with an optional two-year extension."
    assert nlp(text)._.durations_months == [24]


# -- parse_dates ----------------------------------------------------------------------------

@pytest.mark.parametrize("span, iso", [
    ("1st June 2024", "2024-06-01"),
    ("the 01 April 2026", "2026-04-01"),
    ("01/10/2026", "2026-10-01"),  # day first
    ("30/09/2031", "2031-09-30"),
    ("May 24, 2023", "2023-05-24"),
    ("2031-09-30T23:59:59+01:00", "2031-09-30"),  # the stated day, not shifted by the offset
    ("1 Apr 2024", "2024-04-01"),
])
def test_parse_date(span, iso):
    assert parse_date(span) == iso


@pytest.mark.parametrize("span", ["", "31/02/2026", "April 2026", "x" * 100])
def test_parse_date_rejects(span):
    assert parse_date(span) is None


def test_find_dates_skips_month_only():
    assert [d.iso for d in find_dates("services start in July 2024 and end on 30 June 2031")] == [
        "2031-06-30"]


# -- contract start / end -------------------------------------------------------------------

def dates(nlp, text):
    doc = nlp(text)
    return doc._.contract_start, doc._.contract_end


@pytest.mark.parametrize("text, expected", [
    ("The contract, commencing on the 01 April 2026, lasts seven years.", ("2026-04-01", None)),
    ("Start date: 01/04/2026\nEnd date: 31/03/2029", ("2026-04-01", "2029-03-31")),
    ("Contract start date\n1 July 2021\n\nContract end date\n30 June 2028", ("2021-07-01", "2028-06-30")),
    ("The Authority will re-award the contract for one more year, from 1st June 2024 to 31st May 2025.",
     ("2024-06-01", "2025-05-31")),
    ("Contract period: 1 April 2026 to 31 March 2029", ("2026-04-01", "2029-03-31")),
    ("The contracts start on 1st June 2025 and run to 31st March 2032.", ("2025-06-01", "2032-03-31")),
    ("Contract start 01/10/2026; contract end 30/09/2031.", ("2026-10-01", "2031-09-30")),
    ("Lot 1 Contract Start: 2025-05-11T00:00:00+01:00", ("2025-05-11", None)),
    ("The contract now in place runs out on 31 March 2023.", (None, "2023-03-31")),
    ("Service delivery by the successful provider will commence from 1st April 2013.", ("2013-04-01", None)),
])
def test_stated_contract_dates(nlp, text, expected):
    assert dates(nlp, text) == expected


def test_range_beats_an_earlier_single_end(nlp):
    text = ("The incumbent's contract had been set to end on 31st March 2025. The modification adds "
            "12 months, covering 1st April 2025 to 31st March 2026.")
    assert dates(nlp, text) == ("2025-04-01", "2026-03-31")


def test_conditional_range_gives_way_to_the_base_term(nlp):
    text = ("It runs from 3rd May 2026 to 2nd May 2034 if extensions are used. The contract is let "
            "for an initial term of 03/05/2026 to 02/05/2031.")
    assert dates(nlp, text) == ("2026-05-03", "2031-05-02")


@pytest.mark.parametrize("text", [
    "Services start in July 2024 and contracts are signed in January 2024.",
    "Closing date\n7 December 2020",
    "Published date: 21 October 2020",
    "The consultation runs from 1 May 2025 to 30 June 2025.",
    "The inspection took place from 11 to 13 June 2019.",
    "The contract was signed on 23rd November 2023.",
    "Posted in News on May 24, 2023",
    "The standstill period closes on 21 May 2026.",
])
def test_not_contract_dates(nlp, text):
    assert dates(nlp, text) == (None, None)


def test_end_before_start_is_dropped(nlp):
    assert dates(nlp, "Start date: 01/04/2026\nEnd date: 31/03/2020") == ("2026-04-01", None)


def test_date_evidence_spans_carry_iso(nlp):
    doc = nlp("Start date: 01/04/2026")
    assert [(s.text, s.id_) for s in doc.spans["hj_facts"]] == [("01/04/2026", "2026-04-01")]


def test_ocds_contract_period_fields(nlp):
    text = ('{"tender": {"tenderPeriod": {"endDate": "2025-06-30T11:00:00+01:00"},\n'
            ' "contractPeriod": {\n  "startDate": "2025-11-01T00:00:00Z",\n'
            '  "endDate": "2026-10-31T23:59:59Z"\n }}}')
    assert dates(nlp, text) == ("2025-11-01", "2026-10-31")


def test_ocds_tender_period_alone_is_not_a_contract_date(nlp):
    assert dates(nlp, '{"tenderPeriod": {"endDate": "2025-06-30T11:00:00+01:00"}}') == (None, None)


# --- round 2: future lengths and "from <date> for <length>" ------------------------------

def _facts(nlp, text):
    doc = nlp(text)
    return doc._.durations_months, doc._.contract_start


def test_works_that_will_last_a_length(nlp):
    assert _facts(nlp, "Works will start in January 2025 and last 18 months.")[0] == [18]


def test_past_last_months_is_not_a_length(nlp):
    assert _facts(nlp, "Over the last 18 months the works have slowed.")[0] == []


def test_future_last_needs_a_piece_of_work(nlp):
    assert _facts(nlp, "The visit will last 3 months.")[0] == []


def test_from_date_for_length_gives_start_and_length(nlp):
    text = "The trust will run healthcare at HMP Belmarsh from 1 April 2024 for twelve months."
    assert _facts(nlp, text) == ([12], "2024-04-01")


def test_from_date_for_a_period_of(nlp):
    text = "Oxleas will look after patients from 1st October 2025 for a period of two years."
    assert _facts(nlp, text) == ([24], "2025-10-01")


def test_sentence_from_date_is_not_a_term(nlp):
    assert _facts(nlp, "He was jailed from 1 April 2024 for twelve months.") == ([], None)


def test_starts_on_date(nlp):
    assert _facts(nlp, "The new contract starts on 1 April 2025.")[1] == "2025-04-01"


@pytest.mark.parametrize("span, iso", [
    ("May 25, 2019", "2019-05-25"),
    ("Sept 8 2027", "2027-09-08"),
    ("December 31st, 2025", "2025-12-31"),
    ("February 30, 2024", None),
])
def test_month_first_dates_read_without_dateparser(span, iso, monkeypatch):
    import hjwatch.extractors.parse_dates as parse_dates

    parse_date.cache_clear()
    monkeypatch.setattr(parse_dates.dateparser, "parse", lambda *a, **k: pytest.fail("dateparser called"))
    assert parse_date(span) == iso
    parse_date.cache_clear()

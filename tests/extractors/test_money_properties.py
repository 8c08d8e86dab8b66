"""Property tests: the money, duration and date parsers never crash and return the right types."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from hjwatch.extractors.parse_dates import find_dates, parse_date
from hjwatch.extractors.parse_durations import find_durations, to_months
from hjwatch.extractors.parse_money import find_money, parse_amount

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Text made of the pieces these parsers look for, shuffled with noise, so the strategies reach
# the interesting paths and not only "no digits here".
PIECES = st.sampled_from([
    "£", "Â£", "ÂŁ", "PS", "GBP", " GBP", "m", "bn", " million", "k", ",", ".", " ", "-", "–", "/",
    "0", "1", "12", "999", "1,000", "38 108 065.00", "value: ", "Value excluding VAT: ",
    '"amount": ', '"currency": "GBP"', "+", "year", "years", "-year", "months", "seven", "one more ",
    " and ", "Duration in months: ", "1st", "31", "April", "Feb", "2026", "01/10/2026",
    "2025-05-11T00:00:00+01:00", "\n", "é", "\x00", "\ufffd",
])
TEXTS = st.one_of(st.text(max_size=200), st.lists(PIECES, max_size=40).map("".join))


@settings(max_examples=150, deadline=None)
@given(TEXTS)
def test_find_money_never_crashes_and_gives_ints(text):
    for m in find_money(text):
        assert type(m.value) is int and m.value >= 0
        assert 0 <= m.start < m.end <= len(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30), st.one_of(st.none(), st.text(max_size=10)))
def test_parse_amount_is_int_or_none(number, mult):
    value = parse_amount(number, mult)
    assert value is None or (type(value) is int and value >= 0)


@settings(max_examples=150, deadline=None)
@given(TEXTS)
def test_find_durations_never_crashes_and_gives_months(text):
    for d in find_durations(text):
        assert type(d.months) is int and 0 < d.months <= 600
        assert 0 <= d.start < d.end <= len(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=20), st.text(max_size=10))
def test_to_months_is_int_or_none(number, unit):
    months = to_months(number, unit)
    assert months is None or type(months) is int


@settings(max_examples=100, deadline=None)
@given(TEXTS)
def test_find_dates_never_crashes_and_gives_iso(text):
    for d in find_dates(text):
        assert ISO.match(d.iso)
        assert text[d.start:d.end] == d.text


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_parse_date_is_iso_or_none(span):
    iso = parse_date(span)
    assert iso is None or ISO.match(iso)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1000, max_value=10**12))
def test_comma_grouped_sums_round_trip(n):
    (m,) = find_money(f"The contract is worth £{n:,}.")
    assert m.value == n

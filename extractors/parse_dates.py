"""Find full calendar dates (day, month and year) and read them as ISO strings.

Our own regular expressions find the candidate spans; dateparser (English, day first) only
reads a span they found, never a whole text. The two commonest unambiguous forms ("1 April
2026", "01/04/2026" read day first) are read directly, as dateparser costs ~2 ms a call. A month without a day ("July 2024",
"April this year") is not a date here: contract start and end must be stated to the day.

Examples::

    >>> [(d.iso, d.text) for d in find_dates("from 1st June 2024 to 31st May 2025")]
    [('2024-06-01', '1st June 2024'), ('2025-05-31', '31st May 2025')]
    >>> [d.iso for d in find_dates("01/10/2026; 2031-09-30T23:59:59+01:00; July 2024")]
    ['2026-10-01', '2031-09-30']
    >>> parse_date("the 01 April 2026"), parse_date("31/02/2026"), parse_date("")
    ('2026-04-01', None, None)
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import dateparser

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
DATE_PATTERN = (
    rf"(?:{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}"  # 1st April 2013, 01 June 2025
    rf"|{_MONTH}\s+{_DAY},?\s+{_YEAR}"  # May 24, 2023
    rf"|[0-3]?\d[/.][01]?\d[/.]{_YEAR}"  # 01/10/2026, 1.4.2026
    rf"|{_YEAR}-[01]\d-[0-3]\d(?:T[0-9:.]+(?:Z|[+-]\d\d:?\d\d)?)?)"  # 2025-05-11T00:00:00+01:00
)
_DATE = re.compile(rf"(?<![\w/.-]){DATE_PATTERN.lower()}(?![\w/])")  # on lowered text
_ISO = re.compile(r"((?:19|20)\d\d)-([01]\d)-([0-3]\d)")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_PLAIN = re.compile(
    r"([0-3]?\d)\s+(january|february|march|april|may|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec),?\s+((?:19|20)\d\d)",
    re.IGNORECASE,
)
_NUMERIC = re.compile(r"([0-3]?\d)[/.]([01]?\d)[/.]((?:19|20)\d\d)")
# "May 25, 2019" / "September 8 2027": the US order common in OCDS-derived and news text.
_PLAIN_MDY = re.compile(
    r"(january|february|march|april|may|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\s+([0-3]?\d),?\s+((?:19|20)\d\d)",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)

_SETTINGS = {
    "DATE_ORDER": "DMY",
    "PREFER_DAY_OF_MONTH": "first",
    "REQUIRE_PARTS": ["day", "month", "year"],
    "RETURN_AS_TIMEZONE_AWARE": False,
}


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    iso: str
    text: str


@dataclass(frozen=True)
class DateSpan:
    """A candidate date not yet read: reading is the slow part, so callers read only the few
    spans their context rules select (``span.iso`` parses on first use, cached by text)."""

    start: int
    end: int
    text: str

    @property
    def iso(self) -> str | None:
        return parse_date(self.text)


@functools.lru_cache(maxsize=4096)
def parse_date(span: str) -> str | None:
    """ISO ``YYYY-MM-DD`` for a span our patterns found; None when it is not a real date.

    ISO forms are read directly (their clock and offset are dropped: the stated day counts).
    """
    if not span or len(span) > 60:
        return None
    iso = _ISO.search(span)
    if iso:
        try:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3])).isoformat()
        except ValueError:
            return None
    numeric = _NUMERIC.fullmatch(span.strip())
    if numeric:  # dd/mm/yyyy or dd.mm.yyyy: day first by policy, read without dateparser
        try:
            return dt.date(int(numeric[3]), int(numeric[2]), int(numeric[1])).isoformat()
        except ValueError:
            return None
    cleaned = _ORDINAL.sub("", span).replace(" of ", " ").strip(" ,.")
    cleaned = re.sub(r"^the\s+", "", cleaned, flags=re.IGNORECASE)
    plain = _PLAIN.fullmatch(cleaned)
    if plain:  # "1 April 2026", "1 Apr 2026": the common form, read directly (dateparser is slow)
        try:
            return dt.date(int(plain[3]), _MONTHS[plain[2].lower()[:3]], int(plain[1])).isoformat()
        except ValueError:
            return None
    mdy = _PLAIN_MDY.fullmatch(cleaned)
    if mdy:  # "May 25, 2019": read directly too
        try:
            return dt.date(int(mdy[3]), _MONTHS[mdy[1].lower()[:3]], int(mdy[2])).isoformat()
        except ValueError:
            return None
    try:
        parsed = dateparser.parse(cleaned, languages=["en"], settings=_SETTINGS)
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None
    return parsed.date().isoformat() if parsed else None


def find_date_spans(text: str) -> list[DateSpan]:
    """Every candidate full date in ``text``, in order, unread (see ``DateSpan``)."""
    from hjwatch.extractors.fact_rules import lowered

    return [DateSpan(m.start(), m.end(), text[m.start():m.end()]) for m in _DATE.finditer(lowered(text))]


def find_dates(text: str) -> list[FoundDate]:
    """Every full date in ``text``, in order, with its ISO reading."""
    out = []
    for span in find_date_spans(text):
        iso = span.iso
        if iso:
            out.append(FoundDate(span.start, span.end, iso, span.text))
    return out

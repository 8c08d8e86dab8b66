"""Find lengths of time written in years and months and read them as whole months.

Pure functions, no spaCy. Forms read: "seven-year", "3-year", "2years", "36 months",
"12-month", "4 years and 11 months", "7 years and 3 months", "one more year",
"a further 2 years", "Duration in months: 87". Whether a length is a *contract* length is
decided by the caller (``components/dates.py``) from the words around it.

Examples::

    >>> [d.months for d in find_durations("a seven-year deal, then 4 years and 11 months")]
    [84, 59]
    >>> [d.months for d in find_durations("one more year; Duration in months: 87; 2years")]
    [12, 87, 24]
    >>> number_value("twenty-four"), number_value("12"), number_value("lots")
    (24, 12, None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60}

_WORD = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|nineteen|eighteen|seventeen|sixteen|fifteen|fourteen|thirteen|twelve|eleven|ten"
    r"|nine|eight|seven|six|five|four|three|two|one)"
)
_NUMBER = rf"(?:\d{{1,3}}(?:\.5)?|{_WORD})"
# "one more year", "two further years", "an additional": a word between number and unit.
_EXTRA = r"(?:\s(?:more|further|additional|extra))?"
_YEARS = r"(?:years?|yrs?)"
_MONTHS = r"(?:months?|mths?)"

_DURATION = re.compile(
    rf"(?<![\w£$.,/:-])(?P<n1>{_NUMBER}){_EXTRA}(?:-|\s)?(?P<u1>{_YEARS}|{_MONTHS})(?![\w-])"
    rf"(?:(?:,|\sand|\s&)?\s(?P<n2>{_NUMBER})(?:-|\s)?(?P<u2>{_MONTHS})(?![\w-]))?",
)
_LABELLED = re.compile(r"\bduration\s+in\s+(?P<u1>months|years|days)\s*:?\s*(?P<n1>\d{1,4})\b")
# Patterns read the lowered text (same offsets, faster than re.IGNORECASE), and only when a
# unit word occurs at all.
_UNIT_WORDS = ("year", "yr", "month", "mth")
MAX_MONTHS = 600  # fifty years: anything longer is not a contract term


@dataclass(frozen=True)
class Duration:
    start: int
    end: int
    months: int


def number_value(word: str) -> float | None:
    """The value of a number written in digits or English words (up to 69), else None."""
    w = word.strip().lower().replace("-", " ")
    try:
        return int(w) if w.isdigit() else float(w)
    except ValueError:
        pass
    parts = w.split()
    if len(parts) == 1:
        return _UNITS.get(parts[0], _TENS.get(parts[0]))
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS:
        return _TENS[parts[0]] + _UNITS[parts[1]]
    return None


def to_months(number: str, unit: str) -> int | None:
    """Whole months for "<number> <unit>"; None when unreadable or out of range.

    >>> to_months("seven", "year"), to_months("36", "months"), to_months("1.5", "years")
    (84, 36, 18)
    """
    value = number_value(number)
    if value is None:
        return None
    unit = unit.lower()
    if unit.startswith(("y",)):
        months = value * 12
    elif unit.startswith("m"):
        months = value
    elif unit.startswith("d"):
        months = value / 30.4375
    else:
        return None
    months = int(round(months))
    return months if 0 < months <= MAX_MONTHS else None


def find_durations(text: str) -> list[Duration]:
    """Every length of time in ``text``, in order ("7 years and 3 months" is one, 87)."""
    from hjwatch.extractors.fact_rules import lowered

    text = lowered(text)
    found: list[Duration] = []
    if not any(unit in text for unit in _UNIT_WORDS):
        return found
    for m in _DURATION.finditer(text):
        months = to_months(m.group("n1"), m.group("u1"))
        if months is None:
            continue
        if m.group("n2") and m.group("u1").lower().startswith("y"):
            extra = to_months(m.group("n2"), m.group("u2"))
            if extra is not None and extra < 12:
                months += extra
        found.append(Duration(m.start(), m.end(), months))
    for m in _LABELLED.finditer(text):
        months = to_months(m.group("n1"), m.group("u1"))
        if months is not None:
            found.append(Duration(m.start(), m.end(), months))
    found.sort(key=lambda d: d.start)
    return found

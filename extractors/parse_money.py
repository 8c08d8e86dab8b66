"""Find sums of money in pounds and read them as whole pounds (pure functions, no spaCy).

Forms read: £85m, £1.7 million, £ 1.7m, £236,000,000, £2.5bn, GBP 4,391,992,
"38 108 065.00 GBP", "960000.0 GBP", "4 million pounds", mis-encoded signs ("Â£1.2m",
"ÂŁ400,000", "PS9,020,153" where a £ was lost in conversion), value labels without a sign
("Value excluding VAT: 3,400,000") and OCDS JSON (``"amount": 15502193.0`` beside
``"currency": "GBP"``). Whether a sum is a *contract* value is decided by the caller
(``components/money.py``) from the words around it.

Examples::

    >>> parse_amount("85", "m"), parse_amount("1.7", "million"), parse_amount("2.5", "bn")
    (85000000, 1700000, 2500000000)
    >>> parse_amount("38 108 065.00", None), parse_amount("4.43", "million")
    (38108065, 4430000)
    >>> [(m.value, m.band) for m in find_money("£4,431,270 £1M-£10M and Â£1.2m, PS9,020,153")]
    [(4431270, False), (1000000, True), (10000000, True), (1200000, False), (9020153, False)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MULTIPLIERS = {
    "k": 1_000, "thousand": 1_000,
    "m": 1_000_000, "mn": 1_000_000, "mil": 1_000_000, "million": 1_000_000, "millions": 1_000_000,
    "b": 1_000_000_000, "bn": 1_000_000_000, "billion": 1_000_000_000,
}

# Numbers: comma thousands, space thousands ("38 108 065.00"), or plain digits.
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3})+(?:\.\d{2})?(?!\d)|\d+(?:\.\d+)?"
_MULT = r"(?:bn|billion|b|mn|mil|millions|million|m|k|thousand)(?![a-z])"
# A pound sign and what it turns into: Latin-1 mojibake "Â£", Latin-2 "ÂŁ", the HTML entity,
# the ISO code, and "PS" (a £ that a PDF or CP437 conversion spelled out), only glued to digits.
_SIGN = r"(?:â£|âł|£|&pound;|&#163;|gbp|ukp|(?<![a-z])ps(?=\d))"

# All patterns read the *lowered* text (same offsets; much faster than re.IGNORECASE).
_PREFIXED = re.compile(rf"(?P<sign>{_SIGN})\s?(?P<num>{_NUM})(?:\s?(?P<mult>{_MULT}))?")
# Suffixed sums ("960000.0 GBP") are found from the currency word backwards: cheaper than
# trying a number at every digit of the text.
_SUFFIX_WORD = re.compile(r"\b(?:gbp|pounds sterling|pounds|sterling)\b")
_SUFFIXED_TAIL = re.compile(
    rf"(?<![\d£.,])(?P<num>{_NUM})(?:\s?(?P<mult>{_MULT}))?\s?$"
)
# "Value excluding VAT: 3,400,000", "Total value of the contract/lot: 4040000" (no sign).
# Quoted JSON keys are left to _JSON_AMOUNT, which checks the currency.
_LABELLED = re.compile(
    r"(?<!\")\b(?:value|amount)\b(?!\")[^:\n£]{0,45}?:\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{4,}(?:\.\d+)?)"
    r"(?!\s*(?:%|per ?cent|[a-z£]))"
)
_JSON_AMOUNT = re.compile(r'"amount"\s*:\s*(?P<num>\d+(?:\.\d+)?)')
_JSON_GBP = re.compile(r'"currency"\s*:\s*"gbp"')
# "£1M-£10M" right after another sum is an aggregator's size band, not a value.
_RANGE_GAP = re.compile(r"\s?(?:-|–|—|to)\s?$")


@dataclass(frozen=True)
class Money:
    """A sum found in text: character offsets, whole pounds, and how it was written."""

    start: int
    end: int
    value: int
    form: str  # "sign", "suffix", "label" or "json"
    band: bool = False  # part of a size band such as "£1M-£10M"


def parse_amount(number: str, multiplier: str | None = None) -> int | None:
    """Whole pounds from a number as written and an optional multiplier word.

    Never raises: anything unreadable gives ``None``.

    >>> parse_amount("236,000,000"), parse_amount("960000.0"), parse_amount("x")
    (236000000, 960000, None)
    """
    try:
        amount = Decimal(number.replace(",", "").replace(" ", ""))
    except (InvalidOperation, AttributeError):
        return None
    if multiplier:
        factor = MULTIPLIERS.get(multiplier.lower())
        if factor is None:
            return None
        amount *= factor
    if not amount.is_finite() or amount < 0 or amount > 10**13:
        return None
    return int(amount)


def find_money(text: str) -> list[Money]:
    """Every sum in ``text`` in order; overlapping readings keep the first, longest one."""
    from hjwatch.extractors.fact_rules import lowered

    text = lowered(text)
    found: list[Money] = []
    for m in _PREFIXED.finditer(text):
        value = parse_amount(m.group("num"), m.group("mult"))
        if value is not None:
            found.append(Money(m.start(), m.end(), value, "sign"))
    for word in _SUFFIX_WORD.finditer(text):
        m = _SUFFIXED_TAIL.search(text, max(0, word.start() - 40), word.start())
        if m:
            value = parse_amount(m.group("num"), m.group("mult"))
            if value is not None:
                found.append(Money(m.start(), word.end(), value, "suffix"))
    for m in _LABELLED.finditer(text):
        value = parse_amount(m.group("num"))
        if value is not None:
            found.append(Money(m.start("num"), m.end("num"), value, "label"))
    if '"amount"' in text and _JSON_GBP.search(text):  # (text is lowered here)
        for m in _JSON_AMOUNT.finditer(text):
            # Only amounts whose own object names GBP (the next ~80 characters).
            if _JSON_GBP.search(text, m.end(), m.end() + 80):
                value = parse_amount(m.group("num"))
                if value is not None:
                    found.append(Money(m.start("num"), m.end("num"), value, "json"))
    found.sort(key=lambda x: (x.start, -(x.end - x.start)))
    kept: list[Money] = []
    for money in found:
        if kept and money.start < kept[-1].end:
            continue
        kept.append(money)
    return _mark_bands(text, kept)


def _mark_bands(text: str, sums: list[Money]) -> list[Money]:
    """Flag "£1M-£10M" ranges that directly follow another sum on the same line."""
    out = list(sums)
    for i in range(1, len(out)):
        # "£100,190,896 £100M+": an open-ended band after the value.
        between = text[out[i - 1].end:out[i].start]
        if text.startswith("+", out[i].end) and between.strip() == "" and "\n" not in between:
            m = out[i]
            out[i] = Money(m.start, m.end, m.value, m.form, band=True)
    for i in range(1, len(out) - 1):
        prev, lo, hi = out[i - 1], out[i], out[i + 1]
        if not _RANGE_GAP.search(text[lo.end:hi.start]):
            continue
        between = text[prev.end:lo.start]
        if between.strip() == "" and "\n" not in between and lo.value < hi.value:
            out[i] = Money(lo.start, lo.end, lo.value, lo.form, band=True)
            out[i + 1] = Money(hi.start, hi.end, hi.value, hi.form, band=True)
    return out

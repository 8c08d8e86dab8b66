"""Relevance pre-filter for notice releases: keep anything that may be custodial healthcare.

Broad on purpose. The spiders page through every notice the services publish (neither API
filters by CPV or keyword), and only a handful a week concern healthcare in prisons, IRCs,
the children's secure estate or police custody. This filter drops the obviously unrelated
bulk (parking, road works, software) before anything is stored; the extractor's relevance
decision comes after, on what is kept. A release is kept when any of these holds:

- ``health_cpv+custody``: a CPV code in division 85 (health and social work services) and a
  custody term anywhere in its text;
- ``health_and_justice_buyer``: a buyer called "... Health and Justice ..." (NHS England's
  commissioning teams for prisons and other secure settings);
- ``named_prison``: a prison, YOI, IRC, STC or secure children's home of the gazetteer named
  with its designator ("HMP Belmarsh", "Brook House IRC");
- ``health_terms+custody``: a healthcare term and a custody term together, whatever the CPV
  (prison pharmacy or dental contracts are often classed outside division 85).

Example::

    >>> release = {"tender": {"title": "Healthcare services at HMP Belmarsh",
    ...            "classification": {"scheme": "CPV", "id": "85100000"}}}
    >>> keep, reasons = prefilter(release)
    >>> keep, reasons
    (True, ['health_cpv+custody', 'named_prison', 'health_terms+custody'])
    >>> prefilter({"tender": {"title": "Civil parking enforcement", "classification": {"id": "98351110"}}})
    (False, [])
"""

from __future__ import annotations

import csv
import functools
import io
import re
from importlib import resources
from typing import Any, Iterable

# Custody settings. "secure" alone is too common ("secure IT"), so it needs a setting noun.
CUSTODY_TERMS = (
    r"prisons?", r"prisoners?", r"custody", r"custodial", r"HMP", r"HMYOI", r"YOI",
    r"young offenders?(?: institutions?)?", r"offenders?", r"secure (?:estate|settings?|hospitals?|units?|"
    r"children'?s homes?|training centres?|services?|environments?|mental health)",
    r"secure training centres?", r"STCs?", r"immigration removal centres?", r"IRCs?",
    r"immigration detention", r"detention centres?", r"detained", r"detainees?",
    r"short[- ]term holding facilit(?:y|ies)", r"SARCs?", r"sexual assault referral centres?",
    r"police custody", r"custody suites?", r"liaison and diversion", r"health and justice",
    r"health & justice", r"criminal justice", r"probation", r"approved premises",
)

# Healthcare. Deliberately wide: what matters is the conjunction with a custody term.
HEALTH_TERMS = (
    r"health ?care", r"health", r"medical", r"medicines?", r"clinical", r"clinicians?",
    r"nursing", r"nurses?", r"pharmacy", r"pharmaceutical", r"dental", r"dentistry",
    r"GP", r"general practice", r"primary care", r"mental health", r"psychiatric",
    r"psychological", r"substance misuse", r"drug and alcohol", r"recovery services?",
    r"sexual health", r"forensic (?:medical|medicine|healthcare|nurse|physician)",
    r"optometry", r"podiatry", r"physiotherapy", r"wellbeing",
)

HEALTH_AND_JUSTICE_BUYER = re.compile(r"health\s*(?:and|&)\s*justice", re.I)

# Designators that make a gazetteer alias an unambiguous name of a place of detention
# ("Bristol" alone is a city; "HMP Bristol" is a prison).
DESIGNATOR = re.compile(
    r"\b(?:HMP|HMYOI|YOI|HM Prison|prison|IRC|Immigration Removal Centre|STC|Secure Training Centre|"
    r"Secure Children'?s Home|SCH|Young Offender Institution)\b",
    re.I,
)


def _word_regex(terms: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(terms) + r")(?![\w-])", re.I)


CUSTODY_RE = _word_regex(CUSTODY_TERMS)
HEALTH_RE = _word_regex(HEALTH_TERMS)


@functools.lru_cache(maxsize=1)
def prison_name_regex() -> re.Pattern[str] | None:
    """One regex matching every gazetteer name and designated alias of a place of detention."""
    try:
        data = resources.files("hjwatch.extractors.data").joinpath("gazetteers/prisons.csv").read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return None
    names: set[str] = set()
    for row in csv.DictReader(io.StringIO(data)):
        for name in [row.get("name", "")] + (row.get("aliases") or "").split(";"):
            name = name.strip()
            if len(name) >= 5 and DESIGNATOR.search(name):
                names.add(name)
    if not names:
        return None
    # Longest first so "HMP & YOI Doncaster" wins over "HMP Doncaster" in the alternation.
    ordered = sorted(names, key=len, reverse=True)
    pattern = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in ordered)
    return re.compile(r"(?<!\w)(?:" + pattern + r")(?!\w)", re.I)


def _cpv_codes(release: dict[str, Any]) -> list[str]:
    """Every CPV code of a release: tender classification, items, lots' items, awards' items."""
    codes: list[str] = []

    def add(classification: Any) -> None:
        if isinstance(classification, dict):
            scheme = str(classification.get("scheme") or "CPV").upper()
            code = classification.get("id")
            if scheme == "CPV" and code:
                codes.append(str(code))

    def items(container: Any) -> None:
        if not isinstance(container, dict):
            return
        add(container.get("classification"))
        for item in container.get("items") or []:
            if isinstance(item, dict):
                add(item.get("classification"))
                for extra in item.get("additionalClassifications") or []:
                    add(extra)

    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    items(tender)
    for lot in tender.get("lots") or []:
        items(lot)
    for award in release.get("awards") or []:
        items(award)
    return codes


def _strings(release: dict[str, Any]) -> list[str]:
    """The free text a human would read to judge a notice: titles, descriptions, buyer."""
    out: list[str] = []

    def add(value: Any) -> None:
        if isinstance(value, str) and value.strip():
            out.append(value)

    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    add(release.get("title"))
    add(release.get("description"))
    add(tender.get("title"))
    add(tender.get("description"))
    add(tender.get("procurementMethodRationale"))
    for lot in tender.get("lots") or []:
        if isinstance(lot, dict):
            add(lot.get("title"))
            add(lot.get("description"))
    for key in ("awards", "contracts"):
        for entry in release.get(key) or []:
            if isinstance(entry, dict):
                add(entry.get("title"))
                add(entry.get("description"))
    planning = release.get("planning") if isinstance(release.get("planning"), dict) else {}
    add(planning.get("rationale"))
    for name in buyer_names(release):
        add(name)
    return out


def buyer_names(release: dict[str, Any]) -> list[str]:
    """Names of the release's buyer: ``buyer.name`` and parties with the ``buyer`` role."""
    names: list[str] = []
    buyer = release.get("buyer")
    if isinstance(buyer, dict) and isinstance(buyer.get("name"), str):
        names.append(buyer["name"])
    for party in release.get("parties") or []:
        if isinstance(party, dict) and "buyer" in (party.get("roles") or []):
            name = party.get("name")
            if isinstance(name, str) and name not in names:
                names.append(name)
    return names


def prefilter(release: dict[str, Any]) -> tuple[bool, list[str]]:
    """Decide whether a release may be about custodial healthcare; returns (keep, reasons)."""
    if not isinstance(release, dict):
        return False, []
    text = "\n".join(_strings(release))
    reasons: list[str] = []
    custody = bool(CUSTODY_RE.search(text))
    if custody and any(code.startswith("85") for code in _cpv_codes(release)):
        reasons.append("health_cpv+custody")
    if any(HEALTH_AND_JUSTICE_BUYER.search(name) for name in buyer_names(release)):
        reasons.append("health_and_justice_buyer")
    prisons = prison_name_regex()
    # The gazetteer regex is large: run it only where a designator ("HMP", "IRC", ...) appears.
    if prisons is not None and DESIGNATOR.search(text) and prisons.search(text):
        reasons.append("named_prison")
    if custody and HEALTH_RE.search(text):
        reasons.append("health_terms+custody")
    return bool(reasons), reasons

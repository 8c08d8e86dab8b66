"""An OCDS release as a row of the ``notices`` table.

The notice spiders pass ``item["notice"]`` with the fields already mapped; anything they leave
out is read from the release itself, so a notice row is complete whichever spider stored it.

Example::

    >>> release = {"ocid": "ocds-h6vhtk-0525b3", "id": "ocds-h6vhtk-0525b3-1", "tag": ["award"],
    ...            "buyer": {"name": "NHS England"},
    ...            "awards": [{"suppliers": [{"name": "Practice Plus Group"}],
    ...                        "value": {"amount": 85000000, "currency": "GBP"}}]}
    >>> row = notice_row(release, {})
    >>> row["ocid"], row["buyer"], row["suppliers"], row["value"], row["notice_type"]
    ('ocds-h6vhtk-0525b3', 'NHS England', '["Practice Plus Group"]', 85000000.0, 'award')
"""

from __future__ import annotations

import json
from typing import Any


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _date(value: Any) -> str | None:
    """The date part of an OCDS datetime ("2025-04-01T00:00:00Z" -> "2025-04-01")."""
    return str(value)[:10] if value else None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def suppliers_of(release: dict[str, Any]) -> list[str]:
    """Supplier names from awards, then from parties with the supplier role, deduplicated."""
    names: list[str] = []
    for award in release.get("awards") or []:
        for supplier in (award or {}).get("suppliers") or []:
            name = (supplier or {}).get("name")
            if name and name not in names:
                names.append(name)
    for party in release.get("parties") or []:
        if "supplier" in ((party or {}).get("roles") or []):
            name = party.get("name")
            if name and name not in names:
                names.append(name)
    return names


def buyer_of(release: dict[str, Any]) -> str | None:
    name = _get(release, "buyer", "name")
    if name:
        return name
    for party in release.get("parties") or []:
        if "buyer" in ((party or {}).get("roles") or []):
            return party.get("name")
    return None


def value_of(release: dict[str, Any]) -> tuple[float | None, str | None]:
    """The most settled value: contract, then award, then tender."""
    candidates = [c.get("value") for c in release.get("contracts") or [] if isinstance(c, dict)]
    candidates += [a.get("value") for a in release.get("awards") or [] if isinstance(a, dict)]
    candidates.append(_get(release, "tender", "value"))
    for value in candidates:
        amount = _number(_get(value, "amount"))
        if amount is not None:
            return amount, _get(value, "currency")
    return None, None


def period_of(release: dict[str, Any]) -> tuple[str | None, str | None]:
    periods = [c.get("period") for c in release.get("contracts") or [] if isinstance(c, dict)]
    periods += [a.get("contractPeriod") for a in release.get("awards") or [] if isinstance(a, dict)]
    periods.append(_get(release, "tender", "contractPeriod"))
    for period in periods:
        if isinstance(period, dict) and (period.get("startDate") or period.get("endDate")):
            return _date(period.get("startDate")), _date(period.get("endDate"))
    return None, None


def cpv_of(release: dict[str, Any]) -> list[str]:
    codes: list[str] = []
    tender = release.get("tender") or {}
    classifications = [_get(tender, "classification")]
    for item in tender.get("items") or []:
        if isinstance(item, dict):
            classifications.append(item.get("classification"))
            classifications.extend(item.get("additionalClassifications") or [])
    for c in classifications:
        code = _get(c, "id")
        if code and str(code) not in codes:
            codes.append(str(code))
    return codes


def notice_row(release: dict[str, Any] | None, mapped: dict[str, Any] | None) -> dict[str, Any]:
    """The ``notices`` columns (without ``document_id``) for one release."""
    release = release if isinstance(release, dict) else {}
    mapped = mapped if isinstance(mapped, dict) else {}
    tag = mapped.get("tag", release.get("tag"))
    tags = tag if isinstance(tag, list) else ([tag] if tag else [])
    value, currency = value_of(release)
    start, end = period_of(release)
    suppliers = mapped.get("suppliers")
    if suppliers is None:
        suppliers = suppliers_of(release)
    cpv = mapped.get("cpv")
    if cpv is None:
        cpv = cpv_of(release)
    tender = release.get("tender") or {}
    return {
        "ocid": mapped.get("ocid") or release.get("ocid"),
        "release_id": str(mapped.get("release_id") or release.get("id") or ""),
        "date": _date(mapped.get("date") or release.get("date")),
        "tag": json.dumps(tags),
        "notice_type": mapped.get("notice_type") or (tags[-1] if tags else None),
        "title": mapped.get("title") or tender.get("title"),
        "buyer": mapped.get("buyer") or buyer_of(release),
        "suppliers": json.dumps(list(suppliers or []), ensure_ascii=False),
        "value": _number(mapped.get("value")) if mapped.get("value") is not None else value,
        "currency": mapped.get("currency") or currency,
        "contract_start": _date(mapped.get("contract_start")) or start,
        "contract_end": _date(mapped.get("contract_end")) or end,
        "cpv": json.dumps(list(cpv or [])),
        "procedure": mapped.get("procedure") or tender.get("procurementMethodDetails") or tender.get("procurementMethod"),
        "release_json": json.dumps(release, ensure_ascii=False) if release else None,
    }

"""The extraction record's fields, and the effective record (extraction + corrections).

Corrections are stored apart from extractions and applied on top, field by field, so a
reviewer's word wins over every later re-extraction.

Example::

    >>> rec = effective_record({"relevant": False, "prisons": ["HMP Leeds"]}, {"relevant": True})
    >>> rec["relevant"], rec["prisons"], rec["trusts"]
    (True, ['HMP Leeds'], [])
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

# CONTRACT.md "Extraction output" fields, in its order (without path and mentions).
LIST_FIELDS = ("trusts", "prisons", "companies", "buyers", "values_gbp", "durations_months",
               "litigation_snippets", "events")
NAME_FIELDS = ("trusts", "prisons", "companies", "buyers")
INT_LIST_FIELDS = ("values_gbp", "durations_months")
BOOL_FIELDS = ("relevant", "litigation")
DATE_FIELDS = ("contract_start", "contract_end")
RECORD_FIELDS = ("relevant", "trusts", "prisons", "companies", "buyers", "values_gbp",
                 "durations_months", "contract_start", "contract_end", "litigation",
                 "litigation_snippets", "events")
EVENTS = ("award", "tender", "intention_to_award", "loss", "withdrawal", "notice_served",
          "legal_challenge", "modification", "extension", "market_engagement",
          "prior_information", "inspection", "other")
# CONTRACT.md "Export": document fields that come before the extraction fields.
DOCUMENT_FIELDS = ("kind", "source", "url", "title", "published", "fetched_at")


def empty_record() -> dict[str, Any]:
    """A record with every field present and nothing found."""
    rec: dict[str, Any] = {f: [] for f in LIST_FIELDS}
    rec.update(relevant=False, litigation=False, contract_start=None, contract_end=None)
    return {f: rec[f] for f in RECORD_FIELDS}


def normalise_record(record: dict[str, Any] | None) -> dict[str, Any]:
    """Every CONTRACT.md field present with the right type; unknown keys dropped."""
    out = empty_record()
    for field in RECORD_FIELDS:
        value = (record or {}).get(field)
        if value is None:
            continue
        if field in LIST_FIELDS:
            out[field] = list(value) if isinstance(value, (list, tuple)) else [value]
        elif field in BOOL_FIELDS:
            out[field] = bool(value)
        else:
            out[field] = value
    return out


def effective_record(extracted: dict[str, Any] | None, corrections: dict[str, Any]) -> dict[str, Any]:
    """The extraction with each corrected field replaced by the reviewer's value."""
    rec = normalise_record(extracted)
    for field, value in corrections.items():
        if field in rec:
            rec[field] = value
    return rec


def parse_field_value(field: str, value: str) -> Any:
    """Turn a reviewer's command-line value into the field's type, or raise ``ValueError``.

    Lists accept JSON (``'["HMP Leeds"]'``) or ``;``-separated text; ``-`` or an empty string
    clears a field.

    >>> parse_field_value("values_gbp", "85000000; 236,000,000")
    [85000000, 236000000]
    >>> parse_field_value("relevant", "yes")
    True
    >>> parse_field_value("contract_end", "2029-09-30")
    '2029-09-30'
    """
    if field not in RECORD_FIELDS:
        raise ValueError(f"unknown field {field!r}; one of: {', '.join(RECORD_FIELDS)}")
    raw = value.strip()
    if field in BOOL_FIELDS:
        lowered = raw.lower()
        if lowered in ("true", "yes", "y", "1"):
            return True
        if lowered in ("false", "no", "n", "0"):
            return False
        raise ValueError(f"{field} takes true or false, not {value!r}")
    if field in DATE_FIELDS:
        if raw in ("", "-", "null", "none"):
            return None
        try:
            return dt.date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError(f"{field} takes a date like 2029-09-30, not {value!r}") from None
    # list fields
    if raw in ("", "-", "[]"):
        return []
    items: list[Any]
    if raw.startswith("["):
        try:
            items = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{field}: not a JSON list ({exc.msg})") from None
        if not isinstance(items, list):
            raise ValueError(f"{field}: expected a list")
    else:
        items = [part.strip() for part in raw.split(";") if part.strip()]
    if field in INT_LIST_FIELDS:
        try:
            items = [int(str(x).replace(",", "").replace("£", "").strip()) for x in items]
        except ValueError:
            raise ValueError(f"{field} takes whole numbers, not {value!r}") from None
    else:
        items = [str(x).strip() for x in items]
    if field == "events":
        bad = [e for e in items if e not in EVENTS]
        if bad:
            raise ValueError(f"unknown event {bad[0]!r}; one of: {', '.join(EVENTS)}")
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen

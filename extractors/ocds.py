"""OCDS releases: the text the extractor reads, the fields a notice row holds, and the values
the release states outright (merged over what the extractor finds in the text).

Three functions, all pure and tolerant of the real data's quirks (missing keys, strings where
objects belong, ``1e9999`` values already turned into ``None`` by :func:`loads_release_package`,
amounts in other currencies, Contracts Finder's mojibake):

- :func:`release_to_text` -> str: title, description, lots, awards and contracts as prose;
- :func:`notice_fields` -> dict: the mapped columns of a notice (ocid, release id, tag, notice
  type, buyer, suppliers, value, contract period, lots, CPV, procedure with PSR detection);
- :func:`structured_fields` -> dict: a partial CONTRACT.md record (``values_gbp``,
  ``durations_months``, ``contract_start``/``contract_end``, ``buyers``, ``companies``,
  ``trusts``, ``events``).

Example::

    >>> release = {"ocid": "ocds-h6vhtk-0abc12", "id": "012345-2025", "date": "2025-03-04T10:00:00Z",
    ...     "tag": ["award"], "buyer": {"name": "NHS England"},
    ...     "tender": {"title": "Healthcare at HMP Example", "description": "Prison healthcare services."},
    ...     "awards": [{"value": {"amount": 1200000, "currency": "GBP"},
    ...                 "suppliers": [{"name": "Example Health Ltd"}],
    ...                 "contractPeriod": {"startDate": "2025-04-01T00:00:00Z", "endDate": "2030-03-31T23:59:59Z"}}]}
    >>> print(release_to_text(release))
    Healthcare at HMP Example
    <BLANKLINE>
    Prison healthcare services.
    <BLANKLINE>
    Buyer: NHS England
    Suppliers: Example Health Ltd
    >>> s = structured_fields(release)
    >>> s["values_gbp"], s["durations_months"], s["contract_start"], s["contract_end"], s["events"]
    ([1200000], [60], '2025-04-01', '2030-03-31', ['award'])
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import math
import re
from importlib import resources
from typing import Any, Iterable

import ftfy

# ---------------------------------------------------------------------------------------------
# Parsing


def _parse_float(text: str) -> float | None:
    # FTS packages have carried `1e9999`, which json turns into inf: an "unknown" amount, never
    # a real one. None keeps it out of every value list and keeps the release JSON-serialisable.
    value = float(text)
    return value if math.isfinite(value) else None


def _parse_constant(name: str) -> None:
    # NaN / Infinity / -Infinity are not JSON; treat them like 1e9999.
    return None


def loads_release_package(data: bytes | str) -> dict[str, Any]:
    """Parse an OCDS package: non-finite numbers become None; raises ``ValueError`` if not JSON.

    >>> loads_release_package(b'{"releases": [{"tender": {"value": {"amount": 1e9999}}}]}')
    {'releases': [{'tender': {'value': {'amount': None}}}]}
    """
    if isinstance(data, bytes):
        data = decode_json_bytes(data)[0]
    return json.loads(data, parse_float=_parse_float, parse_constant=_parse_constant)


def decode_json_bytes(data: bytes) -> tuple[str, str]:
    """Decode a JSON body: UTF-8 (JSON's own encoding, whatever the Content-Type header says),
    else Windows-1252. Returns (text, encoding used).

    Contracts Finder declares ISO-8859-1 but sends UTF-8; decoding by the header would turn
    every "£" into "Â£" a second time.

    >>> decode_json_bytes('{"a": "£"}'.encode("utf-8"))
    ('{"a": "£"}', 'utf-8')
    >>> decode_json_bytes('{"a": "£"}'.encode("cp1252"))
    ('{"a": "£"}', 'cp1252')
    """
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def release_spans(text: str, count: int) -> list[str] | None:
    """The exact source text of each object in the package's top-level ``releases`` array.

    Used to keep each release's bytes as received (``1e9999`` included) rather than a
    re-serialisation. Returns None when the array cannot be located unambiguously.

    >>> release_spans('{"releases": [ {"id": 1e9999} , {"id": "b"} ], "links": {}}', 2)
    ['{"id": 1e9999}', '{"id": "b"}']
    """
    match = re.search(r'"releases"\s*:\s*\[', text)
    if not match:
        return None
    decoder = json.JSONDecoder(parse_float=_parse_float, parse_constant=_parse_constant)
    pos = match.end()
    spans: list[str] = []
    ws = re.compile(r"[\s,]*")
    while True:
        pos = ws.match(text, pos).end()
        if pos >= len(text):
            return None
        if text[pos] == "]":
            break
        try:
            _, end = decoder.raw_decode(text, pos)
        except ValueError:
            return None
        spans.append(text[pos:end])
        pos = end
    return spans if len(spans) == count else None


# ---------------------------------------------------------------------------------------------
# Small readers


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _s(value: Any) -> str | None:
    """A cleaned string (mojibake repaired, whitespace trimmed), or None."""
    if not isinstance(value, str):
        return None
    value = fix_text(value).strip()
    return value or None


def fix_text(text: str) -> str:
    """Repair mojibake ("Â£" -> "£", "â€™" -> "’") without touching clean text.

    >>> fix_text("Budget of Â£1.2m for the prisonâ€™s service")
    'Budget of £1.2m for the prison’s service'
    """
    if not text or text.isascii():  # mojibake needs non-ASCII characters: skip the costly check
        return text
    return _fix_text_cached(text)


@functools.lru_cache(maxsize=4096)
def _fix_text_cached(text: str) -> str:
    # The same title and description are read for the text, the notice and the values.
    # ftfy is careful not to "fix" text that is already right. Curly quotes are kept: they are
    # what the buyer wrote, and straightening them is not a repair.
    return ftfy.fix_text(text, uncurl_quotes=False, normalization="NFC")


def iso_date(value: Any) -> str | None:
    """The ISO date (YYYY-MM-DD) at the start of an OCDS date-time, or None.

    >>> iso_date("2025-04-23T23:59:59+01:00"), iso_date("not a date"), iso_date(None)
    ('2025-04-23', None, None)
    """
    if not isinstance(value, str):
        return None
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def months_between(start: str | None, end: str | None) -> int | None:
    """Whole months from start to end date (an end on the last day rounds up), or None.

    >>> months_between("2025-04-01", "2030-03-31"), months_between("2025-01-23", "2025-04-23")
    (60, 3)
    """
    if not start or not end:
        return None
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if b <= a:
        return None
    days = (b - a).days + 1
    months = round(days / 30.4375)
    return months or None


def money(value: Any) -> tuple[int | None, str | None]:
    """(amount as whole units, currency) of an OCDS Value; amount None if missing, zero,
    negative or non-finite.

    >>> money({"amount": 85000000.0, "currency": "GBP"}), money({"amount": 0, "currency": "GBP"})
    ((85000000, 'GBP'), (None, 'GBP'))
    >>> money({"amount": None, "currency": "GBP"}), money("12")
    ((None, 'GBP'), (None, None))
    """
    value = _d(value)
    currency = value.get("currency") if isinstance(value.get("currency"), str) else None
    amount = value.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        return None, currency
    if not math.isfinite(amount) or amount <= 0:
        return None, currency
    return int(round(amount)), (currency.upper() if currency else None)


def _dedupe(values: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v is not None and v not in out:
            out.append(v)
    return out


@functools.lru_cache(maxsize=1)
def notice_type_data() -> dict[str, Any]:
    """``extractors/data/ocds_notice_types.json``: notice types, tags and PSR markers."""
    text = resources.files("hjwatch.extractors.data").joinpath("ocds_notice_types.json").read_text("utf-8")
    return json.loads(text)


# ---------------------------------------------------------------------------------------------
# Names: resolve to the gazetteers' canonical names where an exact alias matches


def _norm_name(name: str) -> str:
    name = name.casefold().replace("&", " and ")
    name = re.sub(r"[^\w]+", " ", name)
    return " ".join(name.split())


@functools.lru_cache(maxsize=1)
def _alias_maps() -> dict[str, dict[str, str]]:
    """{"companies"|"trusts"|"buyers": {normalised alias: canonical name}} from the gazetteers."""
    files = {
        "companies": ("providers.csv", ("aliases",)),
        "trusts": ("nhs_trusts.csv", ("short_names", "former_names")),
        "buyers": ("commissioners.csv", ("aliases",)),
    }
    maps: dict[str, dict[str, str]] = {}
    base = resources.files("hjwatch.extractors.data").joinpath("gazetteers")
    for field, (filename, alias_cols) in files.items():
        table: dict[str, str] = {}
        try:
            text = base.joinpath(filename).read_text("utf-8")
        except (FileNotFoundError, OSError):
            maps[field] = table
            continue
        for row in csv.DictReader(io.StringIO(text)):
            canonical = (row.get("name") or "").strip()
            if not canonical:
                continue
            names = [canonical]
            for col in alias_cols:
                names += [a for a in (row.get(col) or "").split(";")]
            for alias in names:
                key = _norm_name(alias)
                if key and key not in table:
                    table[key] = canonical
        maps[field] = table
    return maps


def resolve_name(name: str, field: str) -> str | None:
    """The canonical gazetteer name for an exact (normalised) alias, or None.

    >>> resolve_name("PRACTICE PLUS GROUP HEALTH AND REHABILITATION SERVICES LIMITED", "companies")
    'Practice Plus Group'
    """
    key = _norm_name(name)
    table = _alias_maps().get(field, {})
    if key in table:
        return table[key]
    # Companies House style suffixes are noise for matching ("... Limited" vs "... Ltd").
    trimmed = re.sub(r"\b(limited|ltd|plc|llp|cic|c i c)$", "", key).strip()
    for candidate in (trimmed, f"{trimmed} ltd", f"{trimmed} limited"):
        if candidate and candidate in table:
            return table[candidate]
    return None


# ---------------------------------------------------------------------------------------------
# Reading a release


def buyer_name(release: dict[str, Any]) -> str | None:
    name = _s(_d(release.get("buyer")).get("name"))
    if name:
        return name
    for party in _l(release.get("parties")):
        if "buyer" in _l(_d(party).get("roles")):
            name = _s(party.get("name"))
            if name:
                return name
    return None


def supplier_names(release: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for award in _l(release.get("awards")):
        for supplier in _l(_d(award).get("suppliers")):
            names.append(_s(_d(supplier).get("name")))
    for party in _l(release.get("parties")):
        if "supplier" in _l(_d(party).get("roles")):
            names.append(_s(_d(party).get("name")))
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        if name and _norm_name(name) not in seen:
            seen.add(_norm_name(name))
            out.append(name)
    return out


def cpv_codes(release: dict[str, Any]) -> list[str]:
    """Main CPV code first, then every other CPV code of items, lots and awards."""
    codes: list[str] = []

    def add(c: Any) -> None:
        c = _d(c)
        if str(c.get("scheme") or "CPV").upper() == "CPV" and c.get("id"):
            codes.append(str(c["id"]))

    def scan(container: dict[str, Any]) -> None:
        add(container.get("classification"))
        for item in _l(container.get("items")):
            add(_d(item).get("classification"))
            for extra in _l(_d(item).get("additionalClassifications")):
                add(extra)

    tender = _d(release.get("tender"))
    scan(tender)
    for lot in _l(tender.get("lots")):
        scan(_d(lot))
    for award in _l(release.get("awards")):
        scan(_d(award))
    return _dedupe(codes)


def notice_type(release: dict[str, Any]) -> str | None:
    """The notice type (UK1-UK17, F01-F25) of the release's own notice document, if stated."""
    pattern = re.compile(r"^(UK\d{1,2}|F\d{2}|T\d{2})$")
    documents: list[dict[str, Any]] = []
    tender = _d(release.get("tender"))
    documents += [_d(d) for d in _l(tender.get("documents"))]
    documents += [_d(d) for d in _l(_d(release.get("planning")).get("documents"))]
    for key in ("awards", "contracts"):
        for entry in _l(release.get(key)):
            documents += [_d(d) for d in _l(_d(entry).get("documents"))]
            documents += [_d(d) for d in _l(_d(_d(entry).get("implementation")).get("documents"))]
    typed = [d for d in documents if isinstance(d.get("noticeType"), str) and pattern.match(d["noticeType"].strip())]
    if not typed:
        return None
    own = [d for d in typed if str(d.get("id")) == str(release.get("id"))]
    return (own or typed)[0]["noticeType"].strip()


def _periods(release: dict[str, Any]) -> list[dict[str, Any]]:
    """Contract periods, most specific first: contracts, awards, tender, lots."""
    tender = _d(release.get("tender"))
    periods = [_d(_d(c).get("period")) for c in _l(release.get("contracts"))]
    periods += [_d(_d(a).get("contractPeriod")) for a in _l(release.get("awards"))]
    periods.append(_d(tender.get("contractPeriod")))
    periods += [_d(_d(lot).get("contractPeriod")) for lot in _l(tender.get("lots"))]
    return [p for p in periods if p]


def _duration(period: dict[str, Any]) -> int | None:
    days = period.get("durationInDays")
    if isinstance(days, (int, float)) and not isinstance(days, bool) and math.isfinite(days) and days > 0:
        return max(1, round(days / 30.4375))
    return months_between(iso_date(period.get("startDate")), iso_date(period.get("endDate")))


def procedure(release: dict[str, Any]) -> dict[str, Any]:
    """Procurement method and whether the notice is made under the Provider Selection Regime.

    >>> procedure({"tender": {"procurementMethod": "direct", "procurementMethodDetails":
    ...     "Provider Selection Regime - direct award process C"}})["psr_process"]
    'direct_award_c'
    """
    tender = _d(release.get("tender"))
    legal = _d(tender.get("legalBasis"))
    texts = [
        tender.get("procurementMethodDetails"), tender.get("procurementMethodRationale"),
        tender.get("title"), tender.get("description"), release.get("description"),
        legal.get("id"), legal.get("description"), _d(release.get("planning")).get("rationale"),
    ]
    for doc in _l(tender.get("documents")):
        texts.append(_d(doc).get("description"))
    text = " ".join(fix_text(t) for t in texts if isinstance(t, str))
    psr = notice_type_data()["psr"]
    is_psr = any(re.search(m, text, re.I) for m in psr["markers"])
    process = None
    if is_psr:
        low = text.lower()
        for key, phrase in psr["processes"].items():
            if phrase in low:
                process = key
                break
    return {
        "method": _s(tender.get("procurementMethod")),
        "details": _s(tender.get("procurementMethodDetails")),
        "legal_basis": _s(legal.get("id")),
        "psr": is_psr,
        "psr_process": process,
    }


def procedure_label(proc: dict[str, Any]) -> str | None:
    """One line for a procedure: PSR first when it applies.

    >>> procedure_label({"method": "direct", "details": "Direct award", "psr": True, "psr_process": "direct_award_c"})
    'Provider Selection Regime (direct award c): Direct award'
    >>> procedure_label({"method": "open", "details": None, "psr": False, "psr_process": None})
    'open'
    """
    base = proc.get("details") or proc.get("method")
    if not proc.get("psr"):
        return base
    label = "Provider Selection Regime"
    if proc.get("psr_process"):
        label += f" ({proc['psr_process'].replace('_', ' ')})"
    return f"{label}: {base}" if base else label


def events(release: dict[str, Any]) -> list[str]:
    """CONTRACT.md events implied by the notice type, the PSR wording and the release tags."""
    data = notice_type_data()
    out: list[str] = []
    ntype = notice_type(release)
    if ntype and ntype in data["notice_types"]:
        out += data["notice_types"][ntype]["events"]
    proc = procedure(release)
    if proc["psr"]:
        tender = _d(release.get("tender"))
        text = " ".join(t for t in (tender.get("title"), tender.get("description"), proc["details"]) if isinstance(t, str))
        if any(m in text.lower() for m in data["psr"]["intention_markers"]):
            out.append("intention_to_award")
    for tag in _l(release.get("tag")):
        if isinstance(tag, str):
            out += data["tags"].get(tag, [])
    return _dedupe(out)


def release_to_text(release: dict[str, Any]) -> str:
    """The notice as plain prose for the extractor (mojibake repaired); offsets refer to it."""
    release = _d(release)
    tender = _d(release.get("tender"))
    blocks: list[str] = []

    def add(*values: Any) -> None:
        for v in values:
            v = _s(v)
            if v and v not in blocks:
                blocks.append(v)

    add(tender.get("title") or release.get("title"))
    add(tender.get("description"), release.get("description"))
    add(tender.get("procurementMethodRationale"), _d(release.get("planning")).get("rationale"))
    for lot in _l(tender.get("lots")):
        lot = _d(lot)
        title, desc = _s(lot.get("title")), _s(lot.get("description"))
        if title or desc:
            label = f"Lot {lot.get('id')}" if lot.get("id") not in (None, "") else "Lot"
            add(f"{label}: " + ". ".join(x for x in (title, desc) if x))
    for key in ("awards", "contracts"):
        for entry in _l(release.get(key)):
            entry = _d(entry)
            add(entry.get("title"), entry.get("description"))
    lines: list[str] = []
    buyer = buyer_name(release)
    if buyer:
        lines.append(f"Buyer: {buyer}")
    suppliers = supplier_names(release)
    if suppliers:
        lines.append("Suppliers: " + "; ".join(suppliers))
    text = "\n\n".join(blocks)
    if lines:
        text = (text + "\n\n" if text else "") + "\n".join(lines)
    return text


def notice_fields(release: dict[str, Any]) -> dict[str, Any]:
    """The columns of a notice row, read from one release (see the module docstring)."""
    release = _d(release)
    tender = _d(release.get("tender"))
    # The value a reader means by "the contract value": awarded/contracted first, else estimated.
    value, currency = None, None
    candidates = [_d(c).get("value") for c in _l(release.get("contracts"))]
    candidates += [_d(a).get("value") for a in _l(release.get("awards"))]
    candidates.append(tender.get("value"))
    for cand in candidates:
        amount, cur = money(cand)
        if amount is not None:
            value, currency = amount, cur
            break
        if cur and currency is None:
            currency = cur
    periods = _periods(release)
    start = next((iso_date(p.get("startDate")) for p in periods if iso_date(p.get("startDate"))), None)
    end = next((iso_date(p.get("endDate")) for p in periods if iso_date(p.get("endDate"))), None)
    duration = next((d for d in (_duration(p) for p in periods) if d), None)
    lots = []
    for lot in _l(tender.get("lots")):
        lot = _d(lot)
        amount, cur = money(lot.get("value"))
        period = _d(lot.get("contractPeriod"))
        lots.append({
            "id": lot.get("id") if isinstance(lot.get("id"), (str, int)) else None,
            "title": _s(lot.get("title")),
            "description": _s(lot.get("description")),
            "value": amount,
            "currency": cur,
            "contract_start": iso_date(period.get("startDate")),
            "contract_end": iso_date(period.get("endDate")),
            "duration_months": _duration(period) if period else None,
        })
    cpvs = cpv_codes(release)
    ntype = notice_type(release)
    names = notice_type_data()["notice_types"]
    proc = procedure(release)
    return {
        "ocid": release.get("ocid") if isinstance(release.get("ocid"), str) else None,
        "release_id": str(release["id"]) if isinstance(release.get("id"), (str, int)) else None,
        "date": iso_date(release.get("date")),
        "tag": [t for t in _l(release.get("tag")) if isinstance(t, str)],
        "notice_type": ntype,
        "notice_type_name": names.get(ntype, {}).get("name") if ntype else None,
        "title": _s(tender.get("title") or release.get("title")),
        "description": _s(tender.get("description") or release.get("description")),
        "buyer": buyer_name(release),
        "buyer_id": _d(release.get("buyer")).get("id") if isinstance(_d(release.get("buyer")).get("id"), str) else None,
        "suppliers": supplier_names(release),
        "value": value,
        "currency": currency,
        "contract_start": start,
        "contract_end": end,
        "duration_months": duration,
        "lots": lots,
        # A list, as the notices table stores it: main classification first.
        "cpv": cpvs,
        "cpv_main": cpvs[0] if cpvs else None,
        # One readable line for the notices table; the parts stay available beside it.
        "procedure": procedure_label(proc),
        "procedure_detail": proc,
        "psr": proc["psr"],
    }


def structured_fields(release: dict[str, Any]) -> dict[str, Any]:
    """Partial extraction record from the release's structured OCDS fields.

    Only GBP amounts become ``values_gbp`` (a missing currency counts as GBP: both services
    are UK-only and omit it only on sterling notices); zero, negative and ``1e9999`` amounts
    are left out. Names resolve to the gazetteers' canonical names when an alias matches
    exactly; a supplier that is an NHS trust is listed under ``trusts``.
    """
    release = _d(release)
    tender = _d(release.get("tender"))
    values: list[int] = []
    sources = [_d(c).get("value") for c in _l(release.get("contracts"))]
    sources += [_d(a).get("value") for a in _l(release.get("awards"))]
    sources.append(tender.get("value"))
    sources += [_d(lot).get("value") for lot in _l(tender.get("lots"))]
    for v in sources:
        amount, cur = money(v)
        if amount is not None and (cur is None or cur == "GBP"):
            values.append(amount)
    periods = _periods(release)
    start = next((iso_date(p.get("startDate")) for p in periods if iso_date(p.get("startDate"))), None)
    end = next((iso_date(p.get("endDate")) for p in periods if iso_date(p.get("endDate"))), None)
    durations = _dedupe(_duration(p) for p in periods)
    buyers, companies, trusts = [], [], []
    b = buyer_name(release)
    if b:
        buyers.append(resolve_name(b, "buyers") or resolve_name(b, "trusts") or b)
    for name in supplier_names(release):
        trust = resolve_name(name, "trusts")
        if trust:
            trusts.append(trust)
        else:
            companies.append(resolve_name(name, "companies") or name)
    return {
        "values_gbp": _dedupe(values),
        "durations_months": durations,
        "contract_start": start,
        "contract_end": end,
        "buyers": _dedupe(buyers),
        "companies": _dedupe(companies),
        "trusts": _dedupe(trusts),
        "events": events(release),
    }

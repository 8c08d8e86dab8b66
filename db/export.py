"""Documents as CONTRACT.md "Export" objects, and as CSV rows.

Each object has the document fields (kind, source, url, title, published, fetched_at) then the
effective extraction fields (reviewer corrections applied), then ``id``, ``relevance_score``,
``revision`` and ``duplicate_of`` for researchers who join back to the database.

Example::

    >>> from hjwatch.db import open_db, store_document
    >>> db = open_db(":memory:")
    >>> _ = store_document(db, {"source": "fts", "kind": "notice", "key": "r1", "title": "T",
    ...                         "url": "https://x/ocds-1", "extraction": {"relevant": True}})
    >>> [(d["kind"], d["title"], d["relevant"]) for d in export_documents(db)]
    [('notice', 'T', True)]
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any, Iterator

from sqlite_utils import Database

from hjwatch import InputError
from hjwatch.db.records import DOCUMENT_FIELDS, LIST_FIELDS, RECORD_FIELDS, normalise_record

EXTRA_FIELDS = ("id", "relevance_score", "revision", "duplicate_of")
EXPORT_FIELDS = DOCUMENT_FIELDS + RECORD_FIELDS + EXTRA_FIELDS

_SELECT = ("SELECT d.id AS id, d.kind AS kind, d.source AS source, d.url AS url, d.title AS title, "
           "d.published AS published, d.fetched_at AS fetched_at, d.record AS record, "
           "d.relevance_score AS relevance_score, d.revision AS revision, d.duplicate_of AS duplicate_of "
           "FROM documents d")


def parse_since(since: str | dt.date | None) -> str | None:
    """An ISO date string from ``--since`` (``YYYY-MM-DD``), or raise :class:`InputError`."""
    if since is None or since == "":
        return None
    if isinstance(since, dt.date):
        return since.isoformat()[:10]
    try:
        return dt.date.fromisoformat(str(since).strip()).isoformat()
    except ValueError:
        raise InputError(f"--since takes a date like 2025-01-31, not {since!r}") from None


# A document "dates from" its publication date, or when it was fetched if the source gave none.
DOC_DATE_SQL = "coalesce(d.published, substr(d.fetched_at, 1, 10))"


def export_row(row: dict[str, Any]) -> dict[str, Any]:
    """One ``documents`` row (with ``record``) as an export object."""
    rec = normalise_record(json.loads(row["record"]) if row.get("record") else None)
    out = {f: row.get(f) for f in DOCUMENT_FIELDS}
    out.update(rec)
    out.update({f: row.get(f) for f in EXTRA_FIELDS})
    return out


def export_documents(db: Database, *, since: str | dt.date | None = None,
                     where: str | None = None, params: list[Any] | None = None) -> Iterator[dict[str, Any]]:
    """Every stored document (oldest first) as an export object; ``since`` bounds its date."""
    since = parse_since(since)
    clauses, args = [], []
    if since:
        clauses.append(f"{DOC_DATE_SQL} >= ?")
        args.append(since)
    if where:
        clauses.append(where)
        args += params or []
    sql = _SELECT
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY d.id"
    for row in db.query(sql, args):
        yield export_row(row)


def csv_row(obj: dict[str, Any]) -> dict[str, Any]:
    """Flatten lists (``; ``-joined) and booleans (true/false) for CSV."""
    out = {}
    for key in EXPORT_FIELDS:
        value = obj.get(key)
        if key in LIST_FIELDS:
            value = "; ".join(str(v) for v in value or [])
        elif isinstance(value, bool):
            value = "true" if value else "false"
        out[key] = "" if value is None else value
    return out


def write_jsonl(objs, out: io.TextIOBase) -> int:
    n = 0
    for obj in objs:
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(objs, out: io.TextIOBase) -> int:
    writer = csv.DictWriter(out, fieldnames=list(EXPORT_FIELDS), lineterminator="\n")
    writer.writeheader()
    n = 0
    for obj in objs:
        writer.writerow(csv_row(obj))
        n += 1
    return n

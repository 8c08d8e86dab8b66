"""The review queue: records that need a human, and the reviewer's corrections.

A record is queued for one or more reasons:

- ``borderline relevance``: its relevance score is within ``BORDERLINE`` of the threshold;
- ``unresolved names``: a trust, prison, company or buyer mention matched no gazetteer name;
- ``value without context``: it has contract values but names no trust, prison, company or buyer;
- ``conflicting extractions``: OCDS fields and the text disagree (recorded at extraction), or
  two extractor versions disagree on relevance.

Accepting a record (``accept``) takes it off the queue until its content changes.
Corrections (``set_field``) are rows of ``corrections``, applied over every extraction, so
they survive ``hjwatch reextract``.

Example::

    >>> from hjwatch.db import open_db, store_document
    >>> db = open_db(":memory:")
    >>> r = store_document(db, {"source": "x.org", "kind": "news", "key": "k", "title": "T",
    ...     "text": "t", "extraction": {"relevant": True, "values_gbp": [5000000]}})
    >>> [item["reasons"] for item in review_queue(db)]
    [['value without context']]
    >>> set_field(db, r.doc_id, "prisons", "HMP Leeds")["prisons"]
    ['HMP Leeds']
    >>> accept(db, r.doc_id); review_queue(db)
    []
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from hjwatch import InputError
from hjwatch.db.connection import utcnow, write_txn
from hjwatch.db.documents import corrections_of, current_extraction, refresh_effective
from hjwatch.db.records import NAME_FIELDS, parse_field_value

# The extractor's relevance threshold and how close to it a score counts as borderline.
RELEVANCE_THRESHOLD = 0.5
BORDERLINE = 0.15
ENTITY_LABELS = ("TRUST", "PRISON", "COMPANY", "BUYER")


def _reasons(db: Database, row: dict[str, Any]) -> list[str]:
    reasons: list[str] = []
    score = row["relevance_score"]
    if score is not None and abs(score - RELEVANCE_THRESHOLD) <= BORDERLINE:
        reasons.append("borderline relevance")
    if row["unresolved"]:
        reasons.append("unresolved names")
    rec = json.loads(row["record"]) if row["record"] else {}
    if rec.get("values_gbp") and not any(rec.get(f) for f in NAME_FIELDS):
        reasons.append("value without context")
    extracted = current_extraction(db, row["id"]) or {}
    versions = {r for (r,) in db.execute(
        "SELECT relevant FROM extractions WHERE document_id = ?", [row["id"]]).fetchall()}
    if extracted.get("conflicts") or len(versions) > 1:
        reasons.append("conflicting extractions")
    return reasons


def review_queue(db: Database, *, limit: int = 50, include_accepted: bool = False) -> list[dict[str, Any]]:
    """Records needing a human, newest first: id, kind, title, url, relevant, score, reasons."""
    rows = db.query(
        "SELECT d.id AS id, d.kind AS kind, d.title AS title, d.url AS url, d.relevant AS relevant, "
        "d.relevance_score AS relevance_score, d.record AS record, d.content_hash AS content_hash, "
        "(SELECT group_concat(DISTINCT m.text) FROM mentions m JOIN extractions e ON e.id = m.extraction_id "
        " AND e.extractor_version = d.extractor_version WHERE m.document_id = d.id AND m.canonical IS NULL "
        f" AND m.label IN ({', '.join(repr(x) for x in ENTITY_LABELS)})) AS unresolved, "
        "r.content_hash AS accepted_hash "
        "FROM documents d LEFT JOIN reviews r ON r.document_id = d.id ORDER BY d.id DESC"
    )
    out = []
    for row in rows:
        if not include_accepted and row["accepted_hash"] == row["content_hash"]:
            continue
        reasons = _reasons(db, row)
        if not reasons:
            continue
        out.append({
            "id": row["id"], "kind": row["kind"], "title": row["title"], "url": row["url"],
            "relevant": bool(row["relevant"]), "relevance_score": row["relevance_score"],
            "unresolved": (row["unresolved"] or "").split(",") if row["unresolved"] else [],
            "reasons": reasons,
        })
        if len(out) >= limit:
            break
    return out


def _require(db: Database, doc_id: int) -> None:
    if db.execute("SELECT 1 FROM documents WHERE id = ?", [doc_id]).fetchone() is None:
        raise InputError(f"no document with id {doc_id}")


def set_field(db: Database, doc_id: int, field: str, value: str, *, reviewer: str | None = None,
              note: str | None = None) -> dict[str, Any]:
    """Correct one field of a record (``value`` as typed, see ``parse_field_value``).

    Returns the effective record. Raises :class:`InputError` for an unknown document, field
    or a value of the wrong type.
    """
    _require(db, doc_id)
    try:
        parsed = parse_field_value(field, value)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    with write_txn(db):
        db.execute(
            "INSERT INTO corrections (document_id, field, value, reviewer, note, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [doc_id, field, json.dumps(parsed, ensure_ascii=False), reviewer, note, utcnow()],
        )
        return refresh_effective(db, doc_id)


def accept(db: Database, doc_id: int, *, reviewer: str | None = None) -> None:
    """Mark a record as checked: off the queue until its content changes."""
    _require(db, doc_id)
    with write_txn(db):
        db.execute(
            "INSERT INTO reviews (document_id, status, content_hash, reviewer, reviewed_at) "
            "SELECT id, 'accepted', content_hash, ?, ? FROM documents WHERE id = ? "
            "ON CONFLICT (document_id) DO UPDATE SET status = excluded.status, "
            "content_hash = excluded.content_hash, reviewer = excluded.reviewer, reviewed_at = excluded.reviewed_at",
            [reviewer, utcnow(), doc_id],
        )


def review_detail(db: Database, doc_id: int) -> dict[str, Any]:
    """One record for a reviewer: effective record, the extractor's, corrections, mentions."""
    _require(db, doc_id)
    row = next(db.query("SELECT id, kind, source, url, title, published, record, relevance_score, "
                        "extractor_version FROM documents WHERE id = ?", [doc_id]))
    mentions = [dict(m) for m in db.query(
        'SELECT m.label, m.text, m.start, m."end", m.canonical FROM mentions m JOIN documents d '
        "ON d.id = m.document_id JOIN extractions e ON e.id = m.extraction_id "
        "AND e.extractor_version = d.extractor_version WHERE d.id = ? ORDER BY m.start", [doc_id])]
    return {
        **{k: row[k] for k in ("id", "kind", "source", "url", "title", "published",
                                "relevance_score", "extractor_version")},
        "record": json.loads(row["record"]) if row["record"] else None,
        "extracted": current_extraction(db, doc_id),
        "corrections": corrections_of(db, doc_id),
        "mentions": mentions,
    }

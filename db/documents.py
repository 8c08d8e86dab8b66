"""Storing documents: idempotent by (source, key) and content hash, with revisions.

``store_document(db, doc)`` takes a ``RawDocument`` as a dict plus ``extraction`` (the
extractor's record) and ``extractor_version``:

- a new (source, key): a new row, status ``"new"``;
- the same (source, key) and content hash: nothing changes, status ``"unchanged"`` (only a
  newer extractor version's record is saved, so re-crawls keep records current);
- the same (source, key) with a new hash: the old version moves to ``revisions``, status
  ``"changed"``.

Everything for one document is written in one transaction, so a crash leaves either the old
state or the new one. News text gets a simhash; a near-identical story already stored from
another URL makes this one ``duplicate_of`` it (see :mod:`hjwatch.db.fingerprints`).

Example::

    >>> from hjwatch.db import open_db
    >>> db = open_db(":memory:")
    >>> doc = {"source": "example.org", "kind": "news", "key": "https://example.org/a",
    ...        "url": "https://example.org/a", "title": "A", "text": "Some text", "body": b"<p>Some text</p>"}
    >>> store_document(db, doc).status, store_document(db, doc).status
    ('new', 'unchanged')
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from hjwatch import InputError
from hjwatch.db import fingerprints
from hjwatch.db.connection import utcnow, write_txn
from hjwatch.db.notices import notice_row
from hjwatch.db.records import NAME_FIELDS, effective_record, normalise_record

log = logging.getLogger("hjwatch.db")


@dataclass(frozen=True)
class StoreResult:
    """What ``store_document`` did: the document's id and ``new``/``changed``/``unchanged``."""

    doc_id: int
    status: str
    duplicate_of: int | None = None


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str)


def _body_bytes(body: Any) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    raise InputError(f"document body must be bytes or text, not {type(body).__name__}")


def _release(doc: dict[str, Any]) -> dict[str, Any] | None:
    release = doc.get("release")
    if release is None and doc.get("kind") == "notice" and doc.get("body"):
        try:
            release = json.loads(_body_bytes(doc["body"]) or b"")
        except (ValueError, UnicodeDecodeError):
            release = None
    return release if isinstance(release, dict) else None


def _validate(doc: dict[str, Any]) -> None:
    for field in ("source", "kind", "key"):
        if not doc.get(field):
            raise InputError(f"document has no {field}: {str(doc.get('url') or doc)[:120]}")
    if doc["kind"] not in ("notice", "news"):
        raise InputError(f"document kind must be notice or news, not {doc['kind']!r}")


def corrections_of(db: Database, doc_id: int) -> dict[str, Any]:
    """The reviewer's corrections of one document, field -> value (latest wins)."""
    rows = db.execute(
        "SELECT field, value FROM corrections WHERE document_id = ? ORDER BY id", [doc_id]
    ).fetchall()
    return {field: json.loads(value) for field, value in rows}


def current_extraction(db: Database, doc_id: int) -> dict[str, Any] | None:
    """The stored record of the document's current extractor version (None if never extracted)."""
    row = db.execute(
        "SELECT e.record FROM extractions e JOIN documents d ON d.id = e.document_id "
        "AND d.extractor_version = e.extractor_version WHERE d.id = ?", [doc_id]
    ).fetchone()
    return json.loads(row[0]) if row else None


def refresh_effective(db: Database, doc_id: int) -> dict[str, Any]:
    """Recompute a document's effective record (extraction + corrections) and its names."""
    extracted = current_extraction(db, doc_id)
    rec = effective_record(extracted, corrections_of(db, doc_id))
    score = (extracted or {}).get("relevance_score")
    db.execute(
        "UPDATE documents SET record = ?, relevant = ?, litigation = ?, contract_start = ?, "
        "contract_end = ?, relevance_score = ? WHERE id = ?",
        [_json(rec), int(rec["relevant"]), int(rec["litigation"]), rec["contract_start"],
         rec["contract_end"], score if isinstance(score, (int, float)) else None, doc_id],
    )
    db.execute("DELETE FROM names WHERE document_id = ?", [doc_id])
    _insert_names(db, doc_id, rec)
    prisons, trusts = _indexed_names(rec)
    # The IS NOT guard keeps the FTS row untouched unless the names really changed.
    db.execute("UPDATE contents SET prisons = ?, trusts = ? WHERE document_id = ? "
               "AND (prisons IS NOT ? OR trusts IS NOT ?)", [prisons, trusts, doc_id, prisons, trusts])
    return rec


def _split_record(record: dict[str, Any] | None) -> tuple[dict[str, Any], list[dict], float | None]:
    """The record to store (contract fields + extras), its mentions, and its relevance score."""
    record = dict(record or {})
    mentions = record.pop("mentions", None) or []
    record.pop("text", None)
    score = record.get("relevance_score")
    stored = normalise_record(record)
    # Keep extractor extras (relevance_score, conflicts) beside the contract fields.
    for key in ("relevance_score", "conflicts"):
        if key in record:
            stored[key] = record[key]
    return stored, mentions, score if isinstance(score, (int, float)) else None


def _insert_mentions(db: Database, doc_id: int, extraction_id: int, mentions: list[dict]) -> None:
    db.conn.executemany(
        'INSERT INTO mentions (document_id, extraction_id, label, text, start, "end", canonical) '
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(doc_id, extraction_id, m.get("label"), m.get("text"), m.get("start"), m.get("end"),
          m.get("canonical")) for m in mentions if isinstance(m, dict) and m.get("label")],
    )


def _insert_names(db: Database, doc_id: int, rec: dict[str, Any]) -> None:
    db.conn.executemany(
        "INSERT OR IGNORE INTO names (document_id, field, name) VALUES (?, ?, ?)",
        [(doc_id, field, name) for field in NAME_FIELDS for name in rec[field] if name],
    )


def _indexed_names(rec: dict[str, Any]) -> tuple[str | None, str | None]:
    """The prisons and trusts of a record as the FTS ``prisons`` / ``trusts`` columns."""
    return (" | ".join(n for n in rec["prisons"] if n) or None,
            " | ".join(n for n in rec["trusts"] if n) or None)


def save_extraction(db: Database, doc_id: int, record: dict[str, Any] | None, version: str | None,
                    content_hash: str, *, error: str | None = None) -> int:
    """Save the extractor's record for (document, version) with its mentions; update the document.

    Must run inside a write transaction. Returns the extraction's id.
    """
    version = version or "unknown"
    stored, mentions, score = _split_record(record)
    db.execute(
        "INSERT INTO extractions (document_id, extractor_version, content_hash, extracted_at, record, "
        "relevant, relevance_score, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (document_id, extractor_version) DO UPDATE SET content_hash = excluded.content_hash, "
        "extracted_at = excluded.extracted_at, record = excluded.record, relevant = excluded.relevant, "
        "relevance_score = excluded.relevance_score, error = excluded.error",
        [doc_id, version, content_hash, utcnow(), _json(stored), int(stored["relevant"]), score, error],
    )
    extraction_id = db.execute(
        "SELECT id FROM extractions WHERE document_id = ? AND extractor_version = ?", [doc_id, version]
    ).fetchone()[0]
    db.execute("DELETE FROM mentions WHERE extraction_id = ?", [extraction_id])
    _insert_mentions(db, doc_id, extraction_id, mentions)
    db.execute("UPDATE documents SET extractor_version = ? WHERE id = ?", [version, doc_id])
    refresh_effective(db, doc_id)
    return extraction_id


# Most candidates a band lookup checks (a band value shared by very many stories says little).
MAX_CANDIDATES = 200


def _same_title(a: str | None, b: str | None) -> bool:
    return bool(a and b) and " ".join(a.lower().split()) == " ".join(b.lower().split())


def find_original(db: Database, doc_id: int, value: int, title: str | None = None) -> int | None:
    """The earliest stored news story this one is a near-duplicate of, or None.

    Candidates share a 16-bit band with ``value`` or have the same title; a candidate within
    ``MAX_DISTANCE`` bits, or ``TITLE_MAX_DISTANCE`` bits with the same title, is a match.
    """
    b = fingerprints.bands(value)
    # "+kind" keeps SQLite on the four band indexes (an OR of index lookups), not a kind scan.
    rows = db.execute(
        "SELECT id, simhash, duplicate_of, title FROM (SELECT id, simhash, duplicate_of, title FROM documents "
        "WHERE (sh0 = ? OR sh1 = ? OR sh2 = ? OR sh3 = ?) AND +kind = 'news' AND id != ? ORDER BY id LIMIT ?) "
        "UNION SELECT id, simhash, duplicate_of, title FROM (SELECT id, simhash, duplicate_of, title FROM documents "
        "WHERE kind = 'news' AND id != ? AND title = ? ORDER BY id LIMIT ?) ORDER BY id",
        [*b, doc_id, MAX_CANDIDATES, doc_id, title, MAX_CANDIDATES],
    ).fetchall()
    for other_id, other_hash, other_dup, other_title in rows:
        if other_hash is None:
            continue
        distance = fingerprints.hamming(value, fingerprints.from_signed(other_hash))
        if distance <= fingerprints.MAX_DISTANCE or (
                distance <= fingerprints.TITLE_MAX_DISTANCE and _same_title(title, other_title)):
            # Point at the root of a chain, so every copy names the same original.
            return other_dup or other_id
    return None


def _set_fingerprint(db: Database, doc_id: int, kind: str, text: str | None, title: str | None) -> int | None:
    value = fingerprints.simhash(text) if kind == "news" else None
    if value is None:
        db.execute("UPDATE documents SET simhash = NULL, sh0 = NULL, sh1 = NULL, sh2 = NULL, sh3 = NULL, "
                   "duplicate_of = NULL WHERE id = ?", [doc_id])
        return None
    original = find_original(db, doc_id, value, title)
    if original is not None and original > doc_id:
        original = None  # an earlier story is never the copy of a later one
    db.execute(
        "UPDATE documents SET simhash = ?, sh0 = ?, sh1 = ?, sh2 = ?, sh3 = ?, duplicate_of = ? WHERE id = ?",
        [fingerprints.to_signed(value), *fingerprints.bands(value), original, doc_id],
    )
    return original


def _document_columns(doc: dict[str, Any], body: bytes | None, chash: str, now: str) -> dict[str, Any]:
    release = _release(doc)
    ocid = (doc.get("notice") or {}).get("ocid") if isinstance(doc.get("notice"), dict) else None
    return {
        "url": doc.get("url"),
        "canonical_url": doc.get("canonical_url") or doc.get("url"),
        "fetched_url": doc.get("fetched_url"),
        "title": doc.get("title"),
        "published": doc.get("published"),
        "fetched_at": doc.get("fetched_at") or now,
        "changed_at": now,
        "content_hash": chash,
        "ocid": ocid or (release or {}).get("ocid"),
        "feed": _json(doc.get("feed")),
        "meta": _json(doc.get("meta")),
        "structured": _json(doc.get("structured")),
    }


def store_document(db: Database, doc: dict[str, Any]) -> StoreResult:
    """Store one document (see the module docstring); returns a :class:`StoreResult`."""
    _validate(doc)
    body = _body_bytes(doc.get("body"))
    release = _release(doc)
    chash = fingerprints.content_hash(text=doc.get("text"), title=doc.get("title"), body=body, release=release)
    now = utcnow()
    extraction = doc.get("extraction")
    version = doc.get("extractor_version")
    with write_txn(db):
        row = db.execute(
            "SELECT id, content_hash, revision, extractor_version, duplicate_of FROM documents "
            "WHERE source = ? AND key = ?", [doc["source"], doc["key"]]
        ).fetchone()
        if row is None:
            return _insert_new(db, doc, body, release, chash, now, extraction, version)
        doc_id, old_hash, revision, old_version, old_dup = row
        if old_hash == chash:
            if extraction is not None and version and version != old_version:
                save_extraction(db, doc_id, extraction, version, chash, error=doc.get("extraction_error"))
            return StoreResult(doc_id, "unchanged", old_dup)
        db.execute(
            "INSERT INTO revisions (document_id, revision, content_hash, fetched_at, superseded_at, url, "
            "title, published, content_type, body, text) SELECT d.id, d.revision, d.content_hash, d.fetched_at, ?, "
            "d.url, d.title, d.published, c.content_type, c.body, c.text FROM documents d "
            "JOIN contents c ON c.document_id = d.id WHERE d.id = ?", [now, doc_id])
        cols = _document_columns(doc, body, chash, now)
        cols["revision"] = revision + 1
        db.execute(f"UPDATE documents SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
                   [*cols.values(), doc_id])
        db.execute("UPDATE contents SET title = ?, text = ?, content_type = ?, body = ? WHERE document_id = ?",
                   [doc.get("title"), doc.get("text"), doc.get("content_type"), body, doc_id])
        status = "changed"
        if doc["kind"] == "notice":
            _upsert_notice(db, doc_id, doc, release)
        duplicate_of = _set_fingerprint(db, doc_id, doc["kind"], doc.get("text"), doc.get("title"))
        if extraction is not None:
            save_extraction(db, doc_id, extraction, version, chash, error=doc.get("extraction_error"))
        else:
            refresh_effective(db, doc_id)
    return StoreResult(doc_id, status, duplicate_of)


def store_documents(db: Database, docs: list[dict[str, Any]]) -> list[StoreResult | Exception]:
    """Store many documents in one transaction; one result per document, in order.

    Each document is still written whole or not at all (a savepoint per document inside
    the batch), so a bad document does not spoil the others: its entry in the result is the
    exception it raised and nothing of it is written. The batch shares one commit, which is
    most of the saving (a commit costs more than a small document's rows). If SQLite
    abandons the whole transaction (e.g. the disk is full), or the commit fails, nothing of
    the batch is written and the error is raised: the caller still has every document and
    can retry them one by one.

    >>> from hjwatch.db import open_db
    >>> db = open_db(":memory:")
    >>> ok = {"source": "x.org", "kind": "news", "key": "a", "title": "A", "text": "Some text"}
    >>> [getattr(r, "status", type(r).__name__) for r in store_documents(db, [ok, {"kind": "news"}, ok])]
    ['new', 'InputError', 'unchanged']
    """
    results: list[StoreResult | Exception] = []
    conn = db.conn
    with write_txn(db):
        for doc in docs:
            try:
                results.append(store_document(db, doc))
            except Exception as exc:  # noqa: BLE001 - reported per document, the batch goes on
                if not conn.in_transaction:  # SQLite rolled the whole batch back
                    raise
                results.append(exc)
    return results


def _insert_new(db: Database, doc: dict[str, Any], body: bytes | None, release: dict[str, Any] | None,
                chash: str, now: str, extraction: dict[str, Any] | None, version: str | None) -> StoreResult:
    """A new document in as few writes as possible (the crawl's common case): every column of
    its row is known before the INSERT, so the row is written once."""
    cols = _document_columns(doc, body, chash, now)
    cols.update(source=doc["source"], kind=doc["kind"], key=doc["key"], first_seen=now)
    value = fingerprints.simhash(doc.get("text")) if doc["kind"] == "news" else None
    original = find_original(db, -1, value, doc.get("title")) if value is not None else None
    if value is not None:
        b = fingerprints.bands(value)
        cols.update(simhash=fingerprints.to_signed(value), sh0=b[0], sh1=b[1], sh2=b[2], sh3=b[3],
                    duplicate_of=original)
    stored = mentions = None
    if extraction is not None:
        stored, mentions, score = _split_record(extraction)
        rec = effective_record(stored, {})  # a new document has no corrections yet
        cols.update(extractor_version=version or "unknown", record=_json(rec), relevant=int(rec["relevant"]),
                    litigation=int(rec["litigation"]), contract_start=rec["contract_start"],
                    contract_end=rec["contract_end"], relevance_score=score)
    else:
        rec = effective_record(None, {})
        cols.update(record=_json(rec), relevant=0, litigation=0)
    cur = db.execute(f"INSERT INTO documents ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                     list(cols.values()))
    doc_id = cur.lastrowid
    db.execute("INSERT INTO contents (document_id, title, text, content_type, body, prisons, trusts) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               [doc_id, doc.get("title"), doc.get("text"), doc.get("content_type"), body, *_indexed_names(rec)])
    if doc["kind"] == "notice":
        _upsert_notice(db, doc_id, doc, release)
    if stored is not None:
        cur = db.execute(
            "INSERT INTO extractions (document_id, extractor_version, content_hash, extracted_at, record, "
            "relevant, relevance_score, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [doc_id, version or "unknown", chash, now, _json(stored), int(stored["relevant"]), score,
             doc.get("extraction_error")])
        _insert_mentions(db, doc_id, cur.lastrowid, mentions)
    _insert_names(db, doc_id, rec)
    return StoreResult(doc_id, "new", original)


def _upsert_notice(db: Database, doc_id: int, doc: dict[str, Any], release: dict[str, Any] | None) -> None:
    nrow = notice_row(release, doc.get("notice"))
    if not nrow["release_id"]:
        nrow["release_id"] = doc["key"]
    nrow["document_id"] = doc_id
    db.execute(
        f"INSERT INTO notices ({', '.join(nrow)}) VALUES ({', '.join('?' * len(nrow))}) "
        f"ON CONFLICT (document_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in nrow if c != "document_id"),
        list(nrow.values()),
    )


def get_document(db: Database, doc_id: int) -> dict[str, Any] | None:
    """One stored document as a dict (body as bytes, JSON columns decoded), or None."""
    rows = list(db.query("SELECT d.*, c.text AS text, c.content_type AS content_type, c.body AS body "
                         "FROM documents d LEFT JOIN contents c ON c.document_id = d.id WHERE d.id = ?", [doc_id]))
    if not rows:
        return None
    doc = rows[0]
    for key in ("feed", "meta", "structured", "record"):
        if doc.get(key):
            doc[key] = json.loads(doc[key])
    return doc

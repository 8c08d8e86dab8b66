"""What has been alerted: pending relevant records, and marking them sent.

A document is alerted at most once (``alert_items.document_id`` is unique). A near-duplicate
(``duplicate_of`` set) is not pending when its original was alerted or is itself pending:
the same story syndicated on another site is not news twice.

Example::

    >>> from hjwatch.db import open_db, store_document
    >>> db = open_db(":memory:")
    >>> r = store_document(db, {"source": "fts", "kind": "notice", "key": "r1", "title": "T",
    ...                         "extraction": {"relevant": True}})
    >>> [a["id"] for a in pending_alerts(db)] == [r.doc_id]
    True
    >>> _ = mark_alerted(db, [r.doc_id], recipients=["a@example.org"], subject="s", message_id="<m@x>")
    >>> pending_alerts(db)
    []
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from sqlite_utils import Database

from hjwatch.db.connection import utcnow, write_txn
from hjwatch.db.export import _SELECT, export_row

_PENDING = (
    _SELECT
    + " WHERE d.relevant = 1"
    " AND NOT EXISTS (SELECT 1 FROM alert_items ai WHERE ai.document_id = d.id)"
    " AND (d.duplicate_of IS NULL OR NOT EXISTS ("
    "   SELECT 1 FROM documents o WHERE o.id = d.duplicate_of"
    "   AND (o.relevant = 1 OR EXISTS (SELECT 1 FROM alert_items a2 WHERE a2.document_id = o.id))))"
    " ORDER BY d.id"
)


def pending_alerts(db: Database) -> list[dict[str, Any]]:
    """Relevant records not yet alerted, oldest first, as export objects (with ``id``)."""
    return [export_row(row) for row in db.query(_PENDING)]


def mark_alerted(db: Database, doc_ids: Iterable[int], *, recipients: Iterable[str] = (),
                 subject: str | None = None, message_id: str | None = None) -> int | None:
    """Record that one email carrying ``doc_ids`` was sent; returns the alert's id.

    Documents already alerted are left as they were (never counted twice).
    """
    ids = [int(i) for i in doc_ids]
    if not ids:
        return None
    with write_txn(db):
        cur = db.execute(
            "INSERT INTO alerts (sent_at, recipients, subject, message_id) VALUES (?, ?, ?, ?)",
            [utcnow(), json.dumps(list(recipients)), subject, message_id],
        )
        alert_id = cur.lastrowid
        db.conn.executemany(
            "INSERT OR IGNORE INTO alert_items (alert_id, document_id) VALUES (?, ?)",
            [(alert_id, i) for i in ids],
        )
    return alert_id

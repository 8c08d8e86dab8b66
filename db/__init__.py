"""The SQLite store: documents with their history, notices, extractions, search, review.

This is the API the other parts code against (docs/ARCHITECTURE.md)::

    open_db(path) -> sqlite_utils.Database          # WAL, busy timeout, FKs, migrations applied
    store_document(db, doc) -> StoreResult           # doc_id, status "new" | "changed" | "unchanged"
    store_documents(db, docs) -> [StoreResult | Exception]  # one transaction per batch
    get_cursor(db, source) / set_cursor(db, source, value)
    start_run(db, command, sources) -> run_id / finish_run(db, run_id, status, per_source)
    pending_alerts(db) -> list[dict] / mark_alerted(db, doc_ids, recipients=, subject=, message_id=)
    search(db, query, kind=, since=, prison=, trust=, limit=) -> list[dict]
    export_documents(db, since=) -> Iterator[dict]

Example::

    >>> db = open_db(":memory:")
    >>> r = store_document(db, {"source": "fts", "kind": "notice", "key": "ocds-x-1",
    ...     "title": "Healthcare at HMP Leeds", "text": "Healthcare services at HMP Leeds.",
    ...     "extraction": {"relevant": True, "prisons": ["HMP Leeds"]}, "extractor_version": "1"})
    >>> r.status
    'new'
    >>> [d["prisons"] for d in export_documents(db)]
    [['HMP Leeds']]
"""

from hjwatch.db.alerts import mark_alerted, pending_alerts
from hjwatch.db.connection import open_db, open_existing, schema_version, utcnow, write_txn
from hjwatch.db.documents import (StoreResult, get_document, save_extraction, store_document,
                                   store_documents)
from hjwatch.db.export import export_documents
from hjwatch.db.review import accept, review_queue, set_field
from hjwatch.db.search import search
from hjwatch.db.state import finish_run, get_cursor, last_run, set_cursor, start_run

__all__ = [
    "StoreResult", "accept", "export_documents", "finish_run", "get_cursor", "get_document",
    "last_run", "mark_alerted", "open_db", "open_existing", "pending_alerts", "review_queue", "save_extraction",
    "schema_version", "search", "set_cursor", "set_field", "start_run", "store_document",
    "store_documents",
    "utcnow", "write_txn",
]

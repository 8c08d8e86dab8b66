"""Re-running the current extractor over stored documents, offline.

Raw documents are the source of truth: ``reextract`` reads what the database holds (the
stored text, or with ``from_raw`` the text derived again from the raw body / release) and
never touches the network. Each document is saved in its own transaction, so an interrupted
run keeps what it did and a second run carries on. Reviewer corrections are stored apart and
still win afterwards.

Example::

    >>> from hjwatch.db import open_db, store_document
    >>> db = open_db(":memory:")
    >>> _ = store_document(db, {"source": "x.org", "kind": "news", "key": "k", "text": "HMP Leeds",
    ...                         "extraction": {}, "extractor_version": "old"})
    >>> stale_ids(db, current="new")
    [1]
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from hjwatch.db import get_document, save_extraction, write_txn
from hjwatch.pipeline.store import derive_text, merge_structured

log = logging.getLogger("hjwatch.reextract")


@dataclass
class ReextractReport:
    done: int = 0
    failed: int = 0
    text_changed: int = 0
    errors: list[str] = field(default_factory=list)


def stale_ids(db, *, current: str, all_documents: bool = False) -> list[int]:
    """Ids of documents whose extraction is not from ``current`` (or failed), or all of them."""
    if all_documents:
        sql, args = "SELECT id FROM documents ORDER BY id", []
    else:
        sql = ("SELECT d.id FROM documents d LEFT JOIN extractions e ON e.document_id = d.id "
               "AND e.extractor_version = d.extractor_version WHERE d.extractor_version IS NULL "
               "OR d.extractor_version != ? OR e.id IS NULL OR e.error IS NOT NULL ORDER BY d.id")
        args = [current]
    return [row[0] for row in db.execute(sql, args).fetchall()]


def _text_for(doc: dict[str, Any], from_raw: bool) -> str:
    if doc.get("text") and not from_raw:
        return doc["text"]
    item = {"kind": doc["kind"], "body": doc.get("body"), "content_type": doc.get("content_type"),
            "url": doc.get("url"), "title": doc.get("title"), "published": doc.get("published")}
    if doc["kind"] == "notice" and doc.get("body"):
        try:
            item["release"] = json.loads(doc["body"])
        except (ValueError, UnicodeDecodeError):
            pass
    return derive_text(item) or doc.get("text") or ""


def reextract(db, *, all_documents: bool = False, from_raw: bool = False,
              progress: Callable[[int, int], None] | None = None) -> ReextractReport:
    """Re-extract stale documents (or all); ``progress(done, total)`` is called as it goes."""
    from hjwatch.extractors import EXTRACTOR_VERSION, extract_text

    ids = stale_ids(db, current=EXTRACTOR_VERSION, all_documents=all_documents)
    report = ReextractReport()
    for n, doc_id in enumerate(ids, 1):
        doc = get_document(db, doc_id)
        try:
            text = _text_for(doc, from_raw)
            record = extract_text(text) if text else {}
            record.pop("text", None)
            record = merge_structured(record, doc.get("structured"))
            error = None
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop the run
            error = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
            log.error("document %d: extraction failed: %s", doc_id, error)
            record, text = {}, doc.get("text")
            report.failed += 1
            report.errors.append(f"{doc_id}: {error}")
        with write_txn(db):
            if text is not None and text != doc.get("text"):
                db.execute("UPDATE contents SET text = ? WHERE document_id = ?", [text, doc_id])
                report.text_changed += 1
            save_extraction(db, doc_id, record, EXTRACTOR_VERSION, doc["content_hash"], error=error)
        if error is None:
            report.done += 1
        if progress:
            progress(n, len(ids))
    return report

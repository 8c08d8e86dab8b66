"""Storing what the spiders yield: text, extraction, merge with OCDS fields, database.

``process_document(db, item)`` is the library function (used by the crawl, ``reextract`` and
tests); ``StorePipeline`` is the Scrapy item pipeline around it.

Steps for one ``RawDocument``:

1. text: ``item["text"]`` as the spider set it; if missing, derived from the release
   (``hjwatch.extractors.ocds.release_to_text``) or the HTML body
   (``hjwatch.extractors.text.html_to_text``);
2. extraction: ``hjwatch.extractors.extract_text(text)``;
3. merge: ``item["structured"]`` (fields read from OCDS) over the extracted record: its
   scalar values win, its lists come first and are unioned with the text's;
4. store: ``hjwatch.db.store_document`` (idempotent; a new content hash is a revision).

A failing step 1 or 2 never loses the item: the raw document is stored with an empty record
and the error is logged (and kept in ``extractions.error``); ``hjwatch reextract`` retries it.

**Cursor items.** A spider moves its resume point by yielding a plain dict
``{"_cursor": {"source": "fts", "value": "2025-06-01T00:00:00Z"}}`` *after* the items of the
window it completes; the pipeline calls ``hjwatch.db.set_cursor`` and passes the dict on. If
any item of the spider's run failed to store, later cursor moves of that run are refused
(logged), so the next run fetches the failed window again.

Crawler stats: ``hjwatch/new``, ``hjwatch/changed``, ``hjwatch/unchanged``,
``hjwatch/extraction_failed``, ``hjwatch/store_failed``, ``hjwatch/cursor_moved``.

**Batches.** The pipeline stores documents in batches (one transaction each, see
``hjwatch.db.store_documents``): it flushes every ``HJWATCH_STORE_BATCH`` items (default 200),
when the oldest buffered item is ``HJWATCH_STORE_BATCH_SECONDS`` old (default 10; checked as
items arrive), before moving a cursor and at close. A cursor therefore moves only after every
document of its window is committed; a crash loses at most the buffered documents, whose
window's cursor has not moved, so the next run fetches them again. A document that fails
inside a batch is kept in the failed-items file; if the whole batch fails (e.g. disk full) its
documents are retried one by one.

Settings: ``HJWATCH_DB`` (database path, default ``hjwatch.db``). The extractor's gazetteer
overlay defaults to ``<db stem>.gazetteer.jsonl`` beside the database
(env ``HJWATCH_GAZETTEER_OVERLAY``, see :func:`use_overlay_for`).
"""

from __future__ import annotations

import base64
import json
import logging
import os
from pathlib import Path
from typing import Any

import time

from hjwatch.db import StoreResult, open_db, set_cursor, store_document, store_documents

from scrapy.exceptions import DropItem

log = logging.getLogger("hjwatch.pipeline.store")

# Scalar fields where a value read from OCDS beats a value read from the text.
SCALAR_FIELDS = ("contract_start", "contract_end")
LIST_FIELDS = ("trusts", "prisons", "companies", "buyers", "values_gbp", "durations_months",
               "litigation_snippets", "events")
OVERLAY_ENV = "HJWATCH_GAZETTEER_OVERLAY"


def overlay_path(db_path: str | os.PathLike) -> Path:
    """The default gazetteer overlay beside a database: ``research.db`` -> ``research.gazetteer.jsonl``.

    >>> overlay_path("/data/research.db").name
    'research.gazetteer.jsonl'
    """
    p = Path(db_path)
    return p.with_name(f"{p.stem}.gazetteer.jsonl")


def use_overlay_for(db_path: str | os.PathLike) -> str:
    """Point the extractor at the database's overlay unless the environment already names one."""
    if str(db_path) != ":memory:":
        os.environ.setdefault(OVERLAY_ENV, str(overlay_path(db_path)))
    return os.environ.get(OVERLAY_ENV, "")


def merge_structured(extracted: dict[str, Any], structured: dict[str, Any] | None) -> dict[str, Any]:
    """The extracted record with OCDS-derived fields merged over it; records disagreements.

    >>> rec = merge_structured({"values_gbp": [5], "buyers": ["NHS England"], "contract_end": None},
    ...                        {"values_gbp": [85000000], "buyers": ["NHS England"], "contract_end": "2029-09-30"})
    >>> rec["values_gbp"], rec["buyers"], rec["contract_end"], rec["conflicts"]
    ([85000000, 5], ['NHS England'], '2029-09-30', ['values_gbp'])
    """
    if not structured:
        return dict(extracted)
    merged = dict(extracted)
    conflicts = list(extracted.get("conflicts") or [])
    for field, value in structured.items():
        if value is None or field in ("mentions", "path", "text"):
            continue
        if field in LIST_FIELDS:
            ours = list(value) if isinstance(value, (list, tuple)) else [value]
            theirs = list(extracted.get(field) or [])
            if field == "values_gbp" and ours and theirs and not set(ours) & set(theirs):
                conflicts.append(field)
            merged[field] = list(dict.fromkeys(ours + theirs))
        elif field in SCALAR_FIELDS:
            if extracted.get(field) and extracted[field] != value:
                conflicts.append(field)
            merged[field] = value
        elif field in ("relevant", "litigation"):
            merged[field] = bool(value) or bool(extracted.get(field))
        else:
            merged[field] = value
    if conflicts:
        merged["conflicts"] = list(dict.fromkeys(conflicts))
    return merged


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None


def body_text(body: bytes | str | None, content_type: str | None) -> str:
    """Decode a fetched body: the declared charset, else UTF-8, else Windows-1252 (logged)."""
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    charset = _charset(content_type)
    if charset:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            log.warning("body is not valid %s; decoding it as UTF-8 or Windows-1252", charset)
    from hjwatch.textio import decode_text

    text, warnings = decode_text(body, "body")
    for warning in warnings:
        log.warning("%s", warning)
    return text


def derive_text(item: dict[str, Any]) -> str:
    """The plain text of an item without ``text``: from its release, else its HTML body."""
    release = item.get("release")
    if release is None and item.get("kind") == "notice" and item.get("body"):
        release = json.loads(body_text(item["body"], item.get("content_type")))
    if isinstance(release, dict):
        from hjwatch.extractors.ocds import release_to_text  # written with the notice spiders

        return release_to_text(release)
    content = body_text(item.get("body"), item.get("content_type"))
    if not content.strip():
        return ""
    from hjwatch.extractors.text import html_to_text, looks_like_html

    if "html" in (item.get("content_type") or "") or looks_like_html(content):
        article = html_to_text(content, item.get("url"))
        if not item.get("title") and article.title:
            item["title"] = article.title
        if not item.get("published") and getattr(article, "published", None):
            item["published"] = article.published
        return article.text
    return content


def extract_item(item: dict[str, Any]) -> tuple[dict[str, Any], str | None, str | None]:
    """Fill ``item["text"]`` if missing and run the extractor.

    Returns ``(record, extractor_version, error)``; on failure the record is empty and
    ``error`` is a one-line message.
    """
    from hjwatch.extractors import EXTRACTOR_VERSION, extract_text

    try:
        if not item.get("text"):
            item["text"] = derive_text(item)
        record = extract_text(item["text"]) if item["text"] else {}
    except Exception as exc:  # noqa: BLE001 - any extractor failure: keep the raw document
        message = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
        log.error("extraction failed for %s %s: %s", item.get("source"), item.get("key"), message)
        return {}, EXTRACTOR_VERSION, message
    record.pop("text", None)
    return merge_structured(record, item.get("structured")), EXTRACTOR_VERSION, None


def prepare_document(item: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``item`` with ``text``, ``extraction`` and ``extractor_version`` filled in
    (and ``extraction_error`` when extraction failed)."""
    doc = dict(item)
    record, version, error = extract_item(doc)
    doc["extraction"] = record
    doc["extractor_version"] = version
    if error:
        doc["extraction_error"] = error
    return doc


def process_document(db, item: dict[str, Any]) -> StoreResult:
    """Text, extraction, merge and store for one ``RawDocument`` (as a dict); see module doc."""
    return store_document(db, prepare_document(item))


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


class StorePipeline:
    """Scrapy item pipeline: every ``RawDocument`` through :func:`process_document`.

    Enable with ``ITEM_PIPELINES = {"hjwatch.pipeline.store.StorePipeline": 300}``.
    """

    def __init__(self, db_path: str, stats=None, batch_size: int = 200, batch_seconds: float = 10.0):
        self.db_path = db_path
        self.stats = stats
        self.db = None
        self.failed = 0
        self.batch_size = max(1, int(batch_size))
        self.batch_seconds = float(batch_seconds)
        self.buffer: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (item as received, prepared doc)
        self.buffer_since = 0.0
        self.failed_keys: set = set()

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.get("HJWATCH_DB") or "hjwatch.db", crawler.stats,
                   batch_size=settings.getint("HJWATCH_STORE_BATCH", 200),
                   batch_seconds=settings.getfloat("HJWATCH_STORE_BATCH_SECONDS", 10.0))

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    def open_spider(self, spider=None):
        use_overlay_for(self.db_path)
        self.db = open_db(self.db_path)
        self.failed = 0

    def close_spider(self, spider=None):
        if self.db is not None:
            self.flush()
            self.db.close()
            self.db = None

    def process_item(self, item, spider=None):
        data = dict(item)
        if "_cursor" in data:
            self.flush()  # the window's documents are committed before its cursor moves
            self._move_cursor(data["_cursor"])
            return item
        if self.db is None:  # used without open_spider (e.g. a test calling it directly)
            self.open_spider()
        try:
            doc = prepare_document(data)
        except Exception as exc:  # noqa: BLE001 - never lose an item: keep it for replay
            self._failed(data, exc)
            return item
        if data.get("kind") != "notice":
            # Web spiders remember a page as seen (ETag, text hash) as soon as its item is
            # scraped, so a buffered page lost in a crash would never be fetched again: pages
            # are stored at once, and a page that cannot be stored is dropped, so the spider
            # does not remember it and the next run fetches it again. Notices are batched:
            # their window's cursor moves only after a flush (see the module docstring).
            self.flush()
            self.buffer = [(data, doc)]
            self.flush()
            if self.failed_keys and data.get("key") in self.failed_keys:
                raise DropItem(f"not stored: {data.get('source')} {data.get('key')} (kept in the failed-items file)")
            return item
        if not self.buffer:
            self.buffer_since = time.monotonic()
        self.buffer.append((data, doc))
        if len(self.buffer) >= self.batch_size or time.monotonic() - self.buffer_since >= self.batch_seconds:
            self.flush()
        return item

    def flush(self) -> None:
        """Store the buffered documents in one transaction (one by one if the batch fails)."""
        if not self.buffer:
            return
        if self.db is None:
            self.open_spider()
        pending, self.buffer = self.buffer, []
        try:
            results = store_documents(self.db, [doc for _, doc in pending])
        except Exception as exc:  # noqa: BLE001 - nothing of the batch was written; retry each
            log.warning("storing a batch of %d documents failed (%s: %s); storing them one by one",
                        len(pending), type(exc).__name__, exc)
            results = [self._store_one(doc) for _, doc in pending]
        for (data, doc), result in zip(pending, results):
            if isinstance(result, Exception):
                self._failed(data, result)
                continue
            if doc.get("extraction_error"):
                self._inc("hjwatch/extraction_failed")
            self._inc(f"hjwatch/{result.status}")

    def _store_one(self, doc: dict[str, Any]) -> StoreResult | Exception:
        try:
            return store_document(self.db, doc)
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            return exc

    def _failed(self, data: dict[str, Any], exc: Exception) -> None:
        self.failed += 1
        self.failed_keys.add(data.get("key"))
        self._inc("hjwatch/store_failed")
        path = self._save_failed(data, exc)
        log.error("could not store %s %s (%s: %s); kept in %s", data.get("source"), data.get("key"),
                  type(exc).__name__, exc, path)

    def _move_cursor(self, cursor: Any) -> None:
        if not isinstance(cursor, dict) or not cursor.get("source") or cursor.get("value") is None:
            log.error("ignoring malformed cursor item %r", cursor)
            return
        if self.failed:
            log.error("not moving the %s cursor to %s: %d item(s) of this run failed to store",
                      cursor["source"], cursor["value"], self.failed)
            return
        if self.db is None:
            self.open_spider()
        set_cursor(self.db, cursor["source"], str(cursor["value"]))
        self._inc("hjwatch/cursor_moved")

    def _save_failed(self, data: dict[str, Any], exc: Exception) -> str:
        """Append the unstored item to ``<db stem>.failed.jsonl`` beside the database."""
        p = Path(self.db_path)
        path = p.with_name(f"{p.stem}.failed.jsonl") if self.db_path != ":memory:" else Path("hjwatch.failed.jsonl")
        record = {k: _jsonable(v) for k, v in data.items()}
        record["_error"] = f"{type(exc).__name__}: {exc}"
        try:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        except OSError as write_exc:
            log.error("could not write %s either: %s", path, write_exc)
        return str(path)

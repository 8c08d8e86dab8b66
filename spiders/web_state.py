"""What the web spiders remember per URL between runs: ``ETag``, ``Last-Modified`` and the
hash of the page's main text (conditional GET, and "a revision only when it changes").

Where it is kept, first that applies:

1. ``HJWATCH_WEB_STATE`` setting: a JSON file (tests, and runs without a database);
2. ``HJWATCH_DB`` and ``hjwatch.db`` offering ``get_cursor`` / ``set_cursor``: one cursor per
   URL, named ``web:<url>``, holding the record as JSON (the database engineer's API);
3. otherwise in memory for this run only (logged once: nothing is lost, pages are re-read).

Example::

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "state.json")
    >>> s = JsonFileState(path); s.set("https://a.example/x", {"etag": '"v1"'}); s.close()
    >>> JsonFileState(path).get("https://a.example/x")
    {'etag': '"v1"'}
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CURSOR_PREFIX = "web:"


class MemoryState:
    """Per-URL records for one run."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def get(self, url: str) -> dict[str, Any] | None:
        return self.records.get(url)

    def set(self, url: str, record: dict[str, Any]) -> None:
        self.records[url] = {k: v for k, v in record.items() if v is not None}

    def close(self) -> None:
        pass


class JsonFileState(MemoryState):
    """Per-URL records in one JSON file, written atomically when the spider closes.

    Several spiders of one crawl share the file: each writes back only the URLs it changed,
    merged into the file as it is at that moment.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__()
        self.path = Path(path)
        self.changed: set[str] = set()
        self.records = self._read()

    def _read(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (ValueError, OSError) as exc:
            # A damaged state file only costs a full re-read; say so and start afresh.
            log.warning("web state %s unreadable (%s); pages will be fetched in full", self.path, exc)
            return {}

    def set(self, url: str, record: dict[str, Any]) -> None:
        super().set(url, record)
        self.changed.add(url)

    def close(self) -> None:
        merged = self._read()
        merged.update({url: self.records[url] for url in self.changed})
        self.records, self.changed = merged, set()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".web-state-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(self.records, out, indent=0, sort_keys=True)
        os.replace(tmp, self.path)


class CursorState(MemoryState):
    """Per-URL records as ``hjwatch.db`` cursors (``web:<url>``), written as they change."""

    def __init__(self, db, get_cursor, set_cursor) -> None:
        super().__init__()
        self.db, self._get, self._set = db, get_cursor, set_cursor

    def get(self, url: str) -> dict[str, Any] | None:
        if url not in self.records:
            raw = self._get(self.db, CURSOR_PREFIX + url)
            try:
                self.records[url] = json.loads(raw) if raw else None
            except ValueError:
                self.records[url] = None
        return self.records[url]

    def set(self, url: str, record: dict[str, Any]) -> None:
        super().set(url, record)
        self._set(self.db, CURSOR_PREFIX + url, json.dumps(self.records[url], sort_keys=True))


def open_state(settings) -> MemoryState:
    """The state store the settings point at (see the module docstring)."""
    path = settings.get("HJWATCH_WEB_STATE")
    if path:
        return JsonFileState(path)
    db_path = settings.get("HJWATCH_DB")
    if db_path:
        try:
            from hjwatch import db as hjdb
            get_cursor, set_cursor, open_db = hjdb.get_cursor, hjdb.set_cursor, hjdb.open_db
        except (ImportError, AttributeError):
            log.warning("hjwatch.db has no get_cursor/set_cursor yet: ETag/Last-Modified kept for this run only")
        else:
            return CursorState(open_db(db_path), get_cursor, set_cursor)
    return MemoryState()

"""Crawl state: per-source cursors and the record of each run.

Example::

    >>> from hjwatch.db import open_db
    >>> db = open_db(":memory:")
    >>> get_cursor(db, "fts") is None
    True
    >>> set_cursor(db, "fts", "2025-06-01T00:00:00Z"); get_cursor(db, "fts")
    '2025-06-01T00:00:00Z'
    >>> run = start_run(db, "nightly", ["fts"])
    >>> finish_run(db, run, "ok", {"fts": {"new": 3, "errors": []}})
    >>> last_run(db)["status"]
    'ok'
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from sqlite_utils import Database

from hjwatch.db.connection import utcnow, write_txn


def get_cursor(db: Database, source: str) -> str | None:
    """Where ``source``'s last complete window ended (None before its first run)."""
    row = db.execute("SELECT value FROM cursors WHERE source = ?", [source]).fetchone()
    return row[0] if row else None


def set_cursor(db: Database, source: str, value: str) -> None:
    """Move ``source``'s cursor to ``value`` (call only after the window is stored)."""
    if not source or value is None:
        raise ValueError("set_cursor needs a source and a value")
    with write_txn(db):
        db.execute(
            "INSERT INTO cursors (source, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            [source, str(value), utcnow()],
        )


def start_run(db: Database, command: str, sources: Iterable[str] | None = None) -> int:
    """Record the start of a crawl or nightly run; returns its id."""
    with write_txn(db):
        cur = db.execute(
            "INSERT INTO runs (command, sources, started_at, status) VALUES (?, ?, ?, 'running')",
            [command, json.dumps(list(sources or [])), utcnow()],
        )
        return cur.lastrowid


def finish_run(db: Database, run_id: int, status: str, per_source: dict[str, Any] | None = None,
               errors: Iterable[str] | None = None) -> None:
    """Record how a run ended: ``status`` (ok, partial, failed...) and per-source counts/errors.

    Errors are taken from ``errors`` and from any ``per_source[name]["errors"]`` lists.
    """
    per_source = per_source or {}
    all_errors = list(errors or [])
    for name, counts in per_source.items():
        if isinstance(counts, dict):
            all_errors += [f"{name}: {e}" for e in counts.get("errors") or []]
    with write_txn(db):
        db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, per_source = ?, errors = ? WHERE id = ?",
            [utcnow(), status, json.dumps(per_source, default=str), json.dumps(all_errors), run_id],
        )


def last_run(db: Database, command: str | None = None) -> dict[str, Any] | None:
    """The most recent run (of ``command`` if given), JSON columns decoded."""
    sql = "SELECT * FROM runs" + (" WHERE command = ?" if command else "") + " ORDER BY id DESC LIMIT 1"
    rows = list(db.query(sql, [command] if command else []))
    if not rows:
        return None
    run = rows[0]
    for key in ("sources", "per_source", "errors"):
        run[key] = json.loads(run[key]) if run[key] else None
    return run

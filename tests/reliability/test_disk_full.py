"""Disk full: a size-limited database (``PRAGMA max_page_count``) gives a clear error and stays
consistent: every document stored before the error is complete, the failed one is absent,
and once space is back the same writes succeed with no duplicate.
"""

from __future__ import annotations

import sqlite3

import pytest

from hjwatch import HjwatchError
from hjwatch.db import open_db, store_document
from tests.reliability.crash_writer import document


def fill_until_full(db, start: int = 0, limit: int = 2000) -> tuple[int, BaseException]:
    """Store documents until the database refuses one; return its index and the error."""
    for i in range(start, limit):
        try:
            store_document(db, document(i, 1))
        except BaseException as exc:  # noqa: BLE001 - the test inspects what was raised
            return i, exc
    raise AssertionError("the size limit was never reached")


@pytest.fixture
def full_db(tmp_path):
    path = tmp_path / "full.db"
    db = open_db(path)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    # Room for a few dozen documents beyond the schema, then "disk full".
    db.execute(f"PRAGMA max_page_count = {pages + 40}")
    failed_at, error = fill_until_full(db)
    return path, db, failed_at, error


def test_disk_full_is_a_clear_hjwatch_error(full_db):
    _path, _db, failed_at, error = full_db
    assert failed_at > 0, "some documents fit before the limit"
    assert isinstance(error, HjwatchError), f"raw {type(error).__name__}: {error}"
    message = str(error)
    assert "\n" not in message
    assert "full" in message.lower() or "space" in message.lower()


def test_disk_full_leaves_a_consistent_database(full_db):
    path, db, failed_at, _error = full_db
    db.conn.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.execute("INSERT INTO documents_fts (documents_fts) VALUES ('integrity-check')")
    keys = [r[0] for r in conn.execute("SELECT key FROM documents ORDER BY key")]
    conn.close()
    # Everything before the failed write is there, the failed one is not (no half document).
    assert keys == [f"crash-{i:05d}" for i in range(failed_at)]


def test_after_space_returns_the_writes_succeed_without_duplicates(full_db):
    path, db, failed_at, _error = full_db
    db.conn.close()
    db = open_db(path)  # a new connection has no max_page_count: space is back
    for i in range(failed_at + 5):
        store_document(db, document(i, 1))
    n, distinct = db.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM documents").fetchone()
    db.conn.close()
    assert n == distinct == failed_at + 5


def test_disk_full_on_the_cli_is_one_line(tmp_path, capsys, monkeypatch):
    """`hjwatch review set` on a full database: one line, non-zero, no traceback."""
    from tests.reliability.test_bad_input import assert_one_line_error, run_cli

    path = tmp_path / "cli.db"
    db = open_db(path)
    for i in range(3):
        store_document(db, document(i, 1))
    db.conn.close()

    import hjwatch.db.connection as connection

    real_open = connection.open_db

    def tight_open(p, **kw):
        d = real_open(p, **kw)
        pages = d.execute("PRAGMA page_count").fetchone()[0]
        d.execute(f"PRAGMA max_page_count = {pages}")
        return d

    monkeypatch.setattr(connection, "open_db", tight_open)
    monkeypatch.setattr("hjwatch.db.open_db", tight_open)
    code, _out, err = run_cli(capsys, ["--db", str(path), "review", "set", "1", "prisons", "HMP Leeds" * 2000])
    assert_one_line_error(code, err)

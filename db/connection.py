"""Opening the database: pragmas, schema checks and migrations; write transactions.

Example::

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.db")
    >>> db = open_db(path)
    >>> db.execute("PRAGMA journal_mode").fetchone()[0]
    'wal'
    >>> schema_version(db) == len(known_names())
    True
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import sqlite3
from pathlib import Path
from typing import Iterator

from sqlite_utils import Database

from hjwatch import HjwatchError
from hjwatch.db.migrations import MIGRATIONS, known_names

log = logging.getLogger("hjwatch.db")

# How long a writer waits for another writer (the nightly job, a reviewer) before giving up.
BUSY_TIMEOUT_MS = 30_000
CACHE_KB = 32_768
MMAP_BYTES = 256 * 1024 * 1024


def utcnow() -> str:
    """The current time as an ISO string in UTC, second precision (what every table stores)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def open_db(path: str | Path = "hjwatch.db", *, migrate: bool = True) -> Database:
    """Open (creating if needed) the SQLite file at ``path`` and bring its schema up to date.

    WAL journal (readers never block the writer), a busy timeout, foreign keys on, and
    ``synchronous=NORMAL`` (durable at each checkpoint; WAL keeps the file consistent). A
    database written by a newer hjwatch raises :class:`HjwatchError` rather than being touched.
    ``":memory:"`` gives a private in-memory database (tests).
    """
    path = str(path)
    if path != ":memory:":
        p = Path(path)
        if p.is_dir():
            raise HjwatchError(f"database {path}: is a directory")
        if not p.parent.exists():
            raise HjwatchError(f"database {path}: folder {p.parent} does not exist")
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        db = Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            with db.ensure_autocommit_on():
                mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":  # e.g. a read-only folder
                log.warning("database %s: journal mode is %s, not WAL", path, mode)
            db.execute("PRAGMA synchronous = NORMAL")
            # Larger page cache and memory-mapped reads: FTS merges and searches over a
            # million documents touch far more than SQLite's 2 MB default cache.
            db.execute(f"PRAGMA cache_size = -{CACHE_KB}")
            db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        check_schema(db, path)
        if migrate:
            migrate_db(db)
    except sqlite3.DatabaseError as exc:
        raise HjwatchError(f"database {path}: {exc}") from exc
    return db


def open_existing(path: str | Path) -> Database:
    """Like :func:`open_db`, for commands that only make sense on a database that exists."""
    if str(path) != ":memory:" and not Path(path).exists():
        raise HjwatchError(f"no database at {path} (run `hjwatch crawl` or `hjwatch nightly` first, or pass --db)")
    return open_db(path)


def check_schema(db: Database, path: str = "database") -> None:
    """Refuse a database whose schema comes from a newer hjwatch (unknown migrations)."""
    known = set(known_names())
    applied = [m.name for m in MIGRATIONS.applied(db)]
    unknown = [name for name in applied if name not in known]
    if unknown or schema_version(db) > len(known):
        raise HjwatchError(
            f"database {path} has a newer schema (version {max(schema_version(db), len(applied))}, "
            f"this hjwatch knows {len(known)}); upgrade hjwatch to open it"
        )


def migrate_db(db: Database) -> list[str]:
    """Apply pending migrations (each in its own transaction); return their names."""
    pending = [m.name for m in MIGRATIONS.pending(db)]
    if pending:
        log.info("database: applying migrations %s", ", ".join(pending))
        MIGRATIONS.apply(db)
        with db.ensure_autocommit_on():
            db.execute(f"PRAGMA user_version = {len(MIGRATIONS.applied(db))}")
    return pending


def schema_version(db: Database) -> int:
    """The schema version (number of applied migrations) as stored in ``PRAGMA user_version``."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


@contextlib.contextmanager
def write_txn(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock up front (``BEGIN IMMEDIATE``).

    A deferred transaction that reads and then writes can fail at once with "database is
    locked" when another process committed in between; taking the lock first makes it wait
    for the busy timeout instead. Nested use becomes a savepoint.
    """
    conn = db.conn
    try:
        if conn.in_transaction:
            name = f"hj_{secrets.token_hex(6)}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield db
            except BaseException:
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            else:
                conn.execute(f"RELEASE SAVEPOINT {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # a failed COMMIT can leave it open: end it, all or nothing
                    conn.execute("ROLLBACK")
                raise
    except sqlite3.OperationalError as exc:
        if _is_disk_full(exc):
            # The transaction was rolled back: nothing half-written, a one-line error for the user.
            raise HjwatchError(f"database: disk full, nothing of this write was saved ({exc})") from exc
        raise


def _is_disk_full(exc: sqlite3.Error) -> bool:
    """SQLITE_FULL: the disk (or ``PRAGMA max_page_count``) has no room for the write."""
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "full" in str(exc).lower()

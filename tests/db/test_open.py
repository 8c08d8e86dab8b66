"""Opening a database: pragmas, automatic forward migrations, newer schemas refused."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from hjwatch import HjwatchError
from hjwatch.db import open_db, schema_version, store_document
from hjwatch.db.migrations import MIGRATIONS, known_names

from .docs import news_doc, notice_doc


def test_creates_file(db_path):
    open_db(db_path).close()
    assert db_path.exists()


def test_wal_mode(fresh_db):
    assert fresh_db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_foreign_keys_on(fresh_db):
    assert fresh_db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_busy_timeout_set(fresh_db):
    assert fresh_db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_schema_version_is_number_of_migrations(fresh_db):
    assert schema_version(fresh_db) == len(known_names()) >= 3


@pytest.mark.parametrize("table", ["documents", "contents", "revisions", "notices", "extractions", "mentions",
                                   "names", "runs", "alerts", "cursors", "corrections", "documents_fts"])
def test_tables_exist(fresh_db, table):
    assert table in fresh_db.table_names()


def test_reopen_applies_nothing(db_path):
    open_db(db_path).close()
    db = open_db(db_path)
    assert [m.name for m in MIGRATIONS.applied(db)] == known_names()


def test_migration_from_older_schema_keeps_data(db_path):
    # A database as the first release left it: only m001 applied, one document stored.
    old = sqlite_utils.Database(db_path)
    MIGRATIONS.apply(old, stop_before="m002_near_duplicates")
    assert "simhash" not in old["documents"].columns_dict
    old.execute(
        "INSERT INTO documents (source, kind, key, url, title, first_seen, content_hash) "
        "VALUES ('news.example.org', 'news', 'k1', 'https://news.example.org/k1', 'Old story', "
        "'2024-01-01T00:00:00+00:00', 'abc')")
    old.execute("INSERT INTO contents (document_id, title, text) VALUES (1, 'Old story', 'HMP Belmarsh healthcare')")
    old.conn.commit()
    old.close()

    db = open_db(db_path)
    assert "simhash" in db["documents"].columns_dict
    assert "corrections" in db.table_names()
    row = db.execute("SELECT d.title, c.text FROM documents d JOIN contents c ON c.document_id = d.id "
                     "WHERE d.key = 'k1'").fetchone()
    assert row == ("Old story", "HMP Belmarsh healthcare")
    # the old row is still found by full-text search after the upgrade
    from hjwatch.db import search
    assert [r["title"] for r in search(db, "belmarsh")] == ["Old story"]
    # and the upgraded database takes new documents
    assert store_document(db, news_doc()).status == "new"


def test_newer_schema_is_refused(db_path):
    db = open_db(db_path)
    db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
               "VALUES ('hjwatch', 'm999_from_the_future', '2030-01-01')")
    db.conn.commit()
    db.close()
    with pytest.raises(HjwatchError, match="newer schema"):
        open_db(db_path)


def test_newer_user_version_is_refused(db_path):
    db = open_db(db_path)
    db.execute(f"PRAGMA user_version = {len(known_names()) + 1}")
    db.close()
    with pytest.raises(HjwatchError, match="upgrade hjwatch"):
        open_db(db_path)


def test_not_a_database_is_one_line_error(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is a text file, not SQLite\n" * 100)
    with pytest.raises(HjwatchError) as info:
        open_db(path)
    assert "\n" not in str(info.value)
    assert "notes.db" in str(info.value)


def test_directory_is_refused(tmp_path):
    with pytest.raises(HjwatchError, match="is a directory"):
        open_db(tmp_path)


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(HjwatchError, match="does not exist"):
        open_db(tmp_path / "nope" / "x.db")


def test_foreign_keys_enforced(fresh_db):
    with pytest.raises(sqlite3.IntegrityError):
        fresh_db.execute("INSERT INTO revisions (document_id, revision, content_hash, superseded_at) "
                         "VALUES (999, 1, 'x', 'now')")


def test_delete_cascades_to_history(fresh_db):
    r = store_document(fresh_db, notice_doc())
    with fresh_db.conn:
        fresh_db.execute("DELETE FROM documents WHERE id = ?", [r.doc_id])
    for table in ("notices", "extractions", "names", "mentions", "contents", "documents_fts"):
        assert fresh_db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_open_existing_refuses_missing_file(tmp_path):
    from hjwatch.db import open_existing
    with pytest.raises(HjwatchError, match="no database"):
        open_existing(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()


def test_write_txn_rolls_back_on_error(fresh_db):
    from hjwatch.db import write_txn
    with pytest.raises(RuntimeError):
        with write_txn(fresh_db):
            fresh_db.execute("INSERT INTO cursors (source, value, updated_at) VALUES ('a', '1', 'now')")
            raise RuntimeError("boom")
    assert fresh_db.execute("SELECT count(*) FROM cursors").fetchone()[0] == 0


def test_nested_write_txn_rolls_back_inner_only(fresh_db):
    from hjwatch.db import write_txn
    with write_txn(fresh_db):
        fresh_db.execute("INSERT INTO cursors (source, value, updated_at) VALUES ('outer', '1', 'now')")
        with pytest.raises(RuntimeError):
            with write_txn(fresh_db):
                fresh_db.execute("INSERT INTO cursors (source, value, updated_at) VALUES ('inner', '1', 'now')")
                raise RuntimeError("boom")
    assert fresh_db.execute("SELECT source FROM cursors").fetchall() == [("outer",)]


def test_failed_store_leaves_nothing_half_written(fresh_db, monkeypatch):
    import hjwatch.db.documents as documents

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(documents, "_insert_names", broken)
    with pytest.raises(RuntimeError):
        store_document(fresh_db, news_doc())
    for table in ("documents", "contents", "extractions", "mentions", "documents_fts"):
        assert fresh_db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0

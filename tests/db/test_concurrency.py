"""WAL: a reader in another process queries while a writer commits."""

from __future__ import annotations

import multiprocessing as mp
import time

from hjwatch.db import open_db, store_document

from .docs import news_doc


def _writer(path, n, started):
    db = open_db(path)
    started.set()
    for i in range(n):
        store_document(db, news_doc(key=f"https://news.example.org/{i}", text=f"Story number {i} about HMP Leeds."))
        time.sleep(0.005)
    db.close()


def test_reader_queries_while_writer_commits(db_path):
    open_db(db_path).close()
    ctx = mp.get_context("spawn")
    started = ctx.Event()
    writer = ctx.Process(target=_writer, args=(str(db_path), 60, started))
    writer.start()
    try:
        assert started.wait(30)
        reader = open_db(db_path)
        seen = []
        deadline = time.monotonic() + 60
        while writer.is_alive() and time.monotonic() < deadline:
            # a read never waits for the writer and never sees a half-written document: both
            # counts come from one read transaction, i.e. one WAL snapshot
            reader.execute("BEGIN")
            count = reader.execute("SELECT count(*) FROM documents").fetchone()[0]
            fts = reader.execute("SELECT count(*) FROM documents_fts WHERE documents_fts MATCH 'leeds'").fetchone()[0]
            reader.execute("COMMIT")
            assert fts == count
            seen.append(count)
            time.sleep(0.01)
    finally:
        writer.join(60)
    assert writer.exitcode == 0
    assert reader.execute("SELECT count(*) FROM documents").fetchone()[0] == 60
    assert len(set(seen)) > 1  # the reader saw the table grow while the writer was working


def _store_many(path, prefix, n):
    db = open_db(path)
    for i in range(n):
        store_document(db, news_doc(key=f"{prefix}/{i}", text=f"{prefix} story {i}"))
    db.close()


def test_two_writers_wait_for_each_other(db_path):
    open_db(db_path).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_store_many, args=(str(db_path), p, 40)) for p in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert open_db(db_path).execute("SELECT count(*) FROM documents").fetchone()[0] == 80

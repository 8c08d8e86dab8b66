"""Cursors, runs and alerts: the API the nightly job and the alerts code use."""

from __future__ import annotations

from hjwatch.db import (finish_run, get_cursor, last_run, mark_alerted, pending_alerts, set_cursor,
                        start_run, store_document)

from .docs import news_doc, notice_doc, release


def test_cursor_absent(fresh_db):
    assert get_cursor(fresh_db, "fts") is None


def test_cursor_set_and_moved(fresh_db):
    set_cursor(fresh_db, "fts", "2025-01-01T00:00:00Z")
    set_cursor(fresh_db, "fts", "2025-02-01T00:00:00Z")
    assert get_cursor(fresh_db, "fts") == "2025-02-01T00:00:00Z"


def test_cursors_per_source(fresh_db):
    set_cursor(fresh_db, "fts", "a")
    set_cursor(fresh_db, "contracts_finder", "b")
    assert (get_cursor(fresh_db, "fts"), get_cursor(fresh_db, "contracts_finder")) == ("a", "b")


def test_cursor_survives_reopen(db_path):
    from hjwatch.db import open_db
    set_cursor(open_db(db_path), "fts", "x")
    assert get_cursor(open_db(db_path), "fts") == "x"


def test_run_recorded(fresh_db):
    run = start_run(fresh_db, "nightly", ["fts", "news"])
    assert last_run(fresh_db)["status"] == "running"
    finish_run(fresh_db, run, "partial", {"fts": {"new": 2, "changed": 1, "errors": []},
                                          "news": {"new": 0, "errors": ["HTTP 503 from feed"]}})
    rec = last_run(fresh_db, "nightly")
    assert rec["status"] == "partial"
    assert rec["sources"] == ["fts", "news"]
    assert rec["per_source"]["fts"]["new"] == 2
    assert rec["errors"] == ["news: HTTP 503 from feed"]
    assert rec["finished_at"] is not None


def test_pending_alerts_only_relevant(fresh_db):
    relevant = store_document(fresh_db, notice_doc())
    store_document(fresh_db, news_doc(extraction={"relevant": False}))
    assert [a["id"] for a in pending_alerts(fresh_db)] == [relevant.doc_id]


def test_pending_alert_has_export_fields(fresh_db):
    store_document(fresh_db, notice_doc())
    [alert] = pending_alerts(fresh_db)
    for field in ("kind", "source", "url", "title", "published", "fetched_at", "relevant", "prisons",
                  "companies", "values_gbp", "events", "id"):
        assert field in alert
    assert alert["title"] == "HMP Fosse Way - Integrated Healthcare Services"


def test_marked_alerts_not_pending(fresh_db):
    r = store_document(fresh_db, notice_doc())
    mark_alerted(fresh_db, [r.doc_id], recipients=["research@example.org"], subject="hjwatch: 1 new",
                 message_id="<1@hjwatch>")
    assert pending_alerts(fresh_db) == []
    row = fresh_db.execute("SELECT recipients, subject, message_id FROM alerts").fetchone()
    assert row == ('["research@example.org"]', "hjwatch: 1 new", "<1@hjwatch>")


def test_mark_twice_keeps_first(fresh_db):
    r = store_document(fresh_db, notice_doc())
    first = mark_alerted(fresh_db, [r.doc_id], recipients=[], subject="a", message_id="<a>")
    mark_alerted(fresh_db, [r.doc_id], recipients=[], subject="b", message_id="<b>")
    assert fresh_db.execute("SELECT alert_id FROM alert_items").fetchall() == [(first,)]


def test_mark_nothing_is_noop(fresh_db):
    assert mark_alerted(fresh_db, [], recipients=[], subject="x", message_id="y") is None
    assert fresh_db.execute("SELECT count(*) FROM alerts").fetchone()[0] == 0


def test_changed_document_not_alerted_twice(fresh_db):
    r = store_document(fresh_db, notice_doc())
    mark_alerted(fresh_db, [r.doc_id], recipients=[], subject="s", message_id="m")
    store_document(fresh_db, notice_doc(release(amount=1)))
    assert pending_alerts(fresh_db) == []


def test_new_release_of_same_ocid_is_alerted(fresh_db):
    r = store_document(fresh_db, notice_doc(release(tag="tender")))
    mark_alerted(fresh_db, [r.doc_id], recipients=[], subject="s", message_id="m")
    award = store_document(fresh_db, notice_doc(release(tag="award")))
    assert [a["id"] for a in pending_alerts(fresh_db)] == [award.doc_id]


def test_alerted_after_reviewer_marks_relevant(fresh_db):
    from hjwatch.db import set_field
    r = store_document(fresh_db, news_doc(extraction={"relevant": False}))
    set_field(fresh_db, r.doc_id, "relevant", "true")
    assert [a["id"] for a in pending_alerts(fresh_db)] == [r.doc_id]

"""store_document: idempotent writes, revisions, notices, extractions, names, raw bodies."""

from __future__ import annotations

import json

import pytest

from hjwatch import InputError
from hjwatch.db import get_document, store_document, store_documents

from .docs import STORY, news_doc, notice_doc, release

TABLES = ("documents", "revisions", "notices", "extractions", "mentions", "names", "documents_fts")


def counts(db):
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def snapshot(db):
    return [tuple(r) for r in db.execute("SELECT * FROM documents ORDER BY id").fetchall()]


def test_first_store_is_new(fresh_db):
    assert store_document(fresh_db, news_doc()).status == "new"


def test_same_document_twice_is_unchanged(fresh_db):
    first = store_document(fresh_db, news_doc())
    second = store_document(fresh_db, news_doc())
    assert second.status == "unchanged"
    assert second.doc_id == first.doc_id


def test_storing_twice_changes_nothing(fresh_db):
    store_document(fresh_db, notice_doc())
    store_document(fresh_db, news_doc())
    before_counts, before_rows = counts(fresh_db), snapshot(fresh_db)
    store_document(fresh_db, notice_doc())
    store_document(fresh_db, news_doc())
    assert counts(fresh_db) == before_counts
    assert snapshot(fresh_db) == before_rows


def test_refetch_with_different_html_but_same_text_is_unchanged(fresh_db):
    store_document(fresh_db, news_doc())
    doc = news_doc(body=b"<html><!-- csrf 81f2 --><body>same story</body></html>")
    assert store_document(fresh_db, doc).status == "unchanged"


def test_new_text_is_a_revision(fresh_db):
    first = store_document(fresh_db, news_doc())
    result = store_document(fresh_db, news_doc(text=STORY + " Updated: NHS England has named new providers."))
    assert result.status == "changed"
    assert result.doc_id == first.doc_id


def test_revision_keeps_earlier_version(fresh_db):
    r = store_document(fresh_db, news_doc())
    store_document(fresh_db, news_doc(text=STORY + " Updated.", title="Trust quits prison contracts"))
    old = fresh_db.execute("SELECT revision, title, text FROM revisions WHERE document_id = ?", [r.doc_id]).fetchall()
    assert old == [(1, "Trust to quit prison health contracts", STORY)]
    doc = get_document(fresh_db, r.doc_id)
    assert doc["revision"] == 2
    assert doc["title"] == "Trust quits prison contracts"


def test_three_versions_give_two_revisions(fresh_db):
    for suffix in ("", " One.", " Two."):
        r = store_document(fresh_db, news_doc(text=STORY + suffix))
    assert fresh_db.execute("SELECT revision FROM revisions WHERE document_id = ? ORDER BY revision",
                            [r.doc_id]).fetchall() == [(1,), (2,)]


def test_raw_body_stored_exactly(fresh_db):
    body = b"<html><body>\xa3 not utf-8 \x00 bytes</body></html>"
    r = store_document(fresh_db, news_doc(body=body))
    assert get_document(fresh_db, r.doc_id)["body"] == body


def test_same_key_other_source_is_another_document(fresh_db):
    a = store_document(fresh_db, news_doc())
    b = store_document(fresh_db, news_doc(source="mirror.example.net"))
    assert a.doc_id != b.doc_id


@pytest.mark.parametrize("missing", ["source", "kind", "key"])
def test_identity_fields_required(fresh_db, missing):
    doc = news_doc()
    doc[missing] = None
    with pytest.raises(InputError):
        store_document(fresh_db, doc)


def test_unknown_kind_refused(fresh_db):
    with pytest.raises(InputError, match="notice or news"):
        store_document(fresh_db, news_doc(kind="tweet"))


def test_text_body_accepted(fresh_db):
    r = store_document(fresh_db, news_doc(body="<p>text body</p>"))
    assert get_document(fresh_db, r.doc_id)["body"] == b"<p>text body</p>"


def test_notice_row(fresh_db):
    r = store_document(fresh_db, notice_doc())
    row = next(fresh_db.query("SELECT * FROM notices WHERE document_id = ?", [r.doc_id]))
    assert row["ocid"] == "ocds-h6vhtk-058b19"
    assert row["release_id"] == "ocds-h6vhtk-058b19-award"
    assert row["buyer"] == "NHS England"
    assert json.loads(row["suppliers"]) == ["Practice Plus Group"]
    assert row["value"] == 38108065
    assert row["currency"] == "GBP"
    assert row["contract_start"] == "2025-07-01"
    assert row["contract_end"] == "2029-06-30"
    assert json.loads(row["cpv"]) == ["85100000"]
    assert row["procedure"] == "Limited procedure"
    assert json.loads(row["tag"]) == ["award"]
    assert json.loads(row["release_json"])["ocid"] == "ocds-h6vhtk-058b19"


def test_releases_of_one_ocid_form_its_history(fresh_db):
    store_document(fresh_db, notice_doc(release(tag="tender", amount=40000000)))
    store_document(fresh_db, notice_doc(release(tag="award")))
    rows = fresh_db.execute("SELECT release_id, notice_type FROM notices WHERE ocid = ? ORDER BY id",
                            ["ocds-h6vhtk-058b19"]).fetchall()
    assert rows == [("ocds-h6vhtk-058b19-tender", "tender"), ("ocds-h6vhtk-058b19-award", "award")]


def test_release_key_order_does_not_make_a_revision(fresh_db):
    rel = release()
    store_document(fresh_db, notice_doc(rel))
    reordered = json.loads(json.dumps(dict(reversed(list(rel.items())))))
    assert store_document(fresh_db, notice_doc(reordered)).status == "unchanged"


def test_changed_release_updates_notice(fresh_db):
    store_document(fresh_db, notice_doc(release()))
    assert store_document(fresh_db, notice_doc(release(amount=45000000))).status == "changed"
    assert fresh_db.execute("SELECT value FROM notices").fetchall() == [(45000000.0,)]


def test_extraction_saved_with_version(fresh_db):
    r = store_document(fresh_db, news_doc())
    row = fresh_db.execute("SELECT extractor_version, relevant, relevance_score FROM extractions "
                           "WHERE document_id = ?", [r.doc_id]).fetchone()
    assert row == ("1.0", 1, 0.93)


def test_mentions_saved(fresh_db):
    r = store_document(fresh_db, news_doc())
    assert fresh_db.execute('SELECT label, start, "end", canonical FROM mentions WHERE document_id = ?',
                            [r.doc_id]).fetchall() == [
        ("TRUST", 0, 47, "Nottinghamshire Healthcare NHS Foundation Trust")]


def test_names_table(fresh_db):
    r = store_document(fresh_db, news_doc())
    names = fresh_db.execute("SELECT field, name FROM names WHERE document_id = ? ORDER BY field, name",
                             [r.doc_id]).fetchall()
    assert ("prisons", "HMP Ranby") in names
    assert ("trusts", "Nottinghamshire Healthcare NHS Foundation Trust") in names
    assert ("buyers", "NHS England") in names


def test_effective_columns(fresh_db):
    r = store_document(fresh_db, notice_doc(extraction={"relevant": True, "contract_end": "2029-06-30"}))
    doc = get_document(fresh_db, r.doc_id)
    assert (doc["relevant"], doc["contract_end"]) == (1, "2029-06-30")


def test_unchanged_document_takes_newer_extractor_version(fresh_db):
    r = store_document(fresh_db, news_doc())
    doc = news_doc(extractor_version="2.0", extraction={"relevant": False})
    assert store_document(fresh_db, doc).status == "unchanged"
    assert get_document(fresh_db, r.doc_id)["extractor_version"] == "2.0"
    assert get_document(fresh_db, r.doc_id)["relevant"] == 0
    assert fresh_db.execute("SELECT count(*) FROM extractions").fetchone()[0] == 2


def test_document_without_extraction_has_empty_record(fresh_db):
    doc = news_doc()
    del doc["extraction"], doc["extractor_version"]
    r = store_document(fresh_db, doc)
    assert get_document(fresh_db, r.doc_id)["record"]["prisons"] == []


def test_extraction_error_recorded(fresh_db):
    r = store_document(fresh_db, news_doc(extraction={}, extraction_error="ValueError: boom"))
    assert fresh_db.execute("SELECT error FROM extractions WHERE document_id = ?",
                            [r.doc_id]).fetchone() == ("ValueError: boom",)


# store_documents: one transaction per batch, each document whole or not at all

def batch():
    return [notice_doc(), news_doc(), news_doc(key="https://news.example.org/other", text=STORY + " More.")]


def test_batch_statuses_in_order(fresh_db):
    results = store_documents(fresh_db, batch())
    assert [r.status for r in results] == ["new", "new", "new"]
    assert [r.doc_id for r in results] == [1, 2, 3]


def test_batch_restore_is_idempotent(fresh_db):
    store_documents(fresh_db, batch())
    before, rows = counts(fresh_db), snapshot(fresh_db)
    assert [r.status for r in store_documents(fresh_db, batch())] == ["unchanged"] * 3
    assert counts(fresh_db) == before
    assert snapshot(fresh_db) == rows


def test_batch_same_as_one_by_one(fresh_db, tmp_path):
    from hjwatch.db import open_db

    other = open_db(tmp_path / "single.db")
    for doc in batch():
        store_document(other, doc)
    store_documents(fresh_db, batch())
    assert counts(fresh_db) == counts(other)
    # the near-duplicate found inside a batch is the same as across transactions
    dups = "SELECT key, duplicate_of FROM documents ORDER BY id"
    assert fresh_db.execute(dups).fetchall() == other.execute(dups).fetchall()


def test_batch_bad_document_is_reported_and_others_stored(fresh_db):
    docs = batch()
    docs.insert(1, {"source": "fts", "kind": "leaflet", "key": "x"})
    results = store_documents(fresh_db, docs)
    assert isinstance(results[1], InputError)
    assert [r.status for i, r in enumerate(results) if i != 1] == ["new", "new", "new"]
    assert counts(fresh_db)["documents"] == 3


def test_batch_failure_half_way_through_a_document_writes_none_of_it(fresh_db, monkeypatch):
    import hjwatch.db.documents as documents

    real = documents._insert_names

    def fail_for_other(db, doc_id, rec):
        real(db, doc_id, rec)
        if doc_id == 3:  # after its document, contents, FTS and extraction rows were written
            raise RuntimeError("boom")

    monkeypatch.setattr(documents, "_insert_names", fail_for_other)
    results = store_documents(fresh_db, batch())
    assert isinstance(results[2], RuntimeError)
    c = counts(fresh_db)
    assert (c["documents"], c["documents_fts"], c["extractions"]) == (2, 2, 2)
    assert fresh_db.execute("SELECT COUNT(*) FROM contents").fetchone()[0] == 2
    fresh_db.execute("INSERT INTO documents_fts (documents_fts) VALUES ('integrity-check')")
    monkeypatch.undo()
    assert [r.status for r in store_documents(fresh_db, batch())] == ["unchanged", "unchanged", "new"]


def test_batch_empty(fresh_db):
    assert store_documents(fresh_db, []) == []

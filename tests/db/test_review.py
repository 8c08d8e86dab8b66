"""The review queue and corrections; corrections survive re-extraction."""

from __future__ import annotations

import json

import pytest

from hjwatch import InputError
from hjwatch.db import accept, export_documents, get_document, review_queue, set_field, store_document
from hjwatch.db.records import parse_field_value
from hjwatch.db.review import review_detail

from .docs import news_doc, notice_doc


def queued(db):
    return {item["id"]: item["reasons"] for item in review_queue(db)}


def test_confident_record_not_queued(fresh_db):
    store_document(fresh_db, news_doc())
    assert queued(fresh_db) == {}


def test_borderline_relevance_queued(fresh_db):
    r = store_document(fresh_db, news_doc(extraction={"relevant": True, "relevance_score": 0.55,
                                                       "prisons": ["HMP Leeds"]}))
    assert queued(fresh_db) == {r.doc_id: ["borderline relevance"]}


def test_unresolved_name_queued(fresh_db):
    r = store_document(fresh_db, news_doc(extraction={
        "relevant": True, "prisons": ["Fosse Way jail"],
        "mentions": [{"label": "PRISON", "text": "Fosse Way jail", "start": 0, "end": 14, "canonical": None}]}))
    [item] = review_queue(fresh_db)
    assert item["id"] == r.doc_id
    assert item["reasons"] == ["unresolved names"]
    assert item["unresolved"] == ["Fosse Way jail"]


def test_unresolved_fact_mentions_do_not_count(fresh_db):
    store_document(fresh_db, news_doc(extraction={
        "relevant": True, "prisons": ["HMP Leeds"],
        "mentions": [{"label": "MONEY", "text": "£5m", "start": 0, "end": 3, "canonical": None}]}))
    assert queued(fresh_db) == {}


def test_value_without_context_queued(fresh_db):
    r = store_document(fresh_db, news_doc(extraction={"relevant": True, "values_gbp": [5000000]}))
    assert queued(fresh_db) == {r.doc_id: ["value without context"]}


def test_conflict_recorded_at_merge_queued(fresh_db):
    r = store_document(fresh_db, notice_doc(extraction={"relevant": True, "prisons": ["HMP Leeds"],
                                                         "conflicts": ["values_gbp"]}))
    assert queued(fresh_db) == {r.doc_id: ["conflicting extractions"]}


def test_versions_disagreeing_queued(fresh_db):
    r = store_document(fresh_db, news_doc())
    store_document(fresh_db, news_doc(extractor_version="2.0", extraction={"relevant": False}))
    assert "conflicting extractions" in queued(fresh_db)[r.doc_id]


def test_accept_removes_from_queue(fresh_db):
    r = store_document(fresh_db, news_doc(extraction={"relevant": True, "values_gbp": [5000000]}))
    accept(fresh_db, r.doc_id, reviewer="ana")
    assert queued(fresh_db) == {}


def test_accepted_record_back_on_queue_when_content_changes(fresh_db):
    r = store_document(fresh_db, news_doc(extraction={"relevant": True, "values_gbp": [5000000]}))
    accept(fresh_db, r.doc_id)
    store_document(fresh_db, news_doc(text="A new version of the story.",
                                      extraction={"relevant": True, "values_gbp": [5000000]}))
    assert r.doc_id in queued(fresh_db)


def test_set_field_changes_effective_record(fresh_db):
    r = store_document(fresh_db, news_doc())
    rec = set_field(fresh_db, r.doc_id, "values_gbp", "85000000; 236000000", reviewer="ana", note="from HSJ")
    assert rec["values_gbp"] == [85000000, 236000000]
    assert get_document(fresh_db, r.doc_id)["record"]["values_gbp"] == [85000000, 236000000]


def test_correction_kept_apart_from_extraction(fresh_db):
    r = store_document(fresh_db, news_doc())
    set_field(fresh_db, r.doc_id, "relevant", "false")
    extracted = json.loads(fresh_db.execute("SELECT record FROM extractions WHERE document_id = ?",
                                            [r.doc_id]).fetchone()[0])
    assert extracted["relevant"] is True
    assert review_detail(fresh_db, r.doc_id)["corrections"] == {"relevant": False}


def test_latest_correction_wins(fresh_db):
    r = store_document(fresh_db, news_doc())
    set_field(fresh_db, r.doc_id, "contract_end", "2029-09-30")
    set_field(fresh_db, r.doc_id, "contract_end", "2030-03-31")
    assert get_document(fresh_db, r.doc_id)["contract_end"] == "2030-03-31"


def test_correction_wins_over_new_extraction(fresh_db):
    r = store_document(fresh_db, news_doc())
    set_field(fresh_db, r.doc_id, "prisons", "HMP Lincoln")
    store_document(fresh_db, news_doc(extractor_version="2.0",
                                      extraction={"relevant": True, "prisons": ["HMP Ranby"]}))
    [row] = list(export_documents(fresh_db))
    assert row["prisons"] == ["HMP Lincoln"]


def test_correction_updates_names(fresh_db):
    r = store_document(fresh_db, news_doc())
    set_field(fresh_db, r.doc_id, "prisons", "-")
    assert fresh_db.execute("SELECT count(*) FROM names WHERE document_id = ? AND field = 'prisons'",
                            [r.doc_id]).fetchone()[0] == 0


@pytest.mark.parametrize("field,value", [("nope", "x"), ("relevant", "maybe"), ("contract_end", "soon"),
                                         ("values_gbp", "lots"), ("events", "party"), ("prisons", "[1,")])
def test_bad_correction_is_input_error(fresh_db, field, value):
    r = store_document(fresh_db, news_doc())
    with pytest.raises(InputError):
        set_field(fresh_db, r.doc_id, field, value)


def test_unknown_document(fresh_db):
    with pytest.raises(InputError, match="no document"):
        set_field(fresh_db, 999, "relevant", "true")
    with pytest.raises(InputError, match="no document"):
        accept(fresh_db, 999)


@pytest.mark.parametrize("field,value,expected", [
    ("prisons", '["HMP Leeds", "HMP Leeds"]', ["HMP Leeds"]),
    ("prisons", "HMP Leeds; HMP Wealstun", ["HMP Leeds", "HMP Wealstun"]),
    ("values_gbp", "£85,000,000", [85000000]),
    ("durations_months", "84", [84]),
    ("litigation", "no", False),
    ("contract_start", "-", None),
    ("events", "award; loss", ["award", "loss"]),
])
def test_parse_field_value(field, value, expected):
    assert parse_field_value(field, value) == expected


# Corrections survive re-extraction (the real extractor, offline)

def test_corrections_survive_reextract(fresh_db):
    from hjwatch.pipeline.reextract import reextract, stale_ids

    r = store_document(fresh_db, news_doc(extractor_version="0.0-old"))
    set_field(fresh_db, r.doc_id, "prisons", "HMP Whatton")
    set_field(fresh_db, r.doc_id, "relevant", "true")
    report = reextract(fresh_db)
    assert report.done == 1 and report.failed == 0
    from hjwatch.extractors import EXTRACTOR_VERSION
    assert get_document(fresh_db, r.doc_id)["extractor_version"] == EXTRACTOR_VERSION
    assert stale_ids(fresh_db, current=EXTRACTOR_VERSION) == []
    [row] = list(export_documents(fresh_db))
    assert row["prisons"] == ["HMP Whatton"]
    assert row["relevant"] is True

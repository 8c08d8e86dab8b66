"""export_documents: the CONTRACT.md "Export" shape, corrections applied, --since, CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest

from hjwatch import InputError
from hjwatch.db import export_documents, set_field, store_document
from hjwatch.db.export import EXPORT_FIELDS, write_csv, write_jsonl

from .docs import news_doc, notice_doc

CONTRACT_FIELDS = ["kind", "source", "url", "title", "published", "fetched_at", "relevant", "trusts", "prisons",
                   "companies", "buyers", "values_gbp", "durations_months", "contract_start", "contract_end",
                   "litigation", "litigation_snippets", "events"]


@pytest.fixture
def db(fresh_db):
    store_document(fresh_db, notice_doc())
    store_document(fresh_db, news_doc())
    return fresh_db


def test_every_document_exported(db):
    assert [d["kind"] for d in export_documents(db)] == ["notice", "news"]


@pytest.mark.parametrize("field", CONTRACT_FIELDS)
def test_contract_field_present(db, field):
    assert all(field in d for d in export_documents(db))


def test_no_path_or_mentions(db):
    assert all("mentions" not in d and "path" not in d for d in export_documents(db))


def test_notice_url_contains_ocid(db):
    notice = next(d for d in export_documents(db) if d["kind"] == "notice")
    assert "ocds-h6vhtk-058b19" in notice["url"]
    assert notice["title"] == "HMP Fosse Way - Integrated Healthcare Services"


def test_values_are_integers(db):
    notice = next(d for d in export_documents(db) if d["kind"] == "notice")
    assert notice["values_gbp"] == [38108065]
    assert all(isinstance(v, int) for v in notice["values_gbp"])


def test_corrections_applied(db):
    news = next(d for d in export_documents(db) if d["kind"] == "news")
    set_field(db, news["id"], "litigation", "true")
    assert next(d for d in export_documents(db) if d["kind"] == "news")["litigation"] is True


def test_since_filters_on_document_date(db):
    assert [d["kind"] for d in export_documents(db, since="2025-06-01")] == ["notice"]


def test_since_bad_date(db):
    with pytest.raises(InputError):
        list(export_documents(db, since="yesterday"))


def test_jsonl_lines_are_json(db):
    out = io.StringIO()
    assert write_jsonl(export_documents(db), out) == 2
    assert [json.loads(line)["kind"] for line in out.getvalue().splitlines()] == ["notice", "news"]


def test_csv_header_and_lists(db):
    out = io.StringIO()
    write_csv(export_documents(db), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(EXPORT_FIELDS)
    assert rows[1]["prisons"] == "HMP Nottingham; HMP Ranby"
    assert rows[0]["relevant"] == "true"


def test_empty_database_exports_nothing(fresh_db):
    assert list(export_documents(fresh_db)) == []

"""The Datasette metadata: every canned query runs and returns the expected rows."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from importlib import resources

import pytest

yaml = pytest.importorskip("yaml")  # comes with the `web` extra (datasette)

from hjwatch.db import open_db, set_field, store_document

from .docs import STORY, news_doc, notice_doc, release

TODAY = dt.date.today()


def metadata():
    text = resources.files("hjwatch.db").joinpath("datasette/metadata.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


QUERIES = metadata()["databases"]["hjwatch"]["queries"]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("ds") / "hjwatch.db"
    db = open_db(path)
    ending = (TODAY + dt.timedelta(days=180)).isoformat()
    later = (TODAY + dt.timedelta(days=800)).isoformat()
    ids = {}
    # A: a relevant award stored now, contract ending in six months (two releases of one ocid)
    store_document(db, notice_doc(release(tag="tender", end=ending)))
    ids["award"] = store_document(db, notice_doc(release(tag="award", end=ending),
                                  extraction={"relevant": True, "prisons": ["HMP Fosse Way"],
                                              "companies": ["Practice Plus Group"], "events": ["award"],
                                              "contract_end": ending})).doc_id
    # B: a relevant news story first stored 30 days ago
    ids["old"] = store_document(db, news_doc()).doc_id
    with db.conn:
        db.execute("UPDATE documents SET first_seen = ? WHERE id = ?",
                   [(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)).isoformat(), ids["old"]])
    # C: an irrelevant story stored now
    store_document(db, news_doc(key="https://news.example.org/catering", title="Prison catering contract",
                                text="Catering at HMP Leeds.", extraction={"relevant": False, "prisons": ["HMP Leeds"]}))
    # D: a syndicated copy of B stored now
    store_document(db, news_doc(source="mirror.example.net", key="https://mirror.example.net/1", text=STORY + " Share."))
    # E: litigation, reviewer-corrected
    ids["court"] = store_document(db, news_doc(key="https://news.example.org/court", title="Provider takes NHS England to court",
                                  published="2023-05-24", text="Practice Plus Group is taking legal action.",
                                  extraction={"relevant": True, "companies": ["Practice Plus Group"],
                                              "prisons": ["HMP Exeter"], "litigation": True,
                                              "litigation_snippets": ["is taking legal action"]})).doc_id
    set_field(db, ids["court"], "trusts", "Oxleas NHS Foundation Trust")
    # F: another buyer's notice ending in two years
    store_document(db, notice_doc(release(ocid="ocds-h6vhtk-028eb1", tag="award", end=later,
                                          title="Integrated Health and Wellbeing Services to Prisons in the South West region"),
                                  notice={"ocid": "ocds-h6vhtk-028eb1", "buyer": "NHS South, Central and West CSU"}))
    db.close()
    return path, ids


def run(path, name, params=None):
    db = open_db(path)
    cur = db.execute(QUERIES[name]["sql"], params or {})
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def test_every_query_documented():
    for name, q in QUERIES.items():
        assert q.get("title") and q.get("description") and q.get("sql"), name


def test_new_relevant_this_week(fixture_db):
    path, ids = fixture_db
    rows = run(path, "new_relevant_this_week")
    titles = [r["title"] for r in rows]
    assert "Trust to quit prison health contracts" not in titles  # 30 days old, and its copy is a duplicate
    assert "Prison catering contract" not in titles
    assert "Provider takes NHS England to court" in titles
    assert "HMP Fosse Way - Integrated Healthcare Services" in titles


def test_providers_at_prison(fixture_db):
    path, ids = fixture_db
    rows = run(path, "providers_at_prison", {"prison": "Exeter"})
    assert [(r["title"], r["providers"]) for r in rows] == [
        ("Provider takes NHS England to court", "Oxleas NHS Foundation Trust; Practice Plus Group")]


def test_providers_at_prison_in_date_order(fixture_db):
    path, _ = fixture_db
    rows = run(path, "providers_at_prison", {"prison": "Fosse"})
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates) and len(rows) >= 2


def test_litigation_mentions(fixture_db):
    path, ids = fixture_db
    rows = run(path, "litigation_mentions")
    assert [r["id"] for r in rows] == [ids["court"]]
    assert json.loads(rows[0]["snippets"]) == ["is taking legal action"]


def test_contracts_ending_next_12_months(fixture_db):
    path, ids = fixture_db
    rows = run(path, "contracts_ending_next_12_months")
    assert [(r["ocid"], r["id"]) for r in rows] == [("ocds-h6vhtk-058b19", ids["award"])]
    assert rows[0]["buyer"] == "NHS England"


def test_notices_per_buyer(fixture_db):
    path, _ = fixture_db
    rows = run(path, "notices_per_buyer")
    assert [(r["buyer"], r["releases"], r["procurements"]) for r in rows] == [
        ("NHS England", 2, 1), ("NHS South, Central and West CSU", 1, 1)]


def test_queries_run_inside_datasette(fixture_db):
    datasette = pytest.importorskip("datasette.app")
    path, ids = fixture_db
    ds = datasette.Datasette([str(path)], metadata=metadata())

    async def fetch(url):
        response = await ds.client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        return response.json()

    async def main():
        out = {}
        for name in QUERIES:
            out[name] = await fetch(f"/hjwatch/{name}.json?_shape=array&prison=Exeter")
        out["_facets"] = await fetch("/hjwatch/documents.json?_shape=objects&_size=0")
        return out

    out = asyncio.run(main())
    assert [r["id"] for r in out["litigation_mentions"]] == [ids["court"]]
    assert len(out["providers_at_prison"]) == 1
    assert "facet_results" in out["_facets"] or "facets" in json.dumps(out["_facets"])


def test_serve_metadata_names_the_database_by_stem():
    from hjwatch.commands.serve import metadata_for

    meta = yaml.safe_load(metadata_for("/data/research.db"))
    assert list(meta["databases"]) == ["research"]
    assert set(meta["databases"]["research"]["queries"]) == set(QUERIES)

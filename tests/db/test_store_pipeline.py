"""pipeline/store.py: text, extraction, merge and store; the Scrapy item pipeline for real."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from hjwatch.db import get_cursor, get_document, open_db
from hjwatch.pipeline import store as store_mod
from hjwatch.pipeline.store import (StorePipeline, body_text, merge_structured, overlay_path,
                                    process_document)

from tests.forked_cli import run_in_child

from .docs import STORY, news_doc, notice_doc, release

ARTICLE_HTML = f"""<!doctype html><html><head><title>Trust to quit prison health contracts</title></head>
<body><nav>Home | News | Sport</nav><article><h1>Trust to quit prison health contracts</h1>
<p>{STORY}</p></article><footer>Copyright 2025</footer></body></html>"""


def raw_news(**extra):
    doc = news_doc()
    for key in ("text", "extraction", "extractor_version"):
        doc.pop(key, None)
    doc["body"] = ARTICLE_HTML.encode()
    doc.update(extra)
    return doc


def raw_notice(**extra):
    """The same document as a notice: notices are stored in batches (their window's cursor
    item flushes them); pages are stored one by one (see the next tests)."""
    return raw_news(**{"kind": "notice", "text": STORY, **extra})


class Stats:
    def __init__(self):
        self.values = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


# merge_structured

def test_merge_without_structured_keeps_record():
    assert merge_structured({"prisons": ["HMP Leeds"]}, None) == {"prisons": ["HMP Leeds"]}


def test_merge_lists_structured_first_and_unioned():
    rec = merge_structured({"companies": ["Spectrum CIC", "Practice Plus Group"]},
                           {"companies": ["Practice Plus Group"]})
    assert rec["companies"] == ["Practice Plus Group", "Spectrum CIC"]


def test_merge_scalar_structured_wins():
    rec = merge_structured({"contract_end": "2029-01-01"}, {"contract_end": "2029-06-30"})
    assert rec["contract_end"] == "2029-06-30"
    assert rec["conflicts"] == ["contract_end"]


def test_merge_none_does_not_erase():
    assert merge_structured({"contract_start": "2025-07-01"}, {"contract_start": None})["contract_start"] == "2025-07-01"


def test_merge_values_agreeing_is_no_conflict():
    assert "conflicts" not in merge_structured({"values_gbp": [38108065]}, {"values_gbp": [38108065]})


def test_merge_relevant_is_or():
    assert merge_structured({"relevant": False}, {"relevant": True})["relevant"] is True
    assert merge_structured({"relevant": True}, {"relevant": False})["relevant"] is True


# body_text

def test_body_declared_charset():
    assert body_text("£85m".encode("cp1252"), "text/html; charset=windows-1252") == "£85m"


def test_body_wrong_charset_falls_back():
    assert body_text("£85m".encode(), "text/html; charset=ascii") == "£85m"


def test_body_unknown_charset_falls_back():
    assert body_text(b"plain", "text/html; charset=x-nonsense") == "plain"


def test_overlay_path_beside_db():
    assert str(overlay_path("/data/research.db")) == "/data/research.gazetteer.jsonl"


# process_document with the real extractor

def test_process_derives_text_from_html(fresh_db):
    r = process_document(fresh_db, raw_news())
    doc = get_document(fresh_db, r.doc_id)
    assert r.status == "new"
    assert "HMP Lowdham Grange" in doc["text"]
    assert "<p>" not in doc["text"]
    assert doc["body"] == ARTICLE_HTML.encode()
    assert doc["extractor_version"]


def test_process_keeps_spider_text(fresh_db):
    r = process_document(fresh_db, raw_news(text="Spider text about HMP Leeds."))
    assert get_document(fresh_db, r.doc_id)["text"] == "Spider text about HMP Leeds."


def test_process_notice_derives_text_from_release(fresh_db):
    doc = notice_doc()
    for key in ("text", "extraction", "extractor_version"):
        doc.pop(key)
    r = process_document(fresh_db, doc)
    assert "Fosse Way" in get_document(fresh_db, r.doc_id)["text"]


def test_process_merges_structured(fresh_db):
    doc = notice_doc()
    for key in ("extraction", "extractor_version"):
        doc.pop(key)
    doc["structured"] = {"buyers": ["NHS England"], "values_gbp": [38108065], "contract_end": "2029-06-30"}
    r = process_document(fresh_db, doc)
    rec = get_document(fresh_db, r.doc_id)["record"]
    assert rec["values_gbp"][0] == 38108065
    assert rec["buyers"][0] == "NHS England"
    assert rec["contract_end"] == "2029-06-30"


def test_process_twice_unchanged(fresh_db):
    process_document(fresh_db, raw_news())
    assert process_document(fresh_db, raw_news()).status == "unchanged"


def test_failing_extraction_still_stores_raw(fresh_db, monkeypatch, caplog):
    import hjwatch.extractors as ex

    def boom(text):
        raise RuntimeError("model exploded")
    monkeypatch.setattr(ex, "extract_text", boom)
    r = process_document(fresh_db, raw_news())
    assert r.status == "new"
    assert get_document(fresh_db, r.doc_id)["body"] == ARTICLE_HTML.encode()
    assert fresh_db.execute("SELECT error FROM extractions").fetchone()[0] == "RuntimeError: model exploded"
    assert "extraction failed" in caplog.text


def test_binary_body_stored_with_error(fresh_db):
    r = process_document(fresh_db, raw_news(body=b"\x00\x01\x02PK" * 100, content_type="application/zip"))
    assert get_document(fresh_db, r.doc_id)["body"].startswith(b"\x00\x01")
    assert "binary" in fresh_db.execute("SELECT error FROM extractions").fetchone()[0]


def test_malformed_release_body_stored_with_error(fresh_db):
    doc = notice_doc(body=b"{not json", release=None)
    for key in ("text", "extraction", "extractor_version"):
        doc.pop(key)
    r = process_document(fresh_db, doc)
    assert get_document(fresh_db, r.doc_id)["body"] == b"{not json"
    assert fresh_db.execute("SELECT error FROM extractions").fetchone()[0].startswith("JSONDecodeError")


# StorePipeline, called directly

@pytest.fixture
def pipeline(db_path):
    p = StorePipeline(str(db_path), Stats())
    p.open_spider()
    yield p
    p.close_spider()


def test_pipeline_counts(pipeline):
    pipeline.process_item(raw_news())
    pipeline.process_item(raw_news())
    pipeline.process_item(raw_news(text=STORY + " Update."))
    pipeline.flush()
    assert pipeline.stats.values == {"hjwatch/new": 1, "hjwatch/unchanged": 1, "hjwatch/changed": 1}


def test_pipeline_buffers_until_batch_size(db_path):
    p = StorePipeline(str(db_path), Stats(), batch_size=2)
    p.open_spider()
    p.process_item(raw_notice())
    assert open_db(db_path).execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0
    p.process_item(raw_notice(key="https://news.example.org/b", url="https://news.example.org/b"))
    assert open_db(db_path).execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 2
    assert p.buffer == []
    p.close_spider()


def test_pipeline_flushes_when_the_batch_is_old(db_path):
    p = StorePipeline(str(db_path), Stats(), batch_seconds=0)
    p.open_spider()
    p.process_item(raw_notice())
    assert p.stats.values == {"hjwatch/new": 1}
    p.close_spider()


def test_pipeline_close_flushes(db_path):
    p = StorePipeline(str(db_path), Stats())
    p.open_spider()
    p.process_item(raw_notice())
    p.close_spider()
    assert open_db(db_path).execute("SELECT key FROM documents").fetchall() == [
        ("https://news.example.org/trust-quits-prison-contracts",)]


def test_pipeline_cursor_flushes_its_window_first(pipeline, db_path):
    pipeline.process_item(raw_notice())
    pipeline.process_item({"_cursor": {"source": "news.example.org", "value": "w1"}})
    db = open_db(db_path)
    assert db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 1
    assert get_cursor(db, "news.example.org") == "w1"


def test_pipeline_bad_document_in_a_batch_loses_nothing(pipeline, db_path):
    pipeline.process_item(raw_notice())
    bad = raw_notice(key="https://news.example.org/bad", text=STORY, body=12345)  # body of no known type
    pipeline.process_item(bad)
    pipeline.process_item(raw_notice(key="https://news.example.org/c", url="https://news.example.org/c"))
    pipeline.process_item({"_cursor": {"source": "news.example.org", "value": "w1"}})
    db = open_db(db_path)
    keys = [k for (k,) in db.execute("SELECT key FROM documents ORDER BY key")]
    assert keys == ["https://news.example.org/c", "https://news.example.org/trust-quits-prison-contracts"]
    [saved] = (db_path.parent / "test.failed.jsonl").read_text().splitlines()
    assert json.loads(saved)["key"] == "https://news.example.org/bad"
    assert "InputError" in json.loads(saved)["_error"]
    assert pipeline.stats.values["hjwatch/store_failed"] == 1
    assert pipeline.stats.values["hjwatch/new"] == 2
    assert get_cursor(db, "news.example.org") is None  # the failed window is fetched again


def test_pipeline_failed_batch_is_retried_one_by_one(pipeline, db_path, monkeypatch):
    def batch_fails(db, docs):
        raise OSError("disk full")
    monkeypatch.setattr(store_mod, "store_documents", batch_fails)
    pipeline.process_item(raw_notice())
    pipeline.process_item(raw_notice(key="https://news.example.org/c", url="https://news.example.org/c"))
    pipeline.flush()
    assert open_db(db_path).execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 2
    assert pipeline.stats.values == {"hjwatch/new": 2}
    assert not (db_path.parent / "test.failed.jsonl").exists()


def test_pipeline_reads_batch_settings(db_path):
    class Settings(dict):
        def getint(self, key, default):
            return int(self.get(key, default))

        def getfloat(self, key, default):
            return float(self.get(key, default))

    class Crawler:
        settings = Settings(HJWATCH_DB=str(db_path), HJWATCH_STORE_BATCH="7", HJWATCH_STORE_BATCH_SECONDS="1.5")
        stats = Stats()

    p = StorePipeline.from_crawler(Crawler())
    assert (p.db_path, p.batch_size, p.batch_seconds) == (str(db_path), 7, 1.5)


def test_pipeline_returns_item(pipeline):
    item = raw_notice()
    assert pipeline.process_item(item) is item


def test_pipeline_cursor_item(pipeline, db_path):
    cursor = {"_cursor": {"source": "fts", "value": "2025-08-21T00:00:00Z"}}
    assert pipeline.process_item(cursor) is cursor
    assert get_cursor(open_db(db_path), "fts") == "2025-08-21T00:00:00Z"
    assert pipeline.stats.values["hjwatch/cursor_moved"] == 1


@pytest.mark.parametrize("bad", [None, "x", {"source": "fts"}, {"value": "1"}])
def test_pipeline_malformed_cursor_ignored(pipeline, db_path, bad, caplog):
    pipeline.process_item({"_cursor": bad})
    assert "malformed cursor" in caplog.text


def test_store_failure_keeps_item_and_freezes_cursor(pipeline, db_path, monkeypatch):
    def broken(db, doc):
        raise OSError("disk full")
    monkeypatch.setattr(store_mod, "store_document", broken)
    monkeypatch.setattr(store_mod, "store_documents", broken)
    pipeline.process_item(raw_notice())
    pipeline.flush()
    monkeypatch.undo()
    pipeline.process_item({"_cursor": {"source": "news.example.org", "value": "later"}})
    assert pipeline.stats.values["hjwatch/store_failed"] == 1
    assert get_cursor(open_db(db_path), "news.example.org") is None
    [saved] = (db_path.parent / "test.failed.jsonl").read_text().splitlines()
    saved = json.loads(saved)
    assert saved["key"] == "https://news.example.org/trust-quits-prison-contracts"
    assert saved["_error"] == "OSError: disk full"
    assert saved["body"]["base64"]


def test_pages_are_stored_at_once_not_buffered(db_path):
    # A web spider remembers a page (ETag, text hash) once its item is scraped: a page left in
    # a buffer and lost in a crash would never be fetched again.
    p = StorePipeline(str(db_path), Stats(), batch_size=100, batch_seconds=3600)
    p.open_spider()
    p.process_item(raw_news())
    assert open_db(db_path).execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 1
    assert p.buffer == []
    p.close_spider()


def test_a_page_that_cannot_be_stored_is_dropped_so_it_is_fetched_again(db_path):
    from scrapy.exceptions import DropItem

    p = StorePipeline(str(db_path), Stats())
    p.open_spider()
    with pytest.raises(DropItem):
        p.process_item(raw_news(key="https://news.example.org/bad", text=STORY, body=12345))
    assert p.stats.values["hjwatch/store_failed"] == 1
    assert (db_path.parent / "test.failed.jsonl").exists()  # and kept for replay
    p.close_spider()


# A real Scrapy crawl against a loopback server

CRAWL_SCRIPT = textwrap.dedent('''
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from hjwatch.spiders.items import RawDocument

    base, db_path, stats_path = sys.argv[1:4]

    # The crawl and the pipeline are real; the spaCy extractor is replaced by a stand-in so the
    # subprocess does not spend seconds building the gazetteer pipeline (tested elsewhere).
    import hjwatch.extractors
    hjwatch.extractors.extract_text = lambda text: {"relevant": "prison" in text, "prisons": [],
                                                    "mentions": []}

    class Pages(scrapy.Spider):
        name = "test_pages"
        start_urls = [base + "/a", base + "/b", base + "/missing"]

        def parse(self, response):
            yield RawDocument(source="loopback.test", kind="news", key=response.url, url=response.url,
                              canonical_url=response.url, fetched_url=response.url,
                              fetched_at="2025-02-11T06:00:00+00:00", body=response.body,
                              content_type=response.headers.get("Content-Type", b"").decode())

        def closed(self, reason):
            pass

    class Cursor(Pages):
        name = "test_cursor"
        start_urls = [base + "/a"]

        def parse(self, response):
            yield from super().parse(response)
            yield {"_cursor": {"source": "loopback.test", "value": "2025-02-11"}}

    process = CrawlerProcess({"ITEM_PIPELINES": {"hjwatch.pipeline.store.StorePipeline": 300},
                              "HJWATCH_DB": db_path, "LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False,
                              "TELNETCONSOLE_ENABLED": False})
    crawlers = [process.create_crawler(Pages), process.create_crawler(Cursor)]
    for c in crawlers:
        process.crawl(c)
    process.start()
    stats = {}
    for c in crawlers:
        for k, v in c.stats.get_stats().items():
            if k.startswith("hjwatch/"):
                stats[k] = stats.get(k, 0) + v
    json.dump(stats, open(stats_path, "w"))
''')


def run_script(argv: list[str]) -> None:
    """Run a script file as ``__main__`` with ``argv`` (in a forked child)."""
    import runpy

    sys.argv = list(argv)
    runpy.run_path(argv[0], run_name="__main__")


@pytest.mark.slow
def test_real_crawl_stores_items(httpserver, tmp_path):
    page_b = ARTICLE_HTML.replace("Trust to quit", "Commissioners seek new provider for")
    httpserver.expect_request("/a").respond_with_data(ARTICLE_HTML, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/b").respond_with_data(page_b, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/missing").respond_with_data("gone", status=404)
    script = tmp_path / "crawl.py"
    script.write_text(CRAWL_SCRIPT)
    db_path, stats_path = tmp_path / "crawl.db", tmp_path / "stats.json"
    base = httpserver.url_for("").rstrip("/")

    def crawl():
        # A forked child of this (warmed-up) process: a fresh interpreter would spend seconds
        # importing Scrapy before the first request (tests/forked_cli.py).
        out = run_in_child(run_script, [str(script), base, str(db_path), str(stats_path)],
                           cwd=tmp_path, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        return json.loads(stats_path.read_text())

    first = crawl()
    # /a and /b are new; the second spider's /a is the same document, unchanged
    assert first["hjwatch/new"] == 2
    assert first["hjwatch/unchanged"] == 1
    assert first["hjwatch/cursor_moved"] == 1
    db = open_db(db_path)
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
    assert get_cursor(db, "loopback.test") == "2025-02-11"
    body = db.execute("SELECT c.body FROM contents c JOIN documents d ON d.id = c.document_id "
                      "WHERE d.key LIKE '%/a'").fetchone()[0]
    assert body == ARTICLE_HTML.encode()
    db.close()

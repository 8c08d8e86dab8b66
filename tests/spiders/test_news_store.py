"""The news and pages spiders through the real command (``hjwatch crawl news pages``) into a
real SQLite file: the syndicated copy is linked to its original, the export shows feed titles
and canonical URLs, conditional-GET state lives in the database, and a second run stores nothing.

The loopback site serves the recorded pages of tests/files/news; ``localhost`` is Inside Time
(the original story) and ``127.0.0.1`` is HCSA (its repost).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("pytest_httpserver")
from pytest_httpserver import HTTPServer  # noqa: E402

from hjwatch.db import export_documents, open_db  # noqa: E402
from tests.forked_cli import child_env, run_cli, warm_up  # noqa: E402
from tests.spiders.test_news_crawl import Site  # noqa: E402  (the same recorded site)

ORIGINAL = "/news/provider-takes-nhs-england-to-court-over-prison-contracts/"
COPY = "/news/healthcare-provider-takes-nhs-england-to-court/"


def hjwatch(tmp: Path, *args: str):
    """The real CLI in a forked child (tests/forked_cli.py: imports and extractor already built)."""
    env = dict(child_env(None), HJWATCH_CONFIG=str(tmp / "hjwatch.toml"))
    return run_cli(["--db", str(tmp / "hj.db"), *args], cwd=tmp, env=env, timeout=180)


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("newsdb")
    warm_up()
    server = HTTPServer(threaded=True)
    server.start()
    try:
        site = Site(server)
        (tmp / "hjwatch.toml").write_text(
            "[sources.news]\n"
            f'feeds = ["{site.base}/rss/prisons.rdf", "{site.base2}/feed/atom/"]\n'
            "[sources.pages]\n"
            f'urls = ["{site.base}/south/info-professional/health-and-justice/"]\n'
            "[scrapy]\nDOWNLOAD_DELAY = 0\nAUTOTHROTTLE_ENABLED = false\nRETRY_TIMES = 0\n"
            'LOG_LEVEL = "INFO"\n'
        )
        first = hjwatch(tmp, "crawl", "news", "pages", "--json")
        requests1, site.requests = site.requests, []
        second = hjwatch(tmp, "crawl", "news", "pages", "--json")
        yield {"site": site, "tmp": tmp, "first": first, "second": second,
               "requests1": requests1, "requests2": site.requests}
    finally:
        if server.is_running():
            server.stop()


def rows(stored) -> list[dict]:
    # What `hjwatch export` prints, read in-process (a third CLI start-up would cost seconds).
    db = open_db(stored["tmp"] / "hj.db")
    try:
        return [json.loads(json.dumps(row, default=str)) for row in export_documents(db)]
    finally:
        db.close()


def by_path(stored, path):
    found = [r for r in rows(stored) if r["url"].endswith(path)]
    assert len(found) == 1, [r["url"] for r in rows(stored)]
    return found[0]


def test_crawl_command_succeeds(stored):
    assert stored["first"].returncode == 0, stored["first"].stderr[-3000:]
    report = json.loads(stored["first"].stdout)
    assert report["per_source"]["news"]["new"] == 3
    assert report["per_source"]["pages"]["new"] == 1


def test_export_shows_feed_title_source_and_canonical_url(stored):
    row = by_path(stored, "/news/articles/c4gxr9kp2z1o")
    assert row["kind"] == "news"
    assert row["title"] == "Trust serves notice on prison healthcare contracts"
    assert row["url"] == f"{stored['site'].base}/news/articles/c4gxr9kp2z1o"  # ?rss=1 gone
    assert row["source"] == "localhost"
    assert row["published"] == "2025-06-12"


def test_syndicated_copy_is_linked_to_its_original(stored):
    original, copy = by_path(stored, ORIGINAL), by_path(stored, COPY)
    assert original["source"] != copy["source"]
    # Whichever was stored second points at the other; the other points at nothing.
    links = sorted([original["duplicate_of"], copy["duplicate_of"]], key=lambda v: v is None)
    assert links[1] is None
    assert links[0] in (original["id"], copy["id"])


def test_watched_page_stored_with_page_title(stored):
    row = by_path(stored, "/south/info-professional/health-and-justice/")
    assert row["title"] == "Health and justice"
    assert row["source"] == "localhost"


def test_conditional_get_state_is_in_the_database(stored):
    con = sqlite3.connect(stored["tmp"] / "hj.db")
    keys = [k for (k,) in con.execute("SELECT source FROM cursors WHERE source LIKE 'web:%'")]
    con.close()
    assert f"web:{stored['site'].base}/rss/prisons.rdf" in keys
    assert f"web:{stored['site'].base}/news/articles/c4gxr9kp2z1o" in keys


def test_second_run_stores_nothing_new(stored):
    assert stored["second"].returncode == 0, stored["second"].stderr[-3000:]
    report = json.loads(stored["second"].stdout)
    assert report["per_source"]["news"]["new"] == 0 and report["per_source"]["news"]["changed"] == 0
    assert report["per_source"]["pages"]["new"] == 0 and report["per_source"]["pages"]["changed"] == 0


def test_second_run_sends_validators(stored):
    hj = [h for _, p, h in stored["requests2"] if p == "/south/info-professional/health-and-justice/"]
    assert hj and hj[0].get("If-None-Match") == '"hj-page-v1"'

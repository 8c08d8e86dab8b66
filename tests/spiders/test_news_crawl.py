"""Real Scrapy crawls of recorded feeds and pages on a loopback server (pytest-httpserver).

Two runs share one state file, as two nightly runs share the database:

- run 1: the ``news`` spider reads an RSS 2.0, an Atom and an RSS 1.0 feed, a truncated feed,
  an entity-bomb feed and a feed URL that 404s; their items lead to articles of four templates
  (NHS England, BBC, Inside Time, HCSA) and to pages that 404, 500, time out, are binary, are
  20 MB, or are disallowed by robots.txt. The ``pages`` spider watches a case-study index and
  an NHS England regional page, and follows the index's story links.
- run 2: the index has one more case study; everything else is unchanged (the regional page
  answers 304 to its ETag).

``localhost`` and ``127.0.0.1`` act as two sites (Inside Time and HCSA) on the same server.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from werkzeug import Request, Response

pytest.importorskip("pytest_httpserver")
from pytest_httpserver import HTTPServer  # noqa: E402

from tests.forked_cli import fresh_wanted, run_in_child, warm_up  # noqa: E402

HERE = Path(__file__).resolve().parent
NEWS = HERE.parent / "files" / "news"
RUNNER = HERE / "web_crawl_runner.py"

ROBOTS = "User-agent: *\nDisallow: /private/\n"


class Site:
    """The loopback site: recorded files with {base}/{base2} filled in, plus broken pages."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.base = f"http://localhost:{server.port}"
        self.base2 = f"http://127.0.0.1:{server.port}"
        self.requests: list[tuple[str, str, dict]] = []  # (host, path, headers) per run
        self.index_version = "v1"
        self.pages = {
            "/feed/": ("nhse_feed_rss2.xml", "application/rss+xml; charset=UTF-8"),
            "/feed/atom/": ("hcsa_feed_atom.xml", "application/atom+xml; charset=UTF-8"),
            "/rss/prisons.rdf": ("rdf_feed_rss1.xml", "application/rdf+xml"),
            "/feed/broken/": ("broken_feed.xml", "application/rss+xml"),
            "/feed/bomb/": ("entity_bomb.xml", "application/rss+xml"),
            "/2025/03/new-health-and-justice-contracts-south-east/": ("nhse_news.html", "text/html; charset=UTF-8"),
            "/news/articles/c4gxr9kp2z1o": ("bbc_article.html", "text/html; charset=utf-8"),
            "/news/provider-takes-nhs-england-to-court-over-prison-contracts/": ("insidetime_article.html", "text/html; charset=UTF-8"),
            "/news/healthcare-provider-takes-nhs-england-to-court/": ("hcsa_post.html", "text/html; charset=UTF-8"),
            "/case-studies/health-needs-assessment-for-prisons-in-the-north-east/": ("csu_case_study.html", "text/html"),
            "/case-studies/mobilising-a-new-prison-healthcare-contract-in-cumbria/": ("csu_case_study_cumbria.html", "text/html"),
            "/south/info-professional/health-and-justice/": ("nhse_region_hj.html", "text/html"),
        }
        server.expect_request("/robots.txt").respond_with_data(ROBOTS, content_type="text/plain")
        server.expect_request("").respond_with_handler(self.handle)  # every other path

    def fill(self, text: str) -> str:
        return text.replace("{base2}", self.base2).replace("{base}", self.base)

    def handle(self, request: Request) -> Response:
        self.requests.append((request.host, request.path, dict(request.headers)))
        path = request.path
        if path == "/case-studies/":
            return Response(self.fill((NEWS / f"csu_case_studies_{self.index_version}.html").read_text()),
                            content_type="text/html; charset=utf-8")
        if path == "/south/info-professional/health-and-justice/":
            etag = '"hj-page-v1"'
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            body = self.fill((NEWS / "nhse_region_hj.html").read_text())
            return Response(body, content_type="text/html; charset=utf-8", headers={"ETag": etag})
        if path == "/2025/02/server-error/":
            return Response("Internal Server Error", status=500)
        if path == "/2025/02/slow-page/":
            time.sleep(2.5)  # longer than the test's DOWNLOAD_TIMEOUT of 1 s
            return Response("<html><body><p>too late</p></body></html>", content_type="text/html")
        if path == "/2025/02/annual-report/":
            return Response(b"%PDF-1.7\n\x00\x01\x02binary" * 50, content_type="application/pdf")
        if path == "/2025/02/redirect-loop/":
            hop = int(request.args.get("hop", "0")) + 1
            return Response("", status=302, headers={"Location": f"/2025/02/redirect-loop/?hop={hop}"})
        if path == "/2025/02/huge-page/":
            return Response(b"<html><body>" + b"<p>x</p>" * (20 * 1024 * 1024 // 8) + b"</body></html>",
                            content_type="text/html")
        if path in self.pages:
            name, ctype = self.pages[path]
            return Response(self.fill((NEWS / name).read_text(encoding="utf-8")), content_type=ctype)
        return Response("Not Found", status=404)


def run_runner(cfg: Path, tmp: Path):
    """web_crawl_runner.py on ``cfg``: in a forked child (tests/forked_cli.py) unless
    HJWATCH_TEST_FRESH=1 asks for a fresh interpreter."""
    if fresh_wanted():
        return subprocess.run([sys.executable, str(RUNNER), str(cfg)], capture_output=True, text=True, timeout=120)
    from tests.spiders import web_crawl_runner

    return run_in_child(web_crawl_runner.main, [str(cfg)], cwd=tmp, timeout=120)


def crawl(site: Site, tmp: Path, run: str, state: Path) -> tuple[list[dict], str]:
    out = tmp / f"{run}.jsonl"
    config = {
        "spiders": ["news", "pages"],
        "out": str(out),
        "sources": {
            "news": {"feeds": [
                f"{site.base}/feed/", f"{site.base2}/feed/atom/", f"{site.base}/rss/prisons.rdf",
                f"{site.base}/feed/broken/", f"{site.base}/feed/bomb/", f"{site.base}/feed/missing/",
            ]},
            "pages": {"urls": [f"{site.base}/case-studies/", f"{site.base}/south/info-professional/health-and-justice/"]},
        },
        "settings": {
            "HJWATCH_WEB_STATE": str(state),
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "DOWNLOAD_TIMEOUT": 1,
            "RETRY_TIMES": 0,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
            "LOG_LEVEL": "INFO",
        },
    }
    cfg = tmp / f"{run}.json"
    cfg.write_text(json.dumps(config))
    proc = run_runner(cfg, tmp)
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return items, proc.stderr


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("webcrawl")
    warm_up()
    server = HTTPServer(threaded=True)
    server.start()
    try:
        site = Site(server)
        state = tmp / "web-state.json"
        first, log1 = crawl(site, tmp, "run1", state)
        requests1, site.requests = site.requests, []
        site.index_version = "v2"
        second, log2 = crawl(site, tmp, "run2", state)
        yield {"site": site, "tmp": tmp, "first": first, "second": second, "log1": log1, "log2": log2,
               "requests1": requests1, "requests2": site.requests, "state": state}
    finally:
        server.clear()
        if server.is_running():
            server.stop()


def by_path(items: list[dict], path: str) -> dict:
    found = [i for i in items if i["url"].split(":", 2)[-1].split("/", 1)[-1] == path.lstrip("/")]
    assert len(found) == 1, (path, [i["url"] for i in items])
    return found[0]


def paths(items):
    return sorted("/" + i["url"].split("/", 3)[3] for i in items)


# -- run 1: what was stored -----------------------------------------------------------------

def test_first_run_stores_every_article_once(runs):
    assert paths(runs["first"]) == sorted([
        "/2025/03/new-health-and-justice-contracts-south-east/",
        "/news/articles/c4gxr9kp2z1o",
        "/news/provider-takes-nhs-england-to-court-over-prison-contracts/",
        "/news/healthcare-provider-takes-nhs-england-to-court/",
        "/case-studies/",
        "/case-studies/health-needs-assessment-for-prisons-in-the-north-east/",
        "/south/info-professional/health-and-justice/",
    ])


def test_rss2_item_title_date_source_and_canonical_url(runs):
    item = by_path(runs["first"], "/2025/03/new-health-and-justice-contracts-south-east/")
    assert item["title"] == "NHS England awards new health and justice contracts for prisons in the South East"
    assert item["published"] == "2025-03-04"
    assert item["source"] == "localhost"
    assert item["kind"] == "news"
    assert item["key"] == item["url"] == f"{runs['site'].base}/2025/03/new-health-and-justice-contracts-south-east/"
    assert "utm_" not in item["fetched_url"]


def test_rss2_item_keeps_feed_fields(runs):
    feed = by_path(runs["first"], "/2025/03/new-health-and-justice-contracts-south-east/")["feed"]
    assert feed["feed_url"] == f"{runs['site'].base}/feed/"
    assert feed["published"] == "2025-03-04"
    assert "nine prisons across Kent" in feed["summary"]
    assert "utm_source=rss" in feed["link"]


def test_atom_item(runs):
    item = by_path(runs["first"], "/news/healthcare-provider-takes-nhs-england-to-court/")
    assert item["source"] == "127.0.0.1"
    assert item["published"] == "2025-05-24"
    assert item["title"] == "Healthcare provider takes NHS England to court over prison contracts"


def test_rss1_items_lose_rss_tracking_marker(runs):
    item = by_path(runs["first"], "/news/articles/c4gxr9kp2z1o")
    assert item["url"].endswith("/news/articles/c4gxr9kp2z1o")
    assert item["published"] == "2025-06-12"  # dc:date 06:01 +01:00 is 05:01 UTC, same day


@pytest.mark.parametrize("path,body,boilerplate", [
    ("/2025/03/new-health-and-justice-contracts-south-east/",
     ["combined value is around £236 million", "staff transfer under TUPE"],
     ["Cookies on the NHS England website", "Related news", "Was this page helpful", "Accessibility statement"]),
    ("/news/articles/c4gxr9kp2z1o",
     ["Oxleas NHS Foundation Trust runs primary care", "urgent procurement"],
     ["Let us know you agree to cookies", "More on this story", "Most read", "Terms of Use", "Related topics"]),
    ("/news/provider-takes-nhs-england-to-court-over-prison-contracts/",
     ["Practice Plus Group says the procurement", "care for patients would continue"],
     ["You might also like", "Sign up to our weekly newsletter", "Most popular", "All rights reserved"]),
    ("/news/healthcare-provider-takes-nhs-england-to-court/",
     ["automatically suspended", "rising drug costs"],
     ["We use cookies to ensure", "Share this", "Recent Posts", "registered trade union", "Join HCSA"]),
    ("/case-studies/health-needs-assessment-for-prisons-in-the-north-east/",
     ["HMP Frankland", "frailty"],
     ["This site uses cookies", "Related case studies", "Want to know more", "John Snow House"]),
])
def test_stored_text_has_body_and_no_boilerplate(runs, path, body, boilerplate):
    text = by_path(runs["first"], path)["text"]
    for snippet in body:
        assert snippet in text
    for snippet in boilerplate:
        assert snippet not in text


def test_dates_from_page_when_the_item_has_none(runs):
    # The watched case study has no feed: its date comes from the page (a "published-date" span).
    item = by_path(runs["first"], "/case-studies/health-needs-assessment-for-prisons-in-the-north-east/")
    assert item["published"] == "2024-09-12"
    assert item["title"] == "Health needs assessment for prisons in the North East"  # its <h1>


def test_duplicate_feed_links_to_one_article_give_one_item(runs):
    urls = [i["url"] for i in runs["first"]]
    assert len(urls) == len(set(urls))


def test_robots_txt_disallow_is_obeyed(runs):
    requested = [p for _, p, _ in runs["requests1"]]
    assert "/private/board-papers/" not in requested
    assert "/2025/03/new-health-and-justice-contracts-south-east/" in requested


def test_identifying_user_agent(runs):
    agents = {h.get("User-Agent") for _, _, h in runs["requests1"]}
    assert agents and all(a.startswith("hjwatch/") for a in agents)


@pytest.mark.parametrize("path,message", [
    ("/2025/02/removed-page/", "404"),
    ("/2025/02/server-error/", "500"),
    ("/2025/02/slow-page/", "slow-page"),
    ("/2025/02/annual-report/", "not a web page (application/pdf)"),
    ("/2025/02/huge-page/", "huge-page"),
    ("/2025/02/redirect-loop/", "after redirects to"),
])
def test_bad_pages_are_logged_and_skipped(runs, path, message):
    lines = [line for line in runs["log1"].splitlines() if path in line]
    assert lines, f"nothing logged for {path}"
    assert any(message in line for line in lines)
    assert "Traceback" not in runs["log1"]
    assert all(path not in i["url"] for i in runs["first"])


def stats(runs, run: str, spider: str) -> dict:
    return json.loads((runs["tmp"] / f"{run}.jsonl.{spider}.stats.json").read_text())


def test_lost_pages_and_unreadable_feeds_counted_as_errors(runs):
    from hjwatch.pipeline.crawl import source_counts
    # 404, 500 (middleware), timeout (retry), PDF, 20 MB, redirect loop, missing feed, entity bomb.
    assert source_counts("news", stats(runs, "run1", "news"))["errors"] >= 8
    assert stats(runs, "run1", "news").get("hjwatch/news/robots_forbidden") == 1


def test_watched_pages_count_their_one_missing_story(runs):
    # The index links to a second case study this server does not have (404): one error, logged.
    from hjwatch.pipeline.crawl import source_counts
    assert source_counts("pages", stats(runs, "run1", "pages"))["errors"] == 1
    assert "/case-studies/digital-referrals-for-community-mental-health/" in runs["log1"]


def test_malformed_feed_logged_and_its_linkless_item_skipped(runs):
    feed = runs["site"].base + "/feed/broken/"
    assert f"feed {feed} is not well-formed" in runs["log1"]
    assert f"feed {feed}: item 'Half an item' has no link; skipped" in runs["log1"]


def test_missing_feed_logged(runs):
    lines = [line for line in runs["log1"].splitlines() if "/feed/missing/" in line]
    assert any("404" in line for line in lines)


def test_entity_bomb_refused_without_expansion(runs):
    assert "feed refused: it declares XML entities" in runs["log1"]
    assert not any("lol" in (i.get("title") or "") for i in runs["first"])


def test_watched_page_stored_with_its_own_title(runs):
    item = by_path(runs["first"], "/case-studies/")
    assert item["title"] == "Case studies"  # its <h1>
    assert item["meta"]["watched_page"] == f"{runs['site'].base}/case-studies/"
    assert "Health needs assessment for prisons in the North East" in item["text"]


def test_watched_page_follows_story_links_only(runs):
    requested = {p for _, p, _ in runs["requests1"]}
    assert "/case-studies/health-needs-assessment-for-prisons-in-the-north-east/" in requested
    assert "/contact/" not in requested and "/tag/health-and-justice/" not in requested
    assert "/media/brochure-2025.pdf" not in requested


# -- run 2: changed, unchanged, conditional GET ---------------------------------------------

def test_second_run_stores_only_what_changed(runs):
    assert paths(runs["second"]) == sorted([
        "/case-studies/",
        "/case-studies/mobilising-a-new-prison-healthcare-contract-in-cumbria/",
    ])


def test_changed_watched_page_is_a_new_revision(runs):
    old = by_path(runs["first"], "/case-studies/")
    new = by_path(runs["second"], "/case-studies/")
    assert old["key"] == new["key"]
    assert old["meta"]["text_hash"] != new["meta"]["text_hash"]
    assert "Mobilising a new prison healthcare contract in Cumbria" in new["text"]


def test_unchanged_page_sends_validators_and_gets_304(runs):
    hj = [h for _, p, h in runs["requests2"] if p == "/south/info-professional/health-and-justice/"]
    assert hj and hj[0].get("If-None-Match") == '"hj-page-v1"'


def test_feeds_read_again_when_an_article_failed(runs):
    # The RSS 2.0 feed had failing articles, so its state was not moved: it is read in full again.
    feed_requests = [p for _, p, _ in runs["requests2"] if p == "/feed/"]
    assert feed_requests


def test_unchanged_articles_are_requested_again_but_not_stored(runs):
    # The feeds changed (no ETag from this server), so their items are requested again; their
    # text is unchanged, so nothing is yielded (test_second_run_stores_only_what_changed).
    requested = [p for _, p, _ in runs["requests2"]]
    assert "/news/articles/c4gxr9kp2z1o" in requested


def test_failed_articles_are_tried_again(runs):
    requested = [p for _, p, _ in runs["requests2"]]
    assert "/2025/02/removed-page/" in requested and "/2025/02/server-error/" in requested


def test_state_file_remembers_text_hashes(runs):
    state = json.loads(runs["state"].read_text())
    key = f"{runs['site'].base}/news/articles/c4gxr9kp2z1o"
    assert len(state[key]["text_hash"]) == 64

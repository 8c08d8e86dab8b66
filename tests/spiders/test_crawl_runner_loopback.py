"""The real crawl, end to end: `hjwatch crawl` in a child process (Scrapy's reactor cannot restart
in one process; a child forked after warm-up, see tests/forked_cli.py, and one fresh
interpreter for the two-source run), real Scrapy with the project's middlewares, a loopback mirror replaying the
recordings in tests/files/ocds/, and a real SQLite file.

Each scenario runs its crawls once (module-scoped fixtures); the small tests below assert one
thing each about what happened.
"""

from __future__ import annotations

import signal
import sqlite3
import time

import pytest
from pytest_httpserver import HTTPServer

from tests.forked_cli import run_cli, start_cli, warm_up
from tests.spiders.ocds_helpers import (
    CF_PATH, FTS_PATH, Mirror, Reply, document, hjwatch, recording, runs, stored, write_config,
)

pytest.importorskip("hjwatch.pipeline.store")
pytestmark = pytest.mark.slow

PAGE2 = "MjAyNS0wMy0wM3wxMDA="
PAGE3 = "MjAyNS0wMy0wM3wyMDA="
CF_PAGE2 = "cHVibGlzaGVkRnJvbT0yMDI1LTAxLTIxfG5leHRDdXJzb3I9ODIwMTAz"
CF_LATIN1 = "application/json; charset=iso-8859-1"
UA = "hjwatch-test/1 (+https://example.org/hjwatch)"
# Relevant releases of 3-5 March (the pre-filter drops the road works, furniture and legal ones).
FTS_KEYS = {"007001-2025", "007003-2025", "007005-2025", "007007-2025", "019876-2025"}


@pytest.fixture(scope="module")
def server():
    warm_up()
    srv = HTTPServer()
    srv.start()
    yield srv
    srv.clear()
    if srv.is_running():
        srv.stop()


def fts_mirror(server) -> Mirror:
    server.clear()
    m = Mirror(server, FTS_PATH, "updatedFrom")
    m.page("2025-03-03", None, "fts_2025-03-03_page1.json")
    m.page("2025-03-03", PAGE2, "fts_2025-03-03_page2.json")
    m.page("2025-03-03", PAGE3, "fts_2025-03-03_page3.json")
    m.page("2025-03-04", None, "fts_2025-03-04_page1.json")
    m.page("2025-03-05", None, "fts_2025-03-05_empty.json")
    m.page("2025-03-06", None, "fts_2025-03-06_page1.json")
    return m


def fts_config(tmp, server, until="2025-03-06T00:00:00"):
    return write_config(tmp, {"fts": {"base_url": server.url_for("/").rstrip("/")}},
                        since="2025-03-03", until=until)


def crawl(tmp, *args, fresh=False):
    """``hjwatch crawl`` in a forked child, or (``fresh``) in a new interpreter."""
    argv = ["--db", str(tmp / "h.db"), "--config", str(tmp / "hjwatch.toml"), "crawl", *args]
    if fresh:
        return hjwatch(*argv, cwd=tmp)
    return run_cli(argv, cwd=tmp, timeout=60)


def keys(tmp) -> list[str]:
    return [k for _s, k, *_ in stored(tmp / "h.db")["docs"]]


# --- Scenario A: a normal FTS crawl (one 429, one truncated page), then a backfill rerun ----


@pytest.fixture(scope="module")
def fts_runs(server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fts")
    mirror = fts_mirror(server)
    mirror.add("2025-03-03", PAGE2,
               Reply(b'{"message": "12 request limit in 2 minute exceeded"}', status=429, headers={"Retry-After": "1"}),
               Reply(recording("fts_2025-03-03_page2.json")))
    # Truncated once, then whole: recovered within the run.
    mirror.add("2025-03-04", None, Reply(recording("fts_2025-03-04_truncated.json")),
               Reply(recording("fts_2025-03-04_page1.json")))
    fts_config(tmp, server)
    started = time.monotonic()
    first = crawl(tmp, "fts")
    first_seconds = time.monotonic() - started
    after_first = stored(tmp / "h.db")
    n_first = len(mirror.requests)
    rerun = crawl(tmp, "fts", "--since", "2025-03-03")
    final = stored(tmp / "h.db")
    # The same crawl with -v, into a database of its own: Scrapy's INFO lines appear.
    verbose_dir = tmp_path_factory.mktemp("fts_verbose")
    fts_config(verbose_dir, server)
    verbose = run_cli(["--db", str(verbose_dir / "h.db"), "--config", str(verbose_dir / "hjwatch.toml"), "-v",
                       "crawl", "fts"], cwd=verbose_dir, timeout=60)
    return {"tmp": tmp, "mirror": mirror, "first": first, "first_seconds": first_seconds,
            "after_first": after_first, "n_first": n_first, "rerun": rerun, "final": final, "verbose": verbose}


def scrapy_lines(stderr: str) -> list[str]:
    """Log lines of Scrapy's own loggers (the CLI's format: "time LEVEL logger: message")."""
    return [line for line in stderr.splitlines() if " scrapy." in line.split(": ", 1)[0]]


def test_crawl_is_quiet_by_default(fts_runs):
    # Scrapy's warnings still reach the user; its INFO and DEBUG chatter does not.
    chatter = [line for line in scrapy_lines(fts_runs["first"].stderr) if " INFO " in line or " DEBUG " in line]
    assert chatter == []
    assert "crawling fts" in fts_runs["first"].stderr  # our own INFO lines stay


def test_verbose_crawl_shows_scrapys_lines(fts_runs):
    assert fts_runs["verbose"].returncode == 0, fts_runs["verbose"].stderr[-2000:]
    assert any("INFO scrapy.core.engine: Spider opened" in line for line in scrapy_lines(fts_runs["verbose"].stderr))


def test_first_run_succeeds(fts_runs):
    assert fts_runs["first"].returncode == 0, fts_runs["first"].stderr


def test_pages_follow_the_cursor_then_the_next_window(fts_runs):
    requests = fts_runs["mirror"].requests[: fts_runs["n_first"]]
    assert [(r["updatedFrom"][:10], r.get("cursor")) for r in requests] == [
        ("2025-03-03", None), ("2025-03-03", PAGE2), ("2025-03-03", PAGE2), ("2025-03-03", PAGE3),
        ("2025-03-04", None), ("2025-03-04", None), ("2025-03-05", None)]


def test_429_retry_after_was_waited_out(fts_runs):
    assert fts_runs["first_seconds"] >= 1.0
    assert "HTTP 429" in fts_runs["first"].stderr
    assert "(Retry-After) before attempt 2 of 5" in fts_runs["first"].stderr


def test_truncated_page_was_fetched_again(fts_runs):
    assert "is not valid JSON" in fts_runs["first"].stderr
    assert "fetching it again" in fts_runs["first"].stderr


def test_only_relevant_releases_are_stored(fts_runs):
    assert set(k for _s, k, *_ in fts_runs["after_first"]["docs"]) == FTS_KEYS


def test_summary_counts_fetched_new_unchanged_skipped(fts_runs):
    assert "fts: fetched 9, new 5, changed 0, unchanged 1, skipped 3, errors 0" in fts_runs["first"].stdout


def test_cursor_is_the_end_of_the_last_window(fts_runs):
    assert fts_runs["after_first"]["cursors"]["fts"] == "2025-03-06T00:00:00"


def test_every_request_identifies_us_and_sends_only_allowed_parameters(fts_runs):
    for request in fts_runs["mirror"].requests:
        assert set(request) <= {"updatedFrom", "updatedTo", "limit", "cursor", "stages", "_ua"}
        assert request["limit"] == "100"
        assert request["_ua"] == UA


def test_later_release_joins_the_ocid_history(fts_runs):
    history = [rid for ocid, rid in fts_runs["after_first"]["notices"] if ocid == "ocds-h6vhtk-0fa001"]
    assert history == ["007001-2025", "019876-2025"]


def test_notice_url_contains_the_ocid_and_title_is_tender_title(fts_runs):
    docs = {k: (title, url) for _s, k, _rev, title, url in fts_runs["after_first"]["docs"]}
    title, url = docs["007001-2025"]
    assert "ocds-h6vhtk-0fa001" in url
    assert title == "NHSE1201 - Healthcare Services at HMP Belmarsh, HMP Thameside and HMP Isis"


def test_1e9999_value_is_stored_as_missing_not_infinite(fts_runs):
    con = sqlite3.connect(fts_runs["tmp"] / "h.db")
    value, release_json = con.execute(
        "SELECT value, release_json FROM notices WHERE release_id = '007003-2025'").fetchone()
    con.close()
    assert value is None
    assert "Infinity" not in release_json
    assert b"1e9999" in document(fts_runs["tmp"] / "h.db", "007003-2025")["body"]


def test_rerun_stores_nothing_new(fts_runs):
    assert fts_runs["rerun"].returncode == 0, fts_runs["rerun"].stderr
    assert "new 0, changed 0, unchanged 6" in fts_runs["rerun"].stdout
    assert fts_runs["final"]["docs"] == fts_runs["after_first"]["docs"]


def test_each_crawl_is_recorded_as_a_run(fts_runs):
    records = runs(fts_runs["tmp"] / "h.db")
    assert [(r["command"], r["status"]) for r in records] == [("crawl", "ok"), ("crawl", "ok")]
    assert records[0]["per_source"]["fts"]["new"] == 5


def test_rerun_keeps_the_cursor(fts_runs):
    assert fts_runs["final"]["cursors"]["fts"] == "2025-03-06T00:00:00"


# --- Scenario B: truncated JSON that never gets better, then a clean run --------------------


@pytest.fixture(scope="module")
def fault_runs(server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    mirror = fts_mirror(server)
    mirror.add("2025-03-04", None, Reply(recording("fts_2025-03-04_truncated.json")))
    fts_config(tmp, server)
    truncated = crawl(tmp, "fts")
    after_truncated = stored(tmp / "h.db")
    n1 = len(mirror.requests)
    mirror.page("2025-03-04", None, "fts_2025-03-04_page1.json")
    clean = crawl(tmp, "fts")
    return {"mirror": mirror, "truncated": truncated, "after_truncated": after_truncated, "n1": n1,
            "clean": clean, "final": stored(tmp / "h.db")}


def test_truncated_json_fails_the_run_with_one_line(fault_runs):
    out = fault_runs["truncated"]
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].startswith("hjwatch: error: crawl of fts had errors: fts: ")
    assert "Traceback" not in out.stderr


def test_truncated_json_is_refetched_twice_then_left_for_the_next_run(fault_runs):
    days = fault_runs["mirror"].days_requested()[: fault_runs["n1"]]
    assert days.count("2025-03-04") == 3
    assert "is not valid JSON after 3 attempts" in fault_runs["truncated"].stderr
    assert "2025-03-05" not in days


def test_cursor_stays_before_the_failed_window(fault_runs):
    assert fault_runs["after_truncated"]["cursors"]["fts"] == "2025-03-04T00:00:00"


def test_next_run_starts_at_the_failed_window(fault_runs):
    days = fault_runs["mirror"].days_requested()[fault_runs["n1"]:]
    assert days == ["2025-03-04", "2025-03-05"]


def test_clean_run_recovers_everything_without_duplicates(fault_runs):
    assert fault_runs["clean"].returncode == 0, fault_runs["clean"].stderr
    got = [k for _s, k, *_ in fault_runs["final"]["docs"]]
    assert sorted(got) == sorted(FTS_KEYS)
    assert fault_runs["final"]["cursors"]["fts"] == "2025-03-06T00:00:00"


# --- Scenario C: killed mid-way, then resumed ----------------------------------------------


@pytest.fixture(scope="module")
def killed_runs(server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("killed")
    mirror = fts_mirror(server)
    mirror.hold_route = ("2025-03-05", None)  # the third window hangs until the crawl is killed
    fts_config(tmp, server)
    proc = start_cli(["--db", str(tmp / "h.db"), "--config", str(tmp / "hjwatch.toml"), "crawl", "fts"], cwd=tmp)
    try:
        reached = mirror.reached.wait(120)
        proc.send_signal(signal.SIGKILL)
        proc.wait(20)
    finally:
        mirror.release.set()
        if proc.poll() is None:
            proc.kill()
    killed = stored(tmp / "h.db")
    mirror.hold_route = None
    n = len(mirror.requests)
    resumed = crawl(tmp, "fts")
    return {"reached": reached, "killed": killed, "mirror": mirror, "n": n, "resumed": resumed,
            "final": stored(tmp / "h.db")}


def test_kill_happened_in_the_third_window(killed_runs):
    assert killed_runs["reached"]
    assert killed_runs["killed"]["cursors"]["fts"] == "2025-03-05T00:00:00"


def test_resumed_run_fetches_only_the_unfinished_window(killed_runs):
    assert killed_runs["resumed"].returncode == 0, killed_runs["resumed"].stderr
    assert killed_runs["mirror"].days_requested()[killed_runs["n"]:] == ["2025-03-05"]


def test_killed_then_resumed_loses_and_duplicates_nothing(killed_runs):
    got = [k for _s, k, *_ in killed_runs["final"]["docs"]]
    assert sorted(got) == sorted(FTS_KEYS)
    assert killed_runs["final"]["cursors"]["fts"] == "2025-03-06T00:00:00"


# --- Scenario D: Contracts Finder (403, mojibake, empty window) beside FTS (a 400) ----------


@pytest.fixture(scope="module")
def cf_run(server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cf")
    server.clear()
    cf = Mirror(server, CF_PATH, "publishedFrom")
    cf.page("2025-01-21", None, "cf_2025-01-21_page1.json", content_type=CF_LATIN1)
    cf.add("2025-01-21", CF_PAGE2, Reply(b"Too many requests", status=403, content_type="text/plain"),
           Reply(recording("cf_2025-01-21_page2.json"), content_type=CF_LATIN1))
    cf.page("2025-01-22", None, "cf_2025-01-22_empty.json", content_type=CF_LATIN1)
    fts = Mirror(server, FTS_PATH, "updatedFrom")  # no releases on 21 January ...
    fts.add("2025-01-22", None, Reply(recording("fts_error_400.json"), status=400))  # ... a 400 on the 22nd
    base = server.url_for("/").rstrip("/")
    write_config(tmp, {"fts": {"base_url": base}, "contracts_finder": {"base_url": base, "retry_wait": 1}},
                 since="2025-01-21", until="2025-01-23T00:00:00")
    started = time.monotonic()
    out = crawl(tmp, "fts", "contracts_finder", fresh=True)  # one run from a fresh interpreter
    return {"tmp": tmp, "cf": cf, "fts": fts, "out": out, "seconds": time.monotonic() - started,
            "final": stored(tmp / "h.db")}


def test_two_sources_run_in_one_process(cf_run):
    assert cf_run["fts"].days_requested() == ["2025-01-21", "2025-01-22"]
    assert cf_run["cf"].requests
    assert "fts: fetched 0" in cf_run["out"].stdout and "contracts_finder: fetched 4" in cf_run["out"].stdout


def test_400_fails_the_run_with_one_line(cf_run):
    out = cf_run["out"]
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].startswith("hjwatch: error: crawl of fts had errors: fts: HTTP 400")
    assert "Traceback" not in out.stderr


def test_400_is_logged_with_its_body_and_not_retried(cf_run):
    assert cf_run["fts"].days_requested().count("2025-01-22") == 1
    assert "(not retried)" in cf_run["out"].stderr
    assert "allowed parameters are: stages, limit, cursor, updatedFrom, updatedTo" in cf_run["out"].stderr


def test_400_keeps_the_cursor_before_its_window(cf_run):
    assert cf_run["final"]["cursors"]["fts"] == "2025-01-22T00:00:00"


def test_partial_run_recorded_with_the_error(cf_run):
    record = runs(cf_run["tmp"] / "h.db")[-1]
    assert record["status"] == "partial"
    assert record["errors"][0].startswith("fts: fts: HTTP 400")
    assert record["per_source"]["contracts_finder"]["new"] == 2


def test_one_failing_source_does_not_stop_the_other(cf_run):
    assert cf_run["final"]["cursors"]["contracts_finder"] == "2025-01-23T00:00:00"


def test_contracts_finder_403_waits_and_retries(cf_run):
    assert [r.get("cursor") for r in cf_run["cf"].requests].count(CF_PAGE2) == 2
    assert "HTTP 403" in cf_run["out"].stderr and "(default wait)" in cf_run["out"].stderr
    assert cf_run["seconds"] >= 1.0


def test_contracts_finder_empty_window_is_fetched(cf_run):
    assert cf_run["cf"].days_requested()[-1] == "2025-01-22"


def test_contracts_finder_stores_the_relevant_notices(cf_run):
    got = {k.split("-")[1] for s, k, *_ in cf_run["final"]["docs"] if s == "contracts_finder"}
    assert got == {"1111", "3333"}  # police custody healthcare; prison dental services


def test_mojibake_repaired_in_title_and_text_raw_bytes_kept(cf_run):
    doc = document(cf_run["tmp"] / "h.db", "6f1d2c3b-1111%")
    assert doc["title"] == "Police Custody Healthcare and Forensic Medical Services – Lancashire"
    assert "contract’s value is £4.2m" in doc["text"]
    assert "Â" not in doc["text"] and "â€" not in doc["text"]
    assert "Â£4.2m".encode("utf-8") in doc["body"]


# --- Scenario E: the failure policy (pipeline/failure_policy.py) on web sources -------------
# Lost articles are errors, not failures; a feed or watched page that cannot be read fails
# its source.


@pytest.fixture(scope="module")
def web_runs(tmp_path_factory):
    from tests.spiders.test_news_crawl import Site

    tmp = tmp_path_factory.mktemp("policy")
    srv = HTTPServer(threaded=True)
    srv.start()
    try:
        site = Site(srv)
        scrapy = ('[scrapy]\nDOWNLOAD_DELAY = 0\nAUTOTHROTTLE_ENABLED = false\nRETRY_TIMES = 0\n'
                  'DOWNLOAD_TIMEOUT = 1\nCONCURRENT_REQUESTS_PER_DOMAIN = 4\n')
        # Run 1: a feed whose articles include a 404, a 500, a timeout, a PDF, 20 MB and a
        # redirect loop, beside a watched page that reads fine.
        (tmp / "hjwatch.toml").write_text(
            f'[sources.news]\nfeeds = ["{site.base}/feed/"]\n'
            f'[sources.pages]\nurls = ["{site.base}/south/info-professional/health-and-justice/"]\n' + scrapy)
        lost_articles = crawl(tmp, "news", "pages")
        # Run 2: one feed that 404s, one that is readable; the watched page is a PDF.
        (tmp / "hjwatch.toml").write_text(
            f'[sources.news]\nfeeds = ["{site.base}/feed/missing/", "{site.base2}/feed/atom/"]\n'
            f'[sources.pages]\nurls = ["{site.base}/2025/02/annual-report/"]\n' + scrapy)
        lost_feed = crawl(tmp, "news", "pages")
        yield {"tmp": tmp, "site": site, "lost_articles": lost_articles, "lost_feed": lost_feed}
    finally:
        if srv.is_running():
            srv.stop()


def summary(out) -> dict[str, dict[str, int]]:
    """The per-source summary lines of `hjwatch crawl` as numbers."""
    result = {}
    for line in out.stdout.splitlines():
        name, _, rest = line.partition(": ")
        result[name] = {k: int(v) for k, v in (part.split(" ") for part in rest.split(", "))}
    return result


def test_lost_articles_do_not_fail_the_source(web_runs):
    out = web_runs["lost_articles"]
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Traceback" not in out.stderr


def test_lost_articles_are_counted_as_errors(web_runs):
    counts = summary(web_runs["lost_articles"])
    assert counts["news"]["errors"] >= 6  # 404, 500, timeout, PDF, 20 MB, redirect loop
    assert counts["news"]["new"] >= 1
    assert counts["pages"]["errors"] == 0


def test_lost_articles_are_logged(web_runs):
    err = web_runs["lost_articles"].stderr
    assert "/2025/02/removed-page/" in err and "/2025/02/server-error/" in err
    assert "page(s) could not be read" in err


def test_run_with_lost_articles_is_recorded_ok_with_its_errors(web_runs):
    record = runs(web_runs["tmp"] / "h.db")[0]
    assert record["status"] == "ok"
    assert record["per_source"]["news"]["error_count"] >= 6


def test_unreadable_feed_fails_its_source_with_one_line(web_runs):
    out = web_runs["lost_feed"]
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("hjwatch: error: crawl of news had errors: feed ")
    assert "/feed/missing/: HTTP 404" in last
    assert "Traceback" not in out.stderr


def test_other_feed_of_a_failed_source_is_still_stored(web_runs):
    counts = summary(web_runs["lost_feed"])
    assert counts["news"]["new"] == 1  # the Atom feed's article


def test_unreadable_watched_page_fails_its_source(web_runs):
    record = runs(web_runs["tmp"] / "h.db")[1]
    assert record["status"] == "failed"
    assert any(e.startswith("pages: page ") and "annual-report" in e for e in record["errors"])

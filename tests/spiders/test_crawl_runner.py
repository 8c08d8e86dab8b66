"""run_crawl without crawling: settings order, source selection, one-line errors, dry runs."""

from __future__ import annotations

import datetime as dt

import pytest
from scrapy.spiderloader import SpiderLoader

from hjwatch import InputError
from hjwatch.config import Config, load_config
from hjwatch.pipeline.crawl import (
    build_settings, describe_estimate, estimate_crawl, format_duration, parse_since, run_crawl, select_sources,
    source_counts,
)

NOW = dt.datetime(2026, 1, 1)


@pytest.fixture
def config(tmp_path):
    cfg = tmp_path / "hjwatch.toml"
    cfg.write_text('[sources.fts]\nbase_url = "http://127.0.0.1:9"\n[crawl]\nsince = "2025-01-01"\n'
                   'user_agent = "hjwatch-test/1 (+https://example.org)"\n[scrapy]\nDOWNLOAD_DELAY = 0\n')
    return load_config(cfg, db=str(tmp_path / "x.db"), env={})


def test_settings_carry_the_run(config):
    s = build_settings(config)
    assert s.get("HJWATCH_DB").endswith("x.db")
    assert s.get("HJWATCH_SINCE") == "2025-01-01" and s.getbool("HJWATCH_BACKFILL") is False
    assert s.get("HJWATCH_SOURCES") == {"fts": {"base_url": "http://127.0.0.1:9"}}


def test_since_flag_means_backfill(config):
    s = build_settings(config, since=dt.date(2024, 6, 1))
    assert s.get("HJWATCH_SINCE") == "2024-06-01" and s.getbool("HJWATCH_BACKFILL") is True


def test_user_agent_from_config(config):
    assert build_settings(config).get("USER_AGENT") == "hjwatch-test/1 (+https://example.org)"


def test_store_pipeline_enabled(config):
    assert "hjwatch.pipeline.store.StorePipeline" in build_settings(config).getdict("ITEM_PIPELINES")


def test_scrapy_table_beats_a_spiders_custom_settings(config):
    s = build_settings(config)
    s.setdict({"DOWNLOAD_DELAY": 10}, priority="spider")  # what FindATenderSpider.custom_settings does
    assert s.getfloat("DOWNLOAD_DELAY") == 0


def test_unknown_source_is_an_input_error(config):
    with pytest.raises(InputError, match="unknown source 'tenders'"):
        select_sources(config, ["tenders"], ["fts", "contracts_finder"])


def test_unconfigured_source_is_an_input_error(config):
    with pytest.raises(InputError, match=r"not in the config's \[sources\] table"):
        select_sources(config, ["contracts_finder"], ["fts", "contracts_finder"])


def test_default_is_every_configured_source(config):
    assert select_sources(config, None, ["fts", "contracts_finder"]) == ["fts"]


def test_duplicates_removed(config):
    assert select_sources(config, ["fts", "fts"], ["fts"]) == ["fts"]


def test_bad_since():
    with pytest.raises(InputError, match="--since must be a date"):
        parse_since("last week")


def test_counts_from_stats():
    stats = {"hjwatch/fetched": 9, "hjwatch/new": 5, "hjwatch/unchanged": 1, "hjwatch/skipped": 3,
             "hjwatch/errors": 1, "retry/max_reached": 1, "hjwatch/download_failed": 1, "hjwatch/news/skipped": 2}
    # The failed download is counted once although Scrapy and our errback both saw it.
    assert source_counts("fts", stats) == {"fetched": 9, "new": 5, "changed": 0, "unchanged": 1, "skipped": 3, "errors": 2}
    assert source_counts("news", {"response_received_count": 4, "hjwatch/news/skipped": 2})["fetched"] == 4


def test_dry_run_estimate_of_one_year():
    cfg = Config()
    settings = build_settings(cfg, since=dt.date(2025, 1, 1))
    report = estimate_crawl(cfg, ["fts", "contracts_finder"], SpiderLoader.from_settings(settings), settings,
                            since=dt.date(2025, 1, 1), now=NOW)
    fts, cf = report.estimates["fts"], report.estimates["contracts_finder"]
    assert (fts["windows"], fts["pages_per_window"], fts["delay"]) == (365, 6, 10.0)
    assert fts["seconds"] == 365 * 6 * 10
    assert (cf["windows"], cf["pages_per_window"], cf["delay"]) == (365, 5, 5.0)
    assert describe_estimate(fts) == ("fts: 2025-01-01 to 2026-01-01: 365 windows × 6 pages × 10 s = "
                                      "2190 requests, about 6 h 5 min")


def test_dry_run_honours_the_scrapy_table(config):
    settings = build_settings(config)
    report = estimate_crawl(config, ["fts"], SpiderLoader.from_settings(settings), settings, since=None, now=NOW)
    assert report.estimates["fts"]["delay"] == 0


def test_dry_run_does_not_create_the_database(config, tmp_path):
    run_crawl(config, ["fts"], dry_run=True)
    assert not (tmp_path / "x.db").exists()


def test_format_duration():
    assert format_duration(3600 * 50) == "2 d 2 h"


def cli(capsys, *args) -> tuple[int, str, str]:
    """The real CLI entry point in-process (neither command below starts Scrapy's reactor)."""
    import logging

    from hjwatch.cli import main

    try:
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
    finally:
        # The CLI's stderr handler points at this test's captured stream, which closes after
        # the test: left on the root logger, it would break later tests that log.
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_hjwatch", False)]:
            root.removeHandler(handler)
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


def test_cli_dry_run_prints_the_backfill_time(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HJWATCH_CONFIG", raising=False)
    code, out, err = cli(capsys, "--db", str(tmp_path / "y.db"), "crawl", "--dry-run", "--since", "2025-01-01", "fts")
    assert code == 0, err
    assert out.startswith("fts: 2025-01-01 to ")
    assert "pages × 10 s" in out
    assert not (tmp_path / "y.db").exists()


def test_cli_unknown_source_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HJWATCH_CONFIG", raising=False)
    code, out, err = cli(capsys, "--db", str(tmp_path / "y.db"), "crawl", "tenders")
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("hjwatch: error: unknown source 'tenders' (known sources: contracts_finder, fts, ")


# -- the failure policy (pipeline/failure_policy.py) -------------------------------------------

from hjwatch.pipeline.failure_policy import source_failure  # noqa: E402

FINISHED = {"finish_reason": "finished"}


def test_lost_articles_are_not_a_failure():
    assert source_failure({**FINISHED, "hjwatch/news/errors": 7, "hjwatch/errors": 2}, ocds=False) is None


def test_failed_entry_point_is_a_failure_named_by_its_first_message():
    stats = {**FINISHED, "hjwatch/entry_failed": 2, "hjwatch/entry_failed_first": "feed http://x/rss: HTTP 404"}
    assert source_failure(stats, ocds=False, first_error="news: HTTP 404 for http://x/a") == "feed http://x/rss: HTTP 404"


def test_any_api_error_fails_an_ocds_source():
    assert source_failure({**FINISHED, "hjwatch/download_failed": 1}, ocds=True) == "1 error(s) reading the API"
    assert source_failure({**FINISHED, "hjwatch/errors": 1}, ocds=True, first_error="fts: HTTP 400") == "fts: HTTP 400"


def test_clean_ocds_source_is_no_failure():
    assert source_failure({**FINISHED, "hjwatch/fetched": 9, "hjwatch/skipped": 3}, ocds=True) is None


def test_spider_that_did_not_finish_failed():
    assert source_failure({"finish_reason": "closespider_errorcount"}, ocds=False) == "stopped: closespider_errorcount"
    assert source_failure({}, ocds=False) == "stopped: not started"


def test_store_failure_fails_the_source():
    assert source_failure({**FINISHED, "hjwatch/store_failed": 1}, ocds=False) == "1 item(s) could not be stored"


def test_entry_point_watch_is_in_every_runs_middlewares(config):
    s = build_settings(config)
    watch = "hjwatch.pipeline.failure_policy.EntryPointWatch"
    assert s.getdict("DOWNLOADER_MIDDLEWARES")[watch] == 10
    assert s.getdict("SPIDER_MIDDLEWARES")[watch] == 10
    assert "hjwatch.spiders.middlewares.HttpErrorMiddleware" in s.getdict("DOWNLOADER_MIDDLEWARES")

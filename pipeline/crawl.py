"""Run the spiders of the configured sources in one Scrapy process and report what they did.

``run_crawl(config, sources=None, *, since=None, dry_run=False) -> CrawlReport``

Settings, lowest priority first:

1. ``spiders/settings.py`` (the project's polite defaults), then each spider's
   ``custom_settings`` (its source's documented rate limits);
2. per run: ``HJWATCH_DB`` (``config.db_path``), ``HJWATCH_SOURCES`` (``config.sources``),
   ``HJWATCH_SINCE`` (``--since`` or ``[crawl] since``), ``HJWATCH_BACKFILL`` (true with
   ``--since``), ``USER_AGENT`` (``config.user_agent``), ``ITEM_PIPELINES`` (the store);
3. ``[scrapy]`` from the config, at Scrapy's ``cmdline`` priority, so it beats a spider's own
   ``custom_settings`` too (``DOWNLOAD_DELAY = 0`` for a local mirror).

Every source runs as the spider of the same name (``fts``, ``contracts_finder``, ``news``,
``pages``; ``scrapy list`` shows them). Scrapy's reactor cannot restart, so call this once per
process (the CLI and the nightly job do).

Per-source counts come from each crawler's stats: ``fetched`` (releases or pages received),
``new`` / ``changed`` / ``unchanged`` (the store pipeline), ``skipped`` (pre-filters), ``errors``
(HTTP errors given up on, unparseable pages, spider exceptions, items that failed to store).
Whether a source FAILED (it is then in ``failures``, with the first error line it logged) is
decided by ``pipeline/failure_policy.py``: only when the source itself could not be read (its
API pages, feeds or watched pages, or its spider stopped early); a lost article is counted in
``errors`` but does not fail the source.

A dry run fetches nothing and writes nothing: it prints, per source, the windows, pages and
requests a crawl from its resume point would take, times the delay between requests.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from hjwatch import HjwatchError, InputError
from hjwatch.config import Config

log = logging.getLogger("hjwatch.crawl")

STORE_PIPELINE = "hjwatch.pipeline.store.StorePipeline"
ENTRY_WATCH = "hjwatch.pipeline.failure_policy.EntryPointWatch"
COUNTS = ("fetched", "new", "changed", "unchanged", "skipped", "errors")


@dataclass
class CrawlReport:
    """What a crawl did, per source; ``estimates`` instead for a dry run."""

    sources: list[str]
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    finish_reasons: dict[str, str] = field(default_factory=dict)
    estimates: dict[str, dict[str, Any]] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources, "per_source": self.per_source, "failures": self.failures,
            "finish_reasons": self.finish_reasons, "estimates": self.estimates, "dry_run": self.dry_run,
        }


def parse_since(value: Any) -> dt.date | None:
    """``--since`` as a date; a one-line ``InputError`` if it is not one.

    >>> parse_since("2025-06-01")
    datetime.date(2025, 6, 1)
    >>> parse_since("June")
    Traceback (most recent call last):
    ...
    hjwatch.InputError: --since must be a date like 2025-06-01, not 'June'
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"--since must be a date like 2025-06-01, not {value!r}") from None


def build_settings(config: Config, *, since: dt.date | None = None):
    """The Scrapy settings of a run (see the module docstring for the order)."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("hjwatch.spiders.settings", priority="project")
    settings.set("HJWATCH_DB", str(config.db_path), priority="project")
    settings.set("HJWATCH_SOURCES", config.sources, priority="project")
    settings.set("HJWATCH_SINCE", (since or config.since).isoformat(), priority="project")
    settings.set("HJWATCH_BACKFILL", since is not None, priority="project")
    settings.set("USER_AGENT", config.user_agent, priority="project")
    settings.set("ITEM_PIPELINES", {STORE_PIPELINE: 300}, priority="project")
    # Entry-point failures (failure_policy.py): nearest the engine, so it sees final outcomes.
    settings.set("DOWNLOADER_MIDDLEWARES", {**settings.getdict("DOWNLOADER_MIDDLEWARES"), ENTRY_WATCH: 10},
                 priority="project")
    settings.set("SPIDER_MIDDLEWARES", {**settings.getdict("SPIDER_MIDDLEWARES"), ENTRY_WATCH: 10},
                 priority="project")
    for key, value in (config.scrapy or {}).items():
        settings.set(str(key), value, priority="cmdline")
    return settings


def select_sources(config: Config, requested: Iterable[str] | None, known: Iterable[str]) -> list[str]:
    """The sources to run: the requested ones (checked), else every configured one."""
    known = sorted(known)
    names = list(dict.fromkeys(requested or [])) or list(config.sources)
    for name in names:
        if name not in known:
            raise InputError(f"unknown source {name!r} (known sources: {', '.join(known)})")
        if name not in config.sources:
            raise InputError(
                f"source {name!r} is not in the config's [sources] table "
                f"(configured: {', '.join(config.sources) or 'none'})"
            )
    return names


def run_crawl(config: Config, sources: Iterable[str] | None = None, *, since: Any = None,
              dry_run: bool = False, record_run: bool = False) -> CrawlReport:
    """Crawl ``sources`` (default: every configured source) and store what they find.

    ``record_run=True`` (``hjwatch crawl``) writes a ``runs`` row with the per-source counts;
    the nightly job keeps its own run record and leaves it False.
    """
    from scrapy.spiderloader import SpiderLoader

    since_date = parse_since(since)
    settings = build_settings(config, since=since_date)
    loader = SpiderLoader.from_settings(settings)
    names = select_sources(config, sources, loader.list())
    if dry_run:
        return estimate_crawl(config, names, loader, settings, since=since_date)
    if not names:
        return CrawlReport(sources=[])
    run_id = _start_run(config, names) if record_run else None
    report = None
    try:
        report = _run(settings, names)
    finally:
        if run_id is not None:
            _finish_run(config, run_id, report)
    return report


def _start_run(config: Config, names: list[str]) -> int | None:
    from hjwatch import db as store

    database = store.open_db(config.db_path)
    try:
        return store.start_run(database, "crawl", names)
    finally:
        database.close()


def _finish_run(config: Config, run_id: int, report: CrawlReport | None) -> None:
    """Close the run record; a crash leaves it "failed", errors become messages per source."""
    from hjwatch import db as store

    if report is None:
        status, per_source = "failed", {}
    else:
        status = "ok" if report.ok else ("failed" if len(report.failures) == len(report.sources) else "partial")
        per_source = {
            name: {**{k: v for k, v in counts.items() if k != "errors"}, "error_count": counts["errors"],
                   "errors": [report.failures[name]] if name in report.failures else []}
            for name, counts in report.per_source.items()
        }
    try:
        database = store.open_db(config.db_path)
        try:
            store.finish_run(database, run_id, status, per_source)
        finally:
            database.close()
    except Exception as exc:  # noqa: BLE001 - the crawl's work is stored; say so, don't hide it
        log.error("could not record the end of crawl run %s: %s", run_id, exc)


# ---------------------------------------------------------------------------------------------
# The real crawl


class _FirstErrors(logging.Handler):
    """Remembers the first ERROR line each source logs (its spider's logger, or "name: ...")."""

    def __init__(self, names: list[str]):
        super().__init__(level=logging.ERROR)
        self.names = names
        self.first: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad log call must not break the crawl
            return
        for name in self.names:
            if name in self.first:
                continue
            spider = getattr(record, "spider", None)
            if record.name == name or message.startswith(f"{name}:") or getattr(spider, "name", None) == name:
                self.first[name] = " ".join(message.split())[:300]


def _count(stats: dict[str, Any], name: str, key: str) -> int:
    return int(stats.get(f"hjwatch/{key}", 0) or 0) + int(stats.get(f"hjwatch/{name}/{key}", 0) or 0)


def source_counts(name: str, stats: dict[str, Any]) -> dict[str, int]:
    """fetched/new/changed/unchanged/skipped/errors from one crawler's stats."""
    counts = {key: _count(stats, name, key) for key in COUNTS}
    counted = ("hjwatch/fetched", f"hjwatch/{name}/fetched", "hjwatch/pages")
    if not any(key in stats for key in counted):
        # A spider that does not count what it fetched: its responses are the next best thing.
        counts["fetched"] = int(stats.get("response_received_count", 0) or 0)
    counts["errors"] += sum(
        int(stats.get(key, 0) or 0) for key in ("spider_exceptions/count", "hjwatch/store_failed")
    )
    # A download that failed after the stock retries: counted by Scrapy, and by our errback
    # when the spider has one (not both).
    counts["errors"] += max(int(stats.get("retry/max_reached", 0) or 0), _count(stats, name, "download_failed"))
    return counts


def _run(settings, names: list[str]) -> CrawlReport:
    from scrapy.crawler import CrawlerProcess

    from hjwatch.pipeline.progress import quiet_libraries

    report = CrawlReport(sources=names)
    errors = _FirstErrors(names)
    logging.getLogger().addHandler(errors)
    try:
        # Our own logging setup (stderr, levels) stays; Scrapy adds no second root handler.
        # Scrapy's logging set-up resets its loggers to DEBUG (which would dump every item,
        # bodies included, to stderr): keep the levels the CLI chose.
        levels = {n: logging.getLogger(n).level for n in ("scrapy", "twisted", "py.warnings")}
        settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
        # One filter, shared with the nightly job (pipeline/progress.py), holds Scrapy's and
        # Twisted's records to the CLI's levels for the whole crawl, set-up lines included.
        with quiet_libraries() as quiet:
            process = CrawlerProcess(settings)
            # Scrapy has just set its loggers to DEBUG: back to the shared thresholds, so
            # records nobody will see are not even made (-v keeps Scrapy's INFO lines).
            for logger_name, level in levels.items():
                logging.getLogger(logger_name).setLevel(quiet.filter.thresholds.get(logger_name, level) if level else level)
            crawlers = {}
            for name in names:
                crawler = process.create_crawler(name)
                crawlers[name] = crawler
                deferred = process.crawl(crawler)
                deferred.addErrback(_crawl_failed, report, name)
            log.info("crawling %s", ", ".join(names))
            process.start()
    finally:
        logging.getLogger().removeHandler(errors)
    from hjwatch.pipeline.failure_policy import source_failure
    from hjwatch.spiders.ocds import OcdsApiSpider

    for name, crawler in crawlers.items():
        stats = crawler.stats.get_stats() if crawler.stats else {}
        report.per_source[name] = source_counts(name, stats)
        report.finish_reasons[name] = str(stats.get("finish_reason") or "not started")
        if name in report.failures:
            continue
        ocds = isinstance(crawler.spidercls, type) and issubclass(crawler.spidercls, OcdsApiSpider)
        why = source_failure(stats, ocds=ocds, first_error=errors.first.get(name))
        if why:
            report.failures[name] = why
        elif report.per_source[name]["errors"]:
            log.warning("%s: %d page(s) could not be read (logged above); the source itself was read",
                        name, report.per_source[name]["errors"])
    return report


def _crawl_failed(failure, report: CrawlReport, name: str) -> None:
    message = " ".join(str(failure.getErrorMessage()).split())[:300]
    log.error("%s: could not run: %s", name, message)
    report.failures[name] = f"could not run: {message}"


# ---------------------------------------------------------------------------------------------
# Dry run


def _delay(settings, spidercls, overrides: dict[str, Any]) -> float:
    if "DOWNLOAD_DELAY" in overrides:
        return float(overrides["DOWNLOAD_DELAY"])
    custom = getattr(spidercls, "custom_settings", None) or {}
    if "DOWNLOAD_DELAY" in custom:
        return float(custom["DOWNLOAD_DELAY"])
    return settings.getfloat("DOWNLOAD_DELAY")


def estimate_crawl(config: Config, names: list[str], loader, settings, *, since: dt.date | None,
                   now: dt.datetime | None = None) -> CrawlReport:
    """Windows × pages × delay per source, from where each would resume. Fetches nothing."""
    from hjwatch.spiders.ocds import parse_when, resume_point, utcnow

    now = now or parse_when((config.scrapy or {}).get("HJWATCH_UNTIL")) or utcnow()
    report = CrawlReport(sources=names, dry_run=True)
    db_path = config.db_path if Path(config.db_path).is_file() else None  # never create it
    for name in names:
        spidercls = loader.load(name)
        delay = _delay(settings, spidercls, config.scrapy or {})
        table = config.sources.get(name) or {}
        if hasattr(spidercls, "estimate"):
            start, _cursor = resume_point(name, db_path=db_path, since=since or config.since,
                                          backfill=since is not None)
            report.estimates[name] = spidercls.estimate(start, now, delay, table)
        else:
            # Feeds and watched pages: one request each, plus one per new article (unknown).
            urls = [u for key in ("feeds", "urls") for u in (table.get(key) or [])]
            report.estimates[name] = {
                "source": name, "requests": len(urls), "delay": delay,
                "seconds": len(urls) * delay, "note": "at least: plus one request per new article",
            }
    return report


def format_duration(seconds: float) -> str:
    """A human duration.

    >>> format_duration(21900), format_duration(59), format_duration(90061)
    ('6 h 5 min', '59 s', '1 d 1 h 1 min')
    """
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    parts = []
    if days:
        parts.append(f"{days} d")
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    return " ".join(parts)


def describe_estimate(est: dict[str, Any]) -> str:
    """One line for a source's dry-run estimate."""
    if "windows" in est:
        return (
            f"{est['source']}: {est['from'][:10]} to {est['to'][:10]}: {est['windows']} windows × "
            f"{est['pages_per_window']} pages × {est['delay']:g} s = {est['requests']} requests, "
            f"about {format_duration(est['seconds'])}"
        )
    return (
        f"{est['source']}: {est['requests']} requests × {est['delay']:g} s = about "
        f"{format_duration(est['seconds'])} ({est.get('note', '')})"
    )


__all__ = ["CrawlReport", "run_crawl", "build_settings", "estimate_crawl", "describe_estimate",
           "format_duration", "source_counts", "HjwatchError"]

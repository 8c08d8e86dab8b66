"""The nightly job: lock → run record → crawl every source → alerts → run record.

``run(config)`` is ``hjwatch nightly``. It is safe to run twice, to kill, and to run on a night
when a source or the mail server is down:

- a :class:`~hjwatch.pipeline.lock.RunLock` beside the database keeps runs from overlapping; a
  lock left by a killed run is taken over and that run's record closed as ``killed``;
- the crawl (``pipeline.crawl.run_crawl``) resumes each source from its cursor; one failing
  source does not stop the others, and is named in the digest, the run record and the exit code;
- alerts (``pipeline.alerts.send_pending``) run even when the crawl failed, so a digest that
  could not be sent last night goes out tonight;
- the run record (``db.start_run`` / ``db.finish_run``) keeps per-source counts of fetched /
  new / changed / skipped / errors.

``dry_run=True`` crawls and extracts for real, but into a throwaway copy of the database
(SQLite's online backup), so the real database and its cursors are untouched; the digest is
built from the copy and returned in ``report.alerts.previews``, never sent.

Example::

    report = run(load_config(), quiet=True)
    print(report.summary())      # "nightly run 12 ok: 3 sources, 14 new, 2 changed; sent 1 digest ..."
    sys.exit(report.exit_code)
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from hjwatch import HjwatchError
from hjwatch.config import Config
from hjwatch.pipeline.alerts import AlertReport, send_pending
from hjwatch.pipeline.lock import RunLock, lock_path_for
from hjwatch.pipeline.progress import COUNT_COLUMNS, make_progress, quiet_libraries

log = logging.getLogger(__name__)


@dataclass
class NightlyReport:
    """What one nightly run did."""

    run_id: Any = None
    started: str = ""
    finished: str = ""
    sources: list[str] = field(default_factory=list)
    per_source: dict[str, dict] = field(default_factory=dict)
    failed_sources: dict[str, str] = field(default_factory=dict)
    alerts: AlertReport | None = None
    alert_error: str | None = None
    dry_run: bool = False

    @property
    def status(self) -> str:
        """``ok``, ``partial`` (some sources failed / alerts not sent) or ``failed`` (all sources)."""
        if self.sources and len(self.failed_sources) >= len(self.sources):
            return "failed"
        if self.failed_sources or self.alert_error or (self.alerts and self.alerts.failures):
            return "partial"
        return "ok"

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "ok" else 1

    def totals(self) -> dict[str, int]:
        return {c: sum(int(s.get(c) or 0) for s in self.per_source.values()) for c in COUNT_COLUMNS}

    def summary(self) -> str:
        """One line: counts, failures, alerts.

        >>> NightlyReport(sources=["fts"], per_source={"fts": {"new": 2}}).summary()
        'nightly run: 1 source, 0 fetched, 2 new, 0 changed, 0 skipped, 0 errors'
        """
        t = self.totals()
        n = len(self.sources)
        line = (f"nightly {'dry run' if self.dry_run else 'run'}{f' {self.run_id}' if self.run_id else ''}: "
                f"{n} source{'s' if n != 1 else ''}, " + ", ".join(f"{t[c]} {c}" for c in COUNT_COLUMNS))
        if self.failed_sources:
            line += "; FAILED: " + ", ".join(f"{k} ({v})" for k, v in sorted(self.failed_sources.items()))
        if self.alerts is not None:
            line += f"; alerts: {self.alerts.summary()}"
        if self.alert_error:
            line += f"; alerts failed: {self.alert_error}"
        return line

    def to_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "started": self.started,
            "finished": self.finished,
            "status": self.status,
            "dry_run": self.dry_run,
            "sources": self.sources,
            "per_source": self.per_source,
            "failed_sources": self.failed_sources,
            "alerts": self.alerts.to_dict() if self.alerts else None,
            "alert_error": self.alert_error,
        }


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def run(config: Config, *, dry_run: bool = False, quiet: bool = False, now: dt.datetime | None = None,
        env: Mapping[str, str] | None = None) -> NightlyReport:
    """Run the nightly job once; see the module docstring. Raises ``HjwatchError`` only for what
    stops the run before it starts (another run holds the lock, an unreadable database, a
    malformed config); everything later is reported in the returned :class:`NightlyReport`."""
    from hjwatch.pipeline import delivery, rules

    # A typo in [alerts] is reported now, not after an hour of crawling.
    delivery.check_settings(config.alerts)
    rules.parse_rules(config.alerts)
    progress = make_progress(quiet)
    with progress:
        if dry_run:
            return _dry_run(config, progress, now=now, env=env)
        progress.stage("taking the run lock")
        with RunLock(lock_path_for(config.db_path), command="nightly") as lock:
            return _locked_run(config, lock, progress, now=now, env=env)
    raise AssertionError("unreachable")  # pragma: no cover (keeps type checkers content)


def _locked_run(config: Config, lock: RunLock, progress, *, now, env) -> NightlyReport:
    from hjwatch import db as store

    report = NightlyReport(sources=list(config.sources), started=_now())
    db = store.open_db(config.db_path)
    _close_killed_run(store, db, lock)
    report.run_id = store.start_run(db, "nightly", report.sources)
    lock.annotate(run_id=report.run_id)
    completed = False
    try:
        _crawl(config, report, progress)
        progress.stage("sending alerts")
        try:
            report.alerts = send_pending(db, config, now=now, failed_sources=report.failed_sources, env=env)
        except HjwatchError as exc:
            report.alert_error = str(exc)
            log.error("alerts: %s", exc)
        completed = True
    finally:
        report.finished = _now()
        per_source = run_record_counts(report)
        status = report.status if completed else "failed"
        alert_errors = [f"alerts: {f}" for f in (report.alerts.failures if report.alerts else [])]
        if report.alert_error:
            alert_errors.append(f"alerts: {report.alert_error}")
        try:
            store.finish_run(db, report.run_id, status, per_source, errors=alert_errors)
        except Exception as exc:  # noqa: BLE001 - the run's work is done; say so, don't hide it
            log.error("could not record the end of run %s: %s", report.run_id, exc)
        _close(db)
    progress.sources(report.per_source, report.failed_sources)
    return report


def run_record_counts(report: NightlyReport) -> dict[str, dict]:
    """Per-source counts as the runs table keeps them: ``errors`` is the list of error lines
    (``db.finish_run`` collects them), ``error_count`` the number the crawl counted.

    >>> r = NightlyReport(per_source={"fts": {"new": 1, "errors": 2}}, failed_sources={"fts": "HTTP 500"})
    >>> run_record_counts(r)
    {'fts': {'new': 1, 'error_count': 2, 'errors': ['HTTP 500']}}
    """
    out = {}
    for name, counts in report.per_source.items():
        row = {k: v for k, v in counts.items() if k != "errors"}
        row["error_count"] = int(counts.get("errors") or 0)
        row["errors"] = [report.failed_sources[name]] if name in report.failed_sources else []
        out[name] = row
    for name, reason in report.failed_sources.items():
        out.setdefault(name, {"error_count": 0, "errors": [reason]})
    return out


def _close_killed_run(store, db, lock: RunLock) -> None:
    """Close the record of a run that was killed while holding the lock."""
    holder = lock.stale_holder or {}
    run_id = holder.get("run_id")
    if run_id is None:
        return
    try:
        store.finish_run(db, run_id, "killed", {})
        log.warning("run %s was killed before it finished; marked as killed", run_id)
    except Exception as exc:  # noqa: BLE001 - bookkeeping only
        log.warning("could not close the record of killed run %s: %s", run_id, exc)


def _crawl(config: Config, report: NightlyReport, progress) -> None:
    """Run every configured source; fill per-source counts and failures in ``report``."""
    from hjwatch.pipeline.crawl import run_crawl

    names = report.sources
    progress.stage(f"crawling {len(names)} source{'s' if len(names) != 1 else ''}: {', '.join(names)}")
    try:
        with quiet_libraries():
            crawl_report = run_crawl(config, names)
    except HjwatchError as exc:
        reason = str(exc)
        log.error("crawl failed: %s", reason)
        report.per_source = {n: {c: 0 for c in COUNT_COLUMNS} for n in names}
        report.failed_sources = {n: reason for n in names}
        return
    except Exception as exc:  # noqa: BLE001 - a crawl bug must not stop alerts for pending records
        reason = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        log.error("crawl failed: %s", reason, exc_info=log.isEnabledFor(logging.DEBUG))
        report.per_source = {n: {c: 0 for c in COUNT_COLUMNS} for n in names}
        report.failed_sources = {n: reason for n in names}
        return
    report.per_source, report.failed_sources = crawl_figures(crawl_report, names)


def crawl_figures(crawl_report: Any, names: list[str]) -> tuple[dict[str, dict], dict[str, str]]:
    """Per-source counts and failures from a ``CrawlReport``.

    >>> class R: per_source = {"fts": {"fetched": 3, "new": 2}}; failures = {"news": "HTTP 500"}
    >>> crawl_figures(R(), ["fts", "news"])[1]
    {'news': 'HTTP 500'}
    """
    per_source_raw = getattr(crawl_report, "per_source", None)
    if per_source_raw is None and isinstance(crawl_report, Mapping):
        per_source_raw = crawl_report.get("per_source")
    per_source: dict[str, dict] = {}
    for name in names:
        raw = (per_source_raw or {}).get(name) or {}
        if not isinstance(raw, Mapping):
            raw = getattr(raw, "__dict__", {}) or {}
        per_source[name] = _int_counts(raw)
    for name, raw in (per_source_raw or {}).items():
        if name not in per_source:
            raw = raw if isinstance(raw, Mapping) else getattr(raw, "__dict__", {})
            per_source[name] = _int_counts(raw)
    failures_raw = getattr(crawl_report, "failures", None)
    if failures_raw is None and isinstance(crawl_report, Mapping):
        failures_raw = crawl_report.get("failures")
    failures: dict[str, str] = {}
    if isinstance(failures_raw, Mapping):
        failures = {str(k): " ".join(str(v).split()) for k, v in failures_raw.items()}
    elif failures_raw:
        for item in failures_raw:
            if isinstance(item, (tuple, list)) and len(item) >= 2:
                failures[str(item[0])] = " ".join(str(item[1]).split())
            else:
                failures[str(item)] = "failed"
    return per_source, failures


def _int_counts(raw: Mapping) -> dict[str, int]:
    """The five counts of the issue (always present) plus any other whole-number counts."""
    counts = {c: int(raw.get(c) or 0) for c in COUNT_COLUMNS}
    for key, value in raw.items():
        if key not in counts and isinstance(value, int) and not isinstance(value, bool):
            counts[key] = value
    return counts


def _dry_run(config: Config, progress, *, now, env) -> NightlyReport:
    """Crawl and extract into a temporary copy of the database; build, never send, the digest."""
    from hjwatch import db as store

    report = NightlyReport(sources=list(config.sources), started=_now(), dry_run=True)
    with tempfile.TemporaryDirectory(prefix="hjwatch-dry-run-") as tmp:
        scratch = Path(tmp) / "dry-run.db"
        source = Path(config.db_path)
        if source.exists():
            progress.stage(f"copying {source} for the dry run")
            _backup(source, scratch)
        scratch_config = copy.deepcopy(config)
        scratch_config.db_path = str(scratch)
        # Extract with the real database's gazetteer overlay, not the scratch copy's (none).
        from hjwatch.pipeline.store import use_overlay_for

        use_overlay_for(config.db_path)
        # Web spiders may keep ETag/Last-Modified in a JSON file instead of the database: a dry
        # run works on a copy of that too, or the next real run would skip unchanged-looking pages.
        state_file = (config.scrapy or {}).get("HJWATCH_WEB_STATE")
        if state_file:
            scratch_state = Path(tmp) / "web-state.json"
            if Path(state_file).is_file():
                scratch_state.write_bytes(Path(state_file).read_bytes())
            scratch_config.scrapy["HJWATCH_WEB_STATE"] = str(scratch_state)
        db = store.open_db(str(scratch))
        _crawl(scratch_config, report, progress)
        progress.stage("building the digest (not sending)")
        try:
            report.alerts = send_pending(db, scratch_config, now=now, dry_run=True,
                                         failed_sources=report.failed_sources, env=env)
        except HjwatchError as exc:
            report.alert_error = str(exc)
        _close(db)
    report.finished = _now()
    progress.sources(report.per_source, report.failed_sources)
    return report


def _close(db) -> None:
    close = getattr(db, "close", None) or getattr(getattr(db, "conn", None), "close", None)
    if close:
        close()


def _backup(source: Path, target: Path) -> None:
    """Copy a live SQLite database consistently (the online backup API, not a file copy)."""
    try:
        # as_uri() percent-encodes the path, so a file name with "?" or "#" still works.
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        dst = sqlite3.connect(target)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
    except sqlite3.Error as exc:
        raise HjwatchError(f"cannot copy {source} for the dry run: {exc}") from None

"""Progress of a nightly run: a live status on a terminal, plain log lines under cron.

``make_progress(quiet)`` picks the form: a rich spinner and a summary table on stderr when
stderr is a TTY and ``--quiet`` is not given; otherwise ordinary ``logging`` lines (what cron
mails or journald keeps). Both write to stderr only, so stdout stays for machine output.

Example::

    >>> p = make_progress(quiet=True)
    >>> type(p).__name__
    'LogProgress'
"""

from __future__ import annotations

import logging
import sys
from typing import Mapping

log = logging.getLogger("hjwatch.nightly")

COUNT_COLUMNS = ("fetched", "new", "changed", "skipped", "errors")


class LogProgress:
    """Plain log lines: one per stage and one per source."""

    def stage(self, text: str) -> None:
        log.info("%s", text)

    def done(self) -> None:
        pass

    def sources(self, per_source: Mapping[str, Mapping], failures: Mapping[str, str]) -> None:
        for name, counts in per_source.items():
            figures = " ".join(f"{k}={counts.get(k, 0)}" for k in COUNT_COLUMNS)
            if name in failures:
                log.warning("source %s FAILED: %s (%s)", name, failures[name], figures)
            else:
                log.info("source %s: %s", name, figures)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.done()


class RichProgress(LogProgress):
    """A spinner with the current stage, then a table of per-source counts."""

    def __init__(self):
        from rich.console import Console

        self.console = Console(stderr=True)
        self._status = None

    def stage(self, text: str) -> None:
        if self._status is None:
            self._status = self.console.status(text)
            self._status.start()
            self._route_logs_through_rich()
        else:
            self._status.update(text)

    def done(self) -> None:
        if self._status is not None:
            self._restore_logs()
            self._status.stop()
            self._status = None

    def _route_logs_through_rich(self) -> None:
        """While the spinner runs, rich has put a proxy on sys.stderr that prints above the
        live line; point our log handlers at it so log lines do not tear the spinner."""
        self._streams = []
        for h in logging.getLogger().handlers:
            if isinstance(h, logging.StreamHandler) and getattr(h, "_hjwatch", False):
                self._streams.append((h, h.setStream(sys.stderr)))

    def _restore_logs(self) -> None:
        for h, old in getattr(self, "_streams", []):
            if old is not None:
                h.setStream(old)
        self._streams = []

    def sources(self, per_source: Mapping[str, Mapping], failures: Mapping[str, str]) -> None:
        from rich.markup import escape
        from rich.table import Table

        self.done()
        table = Table(title="hjwatch nightly", title_justify="left")
        table.add_column("source")
        for col in COUNT_COLUMNS:
            table.add_column(col, justify="right")
        table.add_column("status")
        for name, counts in per_source.items():
            status = f"[red]failed: {escape(failures[name])}[/red]" if name in failures else "[green]ok[/green]"
            table.add_row(escape(name), *(str(counts.get(c, 0)) for c in COUNT_COLUMNS), status)
        self.console.print(table)


class LibraryLogFilter(logging.Filter):
    """Holds Scrapy's and Twisted's records to the level the CLI chose for them.

    ``hjwatch.cli.setup_logging`` keeps library chatter at WARNING (unless ``-vv``), but Scrapy's
    ``CrawlerProcess`` re-applies its own logging config (``scrapy`` at DEBUG) when it starts,
    which would put every scraped item into a cron mail. This filter, put on our stderr handlers
    for the length of a crawl, restores the chosen threshold.

    >>> f = LibraryLogFilter({"scrapy": logging.WARNING})
    >>> f.filter(logging.LogRecord("scrapy.core.scraper", logging.DEBUG, "", 0, "item", None, None))
    False
    >>> f.filter(logging.LogRecord("hjwatch.crawl", logging.INFO, "", 0, "ok", None, None))
    True
    """

    def __init__(self, thresholds: Mapping[str, int]):
        super().__init__()
        self.thresholds = dict(thresholds)

    def filter(self, record: logging.LogRecord) -> bool:
        root = record.name.split(".", 1)[0]
        threshold = self.thresholds.get(root)
        return threshold is None or record.levelno >= threshold


def library_thresholds(names) -> dict[str, int]:
    """The level each library's records must reach: the one the CLI gave its logger, but at
    most INFO when the root logger is at DEBUG (``-v``), so ``-v`` shows Scrapy's INFO lines
    and ``-vv`` (library loggers at DEBUG) everything.

    >>> old = logging.getLogger().level
    >>> logging.getLogger().setLevel(logging.INFO); logging.getLogger("scrapy").setLevel(logging.WARNING)
    >>> library_thresholds(["scrapy"])["scrapy"] == logging.WARNING
    True
    >>> logging.getLogger().setLevel(logging.DEBUG)
    >>> library_thresholds(["scrapy"])["scrapy"] == logging.INFO
    True
    >>> logging.getLogger().setLevel(old); logging.getLogger("scrapy").setLevel(logging.NOTSET)
    """
    verbose = logging.getLogger().level <= logging.DEBUG and logging.getLogger().level != logging.NOTSET
    levels = {}
    for name in names:
        level = logging.getLogger(name).getEffectiveLevel()
        levels[name] = min(level, logging.INFO) if verbose else level
    return levels


class quiet_libraries:
    """Context manager: :class:`LibraryLogFilter` on the root handlers, with the levels the
    ``scrapy`` and ``twisted`` loggers have now (before Scrapy changes them).

    ``pipeline.crawl.run_crawl`` wraps every crawl in it, so ``hjwatch crawl`` and ``hjwatch
    nightly`` are equally quiet: Scrapy's own lines only with ``-v`` (INFO) or ``-vv``.
    Nesting is harmless (the inner filter is the same rule).
    """

    NAMES = ("scrapy", "twisted", "filelock", "hpack", "py.warnings")

    def __enter__(self):
        self.filter = LibraryLogFilter(library_thresholds(self.NAMES))
        self.handlers = list(logging.getLogger().handlers)
        for h in self.handlers:
            h.addFilter(self.filter)
        return self

    def __exit__(self, *exc):
        for h in self.handlers:
            h.removeFilter(self.filter)


def make_progress(quiet: bool = False, stream=None) -> LogProgress:
    """Rich progress on an interactive terminal, log lines otherwise (cron, pipes, --quiet)."""
    stream = sys.stderr if stream is None else stream
    interactive = hasattr(stream, "isatty") and stream.isatty()
    if quiet or not interactive:
        return LogProgress()
    return RichProgress()

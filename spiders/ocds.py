"""``OcdsApiSpider``: the base spider for OCDS release-package search APIs paged by cursor.

A source subclass (``spiders/sources/fts.py``, ``contracts_finder.py``) only declares
attributes: the API path, its date-window parameters, the window length, its politeness
settings with their reasons. This class does the rest:

1. **Where to start.** ``--since`` / ``-a since=DATE`` backfills from that date. Otherwise the
   source's cursor in the database (the end of its last complete window) or, on a first run,
   ``[crawl] since``.
2. **Windows, one at a time.** From the start to now in steps of ``window_days``; each window
   is fetched page by page (``limit=100``), following the ``cursor`` of ``links.next`` until a
   page has none. Only then is the next window requested, so at most one request is ever in
   flight and windows complete in order.
3. **The cursor moves after a window.** After a window's last page the spider yields
   ``{"_cursor": {"source": name, "value": window_end}}``; the store pipeline saves it after the
   window's items (items go through the pipeline in order), so a run killed mid-way resumes at
   the first unfinished window. A backfill never moves a cursor backwards.
4. **Releases.** Each release passes the relevance pre-filter (``spiders/prefilter.py``; the
   rest are counted in ``hjwatch/skipped``) and becomes a ``RawDocument``: ``body`` is the
   release's JSON text exactly as received, ``text``/``notice``/``structured`` come from
   ``extractors/ocds.py``.
5. **Bad pages.** HTTP errors are the middlewares' job (``spiders/middlewares.py``); a page
   that cannot be fetched at all (refused, timed out after Scrapy's retries) is one error line. A 2xx page
   that is not JSON (truncated, HTML, empty) is fetched again up to ``json_retries`` times,
   then logged as one error line; the crawl of that source stops there, so its cursor stays at
   the last complete window and nothing is lost.

Spider arguments (``scrapy crawl fts -a since=2025-06-01``): ``since``, ``until`` (ISO dates or
date-times, UTC) and ``base_url``.

Settings read: ``HJWATCH_DB`` (database for the cursor), ``HJWATCH_SOURCES`` (the ``[sources]``
tables: ``base_url``, and optionally ``stages``, ``window_days``, ``retry_wait``),
``HJWATCH_SINCE`` (first-run start), ``HJWATCH_BACKFILL`` (true: start at ``HJWATCH_SINCE``
whatever the cursor says) and ``HJWATCH_UNTIL`` (optional end, default now).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any, AsyncIterator
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import scrapy

from hjwatch.extractors.ocds import (
    decode_json_bytes,
    loads_release_package,
    notice_fields,
    release_spans,
    release_to_text,
    structured_fields,
)
from hjwatch.spiders.items import RawDocument
from hjwatch.spiders.prefilter import prefilter

log = logging.getLogger(__name__)

CURSOR_FORMAT = "%Y-%m-%dT%H:%M:%S"


def parse_when(value: Any) -> dt.datetime | None:
    """A naive-UTC datetime from a date, a datetime or an ISO string; None if unparseable.

    >>> parse_when("2025-01-01"), parse_when("2025-01-01T06:30:00Z")
    (datetime.datetime(2025, 1, 1, 0, 0), datetime.datetime(2025, 1, 1, 6, 30))
    >>> parse_when("yesterday") is None
    True
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return when


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def read_cursor(db_path: str | None, source: str) -> str | None:
    """The stored cursor of ``source`` (None without a database, a cursor, or ``hjwatch.db``)."""
    if not db_path:
        return None
    try:
        from hjwatch import db as hjdb

        database = hjdb.open_db(db_path)
    except (ImportError, AttributeError) as exc:  # the db package is not there: start from since
        log.warning("%s: cannot read the crawl cursor (%s); starting from [crawl] since", source, exc)
        return None
    try:
        return hjdb.get_cursor(database, source)
    finally:
        try:
            database.close()
        except Exception:  # noqa: BLE001 - closing a reader must not fail a crawl
            pass


def resume_point(
    source: str, *, db_path: str | None, since: Any, backfill: bool
) -> tuple[dt.datetime, str | None]:
    """(where a crawl of ``source`` starts, the stored cursor). Shared by spiders and dry runs."""
    start = parse_when(since)
    if start is None:
        from hjwatch.config import DEFAULT_SINCE

        start = parse_when(DEFAULT_SINCE)
    cursor = read_cursor(db_path, source)
    if not backfill and cursor and parse_when(cursor):
        start = parse_when(cursor)
    return start, cursor


class OcdsApiSpider(scrapy.Spider):
    """Base for OCDS APIs that page release packages by ``links.next`` within date windows."""

    # --- declared by each source -------------------------------------------------------------
    #: path appended to the source's ``base_url``
    api_path = ""
    #: default ``base_url`` when the config has none
    default_base_url = ""
    #: query parameter names of the window's bounds
    from_param = "updatedFrom"
    to_param = "updatedTo"
    #: releases per page (both APIs' maximum is 100)
    limit = 100
    #: window length in days: the cursor's granularity (a killed run redoes at most one window)
    window_days = 1.0
    #: rough volume, for ``hjwatch crawl --dry-run`` estimates only
    expected_releases_per_day = 500
    #: HTTP statuses meaning "slow down and retry" (see spiders/middlewares.py)
    retry_http_codes = (429, 503)
    retry_wait = 30.0
    max_attempts = 5
    #: refetches of a 2xx page that is not JSON (truncated transfers are usually transient)
    json_retries = 2
    #: safety stop for a cursor that never ends
    max_pages_per_window = 1000
    #: templates for the item's URLs; ``{base_url}``, ``{ocid}``, ``{release_id}``, ``{notice_id}``
    record_url_template = ""
    notice_url_template = ""

    custom_settings: dict[str, Any] = {
        # Documented machine APIs, not web pages: robots.txt is for crawlers of the site.
        "ROBOTSTXT_OBEY": False,
    }

    def __init__(self, *args: Any, since: str | None = None, until: str | None = None,
                 base_url: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.arg_since = since
        self.arg_until = until
        self.arg_base_url = base_url

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler.settings)
        return spider

    # --- configuration -----------------------------------------------------------------------
    def configure(self, settings) -> None:
        sources = settings.get("HJWATCH_SOURCES") or {}
        table = dict(sources.get(self.name) or {}) if hasattr(sources, "get") else {}
        self.source_config = table
        self.base_url = str(self.arg_base_url or table.get("base_url") or self.default_base_url).rstrip("/")
        self.stages = table.get("stages")
        if table.get("window_days") is not None:
            self.window_days = float(table["window_days"])
        if table.get("retry_wait") is not None:
            self.retry_wait = float(table["retry_wait"])
        backfill = settings.getbool("HJWATCH_BACKFILL") or bool(self.arg_since)
        since = self.arg_since or settings.get("HJWATCH_SINCE")
        self.db_path = settings.get("HJWATCH_DB")
        self.start_at, self.stored_cursor = resume_point(
            self.name, db_path=self.db_path, since=since, backfill=backfill
        )
        # HJWATCH_UNTIL bounds a run (tests, or a backfill done in slices); default: now.
        self.until = parse_when(self.arg_until) or parse_when(settings.get("HJWATCH_UNTIL")) or utcnow()
        self.windows = make_windows(self.start_at, self.until, self.window_days)

    # --- requests ----------------------------------------------------------------------------
    def window_params(self, start: dt.datetime, end: dt.datetime, cursor: str | None = None) -> dict[str, str]:
        params = {self.from_param: start.strftime(CURSOR_FORMAT), self.to_param: end.strftime(CURSOR_FORMAT)}
        if self.stages:
            params["stages"] = ",".join(self.stages) if isinstance(self.stages, (list, tuple)) else str(self.stages)
        params["limit"] = str(self.limit)
        if cursor:
            params["cursor"] = cursor
        return params

    def page_request(self, index: int, page: int = 1, cursor: str | None = None) -> scrapy.Request:
        start, end = self.windows[index]
        url = f"{self.base_url}{self.api_path}?{urlencode(self.window_params(start, end, cursor))}"
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.download_failed,
            headers={"Accept": "application/json"},
            meta={"hj_window": index, "hj_page": page, "hj_cursor": cursor},
            dont_filter=True,
        )

    async def start(self) -> AsyncIterator[Any]:
        if not self.windows:
            self.logger.info("%s: up to date (cursor %s)", self.name, self.stored_cursor)
            return
        self.logger.info(
            "%s: %d window(s) of %g day(s) from %s to %s", self.name, len(self.windows),
            self.window_days, self.windows[0][0].isoformat(), self.windows[-1][1].isoformat(),
        )
        yield self.page_request(0)

    # --- responses ---------------------------------------------------------------------------
    def _stat(self, key: str, n: int = 1) -> None:
        if getattr(self, "crawler", None) is not None:
            self.crawler.stats.inc_value(f"hjwatch/{key}", n)

    def parse(self, response):
        index, page = response.meta["hj_window"], response.meta["hj_page"]
        text, encoding = decode_json_bytes(response.body)
        try:
            package = loads_release_package(text)
            if not isinstance(package, dict) or not isinstance(package.get("releases", []), list):
                raise ValueError("not an OCDS release package (no releases list)")
        except ValueError as exc:
            yield from self._bad_page(response, exc)
            return
        self._stat("pages")
        if encoding != "utf-8":
            self.logger.warning("%s: page %s is not UTF-8; read as Windows-1252", self.name, response.url)
        releases = package.get("releases") or []
        spans = release_spans(text, len(releases))
        for n, release in enumerate(releases):
            self._stat("fetched")
            raw = spans[n] if spans else None
            item = self.release_item(release, raw, response)
            if item is not None:
                yield item
        next_cursor = self.next_cursor(package)
        if next_cursor and next_cursor != response.meta.get("hj_cursor"):
            if page >= self.max_pages_per_window:
                self.logger.error("%s: window %d passed %d pages; stopping here", self.name, index, page)
                self._stat("errors")
                return
            yield self.page_request(index, page + 1, next_cursor)
            return
        if next_cursor:
            self.logger.error("%s: the API repeated cursor %s; stopping here", self.name, next_cursor)
            self._stat("errors")
            return
        yield from self.window_done(index)

    def download_failed(self, failure):
        """A page that could not be fetched (after the stock retries): one line, no traceback.

        The crawl of this source stops here; its cursor stays at the last complete window.
        """
        request = getattr(failure, "request", None)
        message = " ".join(str(failure.getErrorMessage()).split())[:300]
        index = request.meta.get("hj_window", 0) if request is not None else 0
        self.logger.error("%s: could not fetch %s (%s); window %s left for the next run", self.name,
                          request.url if request is not None else "a page", message, self.windows[index][0].date())
        self._stat("download_failed")
        return None

    def window_done(self, index: int):
        """Move the cursor past a complete window, then request the next window."""
        end = self.windows[index][1]
        self._stat("windows")
        stored = parse_when(self.stored_cursor)
        if stored is None or end > stored:
            yield {"_cursor": {"source": self.name, "value": end.strftime(CURSOR_FORMAT)}}
        if index + 1 < len(self.windows):
            yield self.page_request(index + 1)

    def _bad_page(self, response, exc: Exception):
        attempt = response.meta.get("hj_json_retry", 0)
        why = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        if attempt < self.json_retries:
            self.logger.warning("%s: %s is not valid JSON (%s); fetching it again", self.name, response.url, why)
            self._stat("json_retries")
            yield response.request.replace(
                meta={**response.meta, "hj_json_retry": attempt + 1}, dont_filter=True
            )
            return
        self.logger.error(
            "%s: %s is not valid JSON after %d attempts (%s; %d bytes); window %s left for the next run",
            self.name, response.url, attempt + 1, why, len(response.body),
            self.windows[response.meta["hj_window"]][0].date(),
        )
        self._stat("errors")

    def next_cursor(self, package: dict[str, Any]) -> str | None:
        """The ``cursor`` parameter of ``links.next``, if any.

        The next request is rebuilt on our own ``base_url`` rather than following the link, so a
        local mirror (or a recording) keeps being asked even if it echoes the real host.
        """
        links = package.get("links")
        nxt = links.get("next") if isinstance(links, dict) else None
        if not isinstance(nxt, str) or not nxt.strip():
            return None
        query = parse_qs(urlsplit(urljoin(self.base_url + "/", nxt.strip())).query)
        values = query.get("cursor")
        return values[0] if values and values[0] else None

    # --- items -------------------------------------------------------------------------------
    def release_item(self, release: Any, raw: str | None, response) -> RawDocument | None:
        if not isinstance(release, dict) or not release.get("id") or not release.get("ocid"):
            self.logger.warning("%s: a release without id/ocid on %s skipped", self.name, response.url)
            self._stat("invalid")
            return None
        keep, reasons = prefilter(release)
        if not keep:
            self._stat("skipped")
            return None
        notice = notice_fields(release)
        ids = {
            "base_url": self.base_url,
            "ocid": release["ocid"],
            "release_id": str(release["id"]),
            "notice_id": self.notice_id(release),
        }
        notice["prefilter"] = reasons
        notice["notice_url"] = self.notice_url(release, ids)
        record_url = self.record_url_template.format(**ids)
        if raw is None:
            # The package could not be split exactly: keep a faithful re-serialisation.
            import json

            raw = json.dumps(release, ensure_ascii=False)
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        return RawDocument(
            source=self.name,
            kind="notice",
            key=str(release["id"]),
            url=record_url,
            canonical_url=record_url,
            fetched_url=response.url,
            title=notice["title"] or f"Notice {release['id']}",
            published=notice["date"],
            fetched_at=now.isoformat().replace("+00:00", "Z"),
            body=raw.encode("utf-8"),
            content_type="application/json",
            text=release_to_text(release),
            release=release,
            notice=notice,
            structured=structured_fields(release),
            meta={"status": response.status, "notice_url": notice["notice_url"], "api_url": response.url},
        )

    def notice_id(self, release: dict[str, Any]) -> str:
        return str(release.get("id"))

    def notice_url(self, release: dict[str, Any], ids: dict[str, str]) -> str:
        """The public page of this notice: a ``/Notice/`` document URL if given, else built."""
        for key in ("awards", "contracts"):
            for entry in release.get(key) or []:
                for doc in (entry.get("documents") or []) if isinstance(entry, dict) else []:
                    url = doc.get("url") if isinstance(doc, dict) else None
                    if isinstance(url, str) and "/Notice/" in url and ids["notice_id"] in url:
                        return url
        return self.notice_url_template.format(**ids)

    # --- dry run -----------------------------------------------------------------------------
    @classmethod
    def estimate(cls, start: dt.datetime, until: dt.datetime, delay: float, source_config: dict | None = None) -> dict:
        """What a crawl from ``start`` to ``until`` costs at ``delay`` s a request (no fetching).

        >>> class S(OcdsApiSpider):
        ...     name = "s"; window_days = 1; expected_releases_per_day = 250
        >>> e = S.estimate(dt.datetime(2025, 1, 1), dt.datetime(2026, 1, 1), 10)
        >>> e["windows"], e["pages_per_window"], e["requests"], e["seconds"]
        (365, 3, 1095, 10950.0)
        """
        window_days = float((source_config or {}).get("window_days") or cls.window_days)
        windows = len(make_windows(start, until, window_days))
        pages = max(1, math.ceil(window_days * cls.expected_releases_per_day / cls.limit))
        requests = windows * pages
        return {
            "source": cls.name,
            "from": start.strftime(CURSOR_FORMAT),
            "to": until.strftime(CURSOR_FORMAT),
            "windows": windows,
            "window_days": window_days,
            "pages_per_window": pages,
            "requests": requests,
            "delay": float(delay),
            "seconds": requests * float(delay),
        }


def make_windows(start: dt.datetime, until: dt.datetime, days: float) -> list[tuple[dt.datetime, dt.datetime]]:
    """Consecutive [start, end) windows of ``days`` covering start..until (the last one shorter).

    >>> [(a.day, b.day) for a, b in make_windows(dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 3, 12), 1)]
    [(1, 2), (2, 3), (3, 3)]
    """
    if days <= 0:
        raise ValueError("window_days must be positive")
    step = dt.timedelta(days=days)
    windows = []
    cur = start
    while cur < until:
        end = min(cur + step, until)
        windows.append((cur, end))
        cur = end
    return windows

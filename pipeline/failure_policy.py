"""When a crawl counts a source as FAILED: the rule, in one place, and what feeds it.

A source FAILED when the source itself could not be read:

1. its spider closed with a reason other than ``"finished"`` (or never started);
2. one of its **entry points** failed: an API page of Find a Tender or Contracts Finder (every
   request of an OCDS spider is one: a lost page leaves its window for the next run), a feed,
   or a watched page. Failed means an HTTP error after the retries, a download error
   (timeout, refused, too big), or a response its callback could not read (counted as an
   error before it yielded anything: an unreadable feed, a watched page that is not HTML);
3. items could not be stored (``hjwatch/store_failed``): the database is in trouble and the
   source's cursor stays where it was.

Everything else is a per-item error: an article behind a feed or a story link of a watched
page that answers 404/500, times out, is binary or too big. It is logged, counted in the
source's ``errors`` (run record, digest, summary line), and the feed is read again next run,
but the source did not fail and ``hjwatch crawl`` / ``nightly`` exit 0.

How the spiders report errors (the stats this reads): ``spiders/middlewares.py`` counts every
HTTP error in ``hjwatch/errors``; ``spiders/ocds.py`` counts unreadable pages in
``hjwatch/errors`` and lost downloads in ``hjwatch/download_failed``; ``spiders/web.py`` counts
lost pages and unreadable feeds alike in ``hjwatch/<name>/errors``. Those totals do not say
which request failed, so ``EntryPointWatch`` (a downloader and spider middleware that
``pipeline.crawl`` adds to every run) marks entry points and writes
``hjwatch/entry_failed`` (a count) and ``hjwatch/entry_failed_first`` (the first message).

>>> source_failure({"finish_reason": "finished", "hjwatch/news/errors": 3}, ocds=False)
>>> source_failure({"finish_reason": "finished", "hjwatch/entry_failed": 1,
...                 "hjwatch/entry_failed_first": "feed https://x.org/rss: HTTP 404"}, ocds=False)
'feed https://x.org/rss: HTTP 404'
>>> source_failure({"finish_reason": "finished", "hjwatch/errors": 1}, ocds=True)
'1 error(s) reading the API'
>>> source_failure({"finish_reason": "shutdown"}, ocds=False)
'stopped: shutdown'
"""

from __future__ import annotations

from typing import Any

ENTRY = "hj_entry"
FAILED = "hjwatch/entry_failed"
FIRST = "hjwatch/entry_failed_first"


def _int(stats: dict[str, Any], key: str) -> int:
    try:
        return int(stats.get(key, 0) or 0)
    except (TypeError, ValueError):
        return 0


def source_failure(stats: dict[str, Any], *, ocds: bool, first_error: str | None = None) -> str | None:
    """Why a source failed (one line), or None if it did not; see the module docstring.

    ``ocds``: the spider reads an API only (every request an entry point, so any error of the
    source counts). ``first_error``: the first ERROR line the source logged, if any, to name
    the cause better than a count.
    """
    reason = str(stats.get("finish_reason") or "not started")
    if reason != "finished":
        return first_error or f"stopped: {reason}"
    if ocds:
        errors = _int(stats, "hjwatch/errors") + _int(stats, "hjwatch/download_failed") \
            + _int(stats, "spider_exceptions/count") + _int(stats, "retry/max_reached")
        if errors:
            return first_error or f"{errors} error(s) reading the API"
    if _int(stats, FAILED):
        return str(stats.get(FIRST) or first_error or f"{_int(stats, FAILED)} entry point(s) failed")
    if _int(stats, "hjwatch/store_failed"):
        return f"{_int(stats, 'hjwatch/store_failed')} item(s) could not be stored"
    return None


def is_entry(request) -> bool:
    """An entry point: a start request (tagged) or any OCDS API page (``hj_window``)."""
    meta = getattr(request, "meta", None) or {}
    return bool(meta.get(ENTRY)) or "hj_window" in meta


class EntryPointWatch:
    """Marks start requests as entry points and records the ones that fail (see module doc).

    Registered as a downloader middleware near the engine (it sees the final outcome, after
    retries and redirects) and as a spider middleware (start requests, callbacks).
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        watch = cls(crawler)
        from scrapy import signals

        crawler.signals.connect(watch.spider_error, signal=signals.spider_error)
        return watch

    # -- bookkeeping -----------------------------------------------------------------------
    def failed(self, request, why: str) -> None:
        stats = self.crawler.stats
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        kind = "feed" if request.meta.get("hj_kind") == "feed" else "page"
        stats.inc_value(FAILED)
        if not stats.get_value(FIRST):
            stats.set_value(FIRST, " ".join(f"{kind} {url}: {why}".split())[:300])

    def _errors(self, spider) -> int:
        stats = self.crawler.stats.get_stats()
        return _int(stats, "hjwatch/errors") + _int(stats, f"hjwatch/{getattr(spider, 'name', '')}/errors")

    # -- spider middleware -----------------------------------------------------------------
    async def process_start(self, start):
        from scrapy import Request

        async for obj in start:
            if isinstance(obj, Request):
                obj.meta[ENTRY] = True
            yield obj

    def process_spider_output(self, response, result):
        spider = self.crawler.spider
        if not is_entry(response.request):
            yield from result
            return
        # The callback's first step runs (synchronously) between these two counts: an error
        # counted there is the entry point's own (an unreadable feed), not a later article's.
        before = self._errors(spider)
        first = True
        for obj in result:
            if first:
                self._check(response, before, spider)
                first = False
            yield obj
        if first:
            self._check(response, before, spider)

    async def process_spider_output_async(self, response, result):
        spider = self.crawler.spider
        entry = is_entry(response.request)
        before = self._errors(spider) if entry else 0
        first = True
        async for obj in result:
            if entry and first:
                self._check(response, before, spider)
            first = False
            yield obj
        if entry and first:
            self._check(response, before, spider)

    def _check(self, response, before: int, spider) -> None:
        if self._errors(spider) > before:
            self.failed(response.request, "could not be read")

    def spider_error(self, failure, response, spider) -> None:
        request = getattr(response, "request", None)
        if request is not None and is_entry(request):
            self.failed(request, f"{failure.type.__name__}: {failure.getErrorMessage()}")

    # -- downloader middleware -------------------------------------------------------------
    def process_response(self, request, response):
        if is_entry(request) and response.status >= 400:
            self.failed(request, f"HTTP {response.status}")
        return response

    def process_exception(self, request, exception):
        if is_entry(request):
            self.failed(request, f"{type(exception).__name__}: {exception}")
        return None

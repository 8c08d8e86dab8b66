"""Downloader middlewares shared by every hjwatch spider: HTTP errors in one place.

Scrapy's stock ``RetryMiddleware`` retries 429 and 503 at once, ignoring ``Retry-After``
(scrapy/scrapy#3849), which is exactly what gets a polite client blocked by a rate-limiting
firewall. So the project settings take 429 and 503 out of ``RETRY_HTTP_CODES`` and these two
middlewares handle them instead:

``HttpErrorMiddleware`` (``process_response``)
    - 2xx and 3xx pass through untouched (redirects stay Scrapy's business).
    - A status in the spider's ``retry_http_codes`` (default ``{429, 503}``) is retried up to
      ``max_attempts`` times: the retry carries ``meta["wait_time"]``, taken from ``Retry-After``
      (seconds or an HTTP date), else from the spider's ``retry_wait`` (seconds), doubled on each
      further attempt, and capped by the ``HJWATCH_MAX_WAIT`` setting (tests set it to ~1 s).
    - Any other status (400, 404, 500 after the stock retries...) is logged once, as one line
      with the start of its body (an API's 400 says which parameter it rejected), counted in
      ``hjwatch/errors`` and ``hjwatch/http_<status>``, and passed on, so Scrapy's own
      ``HttpErrorMiddleware`` drops it before the spider's callback. Parse code assumes a 2xx.

``DelayedRequestMiddleware`` (``process_request``)
    Waits ``meta["wait_time"]`` seconds before a request is downloaded, without blocking the
    reactor.

Any spider can use them (the news and page spiders too): set, as class attributes,

- ``retry_http_codes`` (iterable of ints): statuses meaning "slow down, then retry";
- ``retry_wait`` (seconds): the wait when the response has no ``Retry-After``;
- ``max_attempts`` (int): attempts per request before giving up (the first one included).

Example (what a 429 turns into)::

    >>> from scrapy.http import Request, Response
    >>> mw = HttpErrorMiddleware(max_wait=600, max_attempts_default=5)
    >>> req = Request("https://example.org/api?page=1")
    >>> retry = mw.decide(req, Response(req.url, status=429, headers={"Retry-After": "120"}), None)
    >>> retry.meta["wait_time"], retry.meta["hj_attempt"], retry.dont_filter
    (120.0, 2, True)
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
from typing import Any

from scrapy import Request
from scrapy.http import Response

log = logging.getLogger(__name__)

# Statuses that mean "too many requests / try later" unless a spider says otherwise.
DEFAULT_RETRY_HTTP_CODES = frozenset({429, 503})
# Without Retry-After, wait this long (seconds) before the first retry.
DEFAULT_RETRY_WAIT = 30.0
DEFAULT_MAX_ATTEMPTS = 5
# The longest single wait we accept, whatever the server asks: a nightly run must end.
DEFAULT_MAX_WAIT = 900.0
# How much of an error body goes into the log line.
BODY_EXCERPT = 300


def parse_retry_after(value: str | bytes | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header value, or None if absent/invalid.

    >>> parse_retry_after("120")
    120.0
    >>> parse_retry_after(b"Wed, 21 Oct 2026 07:28:00 GMT", now=dt.datetime(2026, 10, 21, 7, 27, tzinfo=dt.timezone.utc))
    60.0
    >>> parse_retry_after("soon") is None
    True
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1", errors="replace")
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


def body_excerpt(response: Response, limit: int = BODY_EXCERPT) -> str:
    """The start of a response body on one line, for a log message."""
    text = response.body[: limit * 4].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class HttpErrorMiddleware:
    """Retry "slow down" statuses after the wait the server asks for; log the rest once."""

    def __init__(self, max_wait: float = DEFAULT_MAX_WAIT, max_attempts_default: int = DEFAULT_MAX_ATTEMPTS, stats=None):
        self.max_wait = float(max_wait)
        self.max_attempts_default = int(max_attempts_default)
        self.stats = stats
        self.crawler = None

    @classmethod
    def from_crawler(cls, crawler):
        mw = cls(
            max_wait=crawler.settings.getfloat("HJWATCH_MAX_WAIT", DEFAULT_MAX_WAIT),
            max_attempts_default=crawler.settings.getint("HJWATCH_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS),
            stats=crawler.stats,
        )
        mw.crawler = crawler
        return mw

    def process_response(self, request: Request, response: Response):
        spider = self.crawler.spider if self.crawler else None
        return self.decide(request, response, spider)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    def decide(self, request: Request, response: Response, spider: Any) -> Request | Response:
        """Return the response to pass on, or a delayed retry of the request."""
        status = response.status
        if 200 <= status < 400:
            return response
        retry_codes = set(getattr(spider, "retry_http_codes", DEFAULT_RETRY_HTTP_CODES))
        name = getattr(spider, "name", "spider")
        if status in retry_codes:
            attempt = int(request.meta.get("hj_attempt", 1))
            max_attempts = int(getattr(spider, "max_attempts", self.max_attempts_default))
            if attempt < max_attempts:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                source = "Retry-After"
                if wait is None:
                    base = float(getattr(spider, "retry_wait", DEFAULT_RETRY_WAIT))
                    # Back off harder each time the server still refuses us.
                    wait = base * (2 ** (attempt - 1))
                    source = "default wait"
                wait = min(wait, self.max_wait)
                log.warning(
                    "%s: HTTP %s for %s; waiting %.0f s (%s) before attempt %d of %d",
                    name, status, request.url, wait, source, attempt + 1, max_attempts,
                )
                self._inc(f"hjwatch/http_{status}")
                self._inc("hjwatch/retries")
                meta = {**request.meta, "hj_attempt": attempt + 1, "wait_time": wait}
                return request.replace(meta=meta, dont_filter=True)
            log.error("%s: HTTP %s for %s; gave up after %d attempts", name, status, request.url, attempt)
        else:
            log.error("%s: HTTP %s for %s (not retried): %s", name, status, request.url, body_excerpt(response))
        self._inc(f"hjwatch/http_{status}")
        self._inc("hjwatch/errors")
        return response


class DelayedRequestMiddleware:
    """Sleep ``request.meta["wait_time"]`` seconds (without blocking) before downloading."""

    async def process_request(self, request: Request):
        wait = request.meta.get("wait_time")
        if not wait or wait <= 0:
            return None
        from twisted.internet import reactor
        from twisted.internet.task import deferLater
        from scrapy.utils.defer import maybe_deferred_to_future

        await maybe_deferred_to_future(deferLater(reactor, float(wait), lambda: None))
        # Only this attempt waits; a later retry computes its own wait.
        request.meta.pop("wait_time", None)
        return None

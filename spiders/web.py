"""Base spiders for the web half: RSS/Atom feeds (``FeedSpider``) and watched pages
(``PageWatchSpider``). Sources in ``spiders/sources/`` only set attributes.

Both turn an HTML page into a ``RawDocument`` the same way (``WebSpider.article_item``):
main text by ``extractors.text.html_to_text``, key and url the page's canonical URL
(``spiders/urls.py``), ``source`` the feed's (or watched page's) host.

Politeness, as CONTRACT.md asks: robots.txt obeyed (``ROBOTSTXT_OBEY``), one request at a
time per site with a delay, the project's identifying User-Agent, and conditional GET: the
``ETag`` / ``Last-Modified`` of every feed, watched page and article are remembered per URL
(``spiders/web_state.py``) and sent back as ``If-None-Match`` / ``If-Modified-Since``; a 304
costs the site nothing and yields nothing.

Errors never stop a crawl: a 404/500 (after Scrapy's retries), a timeout, a binary or
oversized body, a malformed or hostile feed is logged as one line and skipped, and the
remembered state of a feed is only moved when its articles were all fetched.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import logging
import re
from typing import Any, Iterable, Iterator
from urllib.parse import urljoin, urlsplit

import feedparser
import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import load_object

from hjwatch import InputError
from hjwatch.config import load_config
from hjwatch.extractors.text import Article, decode_html, html_to_text, parse_date
from hjwatch.spiders.items import RawDocument
from hjwatch.spiders.urls import canonical_url, clean_url, same_site
from hjwatch.spiders.web_state import open_state

log = logging.getLogger(__name__)

# Content types we treat as web pages; anything else (PDF, images, zip) is skipped, not parsed.
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
# A feed that declares entities is refused before feedparser sees it: its SAX parser expands
# internal entities (billion laughs), and no real news feed needs a DTD of its own.
HOSTILE_XML = re.compile(rb"<!ENTITY", re.I)
TAGS = re.compile(r"<[^>]+>")
# Sites whose articles are behind a paywall: keep the feed's headline and summary only, never
# fetch (or try to get round) the article page. A feed can also say ``paywalled = true``.
PAYWALLED_HOSTS = frozenset({"hsj.co.uk", "www.hsj.co.uk", "thetimes.co.uk", "www.thetimes.co.uk",
                             "ft.com", "www.ft.com", "telegraph.co.uk", "www.telegraph.co.uk"})


# Titles of the "sorry" pages servers and CDNs send with status 200 while down.
ERROR_PAGE_TITLE = re.compile(
    r"\b(service (is )?(temporarily )?unavailable|temporarily unavailable|internal server error|bad gateway|"
    r"gateway time-?out|site (is )?(down for|under) maintenance|too many requests|access denied|"
    r"page not found|404 not found)\b", re.I)


def looks_like_error_page(article: Article) -> bool:
    """A short page whose title or text says the server failed.

    >>> looks_like_error_page(Article(text="Sorry, the service is unavailable", title="Service Unavailable"))
    True
    >>> looks_like_error_page(Article(text="NHS England said the service is unavailable to new patients. " * 20,
    ...                               title="Prison dental service paused"))
    False
    """
    if len(article.text) > 600:
        return False
    return bool(ERROR_PAGE_TITLE.search(article.title or "") or ERROR_PAGE_TITLE.search(article.text[:300]))


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def text_hash(text: str) -> str:
    """Hash of the main text, whitespace-normalised: what "the page changed" means here.

    >>> text_hash("A  b\\n") == text_hash("A b")
    True
    """
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def as_list(value: Any) -> list:
    """A config value given as one string or a list, as a list (``"a,b"`` splits on commas)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


class WebSpider(scrapy.Spider):
    """Shared behaviour of the feed and page spiders: config, state, article items."""

    # The source table this spider reads from HJWATCH_SOURCES (and its key there).
    config_key = "urls"
    # Web servers answer 429/503 when we go too fast: wait (Retry-After) and try again
    # (handled by spiders/middlewares.py HttpErrorMiddleware).
    retry_http_codes = (429, 503)
    retry_wait = 60
    max_attempts = 3

    # Politeness comes from the project settings (spiders/settings.py: robots.txt obeyed, one
    # request per site at a time, 2 s delay, 60 s timeout, 16 MB cap), deliberately not from
    # custom_settings: those would outrank the user's ``[scrapy]`` overrides (a local mirror
    # needs ``DOWNLOAD_DELAY = 0``).
    custom_settings: dict = {}

    def __init__(self, *args, **kwargs):
        # ``scrapy crawl news -a feeds=URL,URL`` overrides the configured list (handy by hand).
        self._arg_urls = kwargs.pop(self.config_key, None)
        super().__init__(*args, **kwargs)
        self._emitted: set[str] = set()          # canonical URLs yielded this run
        self._pending_state: dict[str, dict] = {}  # feed validators, written when the spider finishes
        self._feed_failed: set[str] = set()        # feeds with an article that could not be fetched
        self._followed: set[str] = set()           # article URLs taken from feed items this run

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.state = open_state(crawler.settings)
        crawler.signals.connect(spider._item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider._spider_closed, signal=signals.spider_closed)
        return spider

    # -- configuration ---------------------------------------------------------------------

    def source_config(self) -> dict[str, Any]:
        """This source's table: from ``HJWATCH_SOURCES``, else the built-in defaults."""
        if self.settings.get("HJWATCH_SOURCES") is not None:
            table = dict(self.settings.getdict("HJWATCH_SOURCES").get(self.name) or {})
        else:
            # `scrapy crawl news` by hand: read hjwatch.toml like the CLI would.
            try:
                sources = load_config().sources
            except InputError as exc:
                self.logger.error("%s: %s", self.name, exc)
                sources = {}
            table = dict(sources.get(self.name) or {})
        if self._arg_urls:
            table[self.config_key] = as_list(self._arg_urls)
        return table

    def configured(self) -> list[dict[str, Any]]:
        """Entries of the source's list, each as a dict with at least ``url``.

        An entry is a URL string or a table (``{url = "...", keywords = ["prison"],
        paywalled = true}``); a malformed entry is logged and skipped.
        """
        entries, seen = [], set()
        for raw in as_list(self.source_config().get(self.config_key)):
            entry = {"url": raw} if isinstance(raw, str) else dict(raw) if isinstance(raw, dict) else {}
            url = str(entry.get("url") or "").strip()
            if urlsplit(url).scheme not in ("http", "https"):
                self.logger.error("%s: skipped %r: not an http(s) URL", self.name, raw)
                continue
            if url in seen:
                continue
            seen.add(url)
            entry["url"] = url
            entries.append(entry)
        return entries

    # -- conditional GET -------------------------------------------------------------------

    def conditional_request(self, url: str, callback, **kwargs) -> scrapy.Request:
        """A GET carrying the validators remembered for ``url``; 304 reaches the callback."""
        headers = dict(kwargs.pop("headers", {}) or {})
        known = self.state.get(url) or {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        meta = dict(kwargs.pop("meta", {}) or {})
        meta.setdefault("handle_httpstatus_list", [304])
        # dont_filter: a redirect back to the same URL must reach RedirectMiddleware's limit and
        # our errback (logged, counted), not vanish in the dupefilter. Duplicates within a run
        # are prevented by ``_followed`` / ``_emitted`` instead.
        return scrapy.Request(url, callback=callback, headers=headers, meta=meta,
                              errback=self.on_error, dont_filter=True, **kwargs)

    def validators(self, response: Response) -> dict[str, str | None]:
        return {"etag": _header(response, "ETag"), "last_modified": _header(response, "Last-Modified")}

    def on_error(self, failure) -> None:
        """Timeouts, DNS failures, cancelled oversize downloads, HTTP errors: one line, go on.

        A lost page counts as an error of the run (``hjwatch/<name>/errors``) unless another
        part counted it already: HTTP errors (spiders/middlewares.py) and retryable network
        errors (Scrapy's ``retry/max_reached``). A page robots.txt forbids is not an error.
        """
        request = failure.request
        message = failure.getErrorMessage() or failure.type.__name__
        # After redirects the failing request is the last hop; name the URL we set out to fetch.
        first = (request.meta.get("redirect_urls") or [request.url])[0]
        if first != request.url:
            message = f"{message} (after redirects to {request.url})"
        if failure.check(IgnoreRequest) and "robots.txt" in message:
            self.logger.info("%s: not fetched %s: forbidden by robots.txt", self.name, request.url)
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/robots_forbidden")
            return
        self.logger.warning("%s: skipped %s: %s", self.name, first, message)
        counted_elsewhere = failure.check(HttpError) or failure.check(*self._retry_exceptions())
        if not counted_elsewhere:
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/errors")
        parent = request.meta.get("hj_feed")
        if parent:
            self._feed_failed.add(parent)

    def _retry_exceptions(self) -> tuple[type, ...]:
        classes = []
        for path in self.settings.getlist("RETRY_EXCEPTIONS"):
            try:
                classes.append(load_object(path) if isinstance(path, str) else path)
            except (ImportError, AttributeError, ValueError, NameError):
                continue
        return tuple(classes)

    def lost(self, url: str, why: str) -> None:
        """A fetched page we cannot use: one warning line, counted as an error of the run."""
        self.logger.warning("%s: skipped %s: %s", self.name, url, why)
        self.crawler.stats.inc_value(f"hjwatch/{self.name}/errors")

    # -- article pages ---------------------------------------------------------------------

    def article(self, response: Response) -> Article | None:
        """The response's article, or None (logged) when it is not a readable HTML page."""
        ctype = (_header(response, "Content-Type") or "").split(";")[0].strip().lower()
        if ctype and ctype not in HTML_TYPES:
            self.lost(response.url, f"not a web page ({ctype})")
            return None
        try:
            # Decoded here, strictly, rather than by Scrapy (which replaces undecodable bytes).
            text = decode_html(response.body, _header(response, "Content-Type"))
            article = html_to_text(text, url=response.url)
        except (InputError, ValueError, AttributeError) as exc:
            self.lost(response.url, str(exc))
            return None
        if looks_like_error_page(article):
            # Stored, it would count as the page's content and hide the real one until it changed.
            self.lost(response.url, f"an error page served with status 200 ({article.title!r})")
            return None
        return article

    def article_item(self, response: Response, article: Article, *, source: str, title: str | None,
                     published: str | None, feed: dict | None = None, extra: dict | None = None) -> RawDocument | None:
        """A ``RawDocument`` for an article page, or None when its text is unchanged or empty."""
        key = canonical_url(response.url, article.canonical_url)
        if not article.text.strip():
            self.lost(response.url, "no text found on the page")
            return None
        if key in self._emitted:
            # Two links (one with tracking parameters, one without) led to the same article.
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/duplicate_url")
            return None
        digest = text_hash(article.text)
        known = self.state.get(key) or {}
        if known.get("text_hash") == digest:
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/unchanged")
            self._remember_later(response, key, digest)
            return None
        self._emitted.add(key)
        meta = {
            "status": response.status,
            "declared_canonical": article.canonical_url,
            "text_hash": digest,
            **self.validators(response),
            **(extra or {}),
        }
        return RawDocument(
            source=source,
            kind="news",
            key=key,
            url=key,
            canonical_url=key,
            fetched_url=response.url,
            title=title or article.title,
            published=published or article.published,
            fetched_at=_utc_now(),
            body=response.body,
            content_type=_header(response, "Content-Type"),
            text=article.text,
            feed=feed,
            meta=meta,
        )

    # -- state is only written once the item is stored (or found unchanged) ----------------

    def _remember_later(self, response: Response, key: str, digest: str) -> None:
        record = {"text_hash": digest, **self.validators(response)}
        for url in {key, response.url}:
            self.state.set(url, record)

    def _item_scraped(self, item, response, spider) -> None:
        if spider is not self or not isinstance(item, RawDocument):
            return
        meta = item.get("meta") or {}
        record = {"text_hash": meta.get("text_hash"), "etag": meta.get("etag"),
                  "last_modified": meta.get("last_modified")}
        for url in {item["key"], item.get("fetched_url")}:
            if url:
                self.state.set(url, record)

    def _spider_closed(self, spider, reason) -> None:
        if spider is not self:
            return
        if reason == "finished":
            for url, record in self._pending_state.items():
                if url in self._feed_failed:
                    self.logger.info("%s: %s will be read again next run (an article failed)", self.name, url)
                    continue
                self.state.set(url, record)
        self.state.close()

    def start_requests(self) -> Iterator[scrapy.Request]:  # Scrapy < 2.13
        yield from self.first_requests()

    async def start(self):  # Scrapy >= 2.13
        for request in self.first_requests():
            yield request

    def first_requests(self) -> Iterable[scrapy.Request]:
        raise NotImplementedError


def _struct_date(value) -> str | None:
    if not value:
        return None
    try:
        iso = dt.datetime.fromtimestamp(calendar.timegm(value), dt.timezone.utc).date().isoformat()
    except (OverflowError, ValueError, TypeError):
        return None
    return parse_date(iso)


def feed_item_date(entry) -> str | None:
    """The item's own date (published, else updated), placeholders rejected."""
    # dict.get: feedparser maps a missing updated_parsed to published_parsed with a warning.
    return _struct_date(dict.get(entry, "published_parsed")) or _struct_date(dict.get(entry, "updated_parsed"))


def parse_feed(body: bytes, content_type: str | None = None) -> feedparser.FeedParserDict:
    """Parse feed bytes safely (never a URL or file name); refuses entity declarations.

    >>> parse_feed(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss/>')
    Traceback (most recent call last):
    ...
    hjwatch.InputError: feed refused: it declares XML entities (possible entity-expansion attack)
    """
    if HOSTILE_XML.search(body[:65536]):
        raise InputError("feed refused: it declares XML entities (possible entity-expansion attack)")
    headers = {"content-type": content_type} if content_type else {}
    # Bytes, never a string: feedparser treats a string as a URL or a path and would fetch it.
    return feedparser.parse(bytes(body), response_headers=headers, sanitize_html=True, resolve_relative_uris=False)


class FeedSpider(WebSpider):
    """Reads RSS 0.9x/1.0/2.0 and Atom feeds and follows every item to its article page.

    Config: ``[sources.<name>] feeds = [...]``; each entry a URL or a table with ``url``,
    optional ``keywords`` (item kept only if its title or summary has one; off by default)
    and ``paywalled`` (keep headline and summary only).
    """

    config_key = "feeds"

    def first_requests(self) -> Iterable[scrapy.Request]:
        entries = self.configured()
        if not entries:
            self.logger.info("%s: no feeds configured", self.name)
        for entry in entries:
            yield self.conditional_request(entry["url"], self.parse_feed_response, cb_kwargs={"entry": entry},
                                           meta={"hj_kind": "feed"})

    def parse_feed_response(self, response: Response, entry: dict):
        feed_url = entry["url"]
        if response.status == 304:
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/not_modified")
            return
        try:
            parsed = parse_feed(response.body, _header(response, "Content-Type"))
        except InputError as exc:
            self.logger.error("%s: skipped feed %s: %s", self.name, feed_url, exc)
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/errors")
            return
        if parsed.bozo and not parsed.entries:
            self.logger.error("%s: skipped feed %s: not a readable feed (%s)", self.name, feed_url,
                              str(parsed.get("bozo_exception", "unknown error")).splitlines()[0][:200])
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/errors")
            return
        if parsed.bozo:
            self.logger.warning("%s: feed %s is not well-formed (%s); read %d items anyway", self.name, feed_url,
                                str(parsed.get("bozo_exception", "")).splitlines()[0][:200], len(parsed.entries))
        # Remember the feed's validators only when the spider finishes and its articles were
        # fetched, and never for a damaged feed: a 304 next time would hide its lost items.
        if not parsed.bozo:
            self._pending_state[feed_url] = self.validators(response)
        source = (urlsplit(response.url).hostname or "").lower()
        keywords = [k.lower() for k in as_list(entry.get("keywords"))]
        paywalled = bool(entry.get("paywalled")) or source in PAYWALLED_HOSTS
        for item in parsed.entries:
            yield from self.follow_item(item, feed_url=feed_url, source=source, keywords=keywords,
                                        paywalled=paywalled, base=response.url)

    def follow_item(self, entry, *, feed_url: str, source: str, keywords: list[str], paywalled: bool, base: str):
        link = entry.get("link") or (entry.get("id") if str(entry.get("id", "")).startswith("http") else None)
        # Atom titles may be type="html": keep the words, not the markup.
        title = " ".join(TAGS.sub(" ", entry.get("title") or "").split()) or None
        summary = entry.get("summary") or ""
        if not link:
            self.logger.warning("%s: feed %s: item %r has no link; skipped", self.name, feed_url, title)
            return
        if keywords and not any(k in f"{title or ''} {summary}".lower() for k in keywords):
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/filtered")
            return
        url = clean_url(urljoin(base, link))
        feed = {"feed_url": feed_url, "title": title, "link": link, "published": feed_item_date(entry),
                "summary": summary}
        since = self.settings.get("HJWATCH_SINCE")
        if since and feed["published"] and feed["published"] < str(since):
            # Old items that a legacy feed still carries: outside the window the user asked for.
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/before_since")
            return
        if paywalled:
            yield self.headline_item(url, source=source, feed=feed)
            return
        if url in self._followed:
            # The same story listed twice (feeds do, under two guids): one request, one stamp.
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/duplicate_url")
            return
        self._followed.add(url)
        # Every item is requested again each time its feed changed, conditionally (ETag /
        # Last-Modified: a 304 costs the site nothing). Skipping items "already seen" would be
        # cheaper still, but would keep forever a copy damaged in transit (a truncated body, an
        # error page served as 200) or an article the publisher has since corrected.
        yield self.conditional_request(url, self.parse_article, cb_kwargs={"source": source, "feed": feed},
                                       meta={"hj_feed": feed_url})

    def headline_item(self, url: str, *, source: str, feed: dict) -> RawDocument | None:
        """Paywalled site: the feed's headline and summary are all we keep."""
        summary_text = html_to_text(f"<html><body><p>{feed['summary']}</p></body></html>").text if feed["summary"] else ""
        text = "\n".join(t for t in (feed["title"], summary_text) if t)
        digest = text_hash(text)
        if url in self._emitted or (self.state.get(url) or {}).get("text_hash") == digest:
            return None
        self._emitted.add(url)
        return RawDocument(source=source, kind="news", key=url, url=url, canonical_url=url, fetched_url=None,
                           title=feed["title"], published=feed["published"], fetched_at=_utc_now(),
                           body=text.encode("utf-8"), content_type="text/plain; charset=utf-8", text=text,
                           feed=feed, meta={"paywalled": True, "text_hash": digest})

    def parse_article(self, response: Response, source: str, feed: dict):
        if response.status == 304:
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/not_modified")
            return
        article = self.article(response)
        if article is None:
            return
        item = self.article_item(response, article, source=source, title=feed["title"],
                                 published=feed["published"], feed=feed)
        if item is not None:
            yield item


# Paths that are lists, tags, feeds or files rather than stories.
NOT_A_STORY = re.compile(
    r"/(tag|tags|category|categories|author|page|feed|rss|search|login|wp-admin|wp-login|cart|"
    r"account|contact|cookies?|privacy|accessibility|sitemap)(/|$)|\.(pdf|docx?|xlsx?|pptx?|zip|jpe?g|png|gif|svg|mp[34]|css|js|xml)$",
    re.I,
)
# A story path ends in a slug of three or more words ("nhs-england-awards-prison-contract"),
# or carries a date or a long numeric id (BBC "/news/uk-england-12345678").
STORY_SLUG = re.compile(r"(?:^|/)[a-z0-9]+(?:-[a-z0-9]+){2,}/?$|/\d{4}/\d{2}/|\d{6,}/?$", re.I)


def looks_like_story(link: str, page_url: str) -> bool:
    """True for a same-site link that looks like an article rather than navigation.

    >>> page = "https://www.necsu.nhs.uk/case-studies/"
    >>> looks_like_story("https://www.necsu.nhs.uk/case-studies/improving-prison-healthcare-in-the-north-east/", page)
    True
    >>> looks_like_story("https://www.necsu.nhs.uk/contact/", page), looks_like_story("https://other.org/a-b-c-d", page)
    (False, False)
    """
    if not same_site(link, page_url):
        return False
    path = urlsplit(link).path
    if not path or path == urlsplit(page_url).path or NOT_A_STORY.search(path):
        return False
    return bool(STORY_SLUG.search(path))


class PageWatchSpider(WebSpider):
    """Watches pages without a feed: a revision when their main text changes, and their
    story links followed (same site, story-like paths, at most ``max_links`` per page).

    Config: ``[sources.<name>] urls = [...]``; each entry a URL or a table with ``url`` and
    optional ``follow`` (default true) and ``max_links`` (default 30).
    """

    config_key = "urls"
    default_max_links = 30

    def first_requests(self) -> Iterable[scrapy.Request]:
        entries = self.configured()
        if not entries:
            self.logger.info("%s: no pages configured", self.name)
        for entry in entries:
            yield self.conditional_request(entry["url"], self.parse_page, cb_kwargs={"entry": entry})

    def parse_page(self, response: Response, entry: dict):
        if response.status == 304:
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/not_modified")
            return
        article = self.article(response)
        if article is None:
            return
        source = (urlsplit(entry["url"]).hostname or "").lower()
        item = self.article_item(response, article, source=source, title=article.title, published=article.published,
                                 extra={"watched_page": entry["url"]})
        if item is not None:
            yield item
        if entry.get("follow", True) is False or not isinstance(response, TextResponse):
            return
        limit = int(entry.get("max_links", self.default_max_links))
        seen: set[str] = set()
        for href in response.css("a::attr(href)").getall():
            link = clean_url(urljoin(response.url, href))
            if link in seen or not looks_like_story(link, response.url):
                continue
            seen.add(link)
            if link in self._followed:  # linked from another watched page too
                continue
            self._followed.add(link)
            if len(seen) > limit:
                self.logger.info("%s: %s has more than %d story links; the rest wait for the next run",
                                 self.name, entry["url"], limit)
                break
            yield self.conditional_request(link, self.parse_story, cb_kwargs={"source": source, "watched": entry["url"]})

    def parse_story(self, response: Response, source: str, watched: str):
        if response.status == 304:
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/not_modified")
            return
        article = self.article(response)
        if article is None:
            return
        item = self.article_item(response, article, source=source, title=article.title, published=article.published,
                                 extra={"watched_page": watched})
        if item is not None:
            yield item

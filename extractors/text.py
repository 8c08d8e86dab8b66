"""HTML to the plain text the extractor reads, plus the page's title, date and canonical URL.

Main text comes from trafilatura (navigation, cookie banners, "related stories" and footers
dropped); when it finds nothing (short or index pages) a rule-based selectolax extractor
(``text_rules.py``) is used instead. ``benchmarks/article_quality.py`` measures both, and
BeautifulSoup's ``get_text``, on real and recorded pages.

The published date is read in order of trust (a feed's own date, which the spider holds,
comes before all of these):

1. ``<meta property="article:published_time">`` (and its ``og:``/``name=`` variants);
2. JSON-LD ``datePublished`` (NewsArticle, Article, BlogPosting, WebPage..., in ``@graph`` too);
3. ``<time datetime=...>`` (inside the article first), then an element whose class names a
   date (``entry-date``, ``press__date``, ``posted-on``);
4. the text: "Posted in News on May 24, 2023", "Published 3 March 2025".

Placeholder dates (``0001-01-01``, the Unix epoch, anything before 1995 or in the future)
are rejected and the next source is tried.

Example::

    >>> a = html_to_text('<html><head><title>Oxleas to leave HMP Belmarsh</title>'
    ...     '<meta property="article:published_time" content="2025-03-04T10:00:00+00:00">'
    ...     '<link rel="canonical" href="/news/oxleas"></head><body><nav>Home | News</nav>'
    ...     '<article><p>Oxleas NHS Foundation Trust has served notice on its prison contracts.</p>'
    ...     '</article></body></html>', url="https://example.org/news/oxleas?utm_source=rss")
    >>> a.text
    'Oxleas NHS Foundation Trust has served notice on its prison contracts.'
    >>> a.title, a.published, a.canonical_url
    ('Oxleas to leave HMP Belmarsh', '2025-03-04', 'https://example.org/news/oxleas')
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import urljoin

import ftfy
import lxml.etree
import lxml.html
import trafilatura
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from hjwatch import InputError
from hjwatch.extractors.text_rules import rules_text

log = logging.getLogger(__name__)

# trafilatura logs every page it finds too short at WARNING; that is our fallback's cue, not news.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

# Far above any article (the largest real page in our fixtures is 0.7 MB); a bigger input is
# refused with a clear message rather than parsed for minutes.
MAX_HTML_CHARS = 10_000_000
# Below this much trafilatura text, trafilatura has fallen back to its whole-page baseline
# (navigation included), so the rule-based extractor's text is used when it finds any.
MIN_MAIN_TEXT = 200
# Containers trafilatura sometimes keeps (GOV.UK's "Is this page useful?" box sits inside
# <main>): removed before extraction. Matched on class/id words, like text_rules.BOILERPLATE
# but narrower, since trafilatura already judges the rest; measured in benchmarks/article_quality.py.
PRUNE_XPATH = [
    f"//*[contains(concat(' ', translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), ' '), '{word}')"
    f" or contains(translate(@id, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '{word}')]"
    for word in ("cookie", "feedback", "newsletter", "related-navigation", "breadcrumb")
]
# Dates outside this window are placeholders or typos ("0001-01-01", "1970-01-01", "2099").
EARLIEST_YEAR = 1995

_HTML_SNIFF = re.compile(r"^\s*(<!doctype html|<html|<head|<body|<\?xml[^>]*>\s*<html)", re.I)
_TAG = re.compile(r"</?(p|div|html|body|head|br|span|a|article|section|h[1-6]|li|ul|table|meta|title)\b", re.I)
_WS_LINE = re.compile(r"[ \t\u00a0]+")


@dataclass
class Article:
    """Main text and metadata of a web page.

    ``canonical_url`` is the page's own declared canonical (``<link rel=canonical>``, else
    ``og:url``), made absolute; ``hjwatch.spiders.urls.canonical_url`` decides whether to adopt it.
    """

    text: str
    title: str | None = None
    published: str | None = None  # ISO date
    canonical_url: str | None = None


def looks_like_html(content: str) -> bool:
    """True when ``content`` is an HTML document or fragment rather than plain text.

    >>> looks_like_html("<!DOCTYPE html><html><body>x</body></html>"), looks_like_html("HMP Leeds")
    (True, False)
    """
    head = content[:2048]
    if _HTML_SNIFF.match(head):
        return True
    return len(_TAG.findall(content[:20000])) >= 5


def decode_html(content: bytes, content_type: str | None = None) -> str:
    """Bytes to text: the first of BOM, HTTP charset, ``<meta charset>``, UTF-8 that decodes
    the bytes without error, else Windows-1252 (what a mislabelled British page usually is).

    Servers often declare one charset and send another; decoding strictly and moving on keeps
    "£" intact instead of replacing it with U+FFFD. Raises :class:`InputError` for binary
    content (NUL bytes in the first 8 KB): a PDF or an image served as text/html.

    >>> decode_html("£236m".encode("cp1252"), "text/html; charset=utf-8")
    '£236m'
    """
    if b"\x00" in content[:8192]:
        raise InputError("not an HTML page: binary content")
    candidates = [read_bom(content)[0], http_content_type_encoding(content_type or ""),
                  html_body_declared_encoding(content[:4096]), "utf-8"]
    for encoding in candidates:
        if not encoding:
            continue
        try:
            text = content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        return text[1:] if text.startswith("\ufeff") else text
    return content.decode("cp1252", errors="replace")


def html_to_text(html: str | bytes, url: str | None = None) -> Article:
    """Main text, title, published date and declared canonical URL of an HTML page.

    Raises :class:`InputError` for binary or oversized input; an empty or text-less page gives
    an ``Article`` with empty ``text``.
    """
    if isinstance(html, bytes):
        html = decode_html(html)
    if "\x00" in html[:8192]:
        raise InputError("not an HTML page: binary content")
    if len(html) > MAX_HTML_CHARS:
        raise InputError(f"HTML too large to extract ({len(html) / 1e6:.1f} MB > {MAX_HTML_CHARS / 1e6:.0f} MB)")
    if not html.strip():
        return Article(text="")
    tree = _parse(html)
    text = main_text(html, url)
    return Article(
        text=text,
        title=page_title(tree) if tree is not None else None,
        published=page_published(tree) if tree is not None else None,
        canonical_url=declared_canonical(tree, url) if tree is not None else None,
    )


def main_text(html: str, url: str | None = None) -> str:
    """The article body as plain text: paragraphs on their own lines, mojibake repaired."""
    try:
        text = trafilatura.extract(
            html, url=url, include_comments=False, include_tables=True, deduplicate=False,
            favor_precision=False, output_format="txt", prune_xpath=PRUNE_XPATH,
        ) or ""
    except Exception as exc:  # trafilatura is robust, but a parser bug must not lose the page
        log.warning("trafilatura failed on %s: %s", url or "page", exc)
        text = ""
    if len(text) < MIN_MAIN_TEXT:
        text = rules_text(html) or text
    return tidy_text(text)


def tidy_text(text: str) -> str:
    """Repair mojibake and collapse runs of spaces; keep one line per block.

    >>> tidy_text("NHS Englandâ€™s  contract\\n\\n\\n  value")
    'NHS England’s contract\\nvalue'
    """
    text = ftfy.fix_encoding(text)
    lines = (_WS_LINE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# -- metadata -----------------------------------------------------------------------------


def _parse(html: str) -> lxml.html.HtmlElement | None:
    try:
        # lxml refuses str input carrying an XML encoding declaration; strip it.
        return lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", html, count=1))
    except (lxml.etree.ParserError, ValueError):
        return None


def _meta(tree, *names: str) -> str | None:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            for value in tree.xpath(f"//meta[@{attr}=$n]/@content", n=name):
                if value and value.strip():
                    return value.strip()
    return None


def page_title(tree) -> str | None:
    """``og:title``, else the first ``<h1>``, else ``<title>``."""
    title = _meta(tree, "og:title", "twitter:title")
    if not title:
        h1 = tree.xpath("//h1")
        title = h1[0].text_content() if h1 else None
    if not title:
        t = tree.xpath("//title")
        title = t[0].text_content() if t else None
    title = " ".join(title.split()) if title else None
    return title or None


def declared_canonical(tree, url: str | None = None) -> str | None:
    """``<link rel=canonical href>`` (else ``og:url``), absolute against ``url``."""
    for href in tree.xpath("//link[@href][contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"):
        if href.strip():
            return urljoin(url or "", href.strip())
    og = _meta(tree, "og:url")
    return urljoin(url or "", og) if og else None


def page_published(tree, today: dt.date | None = None) -> str | None:
    """The page's publication date (ISO), trying the sources in order of trust."""
    today = today or dt.date.today()
    candidates = [
        _meta(tree, "article:published_time", "og:article:published_time", "article.published",
              "datePublished", "publish-date", "DC.date.issued", "dcterms.created"),
        *_jsonld_dates(tree),
        *_time_dates(tree),
        *_classed_dates(tree),
    ]
    for value in candidates:
        date = parse_date(value, today=today)
        if date:
            return date
    scoped = tree.xpath("//article | //main")
    for root in [*scoped, tree.find("body")]:
        found = date_in_text(_visible_text(root), today=today) if root is not None else None
        if found:
            return found
    return None


def _jsonld_objects(data: Any) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _jsonld_objects(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in data:
                yield from _jsonld_objects(data[key])


def _jsonld_dates(tree) -> Iterator[str]:
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content() or "null")
        except ValueError:
            continue  # broken JSON-LD is common; the next source decides
        for obj in _jsonld_objects(data):
            value = obj.get("datePublished") or obj.get("dateCreated")
            if isinstance(value, str):
                yield value


def _time_dates(tree) -> Iterator[str]:
    scoped = tree.xpath("//article//time | //main//time")
    for node in [*scoped, *tree.xpath("//time")]:
        value = node.get("datetime") or node.text_content()
        if value:
            yield value


_DATE_CLASS = "contains(@class, 'date') or contains(@class, 'posted-on') or contains(@class, 'published')"


def _classed_dates(tree) -> Iterator[str]:
    # Inside the article first: a site header may carry today's date ("Tuesday, 20 May 2025").
    scoped = tree.xpath(f"//article//*[{_DATE_CLASS}] | //main//*[{_DATE_CLASS}]")
    for node in [*scoped, *tree.xpath(f"//body//*[{_DATE_CLASS}][not(self::script)]")][:40]:
        text = " ".join(node.text_content().split())
        if 0 < len(text) <= 80:  # a date line, not a container that happens to be classed so
            yield text


def _visible_text(root) -> str:
    parts = []
    for text in root.itertext():
        parent = getattr(text, "getparent", lambda: None)()
        if parent is not None and parent.tag in ("script", "style", "noscript"):
            continue
        parts.append(text)
    return " ".join(" ".join(parts).split())[:100_000]


_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
MONTHS.update({name[:3]: n for name, n in list(MONTHS.items())})
MONTHS["sept"] = 9
_MONTH = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
DATE_PATTERNS = [
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I),      # 24 May 2023
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I),                # May 24, 2023
    re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<mon>\d{2})-(?P<day>\d{2})\b"),  # 2023-05-24
    re.compile(r"\b(?P<day>\d{1,2})/(?P<mon>\d{1,2})/(?P<year>(?:19|20)\d{2})\b"),  # 24/05/2023 (UK order)
]
# A date in running text counts only after one of these cues, within a few words.
TEXT_CUE = re.compile(r"\b(posted|published|first published|date published|updated|on|date)\b\W*(?:\w+\W+){0,6}?$", re.I)


def _valid(year: int, month: int, day: int, today: dt.date) -> str | None:
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    if date.year < EARLIEST_YEAR or date > today + dt.timedelta(days=2):
        return None
    return date.isoformat()


def parse_date(value: str | None, *, today: dt.date | None = None) -> str | None:
    """An ISO date from a metadata value, or None for a placeholder or unreadable value.

    >>> parse_date("2019-11-19T09:44:09+00:00"), parse_date("0001-01-01T00:00:00Z")
    ('2019-11-19', None)
    >>> parse_date("Tue, 4 Mar 2025 10:00:00 GMT")
    '2025-03-04'
    """
    if not value or not isinstance(value, str):
        return None
    today = today or dt.date.today()
    m = _ISO.match(value)
    if m:
        return _valid(int(m[1]), int(m[2]), int(m[3]), today)
    return _date_from_match(value, today, anywhere=True)


def _date_from_match(text: str, today: dt.date, *, anywhere: bool) -> str | None:
    found = []
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            if not anywhere and not TEXT_CUE.search(text[max(0, m.start() - 60):m.start()]):
                continue
            mon = m["mon"]
            month = int(mon) if mon.isdigit() else MONTHS.get(mon.lower().rstrip("."), MONTHS.get(mon.lower()[:3]))
            iso = _valid(int(m["year"]), month, int(m["day"]), today) if month else None
            if iso:
                found.append((m.start(), iso))
                break
    return min(found)[1] if found else None


def date_in_text(text: str, *, today: dt.date | None = None) -> str | None:
    """The first date after a cue word ("Posted in News on May 24, 2023") in page text.

    >>> date_in_text("Home > News. Posted in News on May 24, 2023 by HCSA")
    '2023-05-24'
    >>> date_in_text("Copyright 2024. Call 0300 123 4567") is None
    True
    """
    return _date_from_match(text or "", today or dt.date.today(), anywhere=False)

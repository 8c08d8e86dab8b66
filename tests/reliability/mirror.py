"""A synthetic mirror of every source kind hjwatch reads, for the fault server and benchmarks.

The documents are written here, in our own words, modelled on the real kinds: OCDS release
packages as Find a Tender and Contracts Finder serve them (windowed by date, paged by a cursor
in ``links.next``), RSS 2.0 and Atom feeds whose items link to article pages, and watched index
pages that link to stories. Prison, trust and company names are real (facts); titles, figures
and prose are invented. Every document carries a unique key so a test can tell exactly which
ones were stored, lost or duplicated.

Example::

    >>> m = Mirror.build(notices_per_source=6, articles_per_feed=2, feeds=1, pages=1, stories_per_page=1)
    >>> len(m.releases["fts"]), len(m.articles)
    (6, 3)
    >>> m.releases["fts"][0]["tender"]["classification"]["id"]
    '85100000'
"""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass, field
from urllib.parse import quote

# Real establishments, trusts and providers (facts); used to make documents look like the field.
PRISONS = [
    "HMP Belmarsh", "HMP Thameside", "HMP Wandsworth", "HMP Pentonville", "HMP Brixton",
    "HMP Isis", "HMP Wormwood Scrubs", "HMP Bronzefield", "HMP Leeds", "HMP Manchester",
    "HMP Liverpool", "HMP Altcourse", "HMP Birmingham", "HMP Durham", "HMP Nottingham",
    "HMP Lewes", "HMP Exeter", "HMP Channings Wood", "HMP Bristol", "HMP Cardiff",
]
PROVIDERS = ["Practice Plus Group", "Oxleas NHS Foundation Trust", "Spectrum Community Health CIC",
             "Central and North West London NHS Foundation Trust", "Care UK"]

API_PATHS = {
    "fts": "/api/1.0/ocdsReleasePackages",
    "contracts_finder": "/Published/Notices/OCDS/Search",
}
# Find a Tender windows on the update date, Contracts Finder on the publication date.
WINDOW_PARAMS = {
    "fts": ("updatedFrom", "updatedTo"),
    "contracts_finder": ("publishedFrom", "publishedTo"),
}
OCID_PREFIX = {"fts": "ocds-h6vhtk-", "contracts_finder": "ocds-b5fd17-"}

FIRST_DAY = dt.datetime(2025, 1, 2, 9, 30, tzinfo=dt.timezone.utc)


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_when(value: str | None) -> dt.datetime | None:
    """Parse the API's window bounds leniently: ``2025-01-02``, ``…T10:00:00``, ``…Z``, ``+00:00``."""
    if not value:
        return None
    v = value.strip().replace(" ", "+")
    if v.endswith("Z"):
        v = v[:-1] + "+00:00"
    try:
        t = dt.datetime.fromisoformat(v)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t


def make_release(source: str, i: int, when: dt.datetime, *, relevant: bool = True) -> dict:
    """One OCDS release of our own writing; relevant ones are prison healthcare (CPV 85100000)."""
    prison = PRISONS[i % len(PRISONS)]
    provider = PROVIDERS[i % len(PROVIDERS)]
    value = 250_000 + 37_500 * i
    ocid = f"{OCID_PREFIX[source]}{source[:2]}{i:06d}"
    if relevant:
        title = f"Healthcare services at {prison} (ref {source[:2]}{i:06d})"
        description = (
            f"NHS England (Health and Justice) seeks a provider of integrated primary care, mental "
            f"health and substance misuse services at {prison}. The contract is for an initial term "
            f"of five years with the option to extend for up to two years. Estimated value "
            f"£{value:,}. Incumbent provider: {provider}."
        )
        cpv = {"scheme": "CPV", "id": "85100000", "description": "Health services"}
        buyer = "NHS England"
    else:
        title = f"Grounds maintenance, depot {i}"
        description = "Grass cutting and hedge trimming at council depots."
        cpv = {"scheme": "CPV", "id": "77314000", "description": "Grounds maintenance services"}
        buyer = "Example District Council"
    return {
        "ocid": ocid,
        "id": f"{ocid}-{i:06d}-r1",
        "date": iso(when),
        "tag": ["tender"] if i % 2 else ["award"],
        "initiationType": "tender",
        "buyer": {"id": "GB-NHS-ENG", "name": buyer},
        "parties": [
            {"id": "GB-NHS-ENG", "name": buyer, "roles": ["buyer"]},
            {"id": f"GB-SUP-{i}", "name": provider, "roles": ["supplier"]},
        ],
        "tender": {
            "id": f"HJ-{i:06d}",
            "title": title,
            "description": description,
            "status": "active",
            "classification": cpv,
            "mainProcurementCategory": "services",
            "value": {"amount": value, "currency": "GBP"},
            "contractPeriod": {"startDate": "2026-04-01T00:00:00Z", "endDate": "2031-03-31T23:59:59Z"},
        },
    }


@dataclass
class Article:
    """A news story or case study: served as HTML, listed by a feed or a watched index page."""

    slug: str
    path: str
    title: str
    published: dt.datetime
    paragraphs: list[str]

    def html(self, base: str) -> str:
        url = base + self.path
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs)
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(self.title)} | Example Health News</title>"
            f"<link rel=\"canonical\" href=\"{html.escape(url)}\">"
            f"<meta property=\"article:published_time\" content=\"{iso(self.published)}\">"
            "</head><body>"
            "<nav><a href=\"/\">Home</a> <a href=\"/news/\">News</a> <a href=\"/about/\">About us</a></nav>"
            "<div class=\"cookie-banner\">We use cookies to improve this site. Accept all cookies.</div>"
            f"<main><article><h1>{html.escape(self.title)}</h1>"
            f"<time datetime=\"{self.published.date().isoformat()}\">{self.published:%d %B %Y}</time>"
            f"{body}</article></main>"
            "<aside class=\"related\"><h2>Related stories</h2><a href=\"/news/\">More news</a></aside>"
            "<footer>Example Health News, 1 Example Street. Sign up to our newsletter.</footer>"
            "</body></html>\n"
        )


def make_article(slug: str, path: str, i: int, when: dt.datetime) -> Article:
    prison = PRISONS[(i * 3) % len(PRISONS)]
    provider = PROVIDERS[i % len(PROVIDERS)]
    value = 2 + (i % 9)
    title = f"{provider} to run healthcare at {prison} in £{value}m deal ({slug})"
    paragraphs = [
        f"{provider} has been awarded a contract worth £{value}m to provide healthcare services at "
        f"{prison}, NHS England has confirmed.",
        f"The seven-year contract covers primary care, mental health and substance misuse services "
        f"for people in custody and starts in April 2026.",
        f"A spokesperson for NHS England said the new service would improve continuity of care for "
        f"people leaving {prison}. Story reference {slug}.",
    ]
    return Article(slug=slug, path=path, title=title, published=when, paragraphs=paragraphs)


@dataclass
class Feed:
    name: str
    path: str
    flavour: str  # "rss" or "atom"
    articles: list[Article] = field(default_factory=list)

    def render(self, base: str) -> str:
        if self.flavour == "atom":
            entries = "".join(
                "<entry>"
                f"<title>{html.escape(a.title)}</title>"
                f"<link rel=\"alternate\" href=\"{html.escape(base + a.path)}\"/>"
                f"<id>{html.escape(base + a.path)}</id>"
                f"<updated>{iso(a.published)}</updated><published>{iso(a.published)}</published>"
                f"<summary>{html.escape(a.paragraphs[0])}</summary>"
                "</entry>"
                for a in self.articles
            )
            return (
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
                f"<title>Example Health News ({self.name})</title>"
                f"<link rel=\"self\" href=\"{html.escape(base + self.path)}\"/>"
                f"<id>{html.escape(base + self.path)}</id><updated>{iso(FIRST_DAY)}</updated>"
                f"{entries}</feed>\n"
            )
        items = "".join(
            "<item>"
            f"<title>{html.escape(a.title)}</title>"
            f"<link>{html.escape(base + a.path)}?at_medium=RSS&amp;at_campaign=hjwatch</link>"
            f"<guid isPermaLink=\"false\">{html.escape(a.slug)}</guid>"
            f"<pubDate>{a.published:%a, %d %b %Y %H:%M:%S} GMT</pubDate>"
            f"<description>{html.escape(a.paragraphs[0])}</description>"
            "</item>"
            for a in self.articles
        )
        return (
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<rss version=\"2.0\"><channel>"
            f"<title>Example Health News ({self.name})</title>"
            f"<link>{html.escape(base)}/</link><description>Prison healthcare news</description>"
            f"{items}</channel></rss>\n"
        )


@dataclass
class WatchedPage:
    name: str
    path: str
    stories: list[Article] = field(default_factory=list)

    def render(self, base: str) -> str:
        links = "".join(
            f"<li><a href=\"{html.escape(s.path)}\">{html.escape(s.title)}</a></li>" for s in self.stories
        )
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Case studies ({html.escape(self.name)})</title></head><body>"
            "<nav><a href=\"/\">Home</a></nav>"
            f"<main><h1>Case studies</h1><p>Our work in health and justice.</p><ul>{links}</ul></main>"
            "<footer>Example Commissioning Support Unit</footer></body></html>\n"
        )


@dataclass
class Mirror:
    """Everything the loopback server can serve; pure data, no I/O."""

    releases: dict[str, list[dict]]
    feeds: list[Feed]
    pages: list[WatchedPage]
    page_size: int = 3

    @property
    def articles(self) -> list[Article]:
        out = [a for f in self.feeds for a in f.articles]
        out += [s for p in self.pages for s in p.stories]
        return out

    @classmethod
    def build(
        cls,
        *,
        notices_per_source: int = 30,
        articles_per_feed: int = 3,
        feeds: int = 2,
        pages: int = 1,
        stories_per_page: int = 2,
        page_size: int = 3,
        irrelevant_every: int = 0,
        sources: tuple[str, ...] = ("fts", "contracts_finder"),
        start: dt.datetime = FIRST_DAY,
        spacing: dt.timedelta = dt.timedelta(hours=9),
    ) -> "Mirror":
        releases = {}
        for source in sources:
            releases[source] = [
                make_release(source, i, start + i * spacing,
                             relevant=not (irrelevant_every and i % irrelevant_every == irrelevant_every - 1))
                for i in range(notices_per_source)
            ]
        feed_list = []
        n = 0
        for f in range(feeds):
            feed = Feed(name=f"feed{f}", path=f"/feeds/feed{f}.{'atom' if f % 2 else 'xml'}",
                        flavour="atom" if f % 2 else "rss")
            for _ in range(articles_per_feed):
                slug = f"story-{n:05d}"
                feed.articles.append(make_article(slug, f"/news/2025/{slug}", n, start + n * spacing))
                n += 1
            feed_list.append(feed)
        page_list = []
        for p in range(pages):
            page = WatchedPage(name=f"cs{p}", path=f"/case-studies-{p}/")
            for _ in range(stories_per_page):
                slug = f"case-{n:05d}"
                # A three-word slug: what the page spider takes for a story link.
                path = f"/case-studies-{p}/improving-prison-healthcare-{slug}/"
                page.stories.append(make_article(slug, path, n, start + n * spacing))
                n += 1
            page_list.append(page)
        return cls(releases=releases, feeds=feed_list, pages=page_list, page_size=page_size)

    # --- the OCDS APIs -------------------------------------------------------------------

    def window(self, source: str, query: dict[str, str]) -> tuple[list[dict], int, dict[str, str]]:
        """The releases of one API page: (page releases, offset, query for the next page).

        A ``cursor`` (ours: ``offset~from~to``) wins over the window parameters, as on the real
        APIs, whose ``links.next`` carries the cursor and repeats the window.
        """
        lo_key, hi_key = WINDOW_PARAMS[source]
        offset = 0
        lo, hi = query.get(lo_key), query.get(hi_key)
        if query.get("cursor"):
            parts = query["cursor"].split("~")
            try:
                offset = int(parts[0])
            except ValueError:
                offset = 0
            if len(parts) == 3:
                lo, hi = parts[1] or None, parts[2] or None
        t_lo, t_hi = parse_when(lo), parse_when(hi)
        selected = []
        for r in self.releases.get(source, []):
            t = parse_when(r["date"])
            if t_lo and t < t_lo:
                continue
            if t_hi and t > t_hi:
                continue
            selected.append(r)
        page = selected[offset: offset + self.page_size]
        nxt = {}
        if offset + self.page_size < len(selected):
            nxt = {"cursor": f"{offset + self.page_size}~{lo or ''}~{hi or ''}", "limit": query.get("limit", "100")}
            if lo:
                nxt[lo_key] = lo
            if hi:
                nxt[hi_key] = hi
        return page, offset, nxt

    def package(self, source: str, base: str, query: dict[str, str]) -> tuple[dict, list[dict]]:
        page, _offset, nxt = self.window(source, query)
        path = API_PATHS[source]
        pkg = {
            "uri": base + path,
            "version": "1.1",
            "publishedDate": iso(FIRST_DAY),
            "publisher": {"name": "Cabinet Office", "scheme": "GB-GOR", "uid": "D2"},
            "license": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            "releases": page,
        }
        if nxt:
            qs = "&".join(f"{k}={quote(v, safe='')}" for k, v in nxt.items())
            pkg["links"] = {"next": f"{base}{path}?{qs}"}
        return pkg, page

    # --- expectations ---------------------------------------------------------------------

    def expected_keys(self) -> dict[str, set[str]]:
        """What a complete crawl must store: ocids per OCDS source, article paths for news/pages."""
        out = {s: {r["ocid"] for r in rs} for s, rs in self.releases.items()}
        out["news"] = {a.path for f in self.feeds for a in f.articles}
        out["pages"] = {s.path for p in self.pages for s in p.stories}
        return out


def dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")

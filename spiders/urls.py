"""Canonical article URLs: one story, one key, however it was linked to.

Feeds and share buttons decorate links with click-tracking parameters (BBC ``at_medium=RSS``,
Google ``utm_*``, MSN ``srcref=rss``, Science ``?rss=1``, heise ``/from/rss``). Left in place they
would make the same article look new on every crawl, so the spiders request and store the
cleaned URL, and prefer a page's own ``<link rel=canonical>`` when it names the same site.

Examples::

    >>> clean_url("https://www.bbc.co.uk/news/uk-england-kent-123?at_medium=RSS&at_campaign=KARANGA")
    'https://www.bbc.co.uk/news/uk-england-kent-123'
    >>> clean_url("HTTPS://WWW.Example.org:443/a/b/?utm_source=x&id=7#comments")
    'https://www.example.org/a/b/?id=7'
    >>> clean_url("http://www.h-online.com/security/news/item/Patch-Day-1/from/rss")
    'http://www.h-online.com/security/news/item/Patch-Day-1'
    >>> canonical_url("https://a.example/x?utm_medium=email", "/story/x")
    'https://a.example/story/x'
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only say how a reader arrived, never which page they get.
# Kept as data so a new tracker is one line; matched case-insensitively.
TRACKING_PARAMS = frozenset(
    {
        "at_medium", "at_campaign", "at_link_id", "at_link_type", "at_link_origin", "at_format",
        "at_bbc_team", "at_ptr_name", "at_ptr_type", "at_custom1", "at_custom2", "at_custom3",
        "at_custom4", "at_objectid",  # BBC's AT Internet analytics
        "srcref",  # MSN syndication
        "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "_gl", "igshid",
        "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",  # old BBC/Comscore
        "cmp", "cmpid", "itm_source", "itm_medium", "itm_campaign", "itm_content",
        "xtor", "ito", "ref_src",
    }
)
TRACKING_PREFIXES = ("utm_", "at_")
# ``?rss=1`` (Science, many publishers) marks the feed as referrer; ``rss=`` with another value
# may select content, so only these values are dropped.
FEED_MARKERS = {"rss": {"1", "true", "yes"}, "from": {"rss", "feed"}}
# Path suffixes some CMSs append for the same purpose (heise: ``.../from/rss``).
_PATH_SUFFIX = re.compile(r"/from/(rss|atom|feed)/?$", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str, value: str) -> bool:
    low = name.lower()
    if low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES):
        return True
    return value.lower() in FEED_MARKERS.get(low, ())


def clean_url(url: str) -> str:
    """Normalise ``url`` and strip tracking parameters, fragments and feed markers.

    Scheme and host are lower-cased, default ports dropped, the remaining query parameters
    kept in their original order (order can matter to a CMS; duplicates are rare enough).
    A URL that is not http(s) is returned stripped of whitespace only.
    """
    url = (url or "").strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if parts.port and parts.port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{parts.port}"
    path = _PATH_SUFFIX.sub("", parts.path) or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k, v)]
    return urlunsplit((scheme, host, path, urlencode(query, doseq=True), ""))


def site_of(url: str) -> str:
    """The host of ``url`` without a leading ``www.``: the unit of "same site".

    >>> site_of("https://www.england.nhs.uk/south/")
    'england.nhs.uk'
    """
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def same_site(a: str, b: str) -> bool:
    """True when both URLs are on the same host (ignoring ``www.``)."""
    return bool(site_of(a)) and site_of(a) == site_of(b)


def canonical_url(fetched_url: str, declared: str | None = None) -> str:
    """The article's canonical URL: the page's declared canonical if it is on the same site.

    ``declared`` is the ``<link rel=canonical>`` (or ``og:url``) value, possibly relative.
    A canonical on another site (MSN pointing at nbcnews.com) is not adopted: the copy we
    fetched is a different document on a different site, and linking the two is the
    near-duplicate detector's job, not the URL's.

    >>> canonical_url("https://www.msn.com/en-us/news/a?srcref=rss", "https://www.nbcnews.com/health/a")
    'https://www.msn.com/en-us/news/a'
    >>> canonical_url("https://example.org/p?id=1", "javascript:void(0)")
    'https://example.org/p?id=1'
    """
    base = clean_url(fetched_url)
    if declared and declared.strip():
        candidate = clean_url(urljoin(fetched_url, declared.strip()))
        if urlsplit(candidate).scheme in _DEFAULT_PORTS and same_site(candidate, base):
            return candidate
    return base

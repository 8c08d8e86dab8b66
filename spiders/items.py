"""What spiders yield: one ``RawDocument`` per fetched notice release or article page.

Spiders only fetch and describe; the item pipeline (``pipeline/store.py``) turns the raw body
into text, runs the extractor and stores everything through ``db``.
"""

from __future__ import annotations

import scrapy


class RawDocument(scrapy.Item):
    # Identity
    source = scrapy.Field()          # "fts", "contracts_finder", or the news feed's / page's host
    kind = scrapy.Field()            # "notice" or "news"
    key = scrapy.Field()             # stable identity within the source: OCDS release id, or canonical URL
    url = scrapy.Field()             # URL to show users: notice page containing the ocid, or the canonical article URL
    canonical_url = scrapy.Field()   # canonical URL (tracking parameters removed); equals url for news
    fetched_url = scrapy.Field()     # the URL actually requested
    # Content
    title = scrapy.Field()           # notice: release tender.title; news: feed item title (or page title)
    published = scrapy.Field()       # ISO date "YYYY-MM-DD" or None
    fetched_at = scrapy.Field()      # ISO datetime (UTC) of the fetch
    body = scrapy.Field()            # raw bytes as fetched (for a notice: the release JSON, UTF-8)
    content_type = scrapy.Field()    # e.g. "application/json", "text/html; charset=utf-8"
    text = scrapy.Field()            # plain text the extractor reads (mojibake repaired), offsets refer to it
    # Kind-specific
    release = scrapy.Field()         # notice: the OCDS release as a dict (parsed, as received)
    notice = scrapy.Field()          # notice: mapped fields (ocid, release_id, tag, notice_type, buyer, suppliers, value...)
    structured = scrapy.Field()      # notice: partial extraction record from OCDS fields, merged over the extractor's
    feed = scrapy.Field()            # news: {"feed_url", "title", "link", "published", "summary"} of the feed item
    meta = scrapy.Field()            # anything else worth keeping (HTTP status, etag, last-modified, watched page URL)

"""News feeds: every item of each configured RSS/Atom feed, followed to its article page.

Domain
    Any: the feeds listed in ``[sources.news] feeds`` (defaults in ``hjwatch/config.py``:
    NHS England news, BBC Health and England feeds, Inside Time, HCSA news).
Spider arguments
    ``feeds``: comma-separated feed URLs, replacing the configured list
    (``scrapy crawl news -a feeds=https://www.england.nhs.uk/feed/``).
API documentation
    RSS 2.0 https://www.rssboard.org/rss-specification; Atom RFC 4287; RSS 1.0
    https://web.resource.org/rss/1.0/spec. Parsed by feedparser.
Rate limit
    None published by these sites; one request at a time per site, 2 s apart, robots.txt obeyed.
"""

from hjwatch.spiders.web import FeedSpider


class NewsSpider(FeedSpider):
    name = "news"

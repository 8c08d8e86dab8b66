"""GOV.UK site search: announcements about healthcare in prisons and other secure settings
(Ministry of Justice, HMPPS, DHSC, NHS England, inspectorates), each result followed to its
GOV.UK page.

Domain
    www.gov.uk (``[sources.govuk] base_url``, default ``https://www.gov.uk``).
Spider arguments
    ``queries``: comma-separated search terms, replacing the configured ``queries``.
API documentation
    https://docs.publishing.service.gov.uk/repos/search-api/using-the-search-api.html
    (``GET /api/search.json?q=...&count=...&order=-public_timestamp&fields=...``).
Rate limit
    None published for the search API; one request at a time, 2 s apart, like the other web
    sources. GOV.UK's robots.txt allows /api/search.json and content pages.

Not a default source (the built-in ``news`` feeds include GOV.UK's Atom search feed for
"prison healthcare"); enable it with a ``[sources.govuk]`` table::

    [sources.govuk]
    queries = ["prison healthcare", "health and justice", "immigration removal centre healthcare"]
"""

from __future__ import annotations

import json
from urllib.parse import urlencode, urljoin, urlsplit

from hjwatch.extractors.text import parse_date
from hjwatch.spiders.urls import clean_url
from hjwatch.spiders.web import FeedSpider, as_list

DEFAULT_BASE = "https://www.gov.uk"
DEFAULT_QUERIES = ("prison healthcare", "health and justice")
# The API's maximum is far higher, but the newest 50 per query cover a night's announcements.
PAGE_SIZE = 50
FIELDS = "title,link,description,public_timestamp,format,organisations"


class GovukSearchSpider(FeedSpider):
    name = "govuk"
    config_key = "queries"

    def search_url(self, base: str, query: str) -> str:
        """The search API request for ``query``, newest first.

        >>> GovukSearchSpider().search_url("https://www.gov.uk", "prison healthcare")
        'https://www.gov.uk/api/search.json?q=prison+healthcare&count=50&order=-public_timestamp&fields=title%2Clink%2Cdescription%2Cpublic_timestamp%2Cformat%2Corganisations'
        """
        params = {"q": query, "count": PAGE_SIZE, "order": "-public_timestamp", "fields": FIELDS}
        return f"{base.rstrip('/')}/api/search.json?{urlencode(params)}"

    def first_requests(self):
        table = self.source_config()
        base = str(table.get("base_url") or DEFAULT_BASE)
        for query in as_list(table.get("queries")) or list(DEFAULT_QUERIES):
            url = self.search_url(base, str(query))
            yield self.conditional_request(url, self.parse_search, cb_kwargs={"query": str(query), "base": base})

    def parse_search(self, response, query: str, base: str):
        if response.status == 304:
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/not_modified")
            return
        try:
            results = json.loads(response.text)["results"]
            if not isinstance(results, list):
                raise TypeError("results is not a list")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.logger.error("%s: skipped search %r: not a search API response (%s)", self.name, query, exc)
            self.crawler.stats.inc_value(f"hjwatch/{self.name}/errors")
            return
        since = self.settings.get("HJWATCH_SINCE")
        for result in results:
            if not isinstance(result, dict) or not result.get("link"):
                continue
            published = parse_date(result.get("public_timestamp"))
            if since and published and published < since:
                continue
            link = urljoin(base.rstrip("/") + "/", str(result["link"]).lstrip("/"))
            feed = {"feed_url": response.url, "title": " ".join(str(result.get("title") or "").split()) or None,
                    "link": link, "published": published, "summary": result.get("description") or ""}
            if clean_url(link) in self._followed:  # found by an earlier query of this run
                continue
            self._followed.add(clean_url(link))
            yield self.conditional_request(clean_url(link), self.parse_article,
                                           cb_kwargs={"source": (urlsplit(base).hostname or "").lower(), "feed": feed},
                                           meta={"hj_feed": response.url})


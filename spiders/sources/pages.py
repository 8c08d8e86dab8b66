"""Watched pages: pages without a feed (case-study lists, NHS England regional Health and
Justice pages, a union's news list), re-read each run; a revision is stored when their main
text changes, and links on them that look like stories on the same site are followed.

Domain
    Any: the pages listed in ``[sources.pages] urls`` (defaults in ``hjwatch/config.py``:
    NECS and SCW case studies, NHS England Health and Justice pages, HCSA news).
Spider arguments
    ``urls``: comma-separated page URLs, replacing the configured list.
API documentation
    None: ordinary web pages, read with trafilatura and a rule-based fallback.
Rate limit
    None published; one request at a time per site, 2 s apart, robots.txt obeyed,
    conditional GET (ETag / Last-Modified) so an unchanged page costs a 304.
"""

from hjwatch.spiders.web import PageWatchSpider


class PagesSpider(PageWatchSpider):
    name = "pages"

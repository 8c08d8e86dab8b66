"""Contracts Finder: English public contracts over £12,000 (£30,000 for central government)."""

import re

from hjwatch.spiders.ocds import OcdsApiSpider


class ContractsFinderSpider(OcdsApiSpider):
    """
    Domain
      Contracts Finder, https://www.contractsfinder.service.gov.uk: lower-value English notices
      (prison healthcare sub-contracts, local authority and police custody health services),
      and many above-threshold ones mirrored from Find a Tender.
    Spider arguments
      since
        Backfill from this date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ss, UTC) whatever the stored
        cursor says. Without it: the cursor, or ``[crawl] since`` on the first run.
      until
        Stop at this date-time (default: now).
      base_url
        Site root (default ``[sources.contracts_finder] base_url``), for a local mirror.
    API documentation
      https://www.contractsfinder.service.gov.uk/apidocumentation/Notices/1/GET-Published-Notice-OCDS-Search
      ``GET /Published/Notices/OCDS/Search?publishedFrom=...&publishedTo=...&limit=100
      [&stages=...][&cursor=...]``: an OCDS release package, paged by the ``cursor`` in
      ``links.next``. ``stages`` is sent only when ``[sources.contracts_finder] stages`` is set:
      without it the API returns every stage (planning, tender, award, amendments).
      The responses declare ISO-8859-1 but carry UTF-8, and some text was double-encoded before
      it reached the API ("Â£", "â€™"): bodies are read as UTF-8, the raw bytes are kept, and
      the text given to the extractor is repaired with ftfy.
    Rate limit
      Undocumented. The API answers HTTP 403 for "too many requests", and its documentation
      says no further requests are served until after 5 minutes. So: one request at a time,
      5 s apart; a 403 waits 5 minutes (``[sources.contracts_finder] retry_wait``, seconds),
      doubling on each further 403, up to 5 attempts. 429 and 503 honour ``Retry-After``.
    """

    name = "contracts_finder"
    api_path = "/Published/Notices/OCDS/Search"
    default_base_url = "https://www.contractsfinder.service.gov.uk"
    from_param = "publishedFrom"
    to_param = "publishedTo"
    limit = 100
    window_days = 1.0
    # Rough figure for dry-run estimates only: the recorded real page of 100 releases spans
    # about 7 hours of one evening, so a few hundred a day.
    expected_releases_per_day = 500
    # 403 is this API's "too many requests".
    retry_http_codes = (403, 429, 503)
    retry_wait = 300.0
    record_url_template = "{base_url}/Published/OCDS/Record/{ocid}"
    notice_url_template = "{base_url}/Notice/{notice_id}"

    custom_settings = {
        **OcdsApiSpider.custom_settings,
        # The "too many requests" logic is unpredictable: one request at a time, 5 s apart.
        "DOWNLOAD_DELAY": 5,
        "CONCURRENT_REQUESTS": 1,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "AUTOTHROTTLE_START_DELAY": 5,
    }

    def notice_id(self, release):
        # Release ids are "<notice id>-<sequence>"; the public page is /Notice/<notice id>.
        rid = str(release.get("id"))
        match = re.match(r"^([0-9a-fA-F-]{36})-\d+$", rid)
        return match.group(1) if match else rid

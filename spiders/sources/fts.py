"""Find a Tender (FTS): every above-threshold UK public procurement notice, as OCDS releases."""

from hjwatch.spiders.ocds import OcdsApiSpider


class FindATenderSpider(OcdsApiSpider):
    """
    Domain
      Find a Tender Service (FTS), https://www.find-tender.service.gov.uk: above-threshold
      notices, including NHS England's Health and Justice procurements (Procurement Act 2023
      UK1-UK17 notices, Provider Selection Regime notices, and legacy F-forms before 24 Feb 2025).
    Spider arguments
      since
        Backfill from this date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ss, UTC) whatever the stored
        cursor says. Without it: the cursor, or ``[crawl] since`` on the first run.
      until
        Stop at this date-time (default: now).
      base_url
        Site root (default ``[sources.fts] base_url``), for a local mirror.
    API documentation
      https://www.find-tender.service.gov.uk/apidocumentation/1.0/GET-ocdsReleasePackages
      ``GET /api/1.0/ocdsReleasePackages?updatedFrom=...&updatedTo=...&limit=100[&stages=...]
      [&cursor=...]``. An OCDS release package; ``links.next`` carries the next page's
      ``cursor`` until the last page. Unknown parameters are rejected with HTTP 400 (which names
      the allowed ones: stages, limit, cursor, updatedFrom, updatedTo), so nothing else is sent.
      ``stages`` is not sent by default: planning, tender and award notices all matter here;
      set ``[sources.fts] stages`` to narrow it.
    Rate limit
      The service sits behind a firewall that allows only a few requests a minute per address
      and answers HTTP 429 with ``Retry-After`` beyond that (kingfisher-collect saw "12 request
      limit in 2 minute exceeded"). So: one request at a time, 10 s apart, no random shortening
      of the delay; 429 and 503 wait for ``Retry-After`` (spiders/middlewares.py).
    """

    name = "fts"
    api_path = "/api/1.0/ocdsReleasePackages"
    default_base_url = "https://www.find-tender.service.gov.uk"
    from_param = "updatedFrom"
    to_param = "updatedTo"
    limit = 100
    # One day per window: a nightly run is one or two windows; a killed run redoes at most a day.
    window_days = 1.0
    # Rough figure for dry-run estimates only (several hundred notices a working day).
    expected_releases_per_day = 600
    retry_http_codes = (429, 503)
    # Without Retry-After, wait out the firewall's two-minute counting period.
    retry_wait = 120.0
    record_url_template = "{base_url}/api/1.0/ocdsRecordPackages/{ocid}"
    notice_url_template = "{base_url}/Notice/{release_id}"

    custom_settings = {
        **OcdsApiSpider.custom_settings,
        # 12 requests in 2 minutes is the firewall's limit: 10 s apart stays under it.
        "DOWNLOAD_DELAY": 10,
        # A jittered delay can drop to 5 s and trip the limit: exactly 10 s.
        "DOWNLOAD_DELAY_JITTER": 0,
        # One request at a time: the limit is per address, not per connection.
        "CONCURRENT_REQUESTS": 1,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "AUTOTHROTTLE_START_DELAY": 10,
    }

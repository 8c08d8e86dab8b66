"""Scrapy settings for hjwatch: polite by default, each non-default with its reason.

``[scrapy]`` in hjwatch.toml overrides any of these (for example ``DOWNLOAD_DELAY = 0`` for a
local mirror); per-source politeness lives in each spider's ``custom_settings``.
"""

import os as _os

from hjwatch.config import USER_AGENT as _UA

BOT_NAME = "hjwatch"
SPIDER_MODULES = ["hjwatch.spiders.sources"]
NEWSPIDER_MODULE = "hjwatch.spiders.sources"

# Identify ourselves and say where to read about us: public-sector sites ask for this.
USER_AGENT = _UA
# Web pages: obey robots.txt. (The OCDS APIs are documented for machine use.)
ROBOTSTXT_OBEY = True

# One request at a time per site: these are public services, not CDNs.
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2
# Vary each delay by ±50% (Scrapy's default jitter, spelled out): fixed intervals look robotic.
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2
AUTOTHROTTLE_MAX_DELAY = 60
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# A slow server should not stall a nightly run for minutes.
DOWNLOAD_TIMEOUT = 60
# Articles and notice pages are far below this; a larger body is not what we are after
# (and a 50 MB body must not fill memory).
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024

# Stop a spider that keeps failing rather than hammering a broken source.
CLOSESPIDER_ERRORCOUNT = 20

# HTTP errors in one place (spiders/middlewares.py). Scrapy's stock retry ignores Retry-After
# (scrapy/scrapy#3849) and would hit a rate-limited API again at once, so 429 and 503 are taken
# out of its list and handled by HttpErrorMiddleware, which waits as asked. The stock retry
# keeps the transient server errors and network failures.
RETRY_HTTP_CODES = [500, 502, 504, 522, 524, 408]
RETRY_TIMES = 2
DOWNLOADER_MIDDLEWARES = {
    # process_request runs in ascending order: wait before anything else touches the request.
    "hjwatch.spiders.middlewares.DelayedRequestMiddleware": 50,
    # process_response runs in descending order: after decompression (590) and after the stock
    # retry (550), so a 500 is logged once, when the stock retries are used up, with its
    # decoded body.
    "hjwatch.spiders.middlewares.HttpErrorMiddleware": 540,
}
# The longest single wait a server can impose on us (seconds); tests lower it to about 1 s.
HJWATCH_MAX_WAIT = 900
# Attempts per request (the first included) for "slow down" statuses, unless a spider says.
HJWATCH_MAX_ATTEMPTS = 5

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
# No library-version dump at the start of every crawl: `hjwatch crawl` output stays readable
# (`scrapy version -v` prints them when needed).
LOG_VERSIONS: list[str] = []

# `scrapy crawl fts` from the repository root stores like `hjwatch crawl fts` does:
# `pipeline/crawl.py` sets these per run; these are the stand-alone defaults.
HJWATCH_DB = _os.environ.get("HJWATCH_DB", "hjwatch.db")
ITEM_PIPELINES = {"hjwatch.pipeline.store.StorePipeline": 300}

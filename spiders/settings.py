"""Scrapy settings for hjwatch: polite by default, each non-default with its reason.

``[scrapy]`` in hjwatch.toml overrides any of these (for example ``DOWNLOAD_DELAY = 0`` for a
local mirror); per-source politeness lives in each spider's ``custom_settings``.
"""

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
RANDOMIZE_DOWNLOAD_DELAY = True
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

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

"""Every spider the project's spider loader finds: documented, polite, identifiable."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from hjwatch.config import USER_AGENT
from hjwatch.spiders.ocds import OcdsApiSpider

ROOT = Path(__file__).resolve().parents[2]
settings = Settings()
settings.setmodule("hjwatch.spiders.settings")
loader = SpiderLoader.from_settings(settings)
NAMES = loader.list()
HEADINGS = ("Domain", "Spider arguments", "API documentation", "Rate limit")


def docs(spidercls) -> str:
    """A spider's documentation: its class docstring, or its module's (either style is used)."""
    return (inspect.getdoc(spidercls) or "") + "\n" + (sys.modules[spidercls.__module__].__doc__ or "")


def test_the_four_sources_are_there():
    assert {"fts", "contracts_finder", "news", "pages"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("heading", HEADINGS)
def test_docstring_has_heading(name, heading):
    lines = [line.strip() for line in docs(loader.load(name)).splitlines()]
    assert heading in lines, f'{name}: missing term: "{heading}"'


@pytest.mark.parametrize("name", NAMES)
def test_declares_what_to_retry(name):
    spidercls = loader.load(name)
    assert 429 in spidercls.retry_http_codes
    assert spidercls.retry_wait > 0


@pytest.mark.parametrize("name", [n for n in NAMES if issubclass(loader.load(n), OcdsApiSpider)])
def test_ocds_sources_wait_between_requests(name):
    custom = loader.load(name).custom_settings
    assert custom["DOWNLOAD_DELAY"] >= 5
    assert custom["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1


@pytest.mark.parametrize("name", [n for n in NAMES if issubclass(loader.load(n), OcdsApiSpider)])
def test_ocds_sources_declare_their_api(name):
    spidercls = loader.load(name)
    assert spidercls.api_path.startswith("/") and spidercls.default_base_url.startswith("https://")
    assert "{ocid}" in spidercls.record_url_template


def test_user_agent_identifies_us():
    assert settings.get("USER_AGENT") == USER_AGENT
    assert "Scrapy" not in settings.get("USER_AGENT") and "+https://" in settings.get("USER_AGENT")


def test_stock_retry_leaves_429_and_503_to_our_middleware():
    assert not {429, 503} & set(settings.getlist("RETRY_HTTP_CODES"))
    assert "hjwatch.spiders.middlewares.HttpErrorMiddleware" in settings.getdict("DOWNLOADER_MIDDLEWARES")


def test_scrapy_list_from_the_repository_root():
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert set(out.stdout.split()) >= {"fts", "contracts_finder"}

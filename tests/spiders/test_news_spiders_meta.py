"""The web spiders are found by Scrapy under their source names and document themselves
(kingfisher-collect style headings), and their politeness comes from the project settings."""

import pytest
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

HEADINGS = ("Domain", "Spider arguments", "API documentation", "Rate limit")


@pytest.fixture(scope="module")
def loader():
    settings = Settings()
    settings.setmodule("hjwatch.spiders.settings", priority="project")
    return SpiderLoader.from_settings(settings)


@pytest.mark.parametrize("name", ["news", "pages", "govuk"])
def test_spider_registered(loader, name):
    assert loader.load(name).name == name


@pytest.mark.parametrize("name", ["news", "pages", "govuk"])
@pytest.mark.parametrize("heading", HEADINGS)
def test_module_docstring_has_heading(loader, name, heading):
    import sys
    doc = sys.modules[loader.load(name).__module__].__doc__ or ""
    assert f"\n{heading}\n" in doc


@pytest.mark.parametrize("name", ["news", "pages", "govuk"])
def test_no_custom_settings_that_would_outrank_scrapy_overrides(loader, name):
    # [scrapy] DOWNLOAD_DELAY = 0 (a local mirror) must win; robots.txt and delays come from
    # spiders/settings.py.
    assert not loader.load(name).custom_settings


def test_project_settings_are_polite():
    settings = Settings()
    settings.setmodule("hjwatch.spiders.settings", priority="project")
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1
    assert settings.get("USER_AGENT").startswith("hjwatch/")

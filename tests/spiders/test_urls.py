"""Canonical URLs (spiders/urls.py): tracking parameters out, same story same key."""

import pytest

from hjwatch.spiders.urls import canonical_url, clean_url, same_site, site_of


@pytest.mark.parametrize("dirty,clean", [
    # BBC feed links (shared bbc_news_rss_sample.xml carries these exact parameters)
    ("http://www.bbc.co.uk/news/uk-46286446?at_medium=RSS&at_campaign=KARANGA",
     "http://www.bbc.co.uk/news/uk-46286446"),
    # WordPress feeds with Yoast/Jetpack UTM tags
    ("https://www.england.nhs.uk/2025/03/story/?utm_source=rss&utm_medium=rss&utm_campaign=story",
     "https://www.england.nhs.uk/2025/03/story/"),
    # Science RSS 1.0 items
    ("http://science.sciencemag.org/content/356/6342/1032.2?rss=1",
     "http://science.sciencemag.org/content/356/6342/1032.2"),
    # MSN syndication
    ("https://www.msn.com/en-us/health/article/ar-BBX1?srcref=rss", "https://www.msn.com/en-us/health/article/ar-BBX1"),
    # heise / The H Atom feed
    ("http://www.h-online.com/open/news/item/Firefox-3-5-1-745633.html/from/rss",
     "http://www.h-online.com/open/news/item/Firefox-3-5-1-745633.html"),
    ("https://example.org/a#comments", "https://example.org/a"),
    ("HTTPS://Example.ORG:443/a", "https://example.org/a"),
    ("http://example.org:8080/a", "http://example.org:8080/a"),
    ("https://example.org", "https://example.org/"),
    ("https://example.org/a?fbclid=x&gclid=y", "https://example.org/a"),
])
def test_clean_url(dirty, clean):
    assert clean_url(dirty) == clean


def test_clean_url_keeps_content_parameters_in_order():
    assert clean_url("https://example.org/?p=123&utm_source=x&page=2") == "https://example.org/?p=123&page=2"


def test_clean_url_keeps_rss_parameter_that_selects_content():
    assert clean_url("https://example.org/list?rss=health") == "https://example.org/list?rss=health"


def test_clean_url_is_idempotent():
    url = "https://www.bbc.co.uk/news/health-1?at_medium=RSS"
    assert clean_url(clean_url(url)) == clean_url(url)


@pytest.mark.parametrize("value", ["", "   ", "mailto:news@example.org", "javascript:void(0)", "/relative/only"])
def test_clean_url_leaves_non_http_alone(value):
    assert clean_url(value) == value.strip()


def test_canonical_prefers_declared_same_site():
    assert canonical_url("https://www.example.org/a?utm_source=x", "https://www.example.org/story-a") == \
        "https://www.example.org/story-a"


def test_canonical_relative_declared_is_resolved():
    assert canonical_url("https://example.org/news/a?x=1", "/news/a") == "https://example.org/news/a"


def test_canonical_declared_is_cleaned_too():
    assert canonical_url("https://example.org/a", "https://example.org/a?utm_campaign=share") == "https://example.org/a"


def test_canonical_www_and_bare_host_are_the_same_site():
    assert canonical_url("https://example.org/a", "https://www.example.org/a") == "https://www.example.org/a"


def test_canonical_on_another_site_is_not_adopted():
    # The shared MSN page declares nbcnews.com as canonical: a different document, kept apart.
    assert canonical_url("https://www.msn.com/en-us/a?srcref=rss", "https://www.nbcnews.com/a") == \
        "https://www.msn.com/en-us/a"


@pytest.mark.parametrize("declared", [None, "", "  ", "javascript:void(0)", "mailto:x@example.org"])
def test_canonical_ignores_useless_declarations(declared):
    assert canonical_url("https://example.org/a?utm_source=x", declared) == "https://example.org/a"


def test_two_tracking_variants_share_one_canonical():
    a = canonical_url("https://example.org/s/?utm_source=rss&utm_medium=rss")
    b = canonical_url("https://example.org/s/?at_medium=RSS&at_campaign=KARANGA")
    assert a == b == "https://example.org/s/"


def test_site_of_and_same_site():
    assert site_of("https://WWW.England.nhs.uk/x") == "england.nhs.uk"
    assert same_site("https://www.england.nhs.uk/a", "https://england.nhs.uk/b")
    assert not same_site("https://www.england.nhs.uk/a", "https://www.nhs.uk/b")
    assert not same_site("not a url", "also not")

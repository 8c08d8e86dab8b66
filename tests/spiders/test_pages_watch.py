"""Watched pages (spiders/web.py PageWatchSpider): which links are stories, what counts as a
change, and how a page response becomes an item. Network-free; the loopback crawl is in
test_news_crawl.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from hjwatch.spiders.sources.pages import PagesSpider
from hjwatch.spiders.web import looks_like_story, text_hash
from hjwatch.spiders.web_state import MemoryState

NEWS = Path(__file__).resolve().parents[1] / "files" / "news"
BASE = "https://www.example.org"
INDEX = BASE + "/case-studies/"


@pytest.mark.parametrize("link", [
    BASE + "/case-studies/health-needs-assessment-for-prisons-in-the-north-east/",
    BASE + "/2025/03/new-health-and-justice-contracts-south-east/",
    BASE + "/news/uk-england-london-60000001",
    "https://example.org/news/provider-takes-nhs-england-to-court/",  # www. and bare host: same site
])
def test_story_links(link):
    assert looks_like_story(link, INDEX)


@pytest.mark.parametrize("link", [
    BASE + "/contact/",
    BASE + "/tag/health-and-justice/",
    BASE + "/category/news/",
    BASE + "/case-studies/page/2/",
    BASE + "/media/brochure-2025-final-version.pdf",
    BASE + "/case-studies/",  # the page itself
    BASE + "/about/",
    "https://www.other.org/news/a-story-about-prisons/",  # another site
    "mailto:team@example.org",
])
def test_not_story_links(link):
    assert not looks_like_story(link, INDEX)


def test_text_hash_ignores_whitespace_only():
    assert text_hash("HMP Leeds\n\nhealthcare") == text_hash("HMP Leeds healthcare")
    assert text_hash("HMP Leeds healthcare") != text_hash("HMP Leeds health care")


def spider(**table):
    crawler = get_crawler(PagesSpider, {"HJWATCH_SOURCES": {"pages": {"urls": [{"url": INDEX, **table}]}}})
    s = crawler._create_spider()
    s.state = MemoryState()
    return s


def index_response(version="v1"):
    body = (NEWS / f"csu_case_studies_{version}.html").read_text(encoding="utf-8").replace("{base}", BASE)
    return HtmlResponse(INDEX, body=body.encode(), encoding="utf-8", headers={"Content-Type": "text/html"})


def test_index_gives_item_then_story_requests():
    s = spider()
    out = list(s.parse_page(index_response(), s.configured()[0]))
    item, requests = out[0], out[1:]
    assert item["url"] == INDEX and item["meta"]["watched_page"] == INDEX
    assert [r.url for r in requests] == [
        BASE + "/case-studies/health-needs-assessment-for-prisons-in-the-north-east/",
        BASE + "/case-studies/digital-referrals-for-community-mental-health/",
    ]


def test_unchanged_text_gives_no_item_but_still_follows_links():
    s = spider()
    first = list(s.parse_page(index_response(), s.configured()[0]))[0]
    s.state.set(INDEX, {"text_hash": first["meta"]["text_hash"]})
    s._emitted.clear()  # a new run
    s._followed.clear()
    out = list(s.parse_page(index_response(), s.configured()[0]))
    assert all(not hasattr(o, "fields") for o in out)  # requests only, no item
    assert len(out) == 2


def test_changed_text_gives_a_new_item_with_same_key():
    s = spider()
    first = list(s.parse_page(index_response("v1"), s.configured()[0]))[0]
    s.state.set(INDEX, {"text_hash": first["meta"]["text_hash"]})
    s._emitted.clear()
    second = list(s.parse_page(index_response("v2"), s.configured()[0]))[0]
    assert second["key"] == first["key"]
    assert second["meta"]["text_hash"] != first["meta"]["text_hash"]


def test_follow_can_be_turned_off_and_links_capped():
    s = spider(follow=False)
    assert len(list(s.parse_page(index_response("v2"), s.configured()[0]))) == 1
    s = spider(max_links=1)
    out = list(s.parse_page(index_response("v2"), s.configured()[0]))
    assert len(out) == 2  # the item and one story


def test_not_modified_page_yields_nothing():
    s = spider()
    response = HtmlResponse(INDEX, status=304, body=b"")
    assert list(s.parse_page(response, s.configured()[0])) == []


def test_empty_page_skipped():
    s = spider()
    response = HtmlResponse(INDEX, body=b"<html><body></body></html>", headers={"Content-Type": "text/html"})
    assert list(s.parse_page(response, s.configured()[0])) == []


def test_story_linked_from_two_watched_pages_requested_once():
    s = spider()
    first = [o for o in s.parse_page(index_response("v1"), s.configured()[0]) if not hasattr(o, "fields")]
    other = HtmlResponse(BASE + "/other-index/", body=index_response("v1").body, encoding="utf-8",
                         headers={"Content-Type": "text/html"})
    second = [o for o in s.parse_page(other, {"url": BASE + "/other-index/"}) if not hasattr(o, "fields")]
    assert len(first) == 2 and second == []


def test_service_unavailable_page_served_with_200_is_not_stored():
    s = spider()
    body = (b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>"
            b"<h1>Sorry, the service is unavailable</h1><p>Please try again later.</p></body></html>")
    response = HtmlResponse(INDEX, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    assert list(s.parse_page(response, s.configured()[0])) == []
    assert s.crawler.stats.get_value("hjwatch/pages/errors") == 1
    assert s.state.get(INDEX) is None  # nothing remembered: the next run reads it again


def test_duplicate_configured_urls_read_once():
    crawler = get_crawler(PagesSpider, {"HJWATCH_SOURCES": {"pages": {"urls": [INDEX, INDEX, {"url": INDEX}]}}})
    assert [e["url"] for e in crawler._create_spider().configured()] == [INDEX]

"""GOV.UK search API source (spiders/sources/govuk.py): search results followed to pages.
Network-free: responses are built from recorded files (tests/files/news) and the API's own
documentation sample in ../shared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from hjwatch.spiders.sources.govuk import GovukSearchSpider
from hjwatch.spiders.web_state import MemoryState

NEWS = Path(__file__).resolve().parents[1] / "files" / "news"
BASE = "https://www.gov.uk"
STORY = "/government/news/new-healthcare-partnership-for-the-womens-prison-estate"


def spider(table=None, **settings):
    table = {"queries": ["prison healthcare"]} if table is None else table
    crawler = get_crawler(GovukSearchSpider, {"HJWATCH_SOURCES": {"govuk": table}, **settings})
    s = crawler._create_spider()
    s.state = MemoryState()
    return s


def search_response(s, body: bytes, query="prison healthcare"):
    return TextResponse(s.search_url(BASE, query), body=body, headers={"Content-Type": "application/json"})


def test_first_request_is_the_search_api():
    s = spider()
    request = next(iter(s.first_requests()))
    assert request.url.startswith(BASE + "/api/search.json?q=prison+healthcare&count=50&order=-public_timestamp")


def test_one_request_per_query_and_base_url_configurable():
    s = spider({"queries": ["a", "b"], "base_url": "http://localhost:8080"})
    urls = [r.url for r in s.first_requests()]
    assert len(urls) == 2 and all(u.startswith("http://localhost:8080/api/search.json?q=") for u in urls)


def test_results_followed_to_pages_with_their_fields():
    s = spider(HJWATCH_SINCE="2025-01-01")
    requests = list(s.parse_search(search_response(s, (NEWS / "govuk_search.json").read_bytes()),
                                   "prison healthcare", BASE))
    assert [r.url for r in requests] == [BASE + STORY]  # the 2019 one is before since; no-link skipped
    feed = requests[0].cb_kwargs["feed"]
    assert feed["title"] == "New healthcare partnership for the women's prison estate"
    assert feed["published"] == "2025-07-15"
    assert requests[0].cb_kwargs["source"] == "www.gov.uk"


def test_page_item_text_title_and_date():
    s = spider()
    request = list(s.parse_search(search_response(s, (NEWS / "govuk_search.json").read_bytes()),
                                  "prison healthcare", BASE))[0]
    html = (NEWS / "govuk_news_story.html").read_text(encoding="utf-8").replace("{base}", BASE)
    response = HtmlResponse(BASE + STORY, body=html.encode(), encoding="utf-8",
                            headers={"Content-Type": "text/html; charset=utf-8"}, request=request)
    item = list(s.parse_article(response, **request.cb_kwargs))[0]
    assert item["url"] == BASE + STORY
    assert item["published"] == "2025-07-15"
    assert "perinatal mental health pathway" in item["text"]
    for boilerplate in ("Cookies on GOV.UK", "Related content", "Is this page useful", "Crown copyright",
                        "Services and information"):
        assert boilerplate not in item["text"]


@pytest.mark.parametrize("body", [b"", b"not json", b"{\"results\": 5}", b"[1, 2]", b"\x00\x01binary"])
def test_bad_search_responses_logged_and_skipped(body):
    s = spider()
    assert list(s.parse_search(search_response(s, body), "q", BASE)) == []


def test_documentation_sample_parses(shared_dir):
    s = spider()
    body = (shared_dir / "fixtures" / "api" / "govuk_search_api_docs_sample.json").read_bytes()
    requests = list(s.parse_search(search_response(s, body, "taxes"), "taxes", BASE))
    assert [r.url for r in requests] == [BASE + "/vehicle-tax"]
    assert requests[0].cb_kwargs["feed"]["published"] == "2014-12-09"


def test_result_found_by_two_queries_requested_once():
    s = spider({"queries": ["a", "b"]})
    body = (NEWS / "govuk_search.json").read_bytes()
    first = list(s.parse_search(search_response(s, body, "a"), "a", BASE))
    second = list(s.parse_search(search_response(s, body, "b"), "b", BASE))
    assert len(first) == 2 and second == []

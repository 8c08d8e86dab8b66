"""Contracts Finder: recorded pages (mojibake, latin-1 declaration) and the real shared page."""

from __future__ import annotations

import pytest
from scrapy.http import TextResponse

from hjwatch.spiders.sources.contracts_finder import ContractsFinderSpider
from tests.spiders.ocds_helpers import make_spider, recording, split

LATIN1 = {"Content-Type": "application/json; charset=iso-8859-1"}


def cf_spider():
    return make_spider(ContractsFinderSpider, {
        "HJWATCH_SOURCES": {"contracts_finder": {"base_url": "http://mirror.test"}},
        "HJWATCH_SINCE": "2025-01-21", "HJWATCH_UNTIL": "2025-01-23T00:00:00"})


def respond(spider, body, window=0, page=1, cursor=None):
    request = spider.page_request(window, page, cursor)
    return TextResponse(url=request.url, request=request, body=body, headers=LATIN1)


spider = cf_spider()
items, cursors, requests, _ = split(spider.parse(respond(spider, recording("cf_2025-01-21_page1.json"))))
custody = items[0]


def test_relevant_items():
    assert [i["key"] for i in items] == ["6f1d2c3b-1111-4a5b-9c8d-0123456789ab-820101",
                                         "6f1d2c3b-3333-4a5b-9c8d-0123456789ab-820103"]


def test_grounds_maintenance_skipped():
    assert spider.crawler.stats.get_value("hjwatch/skipped") == 1


def test_next_page_requested_with_the_cursor():
    assert "cursor=cHVibGlzaGVkRnJvbT0yMDI1LTAxLTIxfG5leHRDdXJzb3I9ODIwMTAz" in requests[0].url
    assert requests[0].url.startswith("http://mirror.test/Published/Notices/OCDS/Search?publishedFrom=2025-01-21")


def test_title_repaired():
    assert custody["title"] == "Police Custody Healthcare and Forensic Medical Services – Lancashire"


def test_text_repaired():
    assert "The contract’s value is £4.2m over 5 years." in custody["text"]


def test_raw_body_kept_with_its_mojibake():
    assert "Â£4.2m".encode("utf-8") in custody["body"]


def test_release_dict_as_received():
    assert "â€“" in custody["release"]["tender"]["title"]


def test_url_contains_the_ocid():
    assert custody["url"] == "http://mirror.test/Published/OCDS/Record/ocds-b5fd17-a1b2c3d4-0000-4e5f-8a9b-abcdefabcdef"


def test_notice_url_from_the_award_document():
    assert custody["notice"]["notice_url"] == (
        "https://www.contractsfinder.service.gov.uk/Notice/6f1d2c3b-1111-4a5b-9c8d-0123456789ab")


def test_notice_url_built_when_no_document():
    assert items[1]["notice"]["notice_url"] == "http://mirror.test/Notice/6f1d2c3b-3333-4a5b-9c8d-0123456789ab"


def test_supplier_and_value():
    assert custody["notice"]["suppliers"] == ["Mitie Care and Custody Limited"]
    assert custody["structured"]["values_gbp"] == [4200000]


def test_403_is_this_apis_too_many_requests():
    assert 403 in ContractsFinderSpider.retry_http_codes and ContractsFinderSpider.retry_wait == 300


def test_retry_wait_configurable():
    s = make_spider(ContractsFinderSpider, {"HJWATCH_SOURCES": {"contracts_finder": {"base_url": "http://m", "retry_wait": 1}}})
    assert s.retry_wait == 1.0


def test_last_page_then_empty_window():
    s = cf_spider()
    _, c1, r1, _ = split(s.parse(respond(s, recording("cf_2025-01-21_page2.json"), page=2, cursor="x")))
    _, c2, r2, _ = split(s.parse(respond(s, recording("cf_2025-01-22_empty.json"), window=1)))
    assert [c["value"] for c in c1 + c2] == ["2025-01-22T00:00:00", "2025-01-23T00:00:00"]
    assert len(r1) == 1 and r2 == []


@pytest.fixture
def real_page(shared_dir):
    s = cf_spider()
    body = (shared_dir / "fixtures" / "contracts_finder_ocds_search_sample.json").read_bytes()
    got = split(s.parse(respond(s, body)))
    return s, got


def test_real_page_every_release_fetched(real_page):
    s, _ = real_page
    assert s.crawler.stats.get_value("hjwatch/fetched") == 100


def test_real_page_next_cursor_followed(real_page):
    _, (_, _, requests, _) = real_page
    assert "cursor=cHVibGlzaGVkRnJvbT0yMDI1LTAxLTIwVDIzOjAwOjAwfHB1Ymxpc2hlZFRvPTIwMjUtMDEtMjNUMjM6MDA6MDB8bGltaXQ9MTAwfG5leHRDdXJzb3I9NzAxMDE3" in requests[0].url


def test_real_page_kept_items_have_clean_text(real_page):
    _, (items, _, _, _) = real_page
    assert items
    for item in items:
        assert "â€" not in item["text"] and "Â£" not in item["text"]
        assert item["release"]["ocid"] in item["url"]


def test_real_page_bodies_are_exact_slices(real_page, shared_dir):
    _, (items, _, _, _) = real_page
    raw = (shared_dir / "fixtures" / "contracts_finder_ocds_search_sample.json").read_bytes()
    for item in items:
        assert item["body"] in raw

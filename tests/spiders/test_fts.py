"""Find a Tender: parse the recorded pages once, then one small test per field (City-Bureau style)."""

from __future__ import annotations

import json

import pytest

from hjwatch.spiders.sources.fts import FindATenderSpider
from tests.spiders.ocds_helpers import file_response, make_spider, split

PAGES = [("fts_2025-03-03_page1.json", 0, 1, None), ("fts_2025-03-03_page2.json", 0, 2, "MjAyNS0wMy0wM3wxMDA="),
         ("fts_2025-03-03_page3.json", 0, 3, "MjAyNS0wMy0wM3wyMDA="), ("fts_2025-03-04_page1.json", 1, 1, None)]

spider = make_spider(FindATenderSpider)
parsed_items = []
for _name, _window, _page, _cursor in PAGES:
    parsed_items += split(spider.parse(file_response(spider, _name, window=_window, page=_page, cursor=_cursor)))[0]
by_key = {item["key"]: item for item in parsed_items}
item = by_key["007001-2025"]


def test_count():
    assert [i["key"] for i in parsed_items] == ["007001-2025", "007003-2025", "007005-2025", "007007-2025",
                                                "019876-2025", "007001-2025"]


def test_source():
    assert item["source"] == "fts"


def test_kind():
    assert item["kind"] == "notice"


def test_key_is_the_release_id():
    assert item["key"] == "007001-2025"


def test_url_is_the_record_of_the_ocid():
    assert item["url"] == "http://mirror.test/api/1.0/ocdsRecordPackages/ocds-h6vhtk-0fa001"


def test_notice_url_is_the_public_notice_page():
    assert item["notice"]["notice_url"] == "http://mirror.test/Notice/007001-2025"


def test_title():
    assert item["title"] == "NHSE1201 - Healthcare Services at HMP Belmarsh, HMP Thameside and HMP Isis"


def test_published():
    assert item["published"] == "2025-03-03"


def test_fetched_at_is_utc_iso():
    assert item["fetched_at"].endswith("Z") and item["fetched_at"][10] == "T"


def test_content_type():
    assert item["content_type"] == "application/json"


def test_body_is_the_release_as_received():
    assert json.loads(item["body"]) == item["release"]


def test_notice_type():
    assert item["notice"]["notice_type"] == "UK4" and item["notice"]["notice_type_name"] == "tender notice"


def test_prefilter_reasons_kept():
    assert item["notice"]["prefilter"] == ["health_cpv+custody", "health_and_justice_buyer", "named_prison",
                                           "health_terms+custody"]


def test_structured_values():
    assert item["structured"]["values_gbp"] == [85000000]


def test_structured_duration():
    assert item["structured"]["durations_months"] == [84]


def test_award_release_suppliers():
    assert by_key["019876-2025"]["notice"]["suppliers"] == ["PRACTICE PLUS GROUP HEALTH AND REHABILITATION SERVICES LIMITED"]


def test_award_release_same_ocid():
    assert by_key["019876-2025"]["notice"]["ocid"] == item["notice"]["ocid"]


def test_psr_release():
    assert by_key["007005-2025"]["notice"]["psr"] is True


def test_infinite_value_body_keeps_the_literal():
    assert b'"amount": 1e9999' in by_key["007003-2025"]["body"]


@pytest.mark.parametrize("doc", parsed_items, ids=lambda d: d["key"])
def test_url_contains_the_ocid(doc):
    assert doc["release"]["ocid"] in doc["url"]


@pytest.mark.parametrize("doc", parsed_items, ids=lambda d: d["key"])
def test_title_is_tender_title(doc):
    assert doc["title"] == doc["release"]["tender"]["title"]


@pytest.mark.parametrize("doc", parsed_items, ids=lambda d: d["key"])
def test_published_is_iso(doc):
    assert len(doc["published"]) == 10 and doc["published"][4] == "-"


@pytest.mark.parametrize("doc", parsed_items, ids=lambda d: d["key"])
def test_text_is_not_empty(doc):
    assert doc["title"] in doc["text"]


def test_shared_apidoc_sample_parses(shared_dir):
    s = make_spider(FindATenderSpider)
    body = (shared_dir / "fixtures" / "fts_release_package_apidoc_sample.json").read_bytes()
    items, cursors, requests, _ = split(s.parse(file_response(s, None, body=body)))
    # The documentation's sample is an integration-environment farming notice: fetched, skipped.
    assert items == [] and s.crawler.stats.get_value("hjwatch/skipped") == 1
    assert cursors == [{"source": "fts", "value": "2025-03-04T00:00:00"}]  # no links.next: window done

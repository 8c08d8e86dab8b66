"""OcdsApiSpider: windows, cursor paging, cursor items, resume points, bad pages (no network)."""

from __future__ import annotations

import datetime as dt

import pytest

from hjwatch.spiders.ocds import make_windows, parse_when, resume_point
from hjwatch.spiders.sources.fts import FindATenderSpider
from tests.spiders.ocds_helpers import file_response, make_spider, split

D = dt.datetime


@pytest.fixture
def spider():
    return make_spider(FindATenderSpider)


def test_windows_cover_since_to_until(spider):
    assert spider.windows == [(D(2025, 3, 3), D(2025, 3, 4)), (D(2025, 3, 4), D(2025, 3, 5)), (D(2025, 3, 5), D(2025, 3, 6))]


def test_last_window_is_shorter():
    assert make_windows(D(2025, 1, 1), D(2025, 1, 2, 6), 1)[-1] == (D(2025, 1, 2), D(2025, 1, 2, 6))


def test_no_windows_when_up_to_date():
    assert make_windows(D(2025, 1, 2), D(2025, 1, 2), 1) == []


def test_window_days_must_be_positive():
    with pytest.raises(ValueError):
        make_windows(D(2025, 1, 1), D(2025, 1, 2), 0)


def test_parse_when_converts_offsets_to_utc():
    assert parse_when("2025-03-03T10:00:00+01:00") == D(2025, 3, 3, 9)


def test_first_request_has_window_and_limit_only(spider):
    request = spider.page_request(0)
    assert request.url == ("http://mirror.test/api/1.0/ocdsReleasePackages?updatedFrom=2025-03-03T00%3A00%3A00"
                           "&updatedTo=2025-03-04T00%3A00%3A00&limit=100")


def test_requests_ask_for_json(spider):
    assert spider.page_request(0).headers[b"Accept"] == b"application/json"


def test_stages_sent_only_when_configured():
    spider = make_spider(FindATenderSpider, {"HJWATCH_SOURCES": {"fts": {"base_url": "http://m", "stages": ["tender", "award"]}}})
    assert "stages=tender%2Caward" in spider.page_request(0).url


def test_base_url_argument_wins():
    spider = make_spider(FindATenderSpider, base_url="http://other.test/")
    assert spider.page_request(0).url.startswith("http://other.test/api/1.0/")


def test_page_with_next_link_asks_for_the_next_page(spider):
    items, cursors, requests, _ = split(spider.parse(file_response(spider, "fts_2025-03-03_page1.json")))
    assert cursors == []
    assert len(requests) == 1 and "cursor=MjAyNS0wMy0wM3wxMDA%3D" in requests[0].url


def test_next_page_is_asked_of_our_base_url_not_the_link_host(spider):
    _, _, requests, _ = split(spider.parse(file_response(spider, "fts_2025-03-03_page1.json")))
    assert requests[0].url.startswith("http://mirror.test/")
    assert requests[0].meta["hj_page"] == 2


def test_irrelevant_releases_are_counted_as_skipped(spider):
    items, *_ = split(spider.parse(file_response(spider, "fts_2025-03-03_page1.json")))
    assert [i["key"] for i in items] == ["007001-2025", "007003-2025"]
    assert spider.crawler.stats.get_value("hjwatch/skipped") == 1
    assert spider.crawler.stats.get_value("hjwatch/fetched") == 3


def test_last_page_moves_the_cursor_after_its_items_then_asks_the_next_window(spider):
    items, cursors, requests, order = split(spider.parse(
        file_response(spider, "fts_2025-03-03_page3.json", page=3, cursor="MjAyNS0wMy0wM3wyMDA=")))
    assert order == ["item", "cursor", "request"]
    assert cursors == [{"source": "fts", "value": "2025-03-04T00:00:00"}]
    assert "updatedFrom=2025-03-04" in requests[0].url


def test_empty_window_moves_the_cursor(spider):
    _, cursors, requests, _ = split(spider.parse(file_response(spider, "fts_2025-03-05_empty.json", window=2)))
    assert cursors == [{"source": "fts", "value": "2025-03-06T00:00:00"}]
    assert requests == []  # the last window


def test_truncated_page_is_fetched_again(spider):
    _, cursors, requests, _ = split(spider.parse(file_response(spider, "fts_2025-03-04_truncated.json", window=1)))
    assert cursors == [] and len(requests) == 1
    assert requests[0].meta["hj_json_retry"] == 1 and requests[0].dont_filter


def test_truncated_page_given_up_after_retries(spider, caplog):
    response = file_response(spider, "fts_2025-03-04_truncated.json", window=1, meta={"hj_json_retry": 2})
    assert list(spider.parse(response)) == []
    assert spider.crawler.stats.get_value("hjwatch/errors") == 1
    assert "not valid JSON after 3 attempts" in caplog.text


@pytest.mark.parametrize("body", [b"", b"\x89PNG\r\n\x1a\n\x00\x00", b"<html><body>Service unavailable</body></html>",
                                  b'["not", "a", "package"]', b'{"releases": "nope"}'])
def test_bad_bodies_never_raise(spider, body):
    response = file_response(spider, None, body=body, meta={"hj_json_retry": 2})
    assert list(spider.parse(response)) == []


def test_release_without_id_is_skipped_and_counted(spider):
    body = b'{"releases": [{"tender": {"title": "Healthcare at HMP Belmarsh"}}]}'
    items, cursors, _, _ = split(spider.parse(file_response(spider, None, body=body, window=2)))
    assert items == [] and cursors  # the window still completes
    assert spider.crawler.stats.get_value("hjwatch/invalid") == 1


def test_repeated_cursor_stops_the_window(spider):
    response = file_response(spider, "fts_2025-03-03_page1.json", page=2, cursor="MjAyNS0wMy0wM3wxMDA=")
    _, cursors, requests, _ = split(spider.parse(response))
    assert cursors == [] and requests == []
    assert spider.crawler.stats.get_value("hjwatch/errors") == 1


def test_page_limit_stops_a_runaway_cursor(spider):
    spider.max_pages_per_window = 1
    _, cursors, requests, _ = split(spider.parse(file_response(spider, "fts_2025-03-03_page1.json")))
    assert cursors == [] and requests == []


# --- resume points (real SQLite file) ---------------------------------------------------------

@pytest.fixture
def db_with_cursor(tmp_path):
    from hjwatch import db as hjdb

    path = tmp_path / "c.db"
    database = hjdb.open_db(str(path))
    hjdb.set_cursor(database, "fts", "2025-03-05T00:00:00")
    database.close()
    return str(path)


def test_first_run_starts_at_since():
    assert resume_point("fts", db_path=None, since="2025-03-03", backfill=False)[0] == D(2025, 3, 3)


def test_later_run_starts_at_the_cursor(db_with_cursor):
    assert resume_point("fts", db_path=db_with_cursor, since="2025-03-03", backfill=False) == (D(2025, 3, 5), "2025-03-05T00:00:00")


def test_backfill_starts_at_since_whatever_the_cursor(db_with_cursor):
    assert resume_point("fts", db_path=db_with_cursor, since="2025-03-03", backfill=True)[0] == D(2025, 3, 3)


def test_other_sources_cursor_is_not_used(db_with_cursor):
    assert resume_point("contracts_finder", db_path=db_with_cursor, since="2025-01-21", backfill=False)[0] == D(2025, 1, 21)


def test_spider_resumes_from_the_database(db_with_cursor):
    spider = make_spider(FindATenderSpider, {"HJWATCH_DB": db_with_cursor})
    assert spider.windows == [(D(2025, 3, 5), D(2025, 3, 6))]


def test_backfill_never_moves_the_cursor_backwards(db_with_cursor):
    spider = make_spider(FindATenderSpider, {"HJWATCH_DB": db_with_cursor}, since="2025-03-03")
    _, cursors, requests, _ = split(spider.parse(
        file_response(spider, "fts_2025-03-03_page3.json", page=3, cursor="MjAyNS0wMy0wM3wyMDA=")))
    assert cursors == [] and len(requests) == 1


def test_backfill_moves_the_cursor_once_past_it(db_with_cursor):
    spider = make_spider(FindATenderSpider, {"HJWATCH_DB": db_with_cursor, "HJWATCH_UNTIL": "2025-03-07"}, since="2025-03-03")
    _, cursors, _, _ = split(spider.parse(file_response(spider, "fts_2025-03-06_page1.json", window=3)))
    assert cursors == [{"source": "fts", "value": "2025-03-07T00:00:00"}]


def test_download_failure_is_one_error_line(spider, caplog):
    from twisted.internet.error import ConnectionRefusedError
    from twisted.python.failure import Failure

    failure = Failure(ConnectionRefusedError("Connection was refused by other side"))
    failure.request = spider.page_request(1)
    assert spider.download_failed(failure) is None
    assert spider.crawler.stats.get_value("hjwatch/download_failed") == 1
    line = [r for r in caplog.records if r.levelname == "ERROR"][-1].getMessage()
    assert line.startswith("fts: could not fetch http://mirror.test/") and "window 2025-03-04 left" in line
    assert "\n" not in line


def test_page_requests_have_the_errback(spider):
    assert spider.page_request(0).errback == spider.download_failed

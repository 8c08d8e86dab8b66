"""HttpErrorMiddleware and Retry-After parsing: one small test per rule."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from scrapy import Request
from scrapy.http import Response

from hjwatch.spiders.middlewares import HttpErrorMiddleware, body_excerpt, parse_retry_after


class FakeSpider:
    name = "fake"
    retry_http_codes = (429, 503)
    retry_wait = 30.0
    max_attempts = 3


class CfLike(FakeSpider):
    retry_http_codes = (403, 429, 503)
    retry_wait = 300.0


def decide(status, headers=None, spider=FakeSpider(), attempt=1, max_wait=900.0, body=b""):
    mw = HttpErrorMiddleware(max_wait=max_wait)
    request = Request("https://api.test/x?page=2", meta={"hj_attempt": attempt, "keep": "me"})
    return mw.decide(request, Response(request.url, status=status, headers=headers or {}, body=body), spider)


def test_retry_after_seconds():
    assert parse_retry_after("120") == 120.0


def test_retry_after_bytes():
    assert parse_retry_after(b"7") == 7.0


def test_retry_after_http_date():
    now = dt.datetime(2026, 10, 21, 7, 27, tzinfo=dt.timezone.utc)
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", now=now) == 60.0


def test_retry_after_in_the_past_is_zero():
    now = dt.datetime(2026, 10, 21, 8, 0, tzinfo=dt.timezone.utc)
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", now=now) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-", b"\xff\xfe"])
def test_retry_after_invalid_is_none(value):
    assert parse_retry_after(value) is None


def test_negative_retry_after_is_zero():
    assert parse_retry_after("-5") == 0.0


def test_2xx_passes_through():
    response = Response("https://api.test/x", status=200)
    assert HttpErrorMiddleware().decide(Request(response.url), response, FakeSpider()) is response


def test_429_becomes_a_delayed_retry():
    retry = decide(429, {"Retry-After": "12"})
    assert isinstance(retry, Request)
    assert retry.meta["wait_time"] == 12.0


def test_retry_counts_attempts_and_keeps_meta():
    retry = decide(429, {"Retry-After": "1"})
    assert retry.meta["hj_attempt"] == 2
    assert retry.meta["keep"] == "me"


def test_retry_is_not_filtered_as_a_duplicate():
    assert decide(503).dont_filter is True


def test_without_retry_after_the_spider_wait_is_used():
    assert decide(503).meta["wait_time"] == 30.0


def test_default_wait_doubles_on_each_attempt():
    assert decide(503, attempt=2).meta["wait_time"] == 60.0


def test_wait_is_capped():
    assert decide(429, {"Retry-After": "86400"}, max_wait=1).meta["wait_time"] == 1.0


def test_403_is_retried_only_where_the_spider_says_so():
    assert isinstance(decide(403, spider=CfLike()), Request)
    assert isinstance(decide(403), Response)


def test_contracts_finder_403_waits_five_minutes():
    assert decide(403, spider=CfLike()).meta["wait_time"] == 300.0


def test_gives_up_after_max_attempts(caplog):
    with caplog.at_level(logging.ERROR):
        result = decide(429, {"Retry-After": "1"}, attempt=3)
    assert isinstance(result, Response)
    assert "gave up after 3 attempts" in caplog.text


def test_400_is_not_retried_and_logged_with_body(caplog):
    with caplog.at_level(logging.ERROR):
        result = decide(400, body=b'{"message": "Request parameters unknown"}')
    assert isinstance(result, Response)
    assert "HTTP 400" in caplog.text and "Request parameters unknown" in caplog.text


def test_error_log_is_one_line(caplog):
    with caplog.at_level(logging.ERROR):
        decide(404, body=b"<html>\n<body>\nNot\nfound</body></html>")
    assert "\n" not in caplog.records[-1].getMessage()


def test_body_excerpt_is_bounded():
    response = Response("https://api.test/x", body=b"x" * 10_000)
    assert len(body_excerpt(response, limit=50)) == 50


def test_body_excerpt_survives_binary():
    response = Response("https://api.test/x", body=b"\x89PNG\x00\xff" * 10)
    assert isinstance(body_excerpt(response), str)


def test_redirects_are_left_to_scrapy():
    response = Response("https://api.test/x", status=301, headers={"Location": "/y"})
    assert HttpErrorMiddleware().decide(Request(response.url), response, FakeSpider()) is response

"""The fault server does what it says: each fault observed with a plain client.

These check the harness, so that a crawl test passing or failing means something.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.reliability.faultserver import HUGE_BYTES, FaultServer, Rule
from tests.reliability.mirror import API_PATHS, Mirror


@pytest.fixture(scope="module")
def srv():
    mirror = Mirror.build(notices_per_source=7, articles_per_feed=2, feeds=2, pages=1, stories_per_page=1)
    with FaultServer(mirror, timeout_sleep=1.5, drip_interval=0.05) as s:
        yield s


@pytest.fixture(autouse=True)
def _clean(srv):
    srv.clear()
    yield
    srv.clear()


def get(srv, path, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", int(srv.base.rsplit(":", 1)[1]), timeout=timeout)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def test_api_pages_follow_the_cursor_to_the_end(srv):
    seen, url = [], srv.url(API_PATHS["fts"] + "?updatedFrom=2025-01-01T00:00:00&limit=100")
    for _ in range(10):
        with urllib.request.urlopen(url, timeout=5) as r:
            pkg = json.load(r)
        seen += [x["ocid"] for x in pkg["releases"]]
        url = pkg.get("links", {}).get("next")
        if not url:
            break
    assert seen == [x["ocid"] for x in srv.mirror.releases["fts"]]


def test_api_window_filters_by_date(srv):
    first = srv.mirror.releases["contracts_finder"][0]["date"]
    q = f"?publishedFrom={first}&publishedTo={first}"
    resp, body = get(srv, API_PATHS["contracts_finder"] + q.replace("+", "%2B"))
    pkg = json.loads(body)
    assert [r["date"] for r in pkg["releases"]] == [first]
    assert "links" not in pkg


def test_empty_window_is_an_empty_package(srv):
    resp, body = get(srv, API_PATHS["fts"] + "?updatedFrom=2030-01-01T00:00:00&updatedTo=2030-02-01T00:00:00")
    assert resp.status == 200
    assert json.loads(body)["releases"] == []


def test_rule_by_key_hits_the_page_carrying_it(srv):
    target = srv.mirror.releases["fts"][4]["ocid"]  # page 2 (page size 3)
    srv.add(Rule(fault="500", key=target))
    r1, _ = get(srv, API_PATHS["fts"])
    r2, _ = get(srv, API_PATHS["fts"] + "?cursor=3~~")
    assert (r1.status, r2.status) == (200, 500)
    assert srv.faulted("500")[-1].keys[1] == target


def test_transient_rule_fires_only_n_times(srv):
    path = srv.mirror.feeds[0].articles[0].path
    srv.add(Rule(fault="429_retry_after", path=path, times=1))
    r1, _ = get(srv, path)
    r2, _ = get(srv, path)
    assert (r1.status, r1.getheader("Retry-After"), r2.status) == (429, "1", 200)


def test_429_without_retry_after_has_no_header(srv):
    path = srv.mirror.feeds[0].path
    srv.add(Rule(fault="429_no_retry_after", path=path))
    r, _ = get(srv, path)
    assert r.status == 429 and r.getheader("Retry-After") is None


@pytest.mark.parametrize("fault,status", [("403_throttle", 403), ("500", 500), ("502", 502), ("503", 503)])
def test_status_faults(srv, fault, status):
    path = srv.mirror.feeds[1].path
    srv.add(Rule(fault=fault, path=path))
    r, _ = get(srv, path)
    assert r.status == status


def test_reset_is_a_connection_error(srv):
    path = srv.mirror.pages[0].path
    srv.add(Rule(fault="reset", path=path))
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        get(srv, path)


def test_timeout_never_answers(srv):
    path = srv.mirror.pages[0].path
    srv.add(Rule(fault="timeout", path=path))
    t = time.monotonic()
    with pytest.raises((socket.timeout, TimeoutError)):
        get(srv, path, timeout=0.5)
    assert time.monotonic() - t < 1.5


def test_drip_sends_a_few_bytes_at_a_time(srv):
    path = srv.mirror.pages[0].stories[0].path
    srv.add(Rule(fault="drip", path=path))
    sock = socket.create_connection(("127.0.0.1", int(srv.base.rsplit(":", 1)[1])), timeout=2)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    got, t = b"", time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - t < 0.6:
        try:
            got += sock.recv(65536)
        except (socket.timeout, TimeoutError):
            pass
    sock.close()
    head, _, body = got.partition(b"\r\n\r\n")
    declared = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    assert b" 200 " in head.split(b"\r\n")[0]
    assert 0 < len(body) < 40 < declared


def test_truncated_json_does_not_parse(srv):
    srv.add(Rule(fault="truncated", key=srv.mirror.releases["fts"][0]["ocid"]))
    r, body = get(srv, API_PATHS["fts"])
    assert r.status == 200 and int(r.getheader("Content-Length")) == len(body)
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


def test_truncated_xml_is_cut(srv):
    path = srv.mirror.feeds[0].path
    srv.add(Rule(fault="truncated", path=path))
    _, body = get(srv, path)
    assert b"</rss>" not in body


def test_invalid_utf8(srv):
    path = srv.mirror.feeds[0].articles[1].path
    srv.add(Rule(fault="invalid_utf8", path=path))
    r, body = get(srv, path)
    assert "utf-8" in r.getheader("Content-Type")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_wrong_charset_declares_latin1_over_utf8(srv):
    path = srv.mirror.feeds[0].articles[1].path
    srv.add(Rule(fault="wrong_charset", path=path))
    r, body = get(srv, path)
    assert "ISO-8859-1" in r.getheader("Content-Type")
    assert "£".encode() in body


def test_binary_body(srv):
    path = srv.mirror.feeds[0].articles[0].path
    srv.add(Rule(fault="binary", path=path))
    r, body = get(srv, path)
    assert r.getheader("Content-Type").startswith("text/html") and body.startswith(b"\x89PNG")


def test_huge_body_is_50_mb(srv):
    path = srv.mirror.feeds[0].articles[0].path
    srv.add(Rule(fault="huge", path=path))
    r, body = get(srv, path, timeout=20)
    assert len(body) == HUGE_BYTES


def test_redirect_loop_points_at_itself(srv):
    path = srv.mirror.feeds[0].articles[0].path
    srv.add(Rule(fault="redirect_loop", path=path))
    r, _ = get(srv, path)
    assert (r.status, r.getheader("Location")) == (302, path)


def test_html_error_page_with_200(srv):
    srv.add(Rule(fault="html_error_200", key=srv.mirror.releases["contracts_finder"][0]["ocid"]))
    r, body = get(srv, API_PATHS["contracts_finder"])
    assert r.status == 200 and body.startswith(b"<!DOCTYPE html>")


def test_unknown_fault_is_refused():
    with pytest.raises(ValueError):
        Rule(fault="gremlins", path="/")


def test_clear_restores_health(srv):
    path = srv.mirror.feeds[0].path
    srv.add(Rule(fault="500", path=path))
    srv.clear()
    r, body = get(srv, path)
    assert r.status == 200 and b"<rss" in body


def test_docstring_examples():
    import doctest

    from tests.reliability import faultserver, mirror

    for mod in (mirror, faultserver):
        assert doctest.testmod(mod).failed == 0

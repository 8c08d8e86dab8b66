"""Feed reading (spiders/web.py FeedSpider) without a network: parsing, dates, the keyword
pre-filter, paywalled feeds, hostile XML. Real feeds from ../shared are used from there."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import scrapy
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from hjwatch import InputError
from hjwatch.spiders.items import RawDocument
from hjwatch.spiders.sources.news import NewsSpider
from hjwatch.spiders.web import feed_item_date, parse_feed

NEWS = Path(__file__).resolve().parents[1] / "files" / "news"
BASE = "https://www.example.org"


def own_feed(name: str) -> bytes:
    return (NEWS / name).read_text(encoding="utf-8").replace("{base2}", BASE).replace("{base}", BASE).encode()


def make_spider(feeds, **settings):
    crawler = get_crawler(NewsSpider, {"HJWATCH_SOURCES": {"news": {"feeds": feeds}}, **settings})
    spider = crawler._create_spider()
    spider.state = __import__("hjwatch.spiders.web_state", fromlist=["MemoryState"]).MemoryState()
    return spider


def run_feed(spider, body: bytes, entry: dict, ctype="application/rss+xml"):
    response = TextResponse(entry["url"], body=body, headers={"Content-Type": ctype})
    return list(spider.parse_feed_response(response, entry))


# -- own recorded feeds ---------------------------------------------------------------------

def test_rss2_items():
    parsed = parse_feed(own_feed("nhse_feed_rss2.xml"))
    assert parsed.version == "rss20"
    assert len(parsed.entries) == 9
    assert parsed.entries[0].title.startswith("NHS England awards new health and justice contracts")


def test_atom_item_link_and_date():
    parsed = parse_feed(own_feed("hcsa_feed_atom.xml"))
    assert parsed.version == "atom10"
    assert parsed.entries[0].link.endswith("/news/healthcare-provider-takes-nhs-england-to-court/?utm_source=atom")
    assert feed_item_date(parsed.entries[0]) == "2025-05-24"


def test_rss1_dc_date_converted_to_utc_date():
    parsed = parse_feed(own_feed("rdf_feed_rss1.xml"))
    assert parsed.version == "rss10"
    assert [feed_item_date(e) for e in parsed.entries] == ["2025-06-12", "2025-05-20"]


def test_entity_bomb_refused_fast():
    started = time.perf_counter()
    with pytest.raises(InputError, match="declares XML entities"):
        parse_feed(own_feed("entity_bomb.xml"))
    assert time.perf_counter() - started < 0.5


def test_truncated_feed_is_bozo():
    parsed = parse_feed(own_feed("broken_feed.xml"))
    assert parsed.bozo


def test_feed_parser_never_fetches_a_string_url():
    # bytes that look like a URL are parsed as (bad) XML, not fetched
    parsed = parse_feed(b"http://localhost:1/feed.xml")
    assert parsed.entries == []


def test_placeholder_feed_date_rejected():
    body = (b'<rss version="2.0"><channel><item><title>x</title><link>https://a.example/x</link>'
            b'<pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate></item></channel></rss>')
    assert feed_item_date(parse_feed(body).entries[0]) is None


# -- spider behaviour on a feed -------------------------------------------------------------

def test_every_item_followed_to_its_cleaned_article_url():
    spider = make_spider([BASE + "/feed/"])
    requests = run_feed(spider, own_feed("nhse_feed_rss2.xml"), {"url": BASE + "/feed/"})
    assert all(isinstance(r, scrapy.Request) for r in requests)
    assert requests[0].url == BASE + "/2025/03/new-health-and-justice-contracts-south-east/"
    # the second item is the same story with other tracking parameters: not requested twice
    assert len(requests) == 8 and len({r.url for r in requests}) == 8


def test_request_carries_feed_fields():
    spider = make_spider([BASE + "/feed/"])
    request = run_feed(spider, own_feed("nhse_feed_rss2.xml"), {"url": BASE + "/feed/"})[0]
    feed = request.cb_kwargs["feed"]
    assert feed["title"] == "NHS England awards new health and justice contracts for prisons in the South East"
    assert feed["published"] == "2025-03-04"
    assert feed["feed_url"] == BASE + "/feed/"
    assert request.cb_kwargs["source"] == "www.example.org"


def test_keyword_prefilter_off_by_default_and_on_when_configured():
    spider = make_spider([BASE + "/rss"])
    entry = {"url": BASE + "/rss", "keywords": ["Oxleas", "notice"]}
    requests = run_feed(spider, own_feed("rdf_feed_rss1.xml"), entry, "application/rdf+xml")
    assert [r.cb_kwargs["feed"]["title"] for r in requests] == ["Trust serves notice on prison healthcare contracts"]


def test_paywalled_feed_keeps_headline_and_summary_only():
    spider = make_spider([BASE + "/atom"])
    items = run_feed(spider, own_feed("hcsa_feed_atom.xml"), {"url": BASE + "/atom", "paywalled": True},
                     "application/atom+xml")
    assert len(items) == 1 and isinstance(items[0], RawDocument)
    item = items[0]
    assert item["text"].splitlines()[0] == "Healthcare provider takes NHS England to court over prison contracts"
    assert "started legal action against NHS England" in item["text"]
    assert item["meta"]["paywalled"] is True
    assert item["url"] == BASE + "/news/healthcare-provider-takes-nhs-england-to-court/"
    assert item["fetched_url"] is None  # the article page is never requested


def test_known_paywalled_host_is_not_followed():
    spider = make_spider(["https://www.hsj.co.uk/rss"])
    body = (b'<rss version="2.0"><channel><item><title>Provider sues over prison deal</title>'
            b'<link>https://www.hsj.co.uk/a/123.article</link><description>Summary only.</description>'
            b'</item></channel></rss>')
    out = run_feed(spider, body, {"url": "https://www.hsj.co.uk/rss"})
    assert [type(o).__name__ for o in out] == ["RawDocument"]
    assert out[0]["text"] == "Provider sues over prison deal\nSummary only."


def test_item_without_link_skipped():
    spider = make_spider([BASE + "/f"])
    out = run_feed(spider, b'<rss version="2.0"><channel><item><title>No link</title></item></channel></rss>',
                   {"url": BASE + "/f"})
    assert out == []


def test_config_entries_validated():
    spider = make_spider(["ftp://example.org/feed", "not a url", {"url": BASE + "/ok"}, 42])
    assert [e["url"] for e in spider.configured()] == [BASE + "/ok"]


def test_spider_argument_replaces_configured_feeds():
    crawler = get_crawler(NewsSpider, {"HJWATCH_SOURCES": {"news": {"feeds": [BASE + "/a"]}}})
    spider = crawler._create_spider(feeds=f"{BASE}/b, {BASE}/c")
    assert [e["url"] for e in spider.configured()] == [BASE + "/b", BASE + "/c"]


def test_no_sources_setting_uses_builtin_defaults(tmp_path, monkeypatch):
    from hjwatch.config import DEFAULT_SOURCES
    monkeypatch.delenv("HJWATCH_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no hjwatch.toml here
    spider = get_crawler(NewsSpider, {})._create_spider()
    assert [e["url"] for e in spider.configured()] == [
        f if isinstance(f, str) else f["url"] for f in DEFAULT_SOURCES["news"]["feeds"]]


def test_conditional_get_headers_from_state():
    spider = make_spider([BASE + "/feed/"])
    spider.state.set(BASE + "/feed/", {"etag": '"abc"', "last_modified": "Tue, 04 Mar 2025 09:30:00 GMT"})
    request = spider.conditional_request(BASE + "/feed/", spider.parse_feed_response)
    assert request.headers["If-None-Match"] == b'"abc"'
    assert request.headers["If-Modified-Since"] == b"Tue, 04 Mar 2025 09:30:00 GMT"
    assert 304 in request.meta["handle_httpstatus_list"]


def test_not_modified_feed_yields_nothing():
    spider = make_spider([BASE + "/feed/"])
    response = TextResponse(BASE + "/feed/", status=304, body=b"")
    assert list(spider.parse_feed_response(response, {"url": BASE + "/feed/"})) == []


def test_article_mislabelled_charset_keeps_pound_sign():
    spider = make_spider([BASE + "/feed/"])
    html = (NEWS / "nhse_news.html").read_text(encoding="utf-8").replace("{base}", BASE)
    response = HtmlResponse(BASE + "/a", body=html.encode("cp1252", errors="replace"),
                            headers={"Content-Type": "text/html; charset=UTF-8"})
    article = spider.article(response)
    assert "combined value is around £236 million" in article.text
    assert "\ufffd" not in article.text


def test_article_binary_body_skipped():
    spider = make_spider([BASE + "/feed/"])
    response = HtmlResponse(BASE + "/a", body=b"\x00\x01PK\x03\x04" * 100, headers={"Content-Type": "text/html"})
    assert spider.article(response) is None


# -- real feeds from ../shared ----------------------------------------------------------------

@pytest.mark.parametrize("name,version,count", [
    ("guardian_us_rss2.xml", "rss20", 55),
    ("h-online_atom10.xml", "atom10", 60),
    ("science_twis_rss1_rdf.xml", "rss10", 69),
    ("wordpress_norm2782_rss2.xml", "rss20", 10),
])
def test_real_feeds_parse(shared_dir, name, version, count):
    parsed = parse_feed((shared_dir / "fixtures" / "feeds" / name).read_bytes())
    assert parsed.version == version
    assert len(parsed.entries) == count
    assert all(e.get("link") for e in parsed.entries)


def test_real_bbc_feed_links_cleaned(shared_dir):
    spider = make_spider(["http://feeds.bbci.co.uk/news/rss.xml"])
    body = (shared_dir / "fixtures" / "bbc_news_rss_sample.xml").read_bytes()
    requests = run_feed(spider, body, {"url": "http://feeds.bbci.co.uk/news/rss.xml"})
    assert len(requests) == 16
    assert not any("at_medium" in r.url or "at_campaign" in r.url for r in requests)


def test_real_atom_from_rss_suffix_removed(shared_dir):
    spider = make_spider(["http://www.h-online.com/news/atom.xml"])
    body = (shared_dir / "fixtures" / "feeds" / "h-online_atom10.xml").read_bytes()
    requests = run_feed(spider, body, {"url": "http://www.h-online.com/news/atom.xml"}, "application/atom+xml")
    assert requests and not any(r.url.endswith("/from/rss") for r in requests)


@pytest.mark.parametrize("name", ["feedparser_rss_incomplete_cdata.xml", "feedparser_http_high_bit_date.xml",
                                  "feedparser_chardet_koi8r.xml"])
def test_real_illformed_feeds_do_not_raise(shared_dir, name):
    spider = make_spider([BASE + "/f"])
    body = (shared_dir / "fixtures" / "feeds" / "illformed" / name).read_bytes()
    out = run_feed(spider, body, {"url": BASE + "/f"})
    assert isinstance(out, list)


def test_no_sources_setting_reads_hjwatch_toml(tmp_path, monkeypatch):
    # `scrapy crawl news` by hand reads the same config file as the CLI.
    monkeypatch.delenv("HJWATCH_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hjwatch.toml").write_text('[sources.news]\nfeeds = ["https://mirror.example/feed.xml"]\n')
    spider = get_crawler(NewsSpider, {})._create_spider()
    assert [e["url"] for e in spider.configured()] == ["https://mirror.example/feed.xml"]


def test_bad_hjwatch_toml_logged_not_raised(tmp_path, monkeypatch):
    monkeypatch.delenv("HJWATCH_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hjwatch.toml").write_text("[sources.news\n")
    spider = get_crawler(NewsSpider, {})._create_spider()
    assert spider.configured() == []


def test_html_markup_in_atom_title_stripped():
    spider = make_spider([BASE + "/atom"])
    body = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title type="html">'
            b'&lt;b&gt;HMP Leeds&lt;/b&gt; contract awarded</title><link href="https://www.example.org/a-b-c"/>'
            b'<id>x</id><updated>2025-01-02T00:00:00Z</updated></entry></feed>')
    request = run_feed(spider, body, {"url": BASE + "/atom"}, "application/atom+xml")[0]
    assert request.cb_kwargs["feed"]["title"] == "HMP Leeds contract awarded"


def test_items_before_since_are_skipped():
    spider = make_spider([BASE + "/rss"], HJWATCH_SINCE="2025-06-01")
    requests = run_feed(spider, own_feed("rdf_feed_rss1.xml"), {"url": BASE + "/rss"}, "application/rdf+xml")
    assert [r.cb_kwargs["feed"]["published"] for r in requests] == ["2025-06-12"]


def test_damaged_feed_validators_not_remembered():
    spider = make_spider([BASE + "/feed/broken/"])
    response = TextResponse(BASE + "/feed/broken/", body=own_feed("broken_feed.xml"),
                            headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})
    list(spider.parse_feed_response(response, {"url": BASE + "/feed/broken/"}))
    assert BASE + "/feed/broken/" not in spider._pending_state


def test_good_feed_validators_kept_until_the_spider_finishes():
    spider = make_spider([BASE + "/rss"])
    response = TextResponse(BASE + "/rss", body=own_feed("rdf_feed_rss1.xml"),
                            headers={"Content-Type": "application/rdf+xml", "ETag": '"v1"'})
    list(spider.parse_feed_response(response, {"url": BASE + "/rss"}))
    assert spider._pending_state[BASE + "/rss"]["etag"] == '"v1"'
    assert spider.state.get(BASE + "/rss") is None

"""extractors/text.py: main text, title, date (by order of trust) and declared canonical URL.

Recorded pages (tests/files/news, written for these tests and modelled on real templates) carry
their ground truth in expected.json ("with"/"without" snippets, trafilatura evaldata style);
the real pages in ../shared are used from there and skipped without it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from hjwatch import InputError
from hjwatch.extractors.text import (
    Article, date_in_text, decode_html, html_to_text, looks_like_html, page_published, parse_date, tidy_text,
    _parse,
)

NEWS = Path(__file__).resolve().parents[1] / "files" / "news"
EXPECTED = {k: v for k, v in json.loads((NEWS / "expected.json").read_text(encoding="utf-8")).items()
            if not k.startswith("_")}
BASE, BASE2 = "https://www.example.org", "https://www.example.net"


def fill(text: str) -> str:
    return text.replace("{base2}", BASE2).replace("{base}", BASE)


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return {name: html_to_text(fill((NEWS / name).read_text(encoding="utf-8")), url=BASE + "/fetched")
            for name in EXPECTED}


RECORDED = sorted(EXPECTED)


@pytest.mark.parametrize("name", RECORDED)
def test_body_sentences_kept(articles, name):
    missing = [s for s in EXPECTED[name]["with"] if s not in articles[name].text]
    assert missing == []


@pytest.mark.parametrize("name", RECORDED)
def test_boilerplate_dropped(articles, name):
    leaked = [s for s in EXPECTED[name]["without"] if s in articles[name].text]
    assert leaked == []


@pytest.mark.parametrize("name", RECORDED)
def test_title(articles, name):
    assert articles[name].title == EXPECTED[name]["title"]


@pytest.mark.parametrize("name", RECORDED)
def test_published(articles, name):
    assert articles[name].published == EXPECTED[name]["published"]


@pytest.mark.parametrize("name", RECORDED)
def test_declared_canonical(articles, name):
    assert articles[name].canonical_url == fill(EXPECTED[name]["canonical"])


def test_text_is_one_block_per_line(articles):
    lines = articles["bbc_article.html"].text.splitlines()
    assert any(line.startswith("An NHS trust has served notice") for line in lines)
    assert all(line == line.strip() and line for line in lines)


# -- date sources, in order of trust ---------------------------------------------------------

def page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}<article><p>Story text.</p></article></body></html>"


META = '<meta property="article:published_time" content="2024-01-02T10:00:00Z">'
JSONLD = '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2024-03-04T10:00:00Z"}</script>'
TIME = '<time datetime="2024-05-06">6 May</time>'
TEXT = "<p>Posted in News on July 8, 2024</p>"


def published(html: str) -> str | None:
    return page_published(_parse(html), today=dt.date(2026, 1, 1))


def test_meta_beats_jsonld_time_and_text():
    assert published(page(META + JSONLD, TIME + TEXT)) == "2024-01-02"


def test_jsonld_beats_time_and_text():
    assert published(page(JSONLD, TIME + TEXT)) == "2024-03-04"


def test_time_beats_text():
    assert published(page("", TIME + TEXT)) == "2024-05-06"


def test_text_date_last():
    assert published(page("", TEXT)) == "2024-07-08"


def test_date_inside_article_beats_site_header_date():
    html = ('<html><body><div class="td-header-date">Tuesday, 20 May 2025</div><article><h1>T</h1>'
            '<span class="entry-date">3 April 2025</span><p>Story text.</p></article></body></html>')
    assert published(html) == "2025-04-03"


def test_text_date_inside_article_first():
    html = ('<html><body><aside>Posted on 1 January 2024</aside><article><p>Posted in News on '
            'February 2, 2024</p><p>Story text.</p></article></body></html>')
    assert published(html) == "2024-02-02"


def test_jsonld_in_graph_and_lists():
    graph = '<script type="application/ld+json">[{"@graph":[{"@type":"WebPage","datePublished":"2023-09-10"}]}]</script>'
    assert published(page(graph)) == "2023-09-10"


def test_broken_jsonld_falls_through():
    broken = '<script type="application/ld+json">{"datePublished": "2024-01-01",</script>'
    assert published(page(broken, TEXT)) == "2024-07-08"


@pytest.mark.parametrize("placeholder", ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2099-01-01", "", "soon"])
def test_placeholder_dates_rejected(placeholder):
    jsonld = '<script type="application/ld+json">{"datePublished": "%s"}</script>' % placeholder
    assert published(page(jsonld, TEXT)) == "2024-07-08"


@pytest.mark.parametrize("value,iso", [
    ("2019-11-19T09:44:09+00:00", "2019-11-19"),
    ("2019-11-20T06:37:00", "2019-11-20"),  # Sky's JSON-LD has no time zone
    ("Tue, 04 Mar 2025 09:30:00 +0000", "2025-03-04"),
    ("20th May 2025", "2025-05-20"),
    ("October 12, 2017", "2017-10-12"),
    ("12 Sept 2024", "2024-09-12"),
    ("2024-02-30", None),
    (None, None),
])
def test_parse_date(value, iso):
    assert parse_date(value, today=dt.date(2026, 1, 1)) == iso


@pytest.mark.parametrize("text,iso", [
    ("Posted in News on May 24, 2023 by admin", "2023-05-24"),
    ("Published: 4 March 2025", "2025-03-04"),
    ("Last updated on 01/02/2024", "2024-02-01"),  # UK day/month order
    ("Call 0300 311 22 33 or visit us since 1948", None),
    ("Founded in May 2020", None),  # no day: not a publication date
])
def test_date_in_text(text, iso):
    assert date_in_text(text, today=dt.date(2026, 1, 1)) == iso


# -- bad input --------------------------------------------------------------------------------

def test_empty_page_gives_empty_text():
    assert html_to_text("") == Article(text="")
    assert html_to_text("   \n").text == ""


def test_binary_refused_with_one_line_error():
    with pytest.raises(InputError, match="binary"):
        html_to_text(b"%PDF-1.7\x00\x01\x02" * 10)


def test_oversized_refused():
    with pytest.raises(InputError, match="too large"):
        html_to_text("<html><body>" + "<p>x</p>" * 1_300_000 + "</body></html>")


def test_bytes_decoded_by_meta_charset():
    html = '<html><head><meta charset="windows-1252"></head><body><article><p>Café at HMP Leeds – open</p></article></body></html>'
    assert "Café at HMP Leeds – open" in html_to_text(html.encode("cp1252")).text


def test_decode_html_uses_http_charset():
    assert decode_html("£5".encode("latin-1"), "text/html; charset=iso-8859-1") == "£5"


def test_decode_html_mislabelled_utf8_header_falls_back_to_cp1252():
    assert decode_html("Contract worth £85m – awarded".encode("cp1252"), "text/html; charset=utf-8") == \
        "Contract worth £85m – awarded"


def test_decode_html_meta_charset_when_header_has_none():
    body = '<meta charset="iso-8859-1"><p>Café</p>'.encode("latin-1")
    assert "Café" in decode_html(body, "text/html")


def test_decode_html_bom_wins_and_is_dropped():
    assert decode_html("\ufeff<p>£1</p>".encode("utf-8"), "text/html; charset=iso-8859-1") == "<p>£1</p>"


def test_decode_html_unknown_charset_name_ignored():
    assert decode_html("£1".encode("utf-8"), "text/html; charset=x-no-such-thing") == "£1"


def test_mojibake_repaired():
    assert tidy_text("NHS Englandâ€™s contract worth Â£5m") == "NHS England’s contract worth £5m"


def test_markup_soup_does_not_raise():
    assert isinstance(html_to_text("<html><body><p>unclosed <b>bold <i>italic</body>").text, str)


def test_text_only_page_uses_rules_fallback():
    # Too short for trafilatura's article detection: the selectolax rules read it without the nav.
    a = html_to_text("<html><body><nav><a href='/'>Home</a> News</nav><main><p>HMP Leeds healthcare"
                     " moves to a new provider.</p></main><footer>Contact</footer></body></html>")
    assert a.text == "HMP Leeds healthcare moves to a new provider."


def test_looks_like_html():
    assert looks_like_html("<!doctype html><p>x</p>")
    assert looks_like_html("<div><p>a</p><p>b</p><span>c</span></div>")
    assert not looks_like_html("Oxleas NHS Foundation Trust lost the contract.")


# -- real pages from ../shared ----------------------------------------------------------------

BENCH_DATES = {
    "70cb2d5b": "2019-11-19",  # BBC: JSON-LD only
    "5fa3154e": "2019-11-18",  # Guardian: article:published_time
    "92101975": "2019-11-20",  # Sky: JSON-LD without a time zone
    "ad9e9e59": "2018-10-09",  # GiveWell: -05:00 offset
    "c58aa507": "2019-11-19",  # USA Today: placeholder 0001-01-01 in JSON-LD must be skipped
    "5ae11e58": "2017-10-12",  # Ascom: a date line only
}


@pytest.fixture(scope="module")
def bench(request):
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "html" / "article-extraction-benchmark"
    if not shared.is_dir():
        pytest.skip("../shared is not present")
    truth = json.loads((shared / "ground-truth.subset.json").read_text(encoding="utf-8"))
    return {key[:8]: (html_to_text(gzip.open(shared / f"{key}.html.gz", "rt", encoding="utf-8").read(),
                                   url=truth[key]["url"]), truth[key]) for key in truth}


@pytest.mark.parametrize("short,iso", sorted(BENCH_DATES.items()))
def test_real_page_dates(bench, short, iso):
    assert bench[short][0].published == iso


def test_real_pages_keep_most_of_the_body(bench):
    for short, (article, truth) in bench.items():
        first = truth["articleBody"].split("\n")[0][:60]
        assert first.split()[0] in article.text, short


def test_real_msn_page_declares_foreign_canonical(bench):
    assert bench["abd9d629"][0].canonical_url.startswith("https://www.nbcnews.com/")


def test_real_bbc_page_cookie_banner_dropped(bench):
    text = bench["70cb2d5b"][0].text
    assert "cookies" not in text.lower()
    assert "Taylor Swift" in text


def test_wordpress_post_metadata(shared_dir):
    html = (shared_dir / "fixtures" / "html" / "wptavern_wordpress_post.source.html").read_text(encoding="utf-8")
    meta = json.loads((shared_dir / "fixtures" / "html" / "wptavern_wordpress_post.expected-metadata.json").read_text())
    a = html_to_text(html)
    assert a.title == meta["title"]
    assert a.published == meta["publishedTime"][:10]
    assert "Stack Overflow" in a.text
    assert "Leave a Reply" not in a.text

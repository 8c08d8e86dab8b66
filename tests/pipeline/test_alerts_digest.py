"""The digest: grouping, subject, text and HTML parts, and the RFC 5322 message."""

import datetime as dt
import doctest
import email
import email.policy

import pytest

from hjwatch.pipeline import digest
from hjwatch.pipeline.digest import build_message, group_records, section_of, subject_for

NOW = dt.datetime(2026, 11, 23, 2, 30, tzinfo=dt.timezone.utc)

NOTICE = {
    "doc_id": 10, "kind": "notice", "source": "fts", "relevant": True,
    "url": "https://www.find-tender.service.gov.uk/Notice/031122-2026?ocid=ocds-h6vhtk-05a1b2",
    "title": "Healthcare Services for HMP Leeds & HMP Wealstun – Lot 1", "published": "2026-11-20",
    "prisons": ["HMP Leeds", "HMP Wealstun"], "buyers": ["NHS England"], "values_gbp": [48000000],
    "durations_months": [60], "events": ["tender"], "litigation": False, "litigation_snippets": [],
}
AWARD = {
    "doc_id": 11, "kind": "notice", "source": "contracts_finder", "relevant": True,
    "url": "https://www.contractsfinder.service.gov.uk/Notice/abc?ocid=ocds-b5fd17-1",
    "title": "Award: Integrated healthcare at HMP Belmarsh", "published": "2026-11-21",
    "prisons": ["HMP Belmarsh"], "companies": ["Practice Plus Group"], "values_gbp": [85000000],
    "contract_start": "2027-04-01", "contract_end": "2034-03-31", "events": ["award"], "litigation": False,
}
NEWS = {
    "doc_id": 12, "kind": "news", "source": "www.insidetime.org", "relevant": True,
    "url": "https://insidetime.org/news/prison-health-review", "title": "Review of prison health care",
    "published": None, "fetched_at": "2026-11-22T23:10:00+00:00", "events": ["inspection"],
}
LEGAL = {
    "doc_id": 13, "kind": "news", "source": "www.hcsa.com", "relevant": True,
    "url": "https://www.hcsa.com/news/ppg-legal-action", "title": "PPG takes legal action against NHS England",
    "published": "2026-11-22", "companies": ["Practice Plus Group"], "buyers": ["NHS England"],
    "events": ["legal_challenge"], "litigation": True,
    "litigation_snippets": ["PPG is taking legal action against NHS England over the award"],
}
HOSTILE = {
    "doc_id": 14, "kind": "news", "source": "evil.example", "relevant": True,
    "url": "javascript:alert(1)", "title": '<script>alert("x")</script> Prison & <b>health</b>',
    "prisons": ["<img src=x onerror=alert(1)>"], "events": ["other"],
    "litigation_snippets": ["<iframe src='https://evil.example'></iframe>"], "litigation": True,
}


def test_doctests():
    assert doctest.testmod(digest).failed == 0


@pytest.mark.parametrize("record, section", [
    (LEGAL, "legal"), (AWARD, "awards"), (NOTICE, "notices"), (NEWS, "news"),
    ({"kind": "news", "events": ["notice_served"]}, "awards"),
    ({"kind": "notice", "events": ["loss"], "litigation": True}, "legal"),
])
def test_section_of(record, section):
    assert section_of(record) == section


def test_groups_in_order_legal_awards_notices_news():
    groups = group_records([NEWS, NOTICE, AWARD, LEGAL])
    assert [g.key for g in groups] == ["legal", "awards", "notices", "news"]


def test_empty_groups_left_out():
    assert [g.key for g in group_records([NEWS])] == ["news"]


def test_newest_first_within_group():
    older = {**NOTICE, "doc_id": 1, "title": "Older", "published": "2026-01-01"}
    (group,) = group_records([older, NOTICE])
    assert [r["title"] for r in group.records] == [NOTICE["title"], "Older"]


def test_subject_counts_from_issue_example():
    recs = [NOTICE, AWARD, {**NOTICE, "doc_id": 99}, NEWS, LEGAL]
    assert subject_for(recs) == "hjwatch: 3 new contract notices, 2 news items, 1 legal challenge"


def test_subject_singular():
    assert subject_for([NOTICE]) == "hjwatch: 1 new contract notice"


def test_subject_names_failed_sources():
    assert subject_for([NEWS], ["news", "fts"]) == "hjwatch: 1 news item (2 sources failed: fts, news)"


def message(records, **kw):
    return build_message(records, sender="hjwatch@example.org", recipient="research@example.org", now=NOW, **kw)


def parts(msg):
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_message_headers():
    msg = message([NOTICE])
    assert msg["From"] == "hjwatch@example.org"
    assert msg["To"] == "research@example.org"
    assert msg["Date"] == "Mon, 23 Nov 2026 02:30:00 +0000"
    assert msg["Subject"] == "hjwatch: 1 new contract notice"
    assert msg["Message-ID"].endswith("@example.org>")


def test_message_round_trips_as_rfc5322():
    raw = message([NOTICE, LEGAL]).as_bytes(policy=email.policy.SMTP)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "hjwatch: 1 new contract notice, 1 news item, 1 legal challenge"
    assert parsed.is_multipart()
    assert b"\r\n" in raw


def test_text_has_full_title_as_published():
    text, html = parts(message([NOTICE]))
    assert NOTICE["title"] in text


def test_text_item_has_link_source_and_date():
    text, _ = parts(message([NOTICE]))
    assert NOTICE["url"] in text
    assert "fts | notice | 2026-11-20" in text


def test_text_item_has_extracted_facts():
    text, _ = parts(message([AWARD]))
    assert "Prisons: HMP Belmarsh" in text
    assert "Companies: Practice Plus Group" in text
    assert "Values: £85,000,000" in text
    assert "Contract period: 2027-04-01 to 2034-03-31" in text
    assert "Events: award" in text


def test_text_item_has_litigation_snippet():
    text, html = parts(message([LEGAL]))
    assert "Litigation: PPG is taking legal action against NHS England over the award" in text
    assert "PPG is taking legal action against NHS England over the award" in html


def test_date_falls_back_to_fetch_date():
    text, _ = parts(message([NEWS]))
    assert "www.insidetime.org | news | 2026-11-22" in text


def test_sections_in_text_in_order():
    text, _ = parts(message([NEWS, NOTICE, AWARD, LEGAL]))
    positions = [text.index(h) for h in ("== Legal challenges (1)", "== Awards and losses (1)",
                                         "== Contract notices (1)", "== News (1)")]
    assert positions == sorted(positions)


def test_html_escapes_title_ampersand():
    _, html = parts(message([NOTICE]))
    assert "HMP Leeds &amp; HMP Wealstun" in html


def test_html_links_title_to_url():
    _, html = parts(message([NOTICE]))
    assert f'<a href="{NOTICE["url"]}">' in html


def test_html_escapes_hostile_source_text():
    _, html = parts(message([HOSTILE]))
    assert "<script>" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert "&lt;script&gt;" in html


def test_html_does_not_link_javascript_urls():
    _, html = parts(message([HOSTILE]))
    assert 'href="javascript' not in html


def test_failed_sources_noted_in_both_parts():
    text, html = parts(message([NEWS], failed_sources=["contracts_finder"]))
    assert "failed in this run" in text and "contracts_finder" in text
    assert "failed in this run" in html and "contracts_finder" in html


def test_no_failure_note_when_all_sources_ok():
    text, _ = parts(message([NEWS]))
    assert "failed" not in text


def test_control_characters_and_newlines_in_titles_cleaned():
    text, _ = parts(message([{**NEWS, "title": "Prison\nhealth\x07care\r\nreview"}]))
    assert "* Prison healthcare review\n" in text
    assert "\x07" not in text


def test_non_ascii_text_survives():
    rec = {**NEWS, "title": "Soins de santé en prison – £1m contract"}
    raw = message([rec]).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert "Soins de santé en prison – £1m contract" in parsed.get_body(("plain",)).get_content()


# -- odd records: whatever the store hands over, the digest renders ---------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

_hostile = st.sampled_from(["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
                            "a & b < c > d \" '", "\x00\x07\r\n"])
_text = st.one_of(st.text(max_size=40), _hostile, st.builds(lambda a, b: a + b, st.text(max_size=10), _hostile))
_values = st.one_of(st.none(), _text, st.integers(), st.floats(allow_nan=True),
                    st.lists(st.one_of(_text, st.integers(), st.none()), max_size=4))
_records = st.fixed_dictionaries({}, optional={
    k: _values for k in ("kind", "title", "url", "source", "published", "fetched_at", "prisons", "trusts",
                         "companies", "buyers", "values_gbp", "durations_months", "events", "litigation",
                         "litigation_snippets", "contract_start", "contract_end")})


@settings(max_examples=60, deadline=None)
@given(st.lists(_records, min_size=1, max_size=4))
def test_any_record_renders_and_stays_escaped(records):
    msg = message(records)
    html = msg.get_body(("html",)).get_content()
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert 'href="javascript' not in html.lower()
    assert msg["Subject"].startswith("hjwatch: ")


def test_string_where_list_expected_is_one_name():
    text, _ = parts(message([{**NEWS, "prisons": "HMP Leeds", "events": "award"}]))
    assert "Prisons: HMP Leeds\n" in text
    assert "== Awards and losses (1)" in text


def test_huge_title_kept_whole():
    title = "Prison healthcare " * 2000
    text, _ = parts(message([{**NEWS, "title": title}]))
    assert title.strip() in text

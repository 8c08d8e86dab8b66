"""The alert digest: grouping, subject line, text and HTML rendering, the email message.

Pure functions over export-shaped records (CONTRACT.md "Export" fields plus a document id);
delivery lives in :mod:`hjwatch.pipeline.delivery`, the decision what to send in
:mod:`hjwatch.pipeline.alerts`.

Every piece of source text (titles, names, snippets, URLs) is HTML-escaped in the HTML part:
a feed can carry any markup, and a digest must not run a source's script or hide a link.

Example::

    >>> recs = [{"kind": "notice", "title": "Healthcare at HMP Leeds", "events": ["tender"]},
    ...         {"kind": "news", "title": "Provider sues", "litigation": True}]
    >>> subject_for(recs)
    'hjwatch: 1 new contract notice, 1 news item, 1 legal challenge'
    >>> [g.heading for g in group_records(recs)]
    ['Legal challenges', 'Contract notices']
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any, Iterable, Mapping, Sequence

# Events that make a record "an award or a loss": who won, who lost, who is leaving.
AWARD_EVENTS = {"award", "intention_to_award", "loss", "withdrawal", "notice_served"}

# Digest sections, most urgent first (the order: legal challenges, then awards and
# losses, notices, news). Each record appears in the first section it qualifies for.
SECTIONS = ("legal", "awards", "notices", "news")
HEADINGS = {
    "legal": "Legal challenges",
    "awards": "Awards and losses",
    "notices": "Contract notices",
    "news": "News",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Group:
    """One digest section: a key from :data:`SECTIONS`, its heading and its records."""

    key: str
    heading: str
    records: list[dict]


def is_legal(record: Mapping[str, Any]) -> bool:
    """A legal challenge: litigation found, or the ``legal_challenge`` event.

    >>> is_legal({"events": ["legal_challenge"]}), is_legal({"litigation": False})
    (True, False)
    """
    return bool(record.get("litigation")) or "legal_challenge" in _as_list(record.get("events"))


def section_of(record: Mapping[str, Any]) -> str:
    """The section a record is listed in.

    >>> section_of({"kind": "news", "events": ["loss"]})
    'awards'
    >>> section_of({"kind": "notice", "events": ["tender"]})
    'notices'
    """
    if is_legal(record):
        return "legal"
    if AWARD_EVENTS & {str(e) for e in _as_list(record.get("events"))}:
        return "awards"
    if record.get("kind") == "notice":
        return "notices"
    return "news"


def group_records(records: Iterable[Mapping[str, Any]]) -> list[Group]:
    """Non-empty sections in :data:`SECTIONS` order, newest record first within each."""
    buckets: dict[str, list[dict]] = {k: [] for k in SECTIONS}
    for rec in records:
        buckets[section_of(rec)].append(dict(rec))
    groups = []
    for key in SECTIONS:
        if buckets[key]:
            items = sorted(buckets[key], key=lambda r: (str(_date_of(r) or ""), str(r.get("title") or "")))
            items.sort(key=lambda r: str(_date_of(r) or ""), reverse=True)
            groups.append(Group(key, HEADINGS[key], items))
    return groups


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def counts_phrase(records: Sequence[Mapping[str, Any]]) -> str:
    """"3 new contract notices, 2 news items, 1 legal challenge" (zero counts left out).

    Notices and news are counted by kind; legal challenges are counted again on their own,
    because that is the figure a reader looks for first.

    >>> counts_phrase([{"kind": "notice"}] * 3)
    '3 new contract notices'
    """
    notices = sum(1 for r in records if r.get("kind") == "notice")
    news = len(records) - notices
    legal = sum(1 for r in records if is_legal(r))
    parts = []
    if notices:
        parts.append(_plural(notices, "new contract notice", "new contract notices"))
    if news:
        parts.append(_plural(news, "news item", "news items"))
    if legal:
        parts.append(_plural(legal, "legal challenge", "legal challenges"))
    return ", ".join(parts) or "nothing new"


def subject_for(records: Sequence[Mapping[str, Any]], failed_sources: Iterable[str] = ()) -> str:
    """The email subject: counts, and a warning when sources failed.

    >>> subject_for([{"kind": "news"}], ["fts"])
    'hjwatch: 1 news item (1 source failed: fts)'
    """
    subject = f"hjwatch: {counts_phrase(records)}"
    failed = sorted(failed_sources)
    if failed:
        subject += f" ({_plural(len(failed), 'source', 'sources')} failed: {', '.join(failed)})"
    return subject


# -- rendering -----------------------------------------------------------------------------


@lru_cache(maxsize=None)
def template(name: str) -> Template:
    """A template from ``pipeline/templates/`` (shipped as package data)."""
    text = resources.files("hjwatch.pipeline").joinpath("templates", name).read_text(encoding="utf-8")
    return Template(text)


def clean(value: Any) -> str:
    """One line of source text: control characters dropped, whitespace runs collapsed.

    >>> clean("Prison\\n  healthcare\\x07 contract")
    'Prison healthcare contract'
    """
    if value is None:
        return ""
    return " ".join(_CONTROL.sub("", str(value)).split())


def format_gbp(value: Any) -> str:
    """Whole pounds with separators: ``85000000`` → ``£85,000,000``.

    >>> format_gbp(85000000), format_gbp(1234.5)
    ('£85,000,000', '£1,234')
    """
    try:
        return f"£{int(value):,}"
    except (TypeError, ValueError, OverflowError):
        return clean(value)


def _date_of(record: Mapping[str, Any]) -> str | None:
    published = record.get("published")
    if published:
        return str(published)[:10]
    fetched = record.get("fetched_at")
    return str(fetched)[:10] if fetched else None


def facts(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What the extractor found, as (label, value) lines; empty fields are left out.

    >>> facts({"prisons": ["HMP Leeds"], "values_gbp": [1000000], "events": ["award"]})
    [('Prisons', 'HMP Leeds'), ('Values', '£1,000,000'), ('Events', 'award')]
    """
    out = []

    def names(label: str, key: str) -> None:
        values = [clean(v) for v in _as_list(record.get(key)) if clean(v)]
        if values:
            out.append((label, "; ".join(values)))

    names("Prisons", "prisons")
    names("Trusts", "trusts")
    names("Companies", "companies")
    names("Buyers", "buyers")
    values = _as_list(record.get("values_gbp"))
    if values:
        out.append(("Values", ", ".join(format_gbp(v) for v in values)))
    durations = [int(d) for d in _as_list(record.get("durations_months")) if _is_int(d)]
    if durations:
        out.append(("Durations", ", ".join(_plural(d, "month", "months") for d in durations)))
    start, end = record.get("contract_start"), record.get("contract_end")
    if start or end:
        out.append(("Contract period", f"{clean(start) or '?'} to {clean(end) or '?'}"))
    events = _as_list(record.get("events"))
    if events:
        out.append(("Events", ", ".join(clean(e) for e in events)))
    for snippet in _as_list(record.get("litigation_snippets")):
        if clean(snippet):
            out.append(("Litigation", clean(snippet)))
    if record.get("matched_rules"):
        out.append(("Matched rules", ", ".join(clean(r) for r in _as_list(record["matched_rules"]))))
    return [(label, value) for label, value in out if value]


def _as_list(value: Any) -> list:
    """A field as a list: a lone string is one value, not a sequence of characters."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _is_int(value: Any) -> bool:
    try:
        int(value)
        return True
    except (TypeError, ValueError, OverflowError):
        return False


def safe_href(url: Any) -> str | None:
    """The URL if it is one a reader can safely click (http or https), else None.

    >>> safe_href("https://example.org/a?b=1"), safe_href("javascript:alert(1)")
    ('https://example.org/a?b=1', None)
    """
    url = clean(url)
    return url if re.match(r"(?i)^https?://[^\s]+$", url) else None


def render_text(groups: Sequence[Group], *, generated: str, summary: str, recipient: str,
                failed_sources: Sequence[str] = ()) -> str:
    """The plain-text part."""
    sections = []
    for g in groups:
        items = []
        for rec in g.records:
            lines = [f"  {label}: {value}" for label, value in facts(rec)]
            items.append(template("item.txt").substitute(
                title=clean(rec.get("title")) or "(untitled)",
                url=clean(rec.get("url")),
                source=clean(rec.get("source")),
                kind=clean(rec.get("kind")),
                date=_date_of(rec) or "date unknown",
                facts="\n".join(lines),
            ).rstrip("\n"))
        sections.append(template("section.txt").substitute(
            heading=g.heading, count=len(g.records), items="\n".join(items)).rstrip("\n"))
    failures = (template("failures.txt").substitute(names=", ".join(clean(s) for s in failed_sources))
                if failed_sources else "")
    return template("digest.txt").substitute(
        generated=generated, summary=summary, recipient=recipient or "the outbox",
        failures=failures, sections="\n".join(sections),
    )


def render_html(groups: Sequence[Group], *, generated: str, summary: str, recipient: str, subject: str,
                failed_sources: Sequence[str] = ()) -> str:
    """The HTML part: every value from a source is escaped; only http(s) links are links."""
    e = html.escape
    sections = []
    for g in groups:
        items = []
        for rec in g.records:
            title = e(clean(rec.get("title")) or "(untitled)")
            href = safe_href(rec.get("url"))
            title_link = f'<a href="{e(href, quote=True)}">{title}</a>' if href else title
            if not href and clean(rec.get("url")):
                title_link += f" <small>({e(clean(rec.get('url')))})</small>"
            lines = "".join(f"<br><em>{e(label)}:</em> {e(value)}" for label, value in facts(rec))
            items.append(template("item.html").substitute(
                title_link=title_link,
                source=e(clean(rec.get("source"))),
                kind=e(clean(rec.get("kind"))),
                date=e(_date_of(rec) or "date unknown"),
                facts=lines,
            ).rstrip("\n"))
        sections.append(template("section.html").substitute(
            heading=e(g.heading), count=len(g.records), items="\n".join(items)).rstrip("\n"))
    failures = (template("failures.html").substitute(names=e(", ".join(clean(s) for s in failed_sources)))
                if failed_sources else "")
    return template("digest.html").substitute(
        generated=e(generated), summary=e(summary), recipient=e(recipient or "the outbox"),
        subject=e(subject), failures=failures, sections="\n".join(sections),
    )


def build_message(records: Sequence[Mapping[str, Any]], *, sender: str, recipient: str,
                  now: dt.datetime, failed_sources: Sequence[str] = ()) -> EmailMessage:
    """One RFC 5322 digest message (From, To, Date, Subject, Message-ID; text + HTML parts).

    >>> msg = build_message([{"kind": "news", "title": "T", "url": "https://x.org/a"}],
    ...     sender="hjwatch@example.org", recipient="r@example.org",
    ...     now=dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc))
    >>> msg["Subject"], msg["Date"]
    ('hjwatch: 1 news item', 'Fri, 02 Jan 2026 03:04:00 +0000')
    >>> [p.get_content_type() for p in msg.iter_parts()]
    ['text/plain', 'text/html']
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.timezone.utc)
    groups = group_records(records)
    subject = subject_for(records, failed_sources)
    generated = now.strftime("%Y-%m-%d %H:%M %Z").strip()
    summary = f"{len(records)} new {'record' if len(records) == 1 else 'records'}: {counts_phrase(records)}."
    text = render_text(groups, generated=generated, summary=summary, recipient=recipient,
                       failed_sources=failed_sources)
    body_html = render_html(groups, generated=generated, summary=summary, recipient=recipient,
                            subject=subject, failed_sources=failed_sources)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient or sender
    msg["Date"] = format_datetime(now)
    msg["Subject"] = subject
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid("hjwatch", domain=domain)
    msg.set_content(text)
    msg.add_alternative(body_html, subtype="html")
    return msg

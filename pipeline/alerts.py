"""Alerts: send one digest per recipient of every new relevant record, then mark them sent.

``send_pending(db, config)`` is the whole of ``hjwatch alerts`` and the last step of
``hjwatch nightly``:

1. ``db.pending_alerts(db)`` gives the relevant records not yet alerted (near-duplicates of an
   alerted record are already left out by the store);
2. the ``[[alerts.rules]]`` (:mod:`hjwatch.pipeline.rules`) decide who gets which record;
3. one digest per recipient (:mod:`hjwatch.pipeline.digest`) is delivered by SMTP or written
   to the outbox (:mod:`hjwatch.pipeline.delivery`);
4. only then ``db.mark_alerted`` records them, so a failed send is retried by the next run and
   nothing is sent twice.

A record that goes to several recipients is marked only when every one of them accepted it: if
one delivery fails, the record stays pending and is retried for all (a possible repeat for the
others is better than a lost alert).

Example (no SMTP host: the digest is an .eml file)::

    report = send_pending(db, load_config())
    print(report.summary())   # "1 digest sent (5 records) to the outbox"
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from hjwatch import InputError
from hjwatch.config import Config
from hjwatch.pipeline import delivery, digest, rules as rules_mod

log = logging.getLogger(__name__)


@dataclass
class Sent:
    """One digest that was delivered (or, in a dry run, would have been)."""

    recipient: str
    subject: str
    message_id: str
    doc_ids: list
    where: str  # "smtp:host:port" or the .eml path


@dataclass
class AlertReport:
    """What ``send_pending`` did: digests sent, records marked, failures (one line each)."""

    pending: int = 0
    matched: int = 0
    sent: list[Sent] = field(default_factory=list)
    marked: list = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    dry_run: bool = False
    previews: list[Any] = field(default_factory=list)  # EmailMessage objects in a dry run

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        """One line for logs and the CLI.

        >>> AlertReport(pending=0).summary()
        'no new records to alert'
        """
        if not self.matched and not self.failures:
            return "no new records to alert" if not self.pending else (
                f"{self.pending} pending records matched no alert rule")
        verb = "would send" if self.dry_run else "sent"
        n = len(self.sent)
        parts = [f"{verb} {n} digest{'s' if n != 1 else ''} ({self.matched} records)"]
        if not self.dry_run:
            parts.append(f"{len(self.marked)} marked alerted")
        if self.failures:
            parts.append(f"{len(self.failures)} failed: {'; '.join(self.failures)}")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return {
            "pending": self.pending,
            "matched": self.matched,
            "sent": [s.__dict__ for s in self.sent],
            "marked": list(self.marked),
            "failures": list(self.failures),
            "dry_run": self.dry_run,
        }


def doc_id_of(record: Mapping[str, Any]) -> Any:
    """The store's id of a pending record (``doc_id``, else ``id``)."""
    return record["doc_id"] if "doc_id" in record else record.get("id")


def with_text(store, db, record: Mapping[str, Any]) -> dict:
    """The record plus its stored plain text, for rules with ``keywords`` (the export fields
    carry only the title and snippets). A record whose text cannot be read keeps those."""
    try:
        doc = store.get_document(db, doc_id_of(record)) or {}
    except Exception as exc:  # noqa: BLE001 - a keyword match is not worth losing an alert
        log.warning("alerts: text of document %s unreadable (%s); matching keywords on its title", doc_id_of(record), exc)
        doc = {}
    return {**record, "text": doc.get("text") or ""}


def plan(records: Iterable[Mapping[str, Any]], rules: list[rules_mod.Rule]) -> dict[str, list[dict]]:
    """Recipient → the records (with ``matched_rules``) their digest lists, in input order.

    >>> r = [rules_mod.Rule("all", ("a@x.org",))]
    >>> plan([{"doc_id": 1, "relevant": True}, {"doc_id": 2, "relevant": False}], r)
    {'a@x.org': [{'doc_id': 1, 'relevant': True, 'matched_rules': ['all']}]}
    """
    out: dict[str, list[dict]] = {}
    for rec in records:
        for recipient, names in rules_mod.recipients_for(rec, rules).items():
            out.setdefault(recipient, []).append({**rec, "matched_rules": names})
    return out


def send_pending(db, config: Config, *, now: dt.datetime | None = None, dry_run: bool = False,
                 failed_sources: Iterable[str] = (), env: Mapping[str, str] | None = None) -> AlertReport:
    """Send one digest per recipient of the pending records; mark them alerted after success.

    ``failed_sources`` (from the crawl) are named in the digest and its subject. In a dry run the
    messages are built and returned in ``report.previews``; nothing is sent or marked.
    Raises :class:`hjwatch.InputError` for a malformed ``[alerts]`` table; delivery failures are
    reported in ``report.failures`` (one line each), never raised, so a caller can finish its run.
    """
    from hjwatch import db as store  # the store's API (pending_alerts, mark_alerted)

    alerts = config.alerts
    delivery.check_settings(alerts)
    rules = rules_mod.parse_rules(alerts)
    now = now or dt.datetime.now(dt.timezone.utc)
    failed = sorted(set(failed_sources))
    report = AlertReport(dry_run=dry_run)

    pending = list(store.pending_alerts(db))
    report.pending = len(pending)
    if any(rule.keywords for rule in rules):
        pending = [with_text(store, db, rec) for rec in pending]
    by_recipient = plan(pending, rules)
    wanted: dict[Any, set[str]] = {}
    for recipient, recs in by_recipient.items():
        for rec in recs:
            wanted.setdefault(doc_id_of(rec), set()).add(recipient)
    report.matched = len(wanted)
    if not by_recipient:
        log.info("alerts: %s", report.summary())
        return report

    smtp_host = alerts.get("smtp_host")
    sender = alerts.get("from") or "hjwatch@localhost"
    if smtp_host and "" in by_recipient:
        # Rules with no recipient and no [alerts] to: nowhere to send by SMTP.
        raise InputError("[alerts] to is empty: say who receives the digest (or leave out smtp_host to use the outbox)")
    credentials = config.smtp_credentials(env)
    stamp = now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    delivered: dict[str, Sent] = {}
    for recipient, recs in by_recipient.items():
        msg = digest.build_message(recs, sender=sender, recipient=recipient, now=now, failed_sources=failed)
        ids = [doc_id_of(r) for r in recs]
        if dry_run:
            report.previews.append(msg)
            report.sent.append(Sent(recipient, msg["Subject"], msg["Message-ID"], ids, "dry run"))
            continue
        try:
            if smtp_host:
                delivery.send_smtp(msg, recipient, alerts, credentials)
                where = f"smtp:{smtp_host}:{alerts.get('smtp_port', 25)}"
            else:
                where = str(delivery.write_eml(msg, alerts.get("outbox") or "outbox", stamp=stamp))
        except delivery.DeliveryError as exc:
            report.failures.append(f"{recipient or 'outbox'}: {exc}")
            log.error("alerts: digest for %s not sent, will retry next run: %s", recipient or "outbox", exc)
            continue
        sent = Sent(recipient, msg["Subject"], msg["Message-ID"], ids, where)
        delivered[recipient] = sent
        report.sent.append(sent)
        log.info("alerts: sent %r (%d records) to %s", sent.subject, len(ids), recipient or where)

    if dry_run:
        log.info("alerts: %s", report.summary())
        return report

    # Mark a record only when every recipient it was meant for has it.
    complete = {doc for doc, recips in wanted.items() if recips <= delivered.keys()}
    for recipient, sent in delivered.items():
        ids = [d for d in sent.doc_ids if d in complete]
        if ids:
            store.mark_alerted(db, ids, recipients=[recipient or sender], subject=sent.subject,
                               message_id=sent.message_id)
    report.marked = sorted(complete, key=str)
    level = logging.WARNING if report.failures else logging.INFO
    log.log(level, "alerts: %s", report.summary())
    return report

"""End to end: `hjwatch nightly` (a subprocess) against a loopback mirror of every source and a
real SMTP server (aiosmtpd).

One sequence of runs against one mirror, shared by small tests (a module-scoped fixture, so each
`hjwatch nightly` runs once; a run costs 5-15 s, so there are few):

0. ``--dry-run``: crawls for real, prints the digest, creates no database and sends nothing;
1. a run SIGKILLed while it fetches article pages;
2. the next run takes over the lock, stores every document once (nothing lost, nothing
   duplicated) and sends one digest of exactly the relevant items;
3. a second run stores and sends nothing;
4. new items are published while Contracts Finder answers 500 and the mail server is down: the
   other sources are stored, the exit status is 1, nothing is marked sent;
5. the mail server is back: the digest lists exactly the new items and names the failed source.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.forked_cli import run_cli, start_cli, warm_up
from tests.pipeline.nightly_mirror import Mirror
from tests.pipeline.smtp_server import SmtpServer, free_port

pytestmark = pytest.mark.slow

# What the recordings hold (tests/files/nightly), by title.
RELEVANT_NOTICES = {
    "Integrated Healthcare Services for HMP Leeds and HMP Wealstun",
    "Contract award: Healthcare at HMP Belmarsh, HMP Thameside and HMP Isis",
    "Healthcare services at Brook House and Tinsley House Immigration Removal Centres",
    "Substance Misuse Services - HMP Liverpool and HMP Altcourse",
}
CF_NOTICE = "Substance Misuse Services - HMP Liverpool and HMP Altcourse"
RELEVANT_NEWS = {
    "Oxleas serves notice on prison healthcare contracts in Kent & London",
    "Practice Plus Group takes legal action against NHS England over prison contract",
    "Inspectors find long waits for healthcare at HMP Pentonville",
}
IRRELEVANT_NEWS = {"Hospital car parking charges to rise in the new year"}
# Dropped by the notice pre-filter before storage (parking, gully cleansing).
PREFILTERED = {"Civil parking enforcement services", "Highways gully cleansing 2027-2029"}
LATER = {"Dental services for HMP Birmingham", "New healthcare provider named for HMP Wandsworth"}
FIRST_NIGHT_STORED = RELEVANT_NOTICES | RELEVANT_NEWS | IRRELEVANT_NEWS


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


class Night:
    """One scenario's mirror, SMTP port, config file and database."""

    def __init__(self, folder: Path, mirror: Mirror, smtp_port: int):
        self.folder, self.mirror, self.smtp_port = folder, mirror, smtp_port
        self.db = folder / "hjwatch.db"
        self.config = folder / "hjwatch.toml"
        self.write_config(until="2026-11-20T00:00:00")

    def write_config(self, *, until: str) -> None:
        base = self.mirror.base
        self.config.write_text(f"""
[sources.fts]
base_url = "{base}"
[sources.contracts_finder]
base_url = "{base}"
[sources.news]
feeds = ["{base}/feeds/health-justice.rss", "{base}/feeds/secure-environments.atom"]

[alerts]
smtp_host = "127.0.0.1"
smtp_port = {self.smtp_port}
smtp_security = "none"
smtp_timeout = 5
to = ["research@example.org"]
from = "hjwatch@example.org"

[crawl]
since = "2026-11-17"

[scrapy]
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = false
RETRY_TIMES = 1
# The recordings are dated 17-19 November 2026 (20 November for the later ones): the run
# ends there instead of at today's date.
HJWATCH_UNTIL = "{until}"
""", encoding="utf-8")

    def command(self, *extra: str) -> list[str]:
        return [sys.executable, "-m", "hjwatch.cli", "--config", str(self.config), "--db", str(self.db),
                "nightly", "--quiet", *extra]

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HJWATCH_")}
        return env

    def run(self, *extra: str, fresh: bool = False) -> Run:
        """One ``hjwatch nightly``: in a forked child (tests/forked_cli.py), or ``fresh``."""
        if fresh:
            p = subprocess.run(self.command(*extra), capture_output=True, text=True, timeout=120,
                               cwd=self.folder, env=self.env())
        else:
            p = run_cli(self.command(*extra)[3:], cwd=self.folder, env=self.env(), timeout=120)
        # Each run's log stays beside its database, for reading when a test fails.
        self.count = getattr(self, "count", 0) + 1
        (self.folder / f"run{self.count}.stderr.log").write_text(p.stderr, encoding="utf-8")
        return Run(p.returncode, p.stdout, p.stderr)

    def titles(self) -> list[str]:
        with sqlite3.connect(self.db) as conn:
            return [r[0] for r in conn.execute("SELECT title FROM documents ORDER BY id")]

    def keys(self) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return list(conn.execute("SELECT source, key FROM documents"))

    def pending_titles(self) -> set[str]:
        from hjwatch.db import open_db, pending_alerts

        return {r["title"] for r in pending_alerts(open_db(str(self.db)))}

    def runs(self) -> list[dict]:
        with sqlite3.connect(self.db) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY id")]


def digest_titles(message) -> list[str]:
    """The item titles a digest lists (its text part's "* title" lines)."""
    text = message.get_body(("plain",)).get_content()
    return [line[2:] for line in text.splitlines() if line.startswith("* ")]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


# -- scenario 1: four nights --------------------------------------------------------------
# 1. a first run; 2. nothing new; 3. new items published, but Contracts Finder answers 500 and
# the mail server is down; 4. the mail server is back (Contracts Finder still failing).


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nights")
    warm_up()
    mirror = Mirror().start()
    port = free_port()
    night = Night(folder, mirror, port)
    out = {"mirror": mirror, "night": night}
    with SmtpServer(port=port) as smtp:
        out["dry"] = (night.run("--dry-run"), {"db_exists": night.db.exists(), "mails": list(smtp.received),
                                               "requests": len(mirror.requests)})
        out["killed"] = kill_mid_run(night, mirror, smtp)
        # The run that does the most goes through a fresh interpreter, as cron would start it.
        out["first"] = (night.run(fresh=True), {"titles": night.titles(), "keys": night.keys(), "mails": list(smtp.received),
                                      "runs": night.runs(), "pending": night.pending_titles()})
        out["second"] = (night.run(), {"titles": night.titles(), "mails": list(smtp.received)})
        first_mails = list(smtp.received)
    mirror.add_later()
    mirror.fail_prefixes.add("/Published/")  # Contracts Finder answers 500 from now on
    night.write_config(until="2026-11-21T00:00:00")
    out["down"] = (night.run(), {"titles": night.titles(), "pending": night.pending_titles(), "runs": night.runs()})
    with SmtpServer(port=port) as smtp:
        out["back"] = (night.run(), {"mails": list(smtp.received), "pending": night.pending_titles(),
                                     "titles": night.titles()})
    out["all_mails"] = first_mails + out["back"][1]["mails"]
    mirror.stop()
    return out


def kill_mid_run(night: Night, mirror: Mirror, smtp: SmtpServer) -> dict:
    """Start a run, SIGKILL it while article pages are being fetched, report what it left."""
    mirror.hold("/news/")  # article pages hang: the run is mid-crawl when it is killed
    proc = start_cli(night.command()[3:], cwd=night.folder, env=night.env())
    try:
        reached = mirror.held.wait(90)
        time.sleep(0.5)  # let notice windows in flight reach the store
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        mirror.unhold()
    return {"reached": reached, "returncode": proc.returncode, "mails": list(smtp.received),
            "titles": night.titles() if night.db.exists() else []}


def test_dry_run_succeeds(nights):
    run, _ = nights["dry"]
    assert run.returncode == 0, run.stderr[-2000:]


def test_dry_run_really_crawls(nights):
    _, state = nights["dry"]
    assert state["requests"] >= 10


def test_dry_run_stores_nothing(nights):
    _, state = nights["dry"]
    assert not state["db_exists"]


def test_dry_run_sends_nothing(nights):
    _, state = nights["dry"]
    assert state["mails"] == []


def test_dry_run_prints_the_digest_it_would_send(nights):
    run, _ = nights["dry"]
    assert "Subject: hjwatch: 4 new contract notices, 3 news items, 1 legal challenge" in run.stdout
    assert "* Inspectors find long waits for healthcare at HMP Pentonville" in run.stdout


def test_first_run_succeeds(nights):
    run, _ = nights["first"]
    assert run.returncode == 0, run.stderr[-2000:]


def test_first_run_stores_every_document(nights):
    run, state = nights["first"]
    assert set(state["titles"]) == FIRST_NIGHT_STORED, run.stderr[-3000:]


def test_first_run_stores_each_document_once(nights):
    _, state = nights["first"]
    assert len(state["titles"]) == len(set(state["titles"]))


def test_prefiltered_notices_not_stored(nights):
    _, state = nights["first"]
    assert not PREFILTERED & set(state["titles"])


def test_first_run_sends_exactly_one_digest(nights):
    _, state = nights["first"]
    assert len(state["mails"]) == 1
    assert state["mails"][0].rcpt_tos == ["research@example.org"]


def test_digest_lists_exactly_the_relevant_items(nights):
    _, state = nights["first"]
    titles = digest_titles(state["mails"][0].message)
    assert sorted(titles) == sorted(RELEVANT_NOTICES | RELEVANT_NEWS)


def test_digest_subject_counts(nights):
    _, state = nights["first"]
    assert state["mails"][0].message["Subject"] == "hjwatch: 4 new contract notices, 3 news items, 1 legal challenge"


def test_digest_legal_challenge_first(nights):
    _, state = nights["first"]
    titles = digest_titles(state["mails"][0].message)
    assert titles[0] == "Practice Plus Group takes legal action against NHS England over prison contract"


def test_digest_items_carry_links_and_extraction(nights):
    _, state = nights["first"]
    text = text_of(state["mails"][0].message)
    base = nights["mirror"].base
    assert f"{base}/news/ppg-legal-action.html" in text
    assert "ocds-h6vhtk-05b1a0" in text
    assert "Prisons: HMP Leeds; HMP Wealstun" in text
    assert "Trusts: Oxleas NHS Foundation Trust" in text
    assert "Litigation: " in text


def test_digest_html_part_escapes_ampersand(nights):
    _, state = nights["first"]
    html = state["mails"][0].message.get_body(("html",)).get_content()
    assert "Kent &amp; London" in html


def test_kill_happened_mid_run(nights):
    killed = nights["killed"]
    assert killed["reached"]
    assert killed["returncode"] == -signal.SIGKILL
    assert killed["mails"] == []
    assert not set(killed["titles"]) >= FIRST_NIGHT_STORED  # the news was not in yet


def test_run_after_kill_takes_over_the_lock(nights):
    run, _ = nights["first"]
    assert "taking over the run lock" in run.stderr


def test_killed_run_recorded_as_killed(nights):
    _, state = nights["first"]
    assert [(r["command"], r["status"]) for r in state["runs"]] == [("nightly", "killed"), ("nightly", "ok")]


def test_no_document_duplicated_after_kill(nights):
    keys = nights["first"][1]["keys"]
    assert len(keys) == len(set(keys)) == len(FIRST_NIGHT_STORED)


def test_nothing_pending_after_first_digest(nights):
    assert nights["first"][1]["pending"] == set()


def test_run_record_has_per_source_counts(nights):
    _, state = nights["down"]
    record = state["runs"][-1]
    per_source = json.loads(record["per_source"])
    assert set(per_source) == {"fts", "contracts_finder", "news"}
    assert per_source["fts"]["new"] == 1       # the later FTS notice
    assert per_source["news"]["new"] == 1      # the later article
    assert per_source["contracts_finder"]["new"] == 0
    assert record["finished_at"]


def test_requests_identify_hjwatch(nights):
    assert all(ua.startswith("hjwatch/") for ua in nights["mirror"].user_agents)


def test_quiet_run_has_no_traceback_and_ends_with_summary(nights):
    run, _ = nights["first"]
    assert "Traceback" not in run.stderr
    assert "nightly run" in run.stderr.splitlines()[-1]
    assert run.stdout == ""


def test_second_run_succeeds(nights):
    run, _ = nights["second"]
    assert run.returncode == 0, run.stderr[-2000:]


def test_second_run_stores_nothing_new(nights):
    assert nights["second"][1]["titles"] == nights["first"][1]["titles"]


def test_second_run_sends_nothing(nights):
    assert len(nights["second"][1]["mails"]) == 1


def test_failed_source_run_exits_non_zero(nights):
    run, _ = nights["down"]
    assert run.returncode == 1


def test_failed_source_error_is_one_line(nights):
    run, _ = nights["down"]
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("hjwatch: error: nightly run partial")
    assert "contracts_finder" in last
    assert "Traceback" not in run.stderr


def test_other_sources_stored_when_one_fails(nights):
    run, state = nights["down"]
    assert set(state["titles"]) == FIRST_NIGHT_STORED | LATER, run.stderr[-3000:]


def test_smtp_down_marks_nothing_sent(nights):
    _, state = nights["down"]
    assert state["pending"] == LATER


def test_run_record_names_failed_source(nights):
    _, state = nights["down"]
    record = state["runs"][-1]
    assert record["status"] == "partial"
    assert any(e.startswith("contracts_finder:") for e in json.loads(record["errors"]))


def test_next_run_sends_what_failed(nights):
    _, state = nights["back"]
    assert len(state["mails"]) == 1
    assert state["pending"] == set()


def test_later_items_in_next_digest_alone(nights):
    _, state = nights["back"]
    assert sorted(digest_titles(state["mails"][0].message)) == sorted(LATER)


def test_digest_names_failed_source(nights):
    _, state = nights["back"]
    msg = state["mails"][0].message
    assert "failed: contracts_finder" in msg["Subject"]
    assert "contracts_finder" in text_of(msg).split("==")[0]


def test_no_record_ever_sent_twice(nights):
    sent = [t for mail in nights["all_mails"] for t in digest_titles(mail.message)]
    assert len(sent) == len(set(sent))
    assert set(sent) == RELEVANT_NOTICES | RELEVANT_NEWS | LATER

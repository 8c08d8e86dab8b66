"""The nightly job's orchestration (in process, with a stand-in crawl), its report, progress
output, the `hjwatch alerts` / `hjwatch nightly` commands, and the deploy examples.

The real crawl is exercised end to end in test_nightly_e2e.py; here `run_crawl` is replaced by
a function that stores documents the way the store pipeline does, so each rule of the
orchestration (lock, run record, failures, alerts after a failed crawl, dry run) gets its own
fast test.
"""

import configparser
import doctest
import email
import email.policy
import io
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hjwatch import InputError
from hjwatch.config import Config
from hjwatch.db import open_db, pending_alerts, store_document
from hjwatch.pipeline import nightly, progress
from hjwatch.pipeline.crawl import CrawlReport
from hjwatch.pipeline.lock import LockedError, RunLock, lock_path_for

from tests.pipeline.smtp_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def doc(key, title, *, relevant=True, **extraction):
    return {"source": "fts", "kind": "notice", "key": key, "url": f"https://example.org/{key}", "title": title,
            "text": title, "published": "2026-11-20", "extraction": {"relevant": relevant, **extraction},
            "extractor_version": "test"}


def make_config(tmp_path, **alerts):
    cfg = Config()
    cfg.db_path = str(tmp_path / "hjwatch.db")
    cfg.sources = {"fts": {"base_url": "http://127.0.0.1:9"}, "news": {"feeds": []}}
    cfg.alerts.update({"to": ["research@example.org"], "from": "hjwatch@example.org",
                       "outbox": str(tmp_path / "outbox"), **alerts})
    return cfg


class FakeCrawl:
    """Stands in for run_crawl: stores ``docs`` into the configured database, reports counts."""

    def __init__(self, docs=(), failures=None, error=None):
        self.docs, self.failures, self.error = list(docs), dict(failures or {}), error
        self.calls = []

    def __call__(self, config, sources=None, **kw):
        self.calls.append((config.db_path, list(sources or [])))
        if self.error:
            raise self.error
        db = open_db(config.db_path)
        new = sum(store_document(db, d).status == "new" for d in self.docs)
        per_source = {name: {"fetched": len(self.docs) if name == "fts" else 0, "new": new if name == "fts" else 0,
                             "changed": 0, "unchanged": 0, "skipped": 0, "errors": 0} for name in sources}
        for name in self.failures:
            per_source[name]["errors"] = 1
        return CrawlReport(sources=list(sources), per_source=per_source, failures=self.failures)


@pytest.fixture
def fake_crawl(monkeypatch):
    def install(**kw):
        fake = FakeCrawl(**kw)
        monkeypatch.setattr("hjwatch.pipeline.crawl.run_crawl", fake)
        return fake
    return install


def eml_files(tmp_path):
    folder = tmp_path / "outbox"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def read_eml(path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def runs(cfg):
    with sqlite3.connect(cfg.db_path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY id")]


def test_doctests():
    assert doctest.testmod(nightly).failed == 0
    assert doctest.testmod(progress).failed == 0


# -- orchestration -------------------------------------------------------------------------


def test_run_crawls_every_configured_source(tmp_path, fake_crawl):
    fake = fake_crawl()
    nightly.run(make_config(tmp_path), quiet=True)
    assert fake.calls[0][1] == ["fts", "news"]


def test_good_run_is_ok(tmp_path, fake_crawl):
    fake_crawl(docs=[doc("a", "Healthcare at HMP Leeds")])
    report = nightly.run(make_config(tmp_path), quiet=True)
    assert report.status == "ok"
    assert report.exit_code == 0


def test_good_run_sends_one_digest(tmp_path, fake_crawl):
    fake_crawl(docs=[doc("a", "Healthcare at HMP Leeds"), doc("b", "Parking", relevant=False)])
    nightly.run(make_config(tmp_path), quiet=True)
    (path,) = eml_files(tmp_path)
    assert read_eml(path)["Subject"] == "hjwatch: 1 new contract notice"


def test_run_record_ok_with_counts(tmp_path, fake_crawl):
    fake_crawl(docs=[doc("a", "Healthcare at HMP Leeds")])
    cfg = make_config(tmp_path)
    report = nightly.run(cfg, quiet=True)
    (record,) = runs(cfg)
    assert record["id"] == report.run_id
    assert record["status"] == "ok"
    assert json.loads(record["per_source"])["fts"]["new"] == 1


def test_nothing_new_sends_nothing(tmp_path, fake_crawl):
    fake_crawl()
    report = nightly.run(make_config(tmp_path), quiet=True)
    assert eml_files(tmp_path) == []
    assert report.alerts.sent == []


def test_failed_source_makes_run_partial(tmp_path, fake_crawl):
    fake_crawl(docs=[doc("a", "Healthcare at HMP Leeds")], failures={"news": "HTTP 500 on the feed"})
    report = nightly.run(make_config(tmp_path), quiet=True)
    assert report.status == "partial"
    assert report.exit_code == 1
    assert report.failed_sources == {"news": "HTTP 500 on the feed"}


def test_failed_source_named_in_digest(tmp_path, fake_crawl):
    fake_crawl(docs=[doc("a", "Healthcare at HMP Leeds")], failures={"news": "HTTP 500 on the feed"})
    nightly.run(make_config(tmp_path), quiet=True)
    msg = read_eml(eml_files(tmp_path)[0])
    assert msg["Subject"] == "hjwatch: 1 new contract notice (1 source failed: news)"


def test_failed_source_in_run_record(tmp_path, fake_crawl):
    fake_crawl(failures={"news": "HTTP 500 on the feed"})
    cfg = make_config(tmp_path)
    nightly.run(cfg, quiet=True)
    (record,) = runs(cfg)
    assert record["status"] == "partial"
    assert json.loads(record["errors"]) == ["news: HTTP 500 on the feed"]


def test_crashing_crawl_still_sends_pending_alerts(tmp_path, fake_crawl):
    cfg = make_config(tmp_path)
    store_document(open_db(cfg.db_path), doc("old", "Left over from a night the mail server was down"))
    fake_crawl(error=RuntimeError("reactor exploded"))
    report = nightly.run(cfg, quiet=True)
    assert report.status == "failed"
    assert set(report.failed_sources) == {"fts", "news"}
    (path,) = eml_files(tmp_path)
    assert "Left over from a night" in read_eml(path).get_body(("plain",)).get_content()


def test_crashing_crawl_recorded_as_failed(tmp_path, fake_crawl):
    fake_crawl(error=RuntimeError("reactor exploded"))
    cfg = make_config(tmp_path)
    nightly.run(cfg, quiet=True)
    (record,) = runs(cfg)
    assert record["status"] == "failed"
    assert "RuntimeError: reactor exploded" in record["errors"]


def test_delivery_failure_makes_run_partial_and_marks_nothing(tmp_path, fake_crawl):
    fake_crawl(docs=[doc("a", "Healthcare at HMP Leeds")])
    cfg = make_config(tmp_path, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none", smtp_timeout=2)
    report = nightly.run(cfg, quiet=True)
    assert report.status == "partial"
    assert report.alerts.failures
    assert len(pending_alerts(open_db(cfg.db_path))) == 1


def test_delivery_failure_in_run_record(tmp_path, fake_crawl):
    fake_crawl(docs=[doc("a", "Healthcare at HMP Leeds")])
    cfg = make_config(tmp_path, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none", smtp_timeout=2)
    nightly.run(cfg, quiet=True)
    (record,) = runs(cfg)
    assert record["status"] == "partial"
    (error,) = json.loads(record["errors"])
    assert error.startswith("alerts: research@example.org: SMTP 127.0.0.1:")


def test_held_lock_refuses_run(tmp_path, fake_crawl):
    fake = fake_crawl()
    cfg = make_config(tmp_path)
    with RunLock(lock_path_for(cfg.db_path), command="alerts"):
        with pytest.raises(LockedError, match="another hjwatch run holds"):
            nightly.run(cfg, quiet=True)
    assert fake.calls == []


def test_lock_released_after_run(tmp_path, fake_crawl):
    fake_crawl()
    cfg = make_config(tmp_path)
    nightly.run(cfg, quiet=True)
    with RunLock(lock_path_for(cfg.db_path)) as lock:
        assert lock.stale_holder is None


def test_bad_alerts_config_stops_before_crawling(tmp_path, fake_crawl):
    fake = fake_crawl()
    cfg = make_config(tmp_path, rules=[{"name": "x", "prison": "HMP Leeds"}])
    with pytest.raises(InputError, match="unknown key 'prison'"):
        nightly.run(cfg, quiet=True)
    assert fake.calls == []


def test_dry_run_crawls_into_a_copy(tmp_path, fake_crawl):
    cfg = make_config(tmp_path)
    store_document(open_db(cfg.db_path), doc("old", "Already stored"))
    fake = fake_crawl(docs=[doc("a", "Healthcare at HMP Leeds")])
    report = nightly.run(cfg, dry_run=True, quiet=True)
    assert fake.calls[0][0] != cfg.db_path
    assert [r["title"] for r in pending_alerts(open_db(cfg.db_path))] == ["Already stored"]
    assert report.dry_run


def test_dry_run_copies_a_database_with_an_awkward_name(tmp_path, fake_crawl):
    cfg = make_config(tmp_path)
    cfg.db_path = str(tmp_path / "research #2?.db")
    store_document(open_db(cfg.db_path), doc("old", "Already stored"))
    fake_crawl()
    report = nightly.run(cfg, dry_run=True, quiet=True)
    (msg,) = report.alerts.previews
    assert "Already stored" in msg.get_body(("plain",)).get_content()


def test_dry_run_previews_digest_and_sends_nothing(tmp_path, fake_crawl):
    cfg = make_config(tmp_path)
    fake_crawl(docs=[doc("a", "Healthcare at HMP Leeds")])
    report = nightly.run(cfg, dry_run=True, quiet=True)
    (msg,) = report.alerts.previews
    assert "Healthcare at HMP Leeds" in msg.get_body(("plain",)).get_content()
    assert eml_files(tmp_path) == []


def test_dry_run_records_no_run(tmp_path, fake_crawl):
    cfg = make_config(tmp_path)
    open_db(cfg.db_path)
    fake_crawl(docs=[doc("a", "Healthcare at HMP Leeds")])
    nightly.run(cfg, dry_run=True, quiet=True)
    assert runs(cfg) == []


# -- report ----------------------------------------------------------------------------------


def test_crawl_figures_from_crawl_report():
    report = CrawlReport(sources=["fts"], per_source={"fts": {"fetched": 5, "new": 2, "unchanged": 3}},
                         failures={"fts": "stopped: closespider_errorcount"})
    per_source, failures = nightly.crawl_figures(report, ["fts"])
    assert per_source["fts"] == {"fetched": 5, "new": 2, "changed": 0, "skipped": 0, "errors": 0, "unchanged": 3}
    assert failures == {"fts": "stopped: closespider_errorcount"}


def test_crawl_figures_fill_missing_sources():
    per_source, failures = nightly.crawl_figures(CrawlReport(sources=[]), ["news"])
    assert per_source == {"news": {"fetched": 0, "new": 0, "changed": 0, "skipped": 0, "errors": 0}}
    assert failures == {}


def test_status_failed_when_every_source_failed():
    r = nightly.NightlyReport(sources=["fts"], failed_sources={"fts": "x"})
    assert r.status == "failed"


def test_summary_names_failures():
    r = nightly.NightlyReport(run_id=7, sources=["fts", "news"], failed_sources={"news": "HTTP 500"})
    assert "FAILED: news (HTTP 500)" in r.summary()
    assert r.summary().startswith("nightly run 7: 2 sources")


# -- progress ----------------------------------------------------------------------------------


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_plain_under_cron():
    assert type(progress.make_progress(False, stream=io.StringIO())) is progress.LogProgress


def test_progress_plain_when_quiet_on_a_terminal():
    assert type(progress.make_progress(True, stream=FakeTTY())) is progress.LogProgress


def test_progress_rich_on_a_terminal():
    assert type(progress.make_progress(False, stream=FakeTTY())) is progress.RichProgress


def test_rich_table_shows_counts_and_failures():
    from rich.console import Console

    p = progress.RichProgress()
    p.console = Console(file=io.StringIO(), width=120)
    p.stage("crawling")
    p.sources({"fts": {"fetched": 3, "new": 2}, "news": {}}, {"news": "HTTP 500 [bad gateway]"})
    out = p.console.file.getvalue()
    assert re.search(r"fts\s*│\s*3\s*│\s*2", out)
    assert "failed: HTTP 500 [bad gateway]" in out


def test_log_progress_lines(caplog):
    caplog.set_level("INFO")
    progress.LogProgress().sources({"fts": {"new": 2}, "news": {}}, {"news": "HTTP 500"})
    assert "source fts: fetched=0 new=2 changed=0 skipped=0 errors=0" in caplog.text
    assert "source news FAILED: HTTP 500" in caplog.text


# -- commands (subprocess: the real CLI, one-line errors) ---------------------------------------


def hjwatch(tmp_path, *args, env_extra=None):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("HJWATCH_")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "hjwatch.cli", "--config", str(tmp_path / "hjwatch.toml"),
                           "--db", str(tmp_path / "hjwatch.db"), *args],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)


@pytest.fixture
def cli_db(tmp_path):
    (tmp_path / "hjwatch.toml").write_text(
        '[alerts]\nto = ["research@example.org"]\nfrom = "hjwatch@example.org"\noutbox = "mail/outbox"\n')
    store_document(open_db(str(tmp_path / "hjwatch.db")), doc("a", "Healthcare at HMP Leeds", prisons=["HMP Leeds"]))
    return tmp_path


def test_alerts_command_writes_eml_to_outbox(cli_db):
    out = hjwatch(cli_db, "alerts")
    assert out.returncode == 0, out.stderr
    (path,) = (cli_db / "mail" / "outbox").glob("*.eml")
    assert read_eml(path)["To"] == "research@example.org"
    assert "sent 1 digest (1 records), 1 marked alerted" in out.stderr


def test_alerts_command_dry_run_prints_digest(cli_db):
    out = hjwatch(cli_db, "alerts", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "Subject: hjwatch: 1 new contract notice" in out.stdout
    assert "* Healthcare at HMP Leeds" in out.stdout
    assert not (cli_db / "mail").exists()


def test_alerts_command_json(cli_db):
    out = hjwatch(cli_db, "alerts", "--json")
    report = json.loads(out.stdout)
    assert report["matched"] == 1 and len(report["marked"]) == 1


def test_alerts_command_refuses_while_nightly_runs(cli_db):
    with RunLock(lock_path_for(cli_db / "hjwatch.db"), command="nightly"):
        out = hjwatch(cli_db, "alerts")
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1
    assert "another hjwatch run holds" in out.stderr


def test_alerts_command_smtp_down_is_one_line(cli_db):
    (cli_db / "hjwatch.toml").write_text(
        f'[alerts]\nto = ["r@example.org"]\nsmtp_host = "127.0.0.1"\nsmtp_port = {free_port()}\nsmtp_timeout = 2\n')
    out = hjwatch(cli_db, "-q", "alerts", env_extra={"HJWATCH_SMTP_PASSWORD": "pa55word-xyz", "HJWATCH_SMTP_USER": "u"})
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert lines[-1].startswith("hjwatch: error: digest not sent")
    assert "retried" in lines[-1]
    assert "pa55word-xyz" not in out.stderr
    assert "Traceback" not in out.stderr


def test_secret_in_config_file_refused(cli_db):
    (cli_db / "hjwatch.toml").write_text('[alerts]\nsmtp_password = "x"\n')
    out = hjwatch(cli_db, "alerts")
    assert out.returncode == 2
    assert "HJWATCH_SMTP_PASSWORD" in out.stderr


def test_nightly_command_bad_rule_is_one_line(cli_db):
    (cli_db / "hjwatch.toml").write_text('[[alerts.rules]]\nname = "x"\nmin_value_gbp = "lots"\n')
    out = hjwatch(cli_db, "nightly")
    assert out.returncode == 2
    assert out.stderr.strip() == 'hjwatch: error: [[alerts.rules]] "x": min_value_gbp must be a number of pounds'


def test_nightly_help_describes_options(cli_db):
    out = hjwatch(cli_db, "nightly", "--help")
    assert "--dry-run" in out.stdout and "--quiet" in out.stdout and "Example:" in out.stdout


# -- deploy examples ---------------------------------------------------------------------------


def test_systemd_units_parse_and_point_at_each_other():
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(ROOT / "deploy" / "hjwatch-nightly.service")
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(ROOT / "deploy" / "hjwatch-nightly.timer")
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["ExecStart"].endswith("hjwatch nightly --quiet")
    assert timer["Timer"]["Unit"] == "hjwatch-nightly.service"
    assert timer["Timer"]["OnCalendar"]


def test_cron_line_runs_nightly():
    lines = [l for l in (ROOT / "deploy" / "crontab.example").read_text().splitlines()
             if l.strip() and not l.startswith("#") and "=" not in l.split()[0]]
    (line,) = lines
    fields = line.split(None, 5)
    assert len(fields) == 6
    assert "hjwatch" in fields[5] and " nightly" in fields[5]


def test_no_secret_in_deploy_examples():
    for path in (ROOT / "deploy").iterdir():
        text = path.read_text()
        assert "smtp_password" not in text.lower().replace("hjwatch_smtp_password", "")

"""Security: user text never runs as SQL, source text arrives inert in the digest, SMTP
credentials never leak into logs, run records or errors. (Hostile feeds are served inside the
fault scenario, ``test_faults.py``, next to the other feeds of the same crawl.)
"""

from __future__ import annotations

import email
import email.policy
import sqlite3
from pathlib import Path

import pytest

from hjwatch.config import load_config
from hjwatch.db import open_db, search, set_field, store_document
from tests.reliability import harness as H
from tests.reliability.smtp import SmtpSink, bodies
from tests.reliability.test_bad_input import run_cli

SCRIPT_TITLE = '<script>alert("hjwatch")</script> Healthcare at HMP Leeds <img src=x onerror=alert(1)>'

INJECTIONS = [
    "'; DROP TABLE documents; --",
    "\"; DROP TABLE documents; --",
    "prison') OR 1=1 --",
    "x UNION SELECT sql FROM sqlite_master",
    "NEAR(prison healthcare, 2",
    "title:prison OR text:*",
    "prison\"; ATTACH DATABASE '/tmp/evil.db' AS evil; --",
    "* OR 1",
    "-prison",
    "^prison",
]


def doc(i: int, title: str | None = None, url: str | None = None) -> dict:
    text = f"Document {i}: NHS England awards the healthcare contract at HMP Leeds to Practice Plus Group."
    return {
        "source": "fts", "kind": "notice", "key": f"sec-{i}", "url": url or f"https://example.org/notice/{i}",
        "title": title or f"Healthcare at HMP Leeds ({i})", "text": text, "body": text.encode(),
        "published": "2025-03-01",
        "extraction": {"relevant": True, "prisons": ["HMP Leeds"], "companies": ["Practice Plus Group"],
                       "events": ["award"], "values_gbp": [1000000]},
        "extractor_version": "sec-test",
    }


@pytest.fixture
def db_path(tmp_path) -> Path:
    p = tmp_path / "sec.db"
    db = open_db(p)
    for i in range(5):
        store_document(db, doc(i))
    db.conn.close()
    return p


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'")]
        return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


@pytest.mark.parametrize("query", INJECTIONS)
def test_search_library_runs_no_sql(db_path, query):
    before = table_counts(db_path)
    db = open_db(db_path)
    try:
        results = search(db, query)
    except Exception as exc:  # noqa: BLE001 - only a clean, user-facing error is acceptable
        from hjwatch import HjwatchError

        assert isinstance(exc, HjwatchError), f"{type(exc).__name__}: {exc}"
        results = []
    db.conn.close()
    assert table_counts(db_path) == before
    assert len(results) <= 5
    assert not Path("/tmp/evil.db").exists()


@pytest.mark.parametrize("query", INJECTIONS)
def test_search_cli_runs_no_sql(db_path, capsys, query):
    before = table_counts(db_path)
    code, out, err = run_cli(capsys, ["--db", str(db_path), "search", "--json", query])
    assert "Traceback" not in err
    assert code in (0, 1, 2)
    assert table_counts(db_path) == before
    assert "CREATE TABLE" not in out  # nothing from sqlite_master leaks into results


@pytest.mark.parametrize("field,value", [
    ("prisons", "HMP Leeds'); DROP TABLE documents; --"),
    ("companies", "Robert'); DELETE FROM corrections; --"),
    ("values_gbp", "1; DROP TABLE documents"),
    ("prisons; DROP TABLE documents", "HMP Leeds"),
    ("relevant\" = 1; --", "true"),
])
def test_review_set_runs_no_sql(db_path, capsys, field, value):
    before = table_counts(db_path)
    code, _out, err = run_cli(capsys, ["--db", str(db_path), "review", "set", "1", field, value])
    assert "Traceback" not in err
    after = table_counts(db_path)
    # A correction may be added, and the record's name rows follow it; nothing is dropped.
    assert set(after) == set(before)
    changed = {k for k in after if after[k] != before[k]}
    assert changed <= {"corrections", "names"}
    assert after["documents"] == before["documents"]
    if code == 0:
        conn = sqlite3.connect(db_path)
        stored = [r[0] for r in conn.execute("SELECT value FROM corrections")]
        conn.close()
        # Text fields are kept literally (as JSON); the SQL in them stayed data.
        if field in ("prisons", "companies"):
            assert any("DROP TABLE" in s or "DELETE FROM" in s for s in stored)


def test_review_set_library_keeps_value_literal(db_path):
    db = open_db(db_path)
    rec = set_field(db, 2, "prisons", "HMP Leeds'); DROP TABLE documents; --")
    db.conn.close()
    # A list field splits on ";" (by design); every part is kept as data.
    assert "; ".join(rec["prisons"]).replace(";  ", "; ") in ("HMP Leeds'); DROP TABLE documents; --",)
    assert table_counts(db_path)["documents"] == 5


# --- the digest ------------------------------------------------------------------------------


def send_digest(tmp_path: Path, title: str, url: str) -> email.message.EmailMessage:
    from hjwatch.pipeline.alerts import send_pending

    db = open_db(tmp_path / "digest.db")
    store_document(db, doc(1, title=title, url=url))
    cfg = tmp_path / "hjwatch.toml"
    cfg.write_text(f'[alerts]\noutbox = "{tmp_path / "outbox"}"\nto = ["research@example.org"]\n', encoding="utf-8")
    report = send_pending(db, load_config(cfg, env={}), env={})
    db.conn.close()
    assert report.marked
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    return email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)


def test_digest_html_escapes_script_in_title(tmp_path):
    msg = send_digest(tmp_path, SCRIPT_TITLE, "https://example.org/notice/1")
    text, html = bodies(msg)
    assert html, "the digest has an HTML part"
    assert "<script" not in html.lower()
    assert "onerror=" not in html.replace("onerror=alert(1)&gt;", "")  # only as escaped text
    assert "&lt;script&gt;" in html
    assert SCRIPT_TITLE in text  # the text part keeps the title as published


def test_digest_refuses_javascript_links(tmp_path):
    msg = send_digest(tmp_path, "Healthcare at HMP Leeds", "javascript:alert(document.cookie)")
    _text, html = bodies(msg)
    assert 'href="javascript:' not in html.lower()


def test_digest_subject_has_no_header_injection(tmp_path):
    msg = send_digest(tmp_path, "Healthcare at HMP Leeds\r\nBcc: victim@example.org", "https://example.org/n/1")
    assert msg["Bcc"] is None
    assert "victim@example.org" not in (msg["To"] or "")


# --- SMTP credentials -------------------------------------------------------------------------

USER = "hjw-user-7f3a"
PASSWORD = "pw-Zq81-never-print-me"


def smtp_config(tmp_path: Path, port: int) -> Path:
    cfg = tmp_path / "smtp.toml"
    cfg.write_text(
        "[sources.news]\nfeeds = []\n"
        f'[alerts]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\nsmtp_security = "none"\n'
        f'smtp_timeout = 5\nto = ["research@example.org"]\n',
        encoding="utf-8",
    )
    return cfg


def leaks(*texts: str) -> bool:
    return any(PASSWORD in t for t in texts)


def test_rejected_login_does_not_leak_password(db_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HJWATCH_SMTP_USER", USER)
    monkeypatch.setenv("HJWATCH_SMTP_PASSWORD", PASSWORD)
    with SmtpSink(refuse_auth=True) as sink:
        code, out, err = run_cli(capsys, ["--db", str(db_path), "--config", str(smtp_config(tmp_path, sink.port)), "-v", "alerts"])
    assert code != 0, "a refused login is a failed send"
    assert not leaks(out, err)
    dump = "\n".join(sqlite3.connect(db_path).iterdump())
    assert not leaks(dump)


def test_smtp_down_does_not_leak_password(db_path, tmp_path, capsys, monkeypatch):
    from tests.reliability.smtp import free_port

    monkeypatch.setenv("HJWATCH_SMTP_USER", USER)
    monkeypatch.setenv("HJWATCH_SMTP_PASSWORD", PASSWORD)
    code, out, err = run_cli(capsys, ["--db", str(db_path), "--config", str(smtp_config(tmp_path, free_port())), "-v", "alerts"])
    assert code != 0
    assert not leaks(out, err)


@pytest.mark.slow
def test_nightly_run_record_and_logs_never_hold_the_password(db_path, tmp_path):
    with SmtpSink(refuse_auth=True) as sink:
        r = H.hjwatch("-vv", "nightly", "--quiet", db=db_path, config=smtp_config(tmp_path, sink.port),
                      env={"HJWATCH_SMTP_USER": USER, "HJWATCH_SMTP_PASSWORD": PASSWORD}, timeout=180)
    assert "Traceback" not in r.stderr
    assert not leaks(r.stdout, r.stderr)
    runs = H.runs(db_path)
    assert runs, "the nightly run is recorded"
    assert not leaks(repr(runs))
    dump = "\n".join(sqlite3.connect(db_path).iterdump())
    assert not leaks(dump)


def test_password_from_config_file_is_refused_without_echo(tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(f'[alerts]\nsmtp_password = "{PASSWORD}"\n', encoding="utf-8")
    code, out, err = run_cli(capsys, ["--config", str(cfg), "--db", str(tmp_path / "x.db"), "alerts"])
    assert code != 0
    assert not leaks(out, err)

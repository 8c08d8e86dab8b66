"""Bad input to every command: a one-line error, a non-zero exit, never a traceback.

Most cases run the CLI in-process (``hjwatch.cli.main``), which is what the console script
calls, so the whole matrix stays fast; the cases that would start Scrapy's reactor (``crawl``,
``nightly``) and a few representative others run as real subprocesses.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hjwatch.cli import main
from tests.reliability import harness as H

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
TEN_MB_LINE = b"x" * (10 * 1024 * 1024)

# Commands that read the database (and so the config), with harmless arguments.
DB_COMMANDS = {
    "search": ["search", "prison"],
    "export": ["export", "--jsonl"],
    "review": ["review"],
    "reextract": ["reextract"],
    "alerts": ["alerts", "--dry-run"],
}
# The same plus the two that would crawl (subprocess only).
CRAWL_COMMANDS = {"crawl": ["crawl"], "nightly": ["nightly", "--quiet"]}


def run_cli(capsys, argv: list[str]) -> tuple[int, str, str]:
    import logging

    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        # The CLI's stderr handler points at this test's captured stream: drop it with the stream.
        root = logging.getLogger()
        for h in list(root.handlers):
            if getattr(h, "_hjwatch", False):
                root.removeHandler(h)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *, limit: int = 600) -> str:
    assert code != 0, f"exit 0 for bad input; stderr: {err[-500:]}"
    assert "Traceback" not in err, err[-3000:]
    lines = [ln for ln in err.splitlines() if ln.startswith(("hjwatch: error", "Error:"))]
    assert len(lines) == 1, f"expected one error line, got: {err[-1500:]}"
    assert len(lines[0]) <= limit, f"error line of {len(lines[0])} characters"
    return lines[0]


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A clean working folder, no HJWATCH_* from the caller, no config file found by accident."""
    for k in ("HJWATCH_DB", "HJWATCH_CONFIG", "HJWATCH_SMTP_USER", "HJWATCH_SMTP_PASSWORD"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def good_config(tmp: Path) -> Path:
    """A config that crawls nothing (so a run touches no network) and writes mail to a folder."""
    p = tmp / "ok.toml"
    p.write_text(f'[sources.news]\nfeeds = []\n[alerts]\noutbox = "{tmp / "outbox"}"\n', encoding="utf-8")
    return p


# --- config files ------------------------------------------------------------------------------

BAD_CONFIGS = {
    "malformed_toml": b"[sources.fts\nbase_url = 'x'\n",
    "binary": PNG,
    "invalid_utf8": b"[crawl]\nsince = \"2025-01-01\"\n# caf\xe9 \xff\xfe\n",
    "ten_mb_line": TEN_MB_LINE,
    "wrong_types": b"sources = 3\n",
    "bad_since": b"[crawl]\nsince = \"last tuesday\"\n",
    "secret_in_file": b"[alerts]\nsmtp_password = \"hunter2\"\n",
}


@pytest.mark.parametrize("command", list(DB_COMMANDS))
@pytest.mark.parametrize("kind", list(BAD_CONFIGS))
def test_bad_config_file(env, capsys, command, kind):
    cfg = env / "hjwatch.toml"
    cfg.write_bytes(BAD_CONFIGS[kind])
    code, out, err = run_cli(capsys, ["--db", str(env / "x.db"), "--config", str(cfg), *DB_COMMANDS[command]])
    line = assert_one_line_error(code, err)
    assert "config" in line
    assert "hunter2" not in err + out
    assert out == ""


@pytest.mark.parametrize("command", list(DB_COMMANDS))
def test_missing_config_file(env, capsys, command):
    code, _out, err = run_cli(capsys, ["--db", str(env / "x.db"), "--config", str(env / "nope.toml"), *DB_COMMANDS[command]])
    assert "not found" in assert_one_line_error(code, err)


@pytest.mark.parametrize("command", list(DB_COMMANDS))
def test_empty_config_file_is_fine(env, capsys, command):
    """An empty file is valid TOML: the defaults apply and the command works."""
    cfg = env / "hjwatch.toml"
    cfg.write_bytes(b"")
    argv = ["--db", str(fresh_db(env)), "--config", str(cfg), *DB_COMMANDS[command]]
    code, _out, err = run_cli(capsys, argv)
    assert "Traceback" not in err
    assert code == 0, err[-1000:]


# --- database files ----------------------------------------------------------------------------


def fresh_db(env: Path) -> Path:
    from hjwatch.db import open_db

    path = env / "fresh.db"
    open_db(path).conn.close()
    return path


def newer_schema_db(path: Path) -> Path:
    from hjwatch.db import open_db

    db = open_db(path)
    db.conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('hjwatch', 'm999_from_the_future', '2030-01-01')")
    db.conn.execute("PRAGMA user_version = 999")
    db.conn.commit()
    db.conn.close()
    return path


def bad_db(env: Path, kind: str) -> Path:
    if kind == "binary":
        p = env / "binary.db"
        p.write_bytes(PNG * 64)
        return p
    if kind == "directory":
        p = env / "adir.db"
        p.mkdir()
        return p
    if kind == "missing_folder":
        return env / "no" / "such" / "folder" / "x.db"
    if kind == "newer_schema":
        return newer_schema_db(env / "future.db")
    if kind == "text_file":
        p = env / "notes.db"
        p.write_text("these are my notes, not a database\n" * 100, encoding="utf-8")
        return p
    raise AssertionError(kind)


BAD_DBS = ["binary", "directory", "missing_folder", "newer_schema", "text_file"]


@pytest.mark.parametrize("command", list(DB_COMMANDS))
@pytest.mark.parametrize("kind", BAD_DBS)
def test_bad_database(env, capsys, command, kind):
    db = bad_db(env, kind)
    before = db.read_bytes() if db.is_file() else None
    code, out, err = run_cli(capsys, ["--db", str(db), "--config", str(good_config(env)), *DB_COMMANDS[command]])
    line = assert_one_line_error(code, err)
    assert "database" in line or "schema" in line or str(db) in line
    if before is not None:
        assert db.read_bytes()[: len(before)] == before, "a bad database file must not be rewritten"
    assert out == ""


def test_newer_schema_database_is_left_untouched(env, capsys):
    db = newer_schema_db(env / "future.db")
    code, _out, err = run_cli(capsys, ["--db", str(db), "export"])
    assert "newer" in assert_one_line_error(code, err)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 999
    conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("command,kind", [("crawl", "binary"), ("nightly", "newer_schema"), ("nightly", "missing_folder")])
def test_bad_database_for_crawl_and_nightly(env, command, kind):
    """Subprocesses (these would start Scrapy): one case each, to keep CI time down."""
    db = bad_db(env, kind)
    r = H.hjwatch(*CRAWL_COMMANDS[command], db=db, config=good_config(env), cwd=env, timeout=120)
    assert_one_line_error(r.returncode, r.stderr)


def test_empty_database_file_is_a_new_database(env, capsys):
    db = env / "empty.db"
    db.write_bytes(b"")
    code, out, err = run_cli(capsys, ["--db", str(db), "--config", str(good_config(env)), "export"])
    assert code == 0, err
    assert out == ""


# --- arguments ---------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("sources", [["fts", "../../etc/passwd"]])
def test_crawl_unknown_source(env, sources):
    r = H.hjwatch("crawl", *sources, db=env / "x.db", config=good_config(env), cwd=env, timeout=120)
    line = assert_one_line_error(r.returncode, r.stderr)
    assert "source" in line


ODD_QUERIES = [
    "", "   ", "\"unbalanced", "NEAR(", "*", "-", "AND OR NOT", "prison' OR 1=1 --", "x" * 100_000,
    "caf\udce9",  # invalid UTF-8 in argv arrives as a surrogate escape
]


@pytest.mark.parametrize("query", ODD_QUERIES, ids=[f"q{i}" for i in range(len(ODD_QUERIES))])
def test_search_odd_queries(env, capsys, query):
    code, out, err = run_cli(capsys, ["--db", str(fresh_db(env)), "--config", str(good_config(env)), "search", query])
    assert "Traceback" not in err
    if code != 0:
        assert_one_line_error(code, err)


@pytest.mark.parametrize("argv", [
    ["export", "--since", "yesterday"],
    ["search", "prison", "--since", "31/12/2025"],
    ["search", "prison", "--kind", "tweet"],
    ["search", "prison", "--limit", "0"],
    ["review", "set", "abc", "prisons", "HMP Leeds"],
    ["review", "set", "999999", "prisons", "HMP Leeds"],
    ["review", "accept", "-1"],
    ["review", "show", "999999"],
    ["nosuchcommand"],
    ["export", "--no-such-flag"],
])
def test_bad_arguments(env, capsys, argv):
    code, _out, err = run_cli(capsys, ["--db", str(fresh_db(env)), "--config", str(good_config(env)), *argv])
    assert_one_line_error(code, err)


EXTRACT_FILES = {
    "empty": b"",
    "binary": PNG,
    "invalid_utf8": "HMP Leeds healthcare contract awarded to Practice Plus Group".encode() + b" \xff\xfe caf\xe9",
    "nul_in_text": b"HMP Leeds\x00\x00\x00 healthcare",
}


@pytest.mark.parametrize("kind", list(EXTRACT_FILES))
def test_extract_bad_files_alongside_a_good_one(env, capsys, kind):
    """Each input is reported alone: the good file still gives its record."""
    bad = env / f"{kind}.txt"
    bad.write_bytes(EXTRACT_FILES[kind])
    good = env / "good.txt"
    good.write_text("Oxleas NHS Foundation Trust will provide healthcare at HMP Belmarsh.", encoding="utf-8")
    code, out, err = run_cli(capsys, ["extract", "--jsonl", str(bad), str(good)])
    assert "Traceback" not in err
    assert "HMP Belmarsh" in out
    if code != 0:
        assert code == 2
        assert any(str(bad) in ln for ln in err.splitlines())


def test_extract_missing_and_directory(env, capsys):
    code, _out, err = run_cli(capsys, ["extract", str(env / "nope.txt"), str(env)])
    assert code == 2 and "Traceback" not in err
    assert len([ln for ln in err.splitlines() if ln.startswith("hjwatch: error")]) == 2


@pytest.mark.slow
def test_extract_binary_stdin(env):
    r = H.hjwatch("extract", "-", stdin=PNG, cwd=env)
    assert_one_line_error(r.returncode, r.stderr)
    assert r.stdout == ""

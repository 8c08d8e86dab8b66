"""Run hjwatch as a user would (a subprocess) against a :class:`FaultServer`, and read the result.

Scrapy's reactor cannot restart inside one process, so every crawl is ``hjwatch --db X --config
Y nightly`` (or ``crawl``) in a child process, with settings meant for a loopback mirror: no
delay, short timeouts, one retry, and waits capped at one second (``HJWATCH_MAX_WAIT``).
The database is then read directly with ``sqlite3``: the test must see what is really stored.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import tempfile
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.forked_cli import fresh_wanted, run_cli, warm_up

ROOT = Path(__file__).resolve().parents[2]

# Settings for a loopback mirror: fast, but every politeness mechanism still switched on
# (Retry-After honoured, capped at 1 s so a test does not wait minutes).
TEST_SCRAPY = {
    "DOWNLOAD_DELAY": 0,
    "RANDOMIZE_DOWNLOAD_DELAY": False,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 2,
    "RETRY_TIMES": 1,
    "HJWATCH_MAX_WAIT": 1,
    "HJWATCH_MAX_ATTEMPTS": 3,
    "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "CLOSESPIDER_ERRORCOUNT": 0,
}


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(str(v))


def write_config(path: Path, *, base: str, since: dt.date, sources: dict[str, dict], outbox: Path,
                 smtp_port: int | None = None, scrapy: dict | None = None, window_days: float = 2) -> Path:
    """A config pointing every source at ``base`` (the mirror)."""
    lines = []
    for name, table in sources.items():
        lines.append(f"[sources.{name}]")
        if name in ("fts", "contracts_finder"):
            lines.append(f"base_url = {toml_value(base)}")
            lines.append(f"window_days = {toml_value(window_days)}")
        for k, v in table.items():
            lines.append(f"{k} = {toml_value(v)}")
    lines.append("[crawl]")
    lines.append(f"since = {toml_value(since.isoformat())}")
    lines.append("[alerts]")
    lines.append(f"outbox = {toml_value(str(outbox))}")
    lines.append('to = ["research@example.org"]')
    if smtp_port:
        lines.append('smtp_host = "127.0.0.1"')
        lines.append(f"smtp_port = {smtp_port}")
    lines.append("[scrapy]")
    for k, v in {**TEST_SCRAPY, **(scrapy or {})}.items():
        lines.append(f"{k} = {toml_value(v)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def error_lines(self) -> list[str]:
        return [ln for ln in self.stderr.splitlines() if ln.startswith(("hjwatch: error", "Error:"))]


def hjwatch(*args: str, db: Path | None = None, config: Path | None = None, timeout: float = 120,
            stdin: bytes | None = None, env: dict | None = None, cwd: Path | None = None) -> Result:
    """Run the ``hjwatch`` console script's code in a child process."""
    cmd = [sys.executable, "-c", "from hjwatch.cli import main; main()"]
    if db is not None:
        cmd += ["--db", str(db)]
    if config is not None:
        cmd += ["--config", str(config)]
    cmd += list(args)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HJWATCH_")}
    full_env.update(env or {})
    t = time.monotonic()
    if stdin is None and not fresh_wanted():
        # A child forked from this warmed-up test process runs the same hjwatch.cli.main
        # without 2-4 s of imports per call (tests/forked_cli.py; HJWATCH_TEST_FRESH=1 to
        # run fresh interpreters instead). Its output files go to a scratch folder.
        warm_up()
        with tempfile.TemporaryDirectory() as scratch:
            done = run_cli(cmd[3:], cwd=Path(cwd or scratch), env=full_env, timeout=timeout)
        return Result(cmd, done.returncode, done.stdout, done.stderr, time.monotonic() - t)
    proc = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout, cwd=cwd or ROOT, env=full_env)
    return Result(cmd, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"), time.monotonic() - t)


# --- reading the database ------------------------------------------------------------------


def stored(db: Path) -> list[dict]:
    """Every stored document (source, kind, key, url, ocid, title, revision)."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(
            f"SELECT d.id, d.source, d.kind, d.key, d.url, d.canonical_url, d.ocid, d.title, {TEXT} AS text, "
            f"d.revision FROM documents d {TEXT_JOIN}")]
    finally:
        conn.close()


# The stored text lives in ``contents`` (one row per document, the big columns kept apart).
TEXT = "c.text"
TEXT_JOIN = "LEFT JOIN contents c ON c.document_id = d.id"


def text_of(db: Path, key: str) -> str | None:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(f"SELECT {TEXT} FROM documents d {TEXT_JOIN} WHERE d.key = ?", [key]).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def stored_keys(db: Path) -> dict[str, list[str]]:
    """Per mirror source: the ocids (notices) or URL paths (news/pages) stored, with repeats."""
    from urllib.parse import urlsplit

    out: dict[str, list[str]] = {}
    for d in stored(db):
        if d["kind"] == "notice":
            out.setdefault(d["source"], []).append(d["ocid"])
        else:
            url = d["canonical_url"] or d["url"] or d["key"]
            out.setdefault("web", []).append(urlsplit(url).path)
    return out


def runs(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        out = []
        for r in conn.execute("SELECT * FROM runs ORDER BY id"):
            r = dict(r)
            for k in ("per_source", "errors", "sources"):
                if isinstance(r.get(k), str):
                    try:
                        r[k] = json.loads(r[k])
                    except ValueError:
                        pass
            out.append(r)
        return out
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()

"""Crash safety: SIGKILL a writer at random points, then a normal run repairs everything.

The writer (``crash_writer.py``) stores synthetic documents through ``hjwatch.db`` (and, in the
alert test, sends digests through ``pipeline.alerts`` to a real aiosmtpd server). The killed
writers are forked children of the test process (a fork is milliseconds, a fresh interpreter
most of a second); the final normal run is a fresh interpreter, as the next real run would be. After each
kill the database must pass ``PRAGMA integrity_check`` and the FTS index its own check, hold
every write the writer acknowledged, and hold no (source, key) twice. After a final run with no
kill, every document is there exactly once, and no document was ever in two emails.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability.crash_writer import ForkedWriter
from tests.reliability.harness import text_of
from tests.reliability.smtp import SmtpSink, bodies

ROOT = Path(__file__).resolve().parents[2]
KILLS = 22          # the issue asks for at least 20
N_DOCS = 150        # enough that a kill lands mid-stream; small enough for CI time


def start_writer(db: Path, n: int, round_no: int, *extra: str):
    """A forked writer (fast); ``start_process_writer`` is the same as a fresh interpreter."""
    alerts = extra[1] if extra[:1] == ("--alerts",) else None
    return ForkedWriter(str(db), n, round_no, alerts)


def start_process_writer(db: Path, n: int, round_no: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.crash_writer", str(db), str(n), str(round_no), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


def wait_ready(proc: subprocess.Popen, timeout: float = 30) -> None:
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"writer did not start: {line!r} {err[-2000:]}")


def kill_at_random(proc: subprocess.Popen, rng: random.Random, n_lines: int) -> list[str]:
    """SIGKILL at a random point of the writer's work; return every line it printed.

    The point is chosen as "after the k-th printed line, plus a few random milliseconds", so
    that kills spread over the whole stream of writes (a wall-clock delay would mostly land
    before the first write or after the last on a fast machine) and inside transactions.
    """
    k = rng.randrange(n_lines)
    seen = []
    for _ in range(k):
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
    time.sleep(rng.uniform(0.0, 0.004))
    proc.send_signal(signal.SIGKILL)
    out, _err = proc.communicate(timeout=30)
    return seen + out.splitlines()


def check_consistent(db: Path) -> dict[str, int]:
    """Integrity, FTS consistency, no duplicate; returns key -> revision."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # FTS5's own check that the index matches the external content table.
        conn.execute("INSERT INTO documents_fts (documents_fts) VALUES ('integrity-check')")
        dupes = conn.execute(
            "SELECT source, key, COUNT(*) FROM documents GROUP BY source, key HAVING COUNT(*) > 1"
        ).fetchall()
        assert dupes == []
        rows = dict(conn.execute("SELECT key, revision FROM documents").fetchall())
        # Every document has its content row (no half-written document).
        orphans = conn.execute(
            "SELECT COUNT(*) FROM documents d LEFT JOIN contents c ON c.document_id = d.id WHERE c.document_id IS NULL"
        ).fetchone()[0]
        assert orphans == 0
        # A document's revision number and its stored history agree (no half-written revision).
        bad = conn.execute(
            "SELECT d.key, d.revision, COUNT(r.id) FROM documents d LEFT JOIN revisions r ON r.document_id = d.id "
            "GROUP BY d.id HAVING d.revision != COUNT(r.id) + 1"
        ).fetchall()
        assert bad == []
        return rows
    finally:
        conn.close()


def acknowledged(lines: list[str]) -> set[str]:
    return {m.group(1) for line in lines if (m := re.match(r"stored (\S+) ", line))}


@pytest.mark.slow
def test_sigkill_during_writes_loses_and_duplicates_nothing(tmp_path):
    db = tmp_path / "crash.db"
    rng = random.Random(8)  # fixed seed: a failure can be replayed
    acked: set[str] = set()
    killed_mid_stream = 0
    for round_no in range(1, KILLS + 1):
        proc = start_writer(db, N_DOCS, round_no)
        wait_ready(proc)
        lines = kill_at_random(proc, rng, N_DOCS)
        if "done" not in lines:
            killed_mid_stream += 1
        acked |= acknowledged(lines)
        stored = check_consistent(db)
        assert acked <= stored.keys(), f"round {round_no}: acknowledged writes lost: {sorted(acked - stored.keys())[:5]}"
    assert killed_mid_stream >= 20, "most kills must land while the writer is writing"

    proc = start_process_writer(db, N_DOCS, KILLS + 1)  # a fresh interpreter, as a real next run
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    stored = check_consistent(db)
    assert set(stored) == {f"crash-{i:05d}" for i in range(N_DOCS)}
    # The documents that change every round carry the last round's content.
    assert f"Version {KILLS + 1}." in text_of(db, "crash-00000")


@pytest.mark.slow
def test_sigkill_during_alerts_sends_nothing_twice_and_loses_nothing(tmp_path):
    db = tmp_path / "alerts.db"
    n = 60
    rng = random.Random(88)
    with SmtpSink() as sink:
        cfg = tmp_path / "hjwatch.toml"
        cfg.write_text(
            f'[alerts]\nsmtp_host = "127.0.0.1"\nsmtp_port = {sink.port}\nto = ["research@example.org"]\n',
            encoding="utf-8",
        )
        killed = 0
        for round_no in range(1, 21):
            proc = start_writer(db, n, round_no, "--alerts", str(cfg))
            wait_ready(proc)
            lines = kill_at_random(proc, rng, n + n // 5)
            killed += "done" not in lines
            check_consistent(db)
        proc = start_process_writer(db, n, 99, "--alerts", str(cfg))
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        check_consistent(db)
        messages = sink.messages

    assert killed >= 15
    seen: dict[str, int] = {}
    for msg in messages:
        text, _html = bodies(msg)
        for key in set(re.findall(r"Crash document (\d+)\b", text)):
            seen[key] = seen.get(key, 0) + 1
    twice = {k: v for k, v in seen.items() if v > 1}
    assert twice == {}, f"documents emailed more than once: {sorted(twice)[:10]}"
    assert set(seen) == {str(i) for i in range(n)}, "every relevant document is emailed once"

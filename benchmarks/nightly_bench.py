"""The nightly job at scale: ``hjwatch nightly`` against a loopback mirror of every source.

Serves 10,000 OCDS notices (half Find a Tender, half Contracts Finder, paged 100 a page in
daily windows) and 2,000 articles (20 RSS/Atom feeds of 100 items, each followed to its page)
from the reliability suite's mirror (``tests/reliability/mirror.py``), then runs the real
command in a child process, as cron would, into a fresh SQLite file, alerts to an outbox.
Prints wall time, CPU time (user + system of the child) and peak RSS (the child's maxrss),
then runs it a second time (nothing new: the incremental path) as the baseline of the same run.

Every tenth notice is not about healthcare (grounds maintenance), so the pre-filter has work.

    python benchmarks/nightly_bench.py                         # 10,000 notices, 2,000 articles
    python benchmarks/nightly_bench.py --notices 1000 --articles 200
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_RSS_MB = 400


def run_child(cmd: list[str], env: dict) -> tuple[int, float, float, float, str]:
    """Run and measure one child: (exit code, wall s, cpu s, peak RSS MB, stderr tail)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far (KiB on Linux): the first run is
    # measured alone, and a later smaller run cannot lower it, so the caller reads it in order.
    return proc.returncode, wall, cpu, after.ru_maxrss / 1024, proc.stderr[-1500:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notices", type=int, default=10_000)
    ap.add_argument("--articles", type=int, default=2_000)
    ap.add_argument("--feeds", type=int, default=20)
    args = ap.parse_args(argv)

    from tests.reliability import harness as H
    from tests.reliability.faultserver import FaultServer
    from tests.reliability.mirror import Mirror
    from benchmarks.ingest_bench import machine

    print(machine())
    per_source = args.notices // 2
    days = 60
    today = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - dt.timedelta(days=days)
    spacing = dt.timedelta(days=days - 1) / max(per_source, 1)
    mirror = Mirror.build(
        notices_per_source=per_source, feeds=args.feeds, articles_per_feed=args.articles // args.feeds,
        pages=0, page_size=100, irrelevant_every=10, start=since + dt.timedelta(hours=1), spacing=spacing,
    )
    n_docs = sum(len(v) for v in mirror.releases.values()) + len(mirror.articles)
    print(f"mirror: {n_docs:,} documents ({args.notices:,} notices over {days} days, "
          f"{len(mirror.articles):,} articles in {args.feeds} feeds)")

    with tempfile.TemporaryDirectory() as tmp, FaultServer(mirror) as srv:
        tmp = Path(tmp)
        sources = {"fts": {}, "contracts_finder": {}, "news": {"feeds": [srv.url(f.path) for f in mirror.feeds]}}
        cfg = H.write_config(tmp / "hjwatch.toml", base=srv.base, since=since.date(), sources=sources,
                             outbox=tmp / "outbox", window_days=1,
                             scrapy={"CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                                     "DOWNLOAD_TIMEOUT": 60, "LOG_LEVEL": "WARNING"})
        db = tmp / "bench.db"
        cmd = [sys.executable, "-c", "from hjwatch.cli import main; main()", "--db", str(db), "--config", str(cfg),
               "-q", "nightly", "--quiet"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("HJWATCH_")}
        code, wall, cpu, rss, err = run_child(cmd, env)
        conn = sqlite3.connect(db)
        stored = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        relevant = conn.execute("SELECT COUNT(*) FROM documents WHERE relevant = 1").fetchone()[0]
        conn.close()
        size = db.stat().st_size + sum(p.stat().st_size for p in tmp.glob("bench.db-*"))
        code2, wall2, cpu2, _rss2, err2 = run_child(cmd, env)
        requests = len(srv.hits)

    print(f"\n{'run':<34}{'exit':>5}{'wall s':>9}{'cpu s':>8}{'docs/s (wall)':>15}{'peak RSS MB':>13}")
    print(f"{'first night (everything new)':<34}{code:>5}{wall:>9.1f}{cpu:>8.1f}{stored / wall:>15.1f}{rss:>13.0f}")
    print(f"{'second night (nothing new) = base':<34}{code2:>5}{wall2:>9.1f}{cpu2:>8.1f}{'':>15}{'':>13}")
    print(f"stored {stored:,} documents ({relevant:,} relevant), database {size / 1e6:.0f} MB, {requests:,} HTTP requests")
    print(f"ratio: first night {wall / max(wall2, 1e-9):.1f}x the wall time of a night with nothing new")
    print(f"nightly: wall {wall:.1f} s, cpu {cpu:.1f} s, peak RSS {rss:.0f} MB "
          f"(target < {TARGET_RSS_MB} MB: {'MET' if rss < TARGET_RSS_MB else 'MISSED'})")
    if code or code2:
        print("stderr of a failed run:\n" + (err if code else err2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

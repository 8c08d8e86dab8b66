"""How long the alert step takes for a large backlog (the first digest after a backfill).

Stores N relevant documents in a fresh SQLite file, then times, in the same run:

- baseline: ``db.pending_alerts`` alone (reading the backlog);
- digest: grouping and rendering the text + HTML message (``digest.build_message``);
- send: the whole ``send_pending`` to the outbox (read, render, write + fsync the .eml, mark).

Prints each figure, its ratio to the baseline, and the size of the .eml written.

    python benchmarks/digest_bench.py            # N = 2000
    python benchmarks/digest_bench.py --n 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from hjwatch.config import Config
from hjwatch.db import open_db, pending_alerts, store_document
from hjwatch.pipeline import digest
from hjwatch.pipeline.alerts import send_pending

PRISONS = ["HMP Leeds", "HMP Belmarsh", "HMP Durham", "HMP Lewes", "HMP Thameside", "HMP Isis"]
EVENTS = [["tender"], ["award"], ["loss", "notice_served"], ["legal_challenge"], ["inspection"]]


def document(i: int) -> dict:
    prison = PRISONS[i % len(PRISONS)]
    events = EVENTS[i % len(EVENTS)]
    # Each text differs enough that the store's near-duplicate check keeps them apart.
    text = (f"Notice {i}: healthcare services at {prison}, reference HJ-{i * 7919 % 100003:05d}, "
            f"lot {i % 13}, region {i % 7}, value £{1_000_000 + i * 1234:,}. {' '.join(str(i * k) for k in range(1, 30))}")
    return {
        "source": "fts" if i % 3 else "news.example.org",
        "kind": "notice" if i % 3 else "news",
        "key": f"bench-{i:07d}",
        "url": f"https://example.org/notice/{i}",
        "title": f"Healthcare services at {prison} (notice {i})",
        "published": (dt.date(2026, 1, 1) + dt.timedelta(days=i % 300)).isoformat(),
        "text": text,
        "extraction": {"relevant": True, "prisons": [prison], "buyers": ["NHS England"],
                       "values_gbp": [1_000_000 + i * 1234], "events": events,
                       "litigation": "legal_challenge" in events,
                       "litigation_snippets": ["The provider is taking legal action."] if "legal_challenge" in events else []},
        "extractor_version": "bench",
    }


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="pending records (default 2000)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "bench.db")
        db = open_db(db_path)
        t_store, _ = timed(lambda: [store_document(db, document(i)) for i in range(args.n)])
        cfg = Config()
        cfg.db_path = db_path
        cfg.alerts.update({"to": ["research@example.org"], "outbox": str(Path(tmp) / "outbox")})
        now = dt.datetime(2026, 11, 23, 2, 30, tzinfo=dt.timezone.utc)

        t_base, pending = timed(lambda: pending_alerts(db))
        t_digest, msg = timed(lambda: digest.build_message(pending, sender="hjwatch@localhost",
                                                           recipient="research@example.org", now=now))
        t_send, report = timed(lambda: send_pending(db, cfg, now=now, env={}))
        size = sum(p.stat().st_size for p in (Path(tmp) / "outbox").glob("*.eml"))

    print(f"records stored (setup)     {args.n:>10,}   {t_store:8.2f} s")
    print(f"pending records            {len(pending):>10,}")
    print(f"baseline pending_alerts    {t_base * 1000:10.1f} ms   1.0x")
    print(f"digest build (text+HTML)   {t_digest * 1000:10.1f} ms   {t_digest / t_base:5.1f}x baseline")
    print(f"send_pending to outbox     {t_send * 1000:10.1f} ms   {t_send / t_base:5.1f}x baseline")
    print(f"per record (send_pending)  {t_send / max(len(pending), 1) * 1e6:10.1f} µs")
    print(f".eml size                  {size / 1024:10.1f} KiB  ({len(report.marked):,} records marked)")


if __name__ == "__main__":
    main()

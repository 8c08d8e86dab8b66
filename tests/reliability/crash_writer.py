"""A writer process for the crash tests: stores synthetic documents through ``hjwatch.db``.

Run as ``python -m tests.reliability.crash_writer DB N ROUND [--alerts CONFIG]``. It prints
``ready`` once its imports are done, then ``stored KEY STATUS`` after each ``store_document``
returns (so the test knows which writes were acknowledged), and, with ``--alerts``, calls
``pipeline.alerts.send_pending`` after every five documents and prints ``alerted N``.
The test SIGKILLs it at a random moment; a normal run (no kill) must then leave the database
complete, consistent and free of duplicates.

Every fifth document changes content with ``ROUND`` (a new revision each round), so kills also
land inside the revision path, not only inside first inserts.
"""

from __future__ import annotations

import argparse
import random
import sys

VOCABULARY = ("clinic", "ward", "nurse", "pharmacy", "dental", "mental", "substance", "screening",
              "reception", "wing", "custody", "release", "referral", "induction", "audit", "board")


def document(i: int, round_no: int) -> dict:
    """Synthetic document ``i``; every fifth one's text depends on the round (a new revision)."""
    version = round_no if i % 5 == 0 else 0
    prison = ["HMP Leeds", "HMP Belmarsh", "HMP Durham", "HMP Lewes"][i % 4]
    # Each text draws its own words, so the store's near-duplicate check (news) keeps them apart.
    rng = random.Random(i)
    filler = " ".join(rng.choice(VOCABULARY) + str(rng.randrange(1000)) for _ in range(120))
    text = (
        f"Crash document {i}. NHS England awards the healthcare contract at {prison} "
        f"to Practice Plus Group, worth £{1_000_000 + i * 1000:,}. Version {version}. {filler}"
    )
    return {
        "source": "fts" if i % 2 else "example.org",
        "kind": "notice" if i % 2 else "news",
        "key": f"crash-{i:05d}",
        "url": f"https://example.org/crash/{i:05d}",
        "title": f"Crash document {i}",
        "published": "2025-02-01",
        "fetched_at": "2025-02-02T03:04:05+00:00",
        "body": text.encode("utf-8"),
        "content_type": "text/plain; charset=utf-8",
        "text": text,
        "extraction": {"relevant": True, "prisons": [prison], "companies": ["Practice Plus Group"],
                       "values_gbp": [1_000_000 + i * 1000], "events": ["award"]},
        "extractor_version": "crash-test",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("n", type=int)
    ap.add_argument("round", type=int)
    ap.add_argument("--alerts", metavar="CONFIG", help="send alerts every five documents")
    args = ap.parse_args(argv)
    write(args.db, args.n, args.round, args.alerts, lambda line: print(line, flush=True))
    return 0


def write(db_path: str, n: int, round_no: int, alerts_config: str | None, say) -> None:
    """The writer's work; ``say(line)`` reports progress (stdout, or a pipe in a forked child)."""
    from hjwatch.db import open_db, store_document

    config = None
    if alerts_config:
        from hjwatch.config import load_config
        from hjwatch.pipeline.alerts import send_pending

        config = load_config(alerts_config, env={})
    db = open_db(db_path)
    say("ready")
    for i in range(n):
        result = store_document(db, document(i, round_no))
        say(f"stored crash-{i:05d} {result.status}")
        if config is not None and i % 5 == 4:
            report = send_pending(db, config, env={})
            say(f"alerted {len(report.marked)}")
    if config is not None:
        report = send_pending(db, config, env={})
        say(f"alerted {len(report.marked)}")
    say("done")


class ForkedWriter:
    """The writer in a forked child of the test process: the same code, already imported.

    A fork costs milliseconds where a fresh interpreter costs most of a second, so twenty-odd
    kills fit in CI time. The child is a real process and SIGKILL ends it as abruptly as any.
    Interface as ``subprocess.Popen`` as far as the crash tests use it: ``stdout.readline()``,
    ``send_signal``, ``communicate``, ``returncode``.
    """

    def __init__(self, db_path: str, n: int, round_no: int, alerts_config: str | None = None):
        import os

        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: write, report through the pipe, never return into pytest
            code = 0
            try:
                os.close(read_fd)
                out = os.fdopen(write_fd, "w", buffering=1)
                write(db_path, n, round_no, alerts_config, lambda line: out.write(line + "\n"))
                out.flush()
            except BaseException:  # noqa: BLE001 - report and leave
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        os.close(write_fd)
        self.pid = pid
        self.stdout = os.fdopen(read_fd, "r")
        self.returncode: int | None = None

    def send_signal(self, sig: int) -> None:
        import os

        os.kill(self.pid, sig)

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        import os

        rest = self.stdout.read()
        self.stdout.close()
        _pid, status = os.waitpid(self.pid, 0)
        self.returncode = os.waitstatus_to_exitcode(status)
        return rest, ""


if __name__ == "__main__":
    sys.exit(main())

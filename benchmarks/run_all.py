"""Run every benchmark script under ``benchmarks/`` and print one summary table.

Each script runs in its own process (its full output is saved with ``summary.md`` in ``--out``), then the
figures that matter are read from what it printed:

- extraction docs/s (one core) and the ratio to the naive baseline (``extract_speed.py``);
- ingest docs/s, parse + extract + store (``ingest_bench.py``);
- search p50/p95 and ingest rate at 10k -> 100k (-> 1M with ``--full``) documents, i.e. how
  each grows with the archive (``store_bench.py``);
- the nightly job over a loopback mirror of 10,000 notices and 2,000 articles: wall, CPU and
  peak RSS (``nightly_bench.py``);
- any other script (``article_quality.py``, ``digest_bench.py``, ...) is run and listed with
  its last line, so a new benchmark is never silently skipped.

    python benchmarks/run_all.py                 # the standard sizes (takes a while)
    python benchmarks/run_all.py --quick         # small sizes, to check everything runs
    python benchmarks/run_all.py --full          # adds the 1,000,000-document store run
    python benchmarks/run_all.py --only extract_speed ingest_bench

Scripts with ``_`` as their first letter, helpers (``corpus.py``) and modules without a
``__main__`` block are not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Modules other benchmarks import (they may print a sample when run, but measure nothing).
HELPERS = {"corpus.py"}
ROOT = HERE.parent


@dataclass
class Job:
    script: str
    args: list[str]
    label: str
    output: str = ""
    seconds: float = 0.0
    code: int | None = None
    figures: dict[str, str] = field(default_factory=dict)


def plan(quick: bool, full: bool) -> list[Job]:
    """The runs, script by script, at the sizes asked for."""
    jobs = [
        Job("extract_speed.py", ["--n", "200", "--baseline-n", "20"] if quick else [], "extraction"),
        Job("ingest_bench.py", ["--n", "150"] if quick else ["--n", "600"], "ingest"),
    ]
    sizes = [2_000, 10_000] if quick else [10_000, 100_000] + ([1_000_000] if full else [])
    for n in sizes:
        jobs.append(Job("store_bench.py", ["--n", str(n), "--repeat", "10" if quick else "50"], f"store {n:,}"))
    jobs.append(Job("nightly_bench.py", ["--notices", "500", "--articles", "100", "--feeds", "5"] if quick else [],
                    "nightly"))
    known = {j.script for j in jobs}
    for path in sorted(HERE.glob("*.py")):
        if path.name in known or path.name == Path(__file__).name or path.name.startswith("_"):
            continue
        if path.name in HELPERS or "__main__" not in path.read_text(encoding="utf-8"):
            continue  # a helper module, not a benchmark
        jobs.append(Job(path.name, [], path.stem))
    return jobs


# --- reading figures from each script's output -------------------------------------------------


def grab(pattern: str, text: str, group: int = 1) -> str | None:
    m = re.search(pattern, text, re.M)
    return m.group(group) if m else None


def read_figures(job: Job) -> dict[str, str]:
    out = job.output
    f: dict[str, str] = {}
    if job.script == "extract_speed.py":
        f["docs/s (1 core)"] = grab(r"^hjwatch extract \(full, 1 core\)\s+\d+\s+[\d.]+\s+[\d.]+\s+([\d.]+)", out) or "?"
        f["naive docs/s"] = grab(r"^naive baseline \S+\s+\d+\s+[\d.]+\s+[\d.]+\s+([\d.]+)", out) or "?"
        f["ratio"] = (grab(r"^ratio: ([\d.]+)x", out) or "?") + "x"
        f["targets"] = grab(r"^targets: (.*)$", out) or "?"
    elif job.script == "ingest_bench.py":
        f["docs/s (1 core)"] = grab(r"^ingest: ([\d.]+) docs/s", out) or "?"
        f["slowest stage"] = grab(r"^slowest stage: (.*)$", out) or "?"
        f["store-only docs/s"] = grab(r"store alone ([\d,]+) docs/s", out) or "?"
        f["target"] = grab(r"^target: (.*)$", out) or "?"
    elif job.script == "store_bench.py":
        f["ingest docs/s"] = grab(r"ingest, 1 doc per transaction: .* = ([\d,]+) docs/s", out) or "?"
        f["search p95 worst ms"] = grab(r"search p95 worst ([\d.]+) ms", out) or "?"
        rows = re.findall(r"^\s{2}(\S+)\s+.+?\s+[\d,]+\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s", out, re.M)
        if rows:
            f["search p50/p95 ms (per query)"] = "; ".join(f"{q} {p50}/{p95}" for q, p50, p95 in rows)
        f["size"] = grab(r"^database size: ([\d,]+ MB)", out) or "?"
        f["peak RSS"] = grab(r"^peak RSS: ([\d,]+ MB)", out) or "?"
    elif job.script == "nightly_bench.py":
        m = re.search(r"^nightly: wall ([\d.]+) s, cpu ([\d.]+) s, peak RSS (\d+) MB \(target .*: (\w+)\)", out, re.M)
        if m:
            f.update({"wall s": m.group(1), "cpu s": m.group(2), "peak RSS MB": m.group(3), "RSS target": m.group(4)})
        f["stored"] = grab(r"^stored ([\d,]+) documents", out) or "?"
        f["vs nothing-new night"] = grab(r"^ratio: first night ([\d.]+x)", out) or "?"
    else:
        lines = [ln for ln in out.strip().splitlines() if ln.strip()]
        f["last line"] = lines[-1][:120] if lines else "(no output)"
    return f


def run(job: Job, log_dir: Path, timeout: float) -> None:
    cmd = [sys.executable, str(HERE / job.script), *job.args]
    print(f"[{dt.datetime.now():%H:%M:%S}] {job.label}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        job.code, job.output = proc.returncode, proc.stdout + ("\n" + proc.stderr if proc.returncode else "")
    except subprocess.TimeoutExpired as exc:
        job.code, job.output = -1, f"timed out after {timeout:.0f} s\n{exc.stdout or ''}"
    job.seconds = time.perf_counter() - t
    safe = re.sub(r"[^\w.-]+", "_", job.label)
    (log_dir / f"{safe}.txt").write_text(job.output, encoding="utf-8")
    job.figures = read_figures(job)


def summary(jobs: list[Job], machine: str) -> str:
    lines = [f"# hjwatch benchmarks, {dt.date.today().isoformat()}", "", machine, "",
             "| benchmark | figures | exit | run time |", "| --- | --- | --- | --- |"]
    for j in jobs:
        figs = "; ".join(f"{k}: {v}" for k, v in j.figures.items())
        lines.append(f"| {j.label} (`{j.script} {' '.join(j.args)}`) | {figs} | {j.code} | {j.seconds:.0f} s |")
    store = [j for j in jobs if j.script == "store_bench.py" and j.code == 0]
    if len(store) > 1:
        lines += ["", "Growth with the archive (store_bench.py):", "",
                  "| documents | ingest docs/s | search p95 worst (ms) | size | peak RSS |", "| --- | --- | --- | --- | --- |"]
        for j in store:
            lines.append(f"| {j.label.split()[-1]} | {j.figures.get('ingest docs/s')} | "
                         f"{j.figures.get('search p95 worst ms')} | {j.figures.get('size')} | {j.figures.get('peak RSS')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: check that everything runs")
    ap.add_argument("--full", action="store_true", help="add the 1,000,000-document store run")
    ap.add_argument("--only", nargs="*", metavar="NAME", help="run only these scripts (stem names)")
    ap.add_argument("--out", default=None, help="folder for the outputs [a new folder in the temp dir]")
    ap.add_argument("--timeout", type=float, default=7200, help="per script, seconds [7200]")
    args = ap.parse_args(argv)

    jobs = plan(args.quick, args.full)
    if args.only:
        jobs = [j for j in jobs if Path(j.script).stem in args.only]
    import tempfile

    out = Path(args.out) if args.out else Path(tempfile.gettempdir()) / f"hjwatch-bench-{dt.datetime.now():%Y%m%d-%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    from benchmarks.ingest_bench import machine

    for job in jobs:
        run(job, out, args.timeout)
    text = summary(jobs, machine())
    (out / "summary.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"\n(full outputs in {out})", file=sys.stderr)
    return 0 if all(j.code == 0 for j in jobs) else 1


if __name__ == "__main__":
    sys.exit(main())

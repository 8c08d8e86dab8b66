"""How fast is the full extraction, and how much faster than a naive extractor?

Runs ``hjwatch.extractors.extract`` (HTML -> text included) over a deterministic synthetic corpus
of ~600-word notices, news stories and HTML pages (``benchmarks/corpus.py``), pinned to one CPU
core, and in the same run a naive baseline on the same documents: BeautifulSoup ``get_text``,
``dateparser.search_dates`` over the whole text, and one regular expression per field. The
baseline is slow, so it runs on the first ``--baseline-n`` documents and is scaled per document.

Prints docs/s for both and the ratio. Targets (issue 3): >= 50 docs/s on one core and >= 10x
the naive baseline.

Usage::

    python benchmarks/extract_speed.py                 # 1,000 docs, baseline on 100
    python benchmarks/extract_speed.py --n 3000 --baseline-n 200
    python benchmarks/extract_speed.py --profile 300   # also print the top hotspots (cProfile)
"""

from __future__ import annotations

import os

# One core: pin the process and keep numeric libraries from starting thread pools. This must
# happen before spaCy (and numpy under it) is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import SEED, generate  # noqa: E402

TARGET_DOCS_PER_S = 50
TARGET_RATIO = 10

# The naive baseline: one pattern per field, the way a first script would do it.
NAIVE_PATTERNS = {
    "prisons": re.compile(r"\bHMP(?:/YOI)?\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?"),
    "trusts": re.compile(r"\b[A-Z][\w,&' ]+? NHS (?:Foundation )?Trust\b"),
    "companies": re.compile(r"\b[A-Z][\w&]+(?: [A-Z][\w&]+)* (?:Ltd|Limited|CIC|plc|Group)\b"),
    "buyers": re.compile(r"\bNHS England(?: [A-Z][a-z]+)*\b"),
    "values_gbp": re.compile(r"(?:£|GBP\s?)\s?\d[\d,]*(?:\.\d+)?\s?(?:m\b|million|bn|billion)?"),
    "durations": re.compile(r"\b(\w+)[- ]years?\b"),
    "litigation": re.compile(r"\b(?:legal action|High Court|judicial review|challenge[ds]?)\b", re.I),
    "events": re.compile(r"\b(?:award(?:ed)?|tender|intention to award|extension|modification)\b", re.I),
}


def naive_extract(content: str) -> dict:
    """The baseline the issue describes: bs4 text, dateparser over everything, regexes."""
    from bs4 import BeautifulSoup
    from dateparser.search import search_dates

    text = BeautifulSoup(content, "html.parser").get_text("\n")
    record = {name: rx.findall(text) for name, rx in NAIVE_PATTERNS.items()}
    record["dates"] = search_dates(text, languages=["en"], settings={"DATE_ORDER": "DMY"}) or []
    return record


def time_per_doc(fn, docs: list[str], per_doc: list[float] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds of this process for ``fn`` over ``docs`` (one call each).

    Both are reported: on a shared machine wall time includes waiting for the core, while
    process CPU time is what the extraction itself costs (the rates below use CPU time).
    ``per_doc``, when given, receives each document's CPU seconds.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    last = cpu
    for doc in docs:
        fn(doc)
        if per_doc is not None:
            now = time.process_time()
            per_doc.append(now - last)
            last = now
    return time.perf_counter() - wall, time.process_time() - cpu


def machine() -> str:
    cores = os.cpu_count()
    pinned = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "n/a"
    return (f"machine: {platform.machine()} {platform.system()} {platform.release()}, {cores} cores "
            f"({pinned} used), Python {platform.python_version()}")


def profile(fn, docs: list[str], top: int = 20) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for doc in docs:
        fn(doc)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="documents for the full extraction (default 1000)")
    ap.add_argument("--baseline-n", type=int, default=100,
                    help="documents for the slow naive baseline (default 100; scaled per document)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--profile", type=int, metavar="N", default=0,
                    help="also profile the extractor over N documents and print the hotspots")
    args = ap.parse_args(argv)
    if args.n < 1 or args.baseline_n < 1:
        ap.error("--n and --baseline-n must be at least 1")

    import spacy

    from hjwatch.extractors import EXTRACTOR_VERSION, extract, get_nlp

    print(machine())
    print(f"spaCy {spacy.__version__}, hjwatch extractor {EXTRACTOR_VERSION}")

    corpus = generate(max(args.n, args.baseline_n), seed=args.seed)
    docs = [content for _kind, content in corpus[:args.n]]
    words = sum(len(d.split()) for d in docs) / len(docs)
    kinds = {k: sum(1 for kk, _ in corpus[:args.n] if kk == k) for k in ("notice", "news", "html")}
    print(f"corpus: {len(docs)} docs (seed {args.seed}), {words:.0f} whitespace tokens/doc, "
          f"{kinds['notice']} notices, {kinds['news']} news, {kinds['html']} HTML pages")

    start = time.perf_counter()
    get_nlp()
    extract(docs[0])  # warm-up: lazy tables, first-call caches
    print(f"pipeline build + warm-up: {time.perf_counter() - start:.2f} s (not counted)")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateparser deprecation noise would swamp the output
        per_doc: list[float] = []
        full_wall, full_cpu = time_per_doc(extract, docs, per_doc)
        base_docs = [content for _kind, content in corpus[:args.baseline_n]]
        naive_extract(base_docs[0])  # warm-up: dateparser loads its language data lazily
        base_wall, base_cpu = time_per_doc(naive_extract, base_docs)

    full_rate = len(docs) / full_cpu
    base_rate = len(base_docs) / base_cpu
    ratio = full_rate / base_rate
    print()
    print(f"{'':<36}{'docs':>6}{'wall s':>9}{'cpu s':>8}{'docs/s':>9}{'ms/doc':>8}{'wall docs/s':>13}")
    for label, n, wall, cpu in [("hjwatch extract (full, 1 core)", len(docs), full_wall, full_cpu),
                                ("naive baseline (bs4+dateparser+re)", len(base_docs), base_wall, base_cpu)]:
        print(f"{label:<36}{n:>6}{wall:>9.2f}{cpu:>8.2f}{n / cpu:>9.1f}{1000 * cpu / n:>8.2f}{n / wall:>13.1f}")
    print("(docs/s and ms/doc from process CPU time; wall docs/s includes time spent waiting for the core)")
    by_kind: dict[str, list[float]] = {}
    for (kind, _content), secs in zip(corpus[:args.n], per_doc):
        by_kind.setdefault(kind, []).append(secs)
    print("extract by kind (CPU ms/doc): " + ", ".join(
        f"{kind} {1000 * sum(t) / len(t):.1f}" for kind, t in by_kind.items()))
    print(f"ratio: {ratio:.1f}x the naive baseline")
    print(f"targets: >= {TARGET_DOCS_PER_S} docs/s {'MET' if full_rate >= TARGET_DOCS_PER_S else 'MISSED'}; "
          f">= {TARGET_RATIO}x baseline {'MET' if ratio >= TARGET_RATIO else 'MISSED'}")

    if args.profile:
        print(f"\nprofile of extract() over {min(args.profile, len(docs))} docs:")
        print(profile(extract, docs[:args.profile]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

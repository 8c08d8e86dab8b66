"""Ingest throughput: parse + extract + store, per stage, one core.


Feeds ``hjwatch.pipeline.store.process_document`` the items the spiders yield for a mix of
OCDS notices (a release dict, no text: ``release_to_text`` derives it) and HTML article pages
(raw bytes, no text: ``html_to_text`` derives it), into a fresh SQLite file, as the crawl does.
In the same run it times each stage alone over the same documents, so the slowest one stands
out and the whole can be compared with its parts:

- parse: ``pipeline.store.derive_text`` (release -> text, HTML -> main text);
- extract: ``extractors.extract_text`` on the parsed texts;
- store: ``db.store_document`` with the extraction already made (the floor: what ingest
  would cost with a free extractor); this is the baseline the ratio is against.

Documents: the extraction benchmark's deterministic ~600-word corpus (``benchmarks/corpus.py``)
wrapped as the spiders deliver it: notice texts as the description of an OCDS release
(``tests/reliability/mirror.py``), HTML pages as article bodies; a third are HTML. Rates are from process CPU
time (the machine may be shared); wall time is printed beside them.

    python benchmarks/ingest_bench.py                 # 600 documents
    python benchmarks/ingest_bench.py --n 2000 --profile 30
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import cProfile  # noqa: E402
import copy  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET = 30  # docs/s per core (issue 8)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"machine: {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"


def items(n: int) -> list[dict]:
    """Spider-shaped items of ~600 words: OCDS notices and HTML article pages.

    The words come from the extraction benchmark's corpus (``benchmarks/corpus.py``): its notice
    and news texts become a release's description, its HTML pages are served as articles.
    """
    import datetime as dt

    from benchmarks.corpus import generate
    from tests.reliability.mirror import make_article, make_release

    start = dt.datetime(2025, 1, 2, 9, tzinfo=dt.timezone.utc)
    out = []
    for i, (kind, content) in enumerate(generate(n)):
        when = start + dt.timedelta(hours=7 * i)
        if kind != "html":
            release = make_release("fts", i, when)
            release["tender"]["description"] = content
            out.append({
                "source": "fts", "kind": "notice", "key": release["id"],
                "url": f"https://www.find-tender.service.gov.uk/api/1.0/ocdsRecordPackages/{release['ocid']}",
                "title": release["tender"]["title"], "published": when.date().isoformat(),
                "body": json.dumps(release).encode(), "content_type": "application/json",
                "release": release,
            })
        else:
            art = make_article(f"bench-{i:06d}", f"/news/2025/bench-story-{i:06d}", i, when)
            url = f"https://news.example.org{art.path}"
            out.append({
                "source": "news.example.org", "kind": "news", "key": url, "url": url, "canonical_url": url,
                "title": art.title, "published": when.date().isoformat(),
                "body": content.encode(), "content_type": "text/html; charset=utf-8",
            })
    return out


def cpu_timed(fn, xs):
    w0, c0 = time.perf_counter(), time.process_time()
    out = [fn(x) for x in xs]
    return out, time.perf_counter() - w0, time.process_time() - c0


def print_components(texts: list[str]) -> None:
    """CPU per extractor component over the same texts: where the slowest stage spends it."""
    from hjwatch.extractors import get_nlp

    nlp = get_nlp()
    spent: dict[str, float] = {"tokenizer": 0.0}
    for text in texts:
        c = time.process_time()
        doc = nlp.make_doc(text)
        spent["tokenizer"] += time.process_time() - c
        for name, proc in nlp.pipeline:
            c = time.process_time()
            doc = proc(doc)
            spent[name] = spent.get(name, 0.0) + time.process_time() - c
    total = sum(spent.values())
    print(f"\n{'extractor component':<32}{'cpu s':>8}{'ms/doc':>8}{'share':>8}")
    for name, secs in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"{name:<32}{secs:>8.2f}{1000 * secs / len(texts):>8.2f}{secs / total:>8.0%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=600, help="documents (default 600)")
    ap.add_argument("--profile", type=int, default=0, metavar="K", help="print the top K functions of ingest (cProfile)")
    ap.add_argument("--components", action="store_true",
                    help="also time each spaCy component of the extractor on the parsed texts")
    args = ap.parse_args(argv)

    import logging

    logging.disable(logging.WARNING)  # per-document warnings would swamp the figures
    from hjwatch.db import open_db, store_document
    from hjwatch.extractors import EXTRACTOR_VERSION, extract_text, get_nlp
    from hjwatch.pipeline.store import derive_text, process_document

    print(machine())
    docs = items(args.n)
    t = time.perf_counter()
    get_nlp()
    extract_text("HMP Leeds healthcare contract awarded by NHS England.")  # warm-up
    print(f"{args.n} documents (2/3 OCDS notices, 1/3 HTML articles, ~600 words); pipeline build + warm-up "
          f"{time.perf_counter() - t:.1f} s (not counted)")

    with tempfile.TemporaryDirectory() as tmp:
        # Stage by stage, on copies (process_document fills in fields).
        texts, w_parse, c_parse = cpu_timed(lambda it: derive_text(copy.deepcopy(it)), docs)
        records, w_ext, c_ext = cpu_timed(extract_text, texts)
        db = open_db(Path(tmp) / "stages.db")
        staged = []
        for it, text, rec in zip(docs, texts, records):
            d = dict(it, text=text, extraction=rec, extractor_version=EXTRACTOR_VERSION)
            d.pop("release", None)
            staged.append(d)
        _, w_store, c_store = cpu_timed(lambda d: store_document(db, d), staged)
        db.conn.close()

        # The whole ingest path, as the crawl's item pipeline runs it.
        db = open_db(Path(tmp) / "ingest.db")
        work = [copy.deepcopy(it) for it in docs]
        prof = cProfile.Profile() if args.profile else None
        if prof:
            prof.enable()
        _, w_all, c_all = cpu_timed(lambda it: process_document(db, it), work)
        if prof:
            prof.disable()
        stored = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        db.conn.close()

    n = args.n
    print(f"\n{'stage':<40}{'cpu s':>8}{'docs/s':>10}{'ms/doc':>8}{'share':>8}{'wall s':>8}")
    stage_cpu = c_parse + c_ext + c_store
    for label, w, c in [("parse (release/HTML -> text)", w_parse, c_parse), ("extract (extract_text)", w_ext, c_ext),
                        ("store (store_document) = baseline", w_store, c_store)]:
        print(f"{label:<40}{c:>8.2f}{n / c:>10.1f}{1000 * c / n:>8.2f}{c / stage_cpu:>8.0%}{w:>8.2f}")
    print(f"{'ingest (process_document, all stages)':<40}{c_all:>8.2f}{n / c_all:>10.1f}{1000 * c_all / n:>8.2f}{'':>8}{w_all:>8.2f}")
    slowest = max([("parse", c_parse), ("extract", c_ext), ("store", c_store)], key=lambda x: x[1])
    print(f"stored {stored} of {n}")
    print(f"slowest stage: {slowest[0]} ({slowest[1] / stage_cpu:.0%} of stage CPU)")
    print(f"ingest: {n / c_all:.1f} docs/s per core; ratio to store-only baseline: {(n / c_all) / (n / c_store):.2f}x "
          f"(store alone {n / c_store:.0f} docs/s)")
    print(f"target: >= {TARGET} docs/s per core {'MET' if n / c_all >= TARGET else 'MISSED'}")
    if args.components:
        print_components(texts)
    if prof:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(args.profile)
        print("\nprofile of ingest (cumulative):")
        print("\n".join(s.getvalue().splitlines()[:args.profile + 12]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

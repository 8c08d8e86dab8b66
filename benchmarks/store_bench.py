"""Store benchmark: ingest throughput, search latency, database size and peak memory.

    python benchmarks/store_bench.py              # 100,000 documents
    python benchmarks/store_bench.py --n 1000000  # the 1M target (takes a while, ~10 GB)

Documents are synthetic but shaped like the real ones: 40% notices (an OCDS release as the raw
body, its text, a record with names and values) and 60% news (an HTML page as the raw body, its
article text, a record with mentions). Words follow a Zipf distribution over a 30,000-word
vocabulary mixed with the real gazetteer names (prisons, trusts, providers), so "healthcare" is
in most documents and a rank-25,000 word in a handful, as in a real crawl.

Every figure is printed next to a baseline measured in the same run:

- ingest: ``store_document`` one document per transaction (the first ``--single`` documents),
  and ``store_documents`` in batches of 500 per transaction (the rest; ``StorePipeline``'s path,
  which flushes every 200), against plain ``INSERT``s of the same rows into an unindexed table
  (the cost floor of writing the bytes);
- search: ``hjwatch.db.search`` p50/p95 against a ``LIKE '%term%'`` scan (what you get
  without FTS), for a common, a medium, a rare term, a phrase and a filtered query.

Extraction is not timed here (see the extractor's own benchmark): records are pre-made.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from hjwatch.db import open_db, search, store_document, store_documents

VOCABULARY = 30_000
SYLLABLES = ["ba", "ce", "di", "fo", "gu", "ha", "je", "ki", "lo", "mu", "na", "pe", "qui", "ra", "se",
             "ti", "vo", "wa", "xe", "yo", "za", "bri", "cha", "dre", "fla", "gro", "ple", "str", "tho"]
# Domain words, weighted as if among the 200 most common (healthcare is in most documents).
DOMAIN = ["healthcare", "prison", "contract", "services", "NHS", "England", "provider", "mental", "health",
          "substance", "misuse", "commissioning", "tender", "award", "notice", "trust", "primary", "care"]


def gazetteer_names(filename: str) -> list[str]:
    text = resources.files("hjwatch.extractors.data").joinpath(f"gazetteers/{filename}").read_text(encoding="utf-8")
    return [row["name"] for row in csv.DictReader(text.splitlines()) if row.get("name")]


class Corpus:
    """Deterministic generator of realistic documents."""

    def __init__(self, seed: int = 4):
        self.rng = random.Random(seed)
        rng = self.rng
        words = set()
        while len(words) < VOCABULARY:
            words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
        self.words = sorted(words)
        rng.shuffle(self.words)
        self.words[5:5] = DOMAIN  # near the top of the Zipf ranking
        # Zipf over content words (function words are not counted by simhash or FTS ranking):
        # the offset flattens the head as removing "the", "of", "and" does in real text.
        weights = [1 / (rank + 50) for rank in range(len(self.words))]
        self.cum_weights = list(itertools.accumulate(weights))
        self.prisons = gazetteer_names("prisons.csv")
        self.trusts = gazetteer_names("nhs_trusts.csv")
        self.companies = gazetteer_names("providers.csv")
        # A pool of sentences; each document draws its own mix plus names and figures.
        # Each sentence mixes common words with words of one of 500 topics, as real stories do.
        topics = [rng.sample(self.words, 150) for _ in range(500)]
        self.sentences = []
        for _ in range(20_000):
            topic = rng.choice(topics)
            k = rng.randint(10, 24)
            words_ = rng.choices(self.words, cum_weights=self.cum_weights, k=k // 2) + rng.choices(topic, k=k - k // 2)
            rng.shuffle(words_)
            self.sentences.append(" ".join(words_).capitalize() + ".")

    def text(self, n_sentences: int) -> tuple[str, dict]:
        rng = self.rng
        prisons = rng.sample(self.prisons, 2)
        trust, company = rng.choice(self.trusts), rng.choice(self.companies)
        value = rng.randint(1, 300) * 1_000_000
        lead = (f"{trust} and {company} are named in the prison healthcare contract for {prisons[0]} and "
                f"{prisons[1]}, worth £{value // 1_000_000}m over {rng.choice([3, 5, 7])} years.")
        body = " ".join(rng.sample(self.sentences, n_sentences))
        record = {"relevant": rng.random() < 0.4, "trusts": [trust], "prisons": prisons, "companies": [company],
                  "buyers": ["NHS England"], "values_gbp": [value], "durations_months": [60],
                  "contract_start": None, "contract_end": None, "litigation": rng.random() < 0.02,
                  "litigation_snippets": [], "events": [rng.choice(["award", "tender", "loss"])],
                  "relevance_score": round(rng.random(), 3),
                  "mentions": [{"label": "PRISON", "text": p, "start": lead.index(p), "end": lead.index(p) + len(p),
                                "canonical": p} for p in prisons]}
        return f"{lead}\n\n{body}", record

    def document(self, i: int) -> dict:
        rng = self.rng
        if i % 5 < 2:  # notices
            text, record = self.text(rng.randint(6, 14))
            ocid = f"ocds-h6vhtk-{i // 3:06x}"  # three releases per procurement
            release = {"ocid": ocid, "id": f"{ocid}-{i}", "date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
                       "tag": [rng.choice(["tender", "award"])], "buyer": {"name": "NHS England"},
                       "tender": {"title": text[:90], "description": text[:1500],
                                  "value": {"amount": record["values_gbp"][0], "currency": "GBP"}},
                       "awards": [{"suppliers": [{"name": record["companies"][0]}]}]}
            body = json.dumps(release).encode()
            return {"source": "fts", "kind": "notice", "key": release["id"],
                    "url": f"https://www.find-tender.service.gov.uk/Notice/{ocid}", "title": text[:90],
                    "published": release["date"][:10], "fetched_at": "2025-12-01T02:00:00+00:00",
                    "body": body, "content_type": "application/json", "text": text, "release": release,
                    "notice": {"ocid": ocid, "release_id": release["id"]}, "extraction": record,
                    "extractor_version": "bench"}
        text, record = self.text(rng.randint(15, 40))
        url = f"https://news{i % 40}.example.org/story/{i}"
        html = ("<!doctype html><html><head><title>Story</title></head><body><nav>Home News Sport</nav><article>"
                + "".join(f"<p>{p}</p>" for p in text.split(". ")) + "</article><footer>(c) 2025</footer></body></html>")
        return {"source": f"news{i % 40}.example.org", "kind": "news", "key": url, "url": url, "canonical_url": url,
                "title": text[:80], "published": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "fetched_at": "2025-12-01T02:00:00+00:00", "body": html.encode(),
                "content_type": "text/html; charset=utf-8", "text": text, "extraction": record,
                "extractor_version": "bench"}


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


CPU_TIMES: list[float] = []  # CPU ms of the last timed() call, per run


def timed(fn, repeat: int) -> list[float]:
    """Wall-clock ms per run (CPU ms per run left in CPU_TIMES)."""
    out = []
    CPU_TIMES.clear()
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - t) * 1000)
        CPU_TIMES.append((time.process_time() - c) * 1000)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="documents to ingest [100000]")
    ap.add_argument("--dir", help="folder for the benchmark databases [a temporary folder]")
    ap.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    ap.add_argument("--single", type=int, default=20_000,
                    help="of which stored one per transaction, the rest by store_documents in 500s [20000]")
    ap.add_argument("--repeat", type=int, default=50, help="runs of each search query [50]")
    ap.add_argument("--search-only", action="store_true",
                    help="reuse DIR/bench.db from an earlier --keep run: measure search, size and memory only")
    args = ap.parse_args(argv)
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="hjwatch-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    n = args.n
    print(f"store benchmark: {n:,} documents in {workdir}", flush=True)

    t = time.perf_counter()
    corpus = Corpus()
    docs_for = corpus.document
    print(f"corpus generator ready in {time.perf_counter() - t:.1f} s", flush=True)

    if args.search_only:
        db = open_db(workdir / "bench.db")
        n = db.execute("SELECT count(*) FROM documents").fetchone()[0]
        print(f"reusing {workdir / 'bench.db'} with {n:,} documents (ingest not measured)")
        measure_search(db, corpus, n, args.repeat, None)
        return

    # --- ingest, one transaction per document (the crawl's path)
    single_n = min(n, args.single)
    db = open_db(workdir / "bench.db")
    store_time = 0.0
    store_cpu = 0.0
    for i in range(single_n):
        doc = docs_for(i)
        t1, c1 = time.perf_counter(), time.process_time()
        store_document(db, doc)
        store_time += time.perf_counter() - t1
        store_cpu += time.process_time() - c1
    single_rate = single_n / store_time
    # On a shared machine wall time includes waiting for a core; CPU time shows the cost itself.
    print(f"ingest, 1 doc per transaction: {single_n:,} docs in {store_time:.1f} s = {single_rate:,.0f} docs/s "
          f"({single_n / store_cpu:,.0f} docs per CPU-second)", flush=True)

    # --- ingest, batches of 500 per transaction for the rest
    batch_time = 0.0
    batch_cpu = 0.0
    i = single_n
    last_report = time.perf_counter()
    while i < n:
        batch = [docs_for(j) for j in range(i, min(n, i + 500))]
        t1, c1 = time.perf_counter(), time.process_time()
        results = store_documents(db, batch)
        failed = [r for r in results if isinstance(r, Exception)]
        if failed:
            raise SystemExit(f"benchmark document failed to store: {failed[0]}")
        batch_time += time.perf_counter() - t1
        batch_cpu += time.process_time() - c1
        i += len(batch)
        if time.perf_counter() - last_report > 30:
            last_report = time.perf_counter()
            print(f"  ... {i:,} stored", flush=True)
    batch_n = n - single_n
    batch_rate = batch_n / batch_time if batch_n else float("nan")
    if batch_n:
        print(f"ingest, 500 docs per transaction: {batch_n:,} docs in {batch_time:.1f} s = {batch_rate:,.0f} docs/s "
              f"({batch_n / batch_cpu:,.0f} docs per CPU-second)", flush=True)

    # --- baseline: plain inserts of the same bytes, no indexes, no FTS, one transaction per 500
    base_n = min(n, 20_000)
    corpus_b = Corpus()
    raw = sqlite3.connect(workdir / "baseline.db")
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = NORMAL")
    raw.execute("CREATE TABLE docs (source, kind, key, url, title, published, body BLOB, text, record)")
    base_docs = [corpus_b.document(j) for j in range(base_n)]
    t, c = time.perf_counter(), time.process_time()
    for k in range(0, base_n, 500):
        with raw:
            raw.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [(d["source"], d["kind"], d["key"], d["url"], d["title"], d["published"], d["body"],
                              d["text"], json.dumps(d["extraction"])) for d in base_docs[k:k + 500]])
    base_rate = base_n / (time.perf_counter() - t)
    base_cpu_rate = base_n / (time.process_time() - c)
    raw.close()
    print(f"baseline, plain INSERT (no index, no FTS), 500 per transaction: {base_rate:,.0f} docs/s "
          f"({base_cpu_rate:,.0f} docs per CPU-second)", flush=True)

    ingest = (single_rate, batch_rate, base_rate, batch_n)
    measure_search(db, corpus, n, args.repeat, ingest)
    db.close()
    if not args.keep and not args.dir:
        shutil.rmtree(workdir, ignore_errors=True)


def measure_search(db, corpus: Corpus, n: int, repeat: int, ingest) -> None:
    """Size, search latency against a LIKE scan, peak memory; then the summary."""
    workdir_db = db.execute("PRAGMA database_list").fetchone()[2]
    # --- size and checkpoint
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = os.path.getsize(workdir_db)
    body_bytes = db.execute("SELECT sum(length(body)) + sum(length(text)) FROM contents").fetchone()[0]
    dups = db.execute("SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL").fetchone()[0]
    print(f"database size: {size / 1e6:,.0f} MB ({size / n:,.0f} bytes/doc; raw body+text {body_bytes / n:,.0f} "
          f"bytes/doc, overhead x{size / body_bytes:.2f}); near-duplicates flagged: {dups}", flush=True)

    # --- search latency
    rare_word = corpus.words[25_000]
    medium = corpus.prisons[7].split()[-1]
    queries = [
        ("common", "healthcare", {}),
        ("medium", medium, {}),
        ("rare", rare_word, {}),
        ("phrase", '"prison healthcare contract"', {}),
        ("filtered", "healthcare", {"kind": "notice", "since": "2025-06-01", "prison": medium}),
    ]
    print(f"search latency over {n:,} documents ({repeat} runs each, ms):")
    print(f"  {'query':<10} {'term':<34} {'matches':>9} {'p50':>8} {'p95':>8} {'cpu p50':>8}   "
          f"{'LIKE scan p50':>13}  ratio")
    p95s = []
    for label, q, filters in queries:
        term = q.strip('"')
        matches = db.execute("SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", [q]).fetchone()[0]
        search(db, q, **filters)  # warm the page cache like a researcher's second query
        lat = timed(lambda: search(db, q, **filters), repeat)
        cpu50 = percentile(CPU_TIMES, 50)
        # Without FTS, finding the best matches means reading every title and text.
        like = timed(lambda: db.execute(
            "SELECT count(*) FROM contents WHERE title LIKE ? OR text LIKE ?",
            [f"%{term}%", f"%{term}%"]).fetchall(), 3)
        p50, p95 = percentile(lat, 50), percentile(lat, 95)
        p95s.append(p95)
        print(f"  {label:<10} {q[:34]:<34} {matches:>9,} {p50:>8.1f} {p95:>8.1f} {cpu50:>8.1f}   "
              f"{statistics.median(like):>13.1f}"
              f"  x{statistics.median(like) / p50:,.0f}", flush=True)

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss:,.0f} MB")
    print("summary:")
    if ingest:
        single_rate, batch_rate, base_rate, batch_n = ingest
        print(f"  ingest {single_rate:,.0f} docs/s (1 per transaction), {batch_rate:,.0f} docs/s (500 per "
              f"transaction); baseline plain INSERT {base_rate:,.0f} docs/s -> x{base_rate / single_rate:.1f} / "
              f"x{base_rate / batch_rate if batch_n else float('nan'):.1f} slower than the floor; "
              f"target >= 2,000 docs/s")
    print(f"  search p95 worst {max(p95s):.1f} ms at {n:,} docs; target < 50 ms at 1,000,000")
    print(f"  size {size / 1e6:,.0f} MB; peak RSS {rss:,.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])

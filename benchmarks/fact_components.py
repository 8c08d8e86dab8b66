"""How much of the extraction do the fact components cost, and how do they compare with a naive
extractor of the same fields?

Runs the fact components (``hj_money``, ``hj_dates``, ``hj_litigation``, ``hj_events``,
``hj_relevance``) one at a time over the synthetic ~600-word corpus of ``benchmarks/corpus.py``
(HTML pages turned into text first, as the extractor does), after the tokenizer and sentencizer,
pinned to one core; and in the same run a naive baseline for the same fields:
``dateparser.search_dates`` over the whole text plus one regular expression each for money,
durations, litigation and events. Prints CPU ms/doc per component, docs/s of the five together,
the baseline's docs/s and the ratio.

Usage::

    python benchmarks/fact_components.py              # 300 docs, baseline on 60
    python benchmarks/fact_components.py --n 1000 --baseline-n 100
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import SEED, generate  # noqa: E402

FACT_PIPES = ["hj_money", "hj_dates", "hj_litigation", "hj_events", "hj_relevance"]

# A first script's version of the same fields.
NAIVE = {
    "values_gbp": re.compile(r"(?:£|GBP\s?)\s?\d[\d,]*(?:\.\d+)?\s?(?:m\b|million|bn|billion)?"),
    "durations": re.compile(r"\b(\w+)[- ]years?\b|\b(\d+)[- ]months?\b"),
    "litigation": re.compile(r"\b(?:legal action|High Court|judicial review|challenge[ds]?)\b", re.I),
    "events": re.compile(r"\b(?:award(?:ed)?|tender|intention to award|extension|modification)\b", re.I),
    "relevant": re.compile(r"\b(?:prison|HMP|custody)\b[^.]*\b(?:health|medical|dental)", re.I),
}


def naive_facts(text: str) -> dict:
    from dateparser.search import search_dates

    record = {name: rx.findall(text) for name, rx in NAIVE.items()}
    record["dates"] = search_dates(text, languages=["en"], settings={"DATE_ORDER": "DMY"}) or []
    return record


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--baseline-n", type=int, default=60)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()

    from hjwatch.extractors import build_nlp
    from hjwatch.extractors.parse_dates import parse_date
    from hjwatch.extractors.text import html_to_text

    texts = [html_to_text(c).text if kind == "html" else c for kind, c in generate(args.n, args.seed)]
    nlp = build_nlp()
    nlp(texts[0])  # warm-up (dateparser and regex compilation), not counted
    with nlp.select_pipes(enable=["sentencizer", "hj_gazetteer"]):
        docs = [nlp(t) for t in texts]

    print(f"corpus: {len(texts)} docs (seed {args.seed}), "
          f"{sum(len(t.split()) for t in texts) / len(texts):.0f} words/doc, one core")
    total = 0.0
    for name in FACT_PIPES:
        pipe = nlp.get_pipe(name)
        parse_date.cache_clear()  # each document's dates are new to the parser
        cpu = time.process_time()
        for doc in docs:
            pipe(doc)
        spent = time.process_time() - cpu
        total += spent
        print(f"  {name:<14} {spent / len(docs) * 1000:6.2f} ms/doc")
    facts_rate = len(docs) / total
    print(f"fact components together: {total / len(docs) * 1000:.2f} ms/doc = {facts_rate:.0f} docs/s (CPU)")

    sample = texts[: args.baseline_n]
    cpu = time.process_time()
    for text in sample:
        naive_facts(text)
    naive_rate = len(sample) / (time.process_time() - cpu)
    print(f"naive baseline (dateparser.search_dates + regexes), {len(sample)} docs: {naive_rate:.1f} docs/s (CPU)")
    print(f"ratio: {facts_rate / naive_rate:.1f}x the naive baseline")


if __name__ == "__main__":
    main()

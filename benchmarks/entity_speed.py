"""Speed of entity recognition (component ``hj_gazetteer``) against a naive gazetteer scan.

    python benchmarks/entity_speed.py              # 600 docs; baseline on the first 60
    python benchmarks/entity_speed.py --n 1500 --baseline-n 100

Both sides read the same ~600-word documents from ``benchmarks/corpus.py`` (notices and news
stories; HTML pages are left out, since text extraction is not part of this component) and are
timed in process CPU time on one core:

- **hj_gazetteer**: the component alone, on documents already tokenised (tokenising is timed
  separately and printed, so the figures can be compared with ``extract_speed.py``);
- **naive baseline**: what the component replaces: for every document, one case-insensitive
  ``re.search`` per gazetteer alias (about 7,500 compiled patterns), the "loop over the
  gazetteer rows" the brief rules out.

It prints docs/s for each and their ratio. It measures speed only; quality is measured by
``tests/extractors/test_gazetteer_corpus.py`` and ``tests/extractors/test_gold.py``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402  (benchmarks/corpus.py)


def pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        except OSError:
            pass


def naive_patterns(gz) -> list[tuple[re.Pattern, str, str]]:
    out = []
    for alias in gz.aliases:
        flags = 0 if alias.kind in {"acronym", "bare"} else re.I
        out.append((re.compile(r"\b" + re.escape(alias.text) + r"\b", flags), alias.label, alias.name))
    return out


def naive_entities(text: str, patterns) -> set[tuple[str, str]]:
    return {(label, name) for pattern, label, name in patterns if pattern.search(text)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--baseline-n", type=int, default=60)
    ap.add_argument("--seed", type=int, default=corpus.SEED)
    args = ap.parse_args()
    pin_one_core()

    import spacy

    from hjwatch.extractors.components import register_extensions
    from hjwatch.extractors.components.gazetteer import GazetteerComponent
    from hjwatch.extractors.gazetteers import load_gazetteer

    docs = [text for kind, text in corpus.generate(args.n * 3 // 2 + 3, seed=args.seed) if kind != "html"][:args.n]
    words = sum(len(d.split()) for d in docs) / len(docs)

    t0 = time.process_time()
    register_extensions()
    nlp = spacy.blank("en")
    component = GazetteerComponent(nlp, overlay_path=None)
    build = time.process_time() - t0

    t0 = time.process_time()
    parsed = [nlp.make_doc(d) for d in docs]
    tokenise = time.process_time() - t0

    component(parsed[0])  # warm-up
    t0 = time.process_time()
    found = 0
    for doc in parsed:
        found += len(component(doc).spans["hj_entities"])
    ours = time.process_time() - t0

    patterns = naive_patterns(load_gazetteer(None))
    base_docs = docs[:args.baseline_n]
    t0 = time.process_time()
    base_found = sum(len(naive_entities(d, patterns)) for d in base_docs)
    naive = time.process_time() - t0

    ours_rate = len(docs) / ours
    naive_rate = len(base_docs) / naive
    print(f"corpus: {len(docs)} docs (seed {args.seed}), {words:.0f} whitespace tokens/doc")
    print(f"component build: {build:.2f} s CPU (once per process; not counted)")
    print(f"{'':34}{'docs':>6}{'cpu s':>9}{'docs/s':>9}{'ms/doc':>9}")
    print(f"{'tokenizer (spacy.blank en)':34}{len(docs):>6}{tokenise:>9.2f}{len(docs) / tokenise:>9.0f}"
          f"{1000 * tokenise / len(docs):>9.2f}")
    print(f"{'hj_gazetteer':34}{len(docs):>6}{ours:>9.2f}{ours_rate:>9.0f}{1000 / ours_rate:>9.2f}")
    print(f"{'naive: one regex per alias':34}{len(base_docs):>6}{naive:>9.2f}{naive_rate:>9.1f}"
          f"{1000 / naive_rate:>9.2f}")
    print(f"ratio: hj_gazetteer is {ours_rate / naive_rate:.0f}x the naive scan "
          f"({found / len(docs):.1f} entity spans/doc; naive finds {base_found / len(base_docs):.1f} "
          f"distinct names/doc, without lists, roles or context)")


if __name__ == "__main__":
    main()

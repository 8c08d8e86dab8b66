"""How fast the notice spiders turn an API page into items, against plain ``json.loads``.

Runs the real parse path (decode, parse with the 1e9999 guard, split exact release bytes,
pre-filter, map notice fields, text and structured values) over the real Contracts Finder
page in ../shared/fixtures (100 releases), or over tests/files/ocds/ if that is missing.

    python benchmarks/ocds_parse_speed.py [--repeat 20]

Prints releases per second for each step and its cost relative to the json.loads baseline
measured in the same run (after one warm-up pass; ftfy repairs are cached per string, so
repeats of the same page flatter the last step a little). The crawl is bound by the APIs' politeness delays (5-10 s a page);
this shows how far below that the CPU cost of a page stays.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hjwatch.extractors.ocds import (
    loads_release_package, notice_fields, release_spans, release_to_text, structured_fields,
)
from hjwatch.spiders.prefilter import prefilter

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "fixtures" / "contracts_finder_ocds_search_sample.json"


def pages() -> list[bytes]:
    if SHARED.is_file():
        return [SHARED.read_bytes()]
    return [p.read_bytes() for p in sorted((ROOT / "tests" / "files" / "ocds").glob("*page*.json"))]


def timed(fn, repeat: int) -> float:
    fn()  # warm-up: first-call costs (imports, regex compilation) are not throughput
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    bodies = pages()
    n = sum(len(json.loads(b)["releases"]) for b in bodies)
    prefilter({"tender": {"title": "warm-up HMP Belmarsh"}})  # build the gazetteer regex once

    def baseline():
        for b in bodies:
            json.loads(b)

    def parse():
        for b in bodies:
            loads_release_package(b)

    def split():
        for b in bodies:
            text = b.decode("utf-8")
            release_spans(text, len(loads_release_package(text)["releases"]))

    parsed = [loads_release_package(b)["releases"] for b in bodies]

    def filtering():
        for releases in parsed:
            for r in releases:
                prefilter(r)

    def mapping():
        for releases in parsed:
            for r in releases:
                notice_fields(r)
                release_to_text(r)
                structured_fields(r)

    base = timed(baseline, args.repeat)
    print(f"{n} releases x {args.repeat} repeats ({'real CF page' if SHARED.is_file() else 'recordings'})")
    print(f"{'step':<28}{'releases/s':>12}{'x json.loads':>14}")
    for name, fn in [("json.loads (baseline)", baseline), ("parse (1e9999 guard)", parse),
                     ("parse + exact release bytes", split), ("pre-filter", filtering),
                     ("notice fields + text + values", mapping)]:
        seconds = base if fn is baseline else timed(fn, args.repeat)
        rate = n * args.repeat / seconds
        print(f"{name:<28}{rate:>12,.0f}{seconds / base:>14.1f}")


if __name__ == "__main__":
    main()

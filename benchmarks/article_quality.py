"""Article-text quality: how much of the story each extractor keeps and how much boilerplate
it drops, on real pages (the 10 pages of the Zyte article-extraction benchmark in
../shared/fixtures/html, with their human-checked ``articleBody``) and on our recorded pages
(tests/files/news, with hand-written "with"/"without" snippets).

Extractors compared, all run here in the same process:

- ``hjwatch``: ``extractors.text.main_text`` (trafilatura, rule-based fallback): the one used;
- ``trafilatura-default``: ``trafilatura.extract`` with default options (no pruning, no fallback);
- ``trafilatura-precision``: trafilatura with ``favor_precision=True``;
- ``selectolax-rules``: ``extractors.text_rules.rules_text`` alone;
- ``bs4-drop-layout``: BeautifulSoup ``get_text`` after dropping nav/header/footer/aside
  (the project's first placeholder);
- ``bs4-get-text``: BeautifulSoup ``get_text`` of the whole page (the baseline).

Figures, per extractor:

- ``body kept``: share of ground-truth paragraphs (real pages) or "with" snippets (ours) found in
  the output. A real paragraph counts as found when 80 % of its words are in the output's
  words in order-free terms, so a changed quote mark or a split line does not count as a loss.
- ``boilerplate dropped``: share of the page's other text blocks (real pages: every block of
  four or more words whose words are mostly not in the article body; ours: the "without"
  snippets) that are absent from the output.
- ratios to ``bs4-get-text``: body kept, and boilerplate leaked (1 - dropped; lower is better).
- ``token F1``: word-level precision/recall against ``articleBody`` (real pages only), the
  measure the Zyte benchmark itself reports.

Run: ``python benchmarks/article_quality.py`` (about 10 s). Prints a table and each
extractor's ratio to the bs4 baseline.
"""

from __future__ import annotations

import collections
import gzip
import json
import re
import sys
import time
from pathlib import Path

import lxml.html
import trafilatura
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hjwatch.extractors.text import main_text  # noqa: E402
from hjwatch.extractors.text_rules import rules_text  # noqa: E402

SHARED = ROOT.parent / "shared" / "fixtures" / "html" / "article-extraction-benchmark"
OURS = ROOT / "tests" / "files" / "news"
WORD = re.compile(r"\w+", re.UNICODE)
BLOCKS = "//p | //li | //h1 | //h2 | //h3 | //h4 | //td | //dd | //figcaption | //blockquote | //span | //a | //div[not(descendant::div or descendant::p)]"


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text or "")]


def norm(text: str) -> str:
    return " ".join(words(text))


def bs4_all(html: str) -> str:
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    return soup.get_text("\n")


def bs4_layout(html: str) -> str:
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "noscript"]):
        tag.decompose()
    return soup.get_text("\n")


def trafilatura_default(html: str) -> str:
    return trafilatura.extract(html, include_comments=False) or ""


def trafilatura_precision(html: str) -> str:
    return trafilatura.extract(html, include_comments=False, favor_precision=True) or ""


EXTRACTORS = {
    "hjwatch": main_text,
    "trafilatura-default": trafilatura_default,
    "trafilatura-precision": trafilatura_precision,
    "selectolax-rules": rules_text,
    "bs4-drop-layout": bs4_layout,
    "bs4-get-text": bs4_all,
}


def covered(snippet_words: list[str], out_counts: collections.Counter, threshold: float) -> bool:
    if not snippet_words:
        return True
    need = collections.Counter(snippet_words)
    hit = sum(min(n, out_counts[w]) for w, n in need.items())
    return hit / len(snippet_words) >= threshold


def page_blocks(html: str) -> list[str]:
    tree = lxml.html.document_fromstring(html)
    for bad in tree.xpath("//script | //style | //noscript"):
        bad.drop_tree()
    seen, out = set(), []
    for node in tree.xpath(BLOCKS):
        text = " ".join(node.text_content().split())
        key = norm(text)
        if len(key.split()) >= 4 and key not in seen:
            seen.add(key)
            out.append(text)
    return out


def score_real(html: str, body: str, output: str) -> dict[str, float]:
    out_words = words(output)
    out_counts = collections.Counter(out_words)
    paragraphs = [p for p in body.split("\n") if len(words(p)) >= 3]
    kept = sum(covered(words(p), out_counts, 0.8) for p in paragraphs)
    body_counts = collections.Counter(words(body))
    boiler = [b for b in page_blocks(html) if not covered(words(b), body_counts, 0.5)]
    out_norm = norm(output)
    dropped = sum(norm(b) not in out_norm for b in boiler)
    gold = collections.Counter(words(body))
    common = sum((gold & out_counts).values())
    p = common / max(1, len(out_words))
    r = common / max(1, sum(gold.values()))
    return {"kept": kept / max(1, len(paragraphs)), "dropped": dropped / max(1, len(boiler)),
            "f1": 2 * p * r / (p + r) if p + r else 0.0, "n_par": len(paragraphs), "n_boiler": len(boiler)}


def score_ours(expected: dict, output: str) -> dict[str, float]:
    out = norm(output)
    kept = sum(norm(s) in out for s in expected["with"])
    dropped = sum(norm(s) not in out for s in expected["without"])
    return {"kept": kept / len(expected["with"]), "dropped": dropped / len(expected["without"]),
            "n_par": len(expected["with"]), "n_boiler": len(expected["without"])}


def real_pages():
    if not SHARED.is_dir():
        return []
    truth = json.loads((SHARED / "ground-truth.subset.json").read_text(encoding="utf-8"))
    return [(key[:8], gzip.open(SHARED / f"{key}.html.gz", "rt", encoding="utf-8").read(), truth[key]["articleBody"])
            for key in sorted(truth)]


def our_pages():
    expected = json.loads((OURS / "expected.json").read_text(encoding="utf-8"))
    return [(name, (OURS / name).read_text(encoding="utf-8").replace("{base2}", "https://www.example.net")
             .replace("{base}", "https://www.example.org"), exp)
            for name, exp in expected.items() if not name.startswith("_")]


def run(pages, scorer, label: str) -> dict[str, dict[str, float]]:
    results = {}
    print(f"\n## {label}: {len(pages)} pages")
    print(f"{'extractor':24} {'body kept':>10} {'boilerplate dropped':>20} {'token F1':>9} {'ms/page':>8}")
    for name, fn in EXTRACTORS.items():
        totals = collections.defaultdict(float)
        started = time.perf_counter()
        for _, html, truth in pages:
            output = fn(html)
            scores = scorer(html, truth, output) if scorer is score_real else scorer(truth, output)
            # Micro-averaged: every paragraph / boilerplate block counts once, whatever its page.
            totals["kept"] += scores["kept"] * scores["n_par"]
            totals["dropped"] += scores["dropped"] * scores["n_boiler"]
            totals["n_par"] += scores["n_par"]
            totals["n_boiler"] += scores["n_boiler"]
            totals["f1"] += scores.get("f1", 0.0)
        ms = (time.perf_counter() - started) * 1000 / len(pages)
        res = {"kept": totals["kept"] / totals["n_par"], "dropped": totals["dropped"] / totals["n_boiler"],
               "f1": totals["f1"] / len(pages) if scorer is score_real else float("nan"), "ms": ms}
        results[name] = res
        f1 = f"{res['f1']:.3f}" if scorer is score_real else "-"
        print(f"{name:24} {res['kept']:10.3f} {res['dropped']:20.3f} {f1:>9} {ms:8.1f}")
    base = results["bs4-get-text"]
    # Ratios against the baseline measured above: body kept (1.00 = as much as get_text) and
    # boilerplate leaked (share not dropped; 0.05 = a twentieth of what get_text leaks).
    print("vs bs4-get-text (body kept ratio, boilerplate leaked ratio): " + ", ".join(
        f"{n} {r['kept'] / max(base['kept'], 1e-9):.2f}, {(1 - r['dropped']) / max(1 - base['dropped'], 1e-9):.3f}"
        for n, r in results.items() if n != "bs4-get-text"))
    return results


def main() -> None:
    real = real_pages()
    if real:
        run(real, score_real, "Zyte article-extraction benchmark (real pages, ../shared)")
    else:
        print("../shared not present: real-page figures skipped")
    run(our_pages(), score_ours, "hjwatch recorded pages (tests/files/news)")


if __name__ == "__main__":
    main()

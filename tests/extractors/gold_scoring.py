"""Score the extractor against annotated gold documents (``NAME.txt`` + ``NAME.json``).

The annotation schema is the one of ``../shared/corpus/dev`` (see its README). The extractor is
run in-process (``hjwatch.extractors.extract``), so a gate over 30 documents costs one pipeline
build, not one interpreter per file.

How each field is scored:

- set fields (``trusts``, ``prisons``, ``companies``, ``buyers``, ``values_gbp``,
  ``durations_months``, ``events``): micro-averaged precision, recall and F1 over all documents,
  after :func:`normalise` (so "HMP/YOI Doncaster" and "HMP Doncaster" are one prison, but a
  wrong or missing name is still wrong);
- ``relevant`` and ``litigation``: accuracy over all documents;
- ``contract_start`` and ``contract_end``: accuracy over the documents where the gold *or* the
  prediction has a date. Counting predicted-only dates is stricter than counting gold dates
  alone: an extractor that invents a start date for every notice is penalised.

Run it by hand to see what an extractor change did::

    python -m tests.extractors.gold_scoring tests/gold --verbose
    python -m tests.extractors.gold_scoring ../shared/corpus/dev

Example (pure functions, no extractor needed)::

    >>> normalise("prisons", "HMP/YOI Doncaster") == normalise("prisons", "HMP Doncaster")
    True
    >>> FieldScore("prisons", tp=3, fp=1, fn=0).f1
    0.857
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SET_FIELDS = ("trusts", "prisons", "companies", "buyers", "values_gbp", "durations_months", "events")
BOOL_FIELDS = ("relevant", "litigation")
DATE_FIELDS = ("contract_start", "contract_end")
ALL_FIELDS = SET_FIELDS + BOOL_FIELDS + DATE_FIELDS

EVENTS = {
    "award", "tender", "intention_to_award", "loss", "withdrawal", "notice_served",
    "legal_challenge", "modification", "extension", "market_engagement", "prior_information",
    "inspection", "other",
}
REQUIRED_KEYS = ("id", "origin", "url", "source_kind", "title", "published", *SET_FIELDS,
                 *BOOL_FIELDS, *DATE_FIELDS, "litigation_snippets", "notes")

# Words that vary between correct spellings of the same name and so are ignored when comparing.
# Kept short on purpose: the wider this gets, the more wrong names it forgives.
_IGNORED_WORDS = {
    "prisons": r"hmp|hmyoi|hm|yoi|prison|irc|immigration|removal|centre|secure|children'?s|home|sch"
               r"|training|stc|the|her|his|majesty'?s",
    "trusts": r"nhs|foundation|trust|the|ft",
    "companies": r"ltd|limited|plc|llp|cic|c\.i\.c|community interest company|the",
    "buyers": r"the",
}


def normalise(field_name: str, value: Any) -> Any:
    """The comparable form of one value of ``field_name`` (None when nothing is left).

    >>> normalise("trusts", "Oxleas Foundation Trust") == normalise("trusts", "Oxleas NHS Foundation Trust")
    True
    >>> normalise("values_gbp", "85000000.0")
    85000000
    >>> normalise("buyers", "North of England Commissioning Support (NECS)")
    'north of england commissioning support'
    """
    if field_name in ("values_gbp", "durations_months"):
        try:
            return int(round(float(value)))
        except (TypeError, ValueError):
            return None
    text = str(value).lower().replace("\u2019", "'").replace("&", " and ")
    text = re.sub(r"\([^)]*\)", " ", text)  # a bracketed acronym: "(NECS)", "(SCW)"
    ignored = _IGNORED_WORDS.get(field_name)
    if ignored:
        text = re.sub(rf"(?<![\w'])(?:{ignored})(?![\w'])", " ", text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    text = re.sub(r"\band\b", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def as_set(field_name: str, values: Iterable[Any] | None) -> set:
    """The normalised set of a list field; empty and unparseable values are dropped."""
    return {n for n in (normalise(field_name, v) for v in values or ()) if n is not None}


@dataclass
class FieldScore:
    """Tallies for one field: tp/fp/fn for a set field, right/total for the others."""

    name: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    right: int = 0
    total: int = 0

    @property
    def is_set(self) -> bool:
        return self.name in SET_FIELDS

    @property
    def precision(self) -> float:
        return round(self.tp / (self.tp + self.fp), 3) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return round(self.tp / (self.tp + self.fn), 3) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return round(2 * p * r / (p + r), 3) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return round(self.right / self.total, 3) if self.total else 1.0

    @property
    def score(self) -> float:
        """The figure the gate compares with its floor: F1 for sets, accuracy otherwise."""
        return self.f1 if self.is_set else self.accuracy


@dataclass
class Report:
    """Scores over a folder, plus each document's disagreements for ``--verbose``."""

    fields: dict[str, FieldScore]
    documents: int
    problems: list[str] = field(default_factory=list)

    def scores(self) -> dict[str, float]:
        return {name: fs.score for name, fs in self.fields.items()}

    def table(self) -> str:
        lines = [f"{'field':<18}{'P':>7}{'R':>7}{'F1/acc':>8}   tallies"]
        for name, fs in self.fields.items():
            if fs.is_set:
                lines.append(f"{name:<18}{fs.precision:>7.3f}{fs.recall:>7.3f}{fs.f1:>8.3f}"
                             f"   tp={fs.tp} fp={fs.fp} fn={fs.fn}")
            else:
                lines.append(f"{name:<18}{'':>14}{fs.accuracy:>8.3f}   {fs.right}/{fs.total}")
        lines.append(f"{self.documents} documents")
        return "\n".join(lines)


def score_pairs(pairs: Iterable[tuple[str, dict, dict]]) -> Report:
    """Score ``(doc_id, gold, predicted)`` triples.

    >>> gold = {"prisons": ["HMP Leeds"], "relevant": True, "contract_start": None}
    >>> pred = {"prisons": ["HMP Leeds", "HMP Hull"], "relevant": True, "contract_start": "2025-04-01"}
    >>> r = score_pairs([("d1", gold, pred)])
    >>> r.fields["prisons"].precision, r.fields["relevant"].accuracy, r.fields["contract_start"].accuracy
    (0.5, 1.0, 0.0)
    """
    fields = {name: FieldScore(name) for name in ALL_FIELDS}
    problems: list[str] = []
    n = 0
    for doc_id, gold, pred in pairs:
        n += 1
        for name in SET_FIELDS:
            g, p = as_set(name, gold.get(name)), as_set(name, pred.get(name))
            fs = fields[name]
            fs.tp += len(g & p)
            fs.fp += len(p - g)
            fs.fn += len(g - p)
            if g != p:
                problems.append(f"{doc_id} {name}: missed {sorted(g - p, key=str)} "
                                f"extra {sorted(p - g, key=str)}")
        for name in BOOL_FIELDS:
            fs = fields[name]
            fs.total += 1
            if bool(gold.get(name)) == bool(pred.get(name)):
                fs.right += 1
            else:
                problems.append(f"{doc_id} {name}: gold {gold.get(name)} predicted {pred.get(name)}")
        for name in DATE_FIELDS:
            g, p = gold.get(name), pred.get(name)
            if g is None and p is None:
                continue
            fs = fields[name]
            fs.total += 1
            if g == p:
                fs.right += 1
            else:
                problems.append(f"{doc_id} {name}: gold {g} predicted {p}")
    return Report(fields=fields, documents=n, problems=problems)


def load_gold(folder: Path) -> list[tuple[str, dict, Path]]:
    """``(stem, annotation, text path)`` for every ``NAME.json`` that has a ``NAME.txt``."""
    docs = []
    for ann_path in sorted(Path(folder).glob("*.json")):
        txt_path = ann_path.with_suffix(".txt")
        if not txt_path.is_file():
            continue  # baseline.json and any other non-document JSON
        docs.append((ann_path.stem, json.loads(ann_path.read_text(encoding="utf-8")), txt_path))
    return docs


def corpus_digest(folder: Path) -> str:
    """SHA-256 over every document's text and annotation, so floors are tied to one corpus.

    Editing a document or its annotation changes the digest, and the gate then asks for the
    floors to be re-pinned on purpose rather than drifting silently.
    """
    h = hashlib.sha256()
    for stem, _gold, txt_path in load_gold(folder):
        h.update(stem.encode())
        h.update(txt_path.read_bytes())
        h.update(txt_path.with_suffix(".json").read_bytes())
    return h.hexdigest()


def default_extract() -> Callable[[str], dict]:
    from hjwatch.extractors import extract  # imported late: the doctests need no pipeline

    return extract


def score_folder(folder: Path, extract: Callable[[str], dict] | None = None) -> Report:
    """Run ``extract`` over every gold text in ``folder`` and score the results."""
    extract = extract or default_extract()
    triples = []
    for stem, gold, txt_path in load_gold(folder):
        text = txt_path.read_text(encoding="utf-8")
        triples.append((stem, gold, extract(text)))
    return score_pairs(triples)


def pinned_floor(score: float, slack: float = 0.02) -> float:
    """The floor to pin for a measured score: ``slack`` below it, rounded down to 0.01.

    >>> pinned_floor(0.937), pinned_floor(1.0), pinned_floor(0.01)
    (0.91, 0.98, 0.0)
    """
    return max(0.0, int((score - slack) * 100 + 1e-9) / 100)


BASELINE = Path(__file__).resolve().parents[1] / "gold" / "baseline.json"


def pin(section: str, report: Report, folder: Path, *, reason: str | None = None,
        baseline_path: Path = BASELINE) -> list[str]:
    """Write measured floors for ``section`` into baseline.json; return what changed.

    A floor is only lowered with a ``reason``, which is recorded in the section's ``changes``
    (the trafilatura gate refuses a regression without ``--allow-regression``; ours asks why).
    """
    baseline = json.loads(baseline_path.read_text(encoding="utf-8")) if baseline_path.exists() else {}
    old = baseline.get(section, {})
    old_floors = old.get("floors", {})
    floors = {name: pinned_floor(s) for name, s in report.scores().items()}
    lowered = [f"{n} {old_floors[n]} -> {f}" for n, f in floors.items() if n in old_floors and f < old_floors[n]]
    if lowered and not reason:
        raise SystemExit("gold_scoring: refusing to lower floors without --reason: " + ", ".join(lowered))
    changes = list(old.get("changes", []))
    if lowered:
        changes.append({"lowered": lowered, "reason": reason})
    baseline[section] = {
        "folder": str(folder),
        "digest": corpus_digest(folder),
        "documents": report.documents,
        "floors": floors,
        "changes": changes,
    }
    baseline_path.write_text(json.dumps(baseline, indent=2) + "\n", encoding="utf-8")
    return [f"{n} {old_floors.get(n)} -> {f}" for n, f in floors.items() if old_floors.get(n) != f]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Score hjwatch extraction against gold documents.")
    ap.add_argument("folder", type=Path, nargs="?", default=Path(__file__).parents[1] / "gold")
    ap.add_argument("--verbose", action="store_true", help="list each document's disagreements")
    ap.add_argument("--pin", metavar="SECTION",
                    help="write measured floors for SECTION (gold or dev) into tests/gold/baseline.json")
    ap.add_argument("--reason", help="why a floor may go down (recorded in baseline.json)")
    args = ap.parse_args(argv)
    if not any(args.folder.glob("*.txt")):
        print(f"gold_scoring: no annotated documents in {args.folder}", file=sys.stderr)
        return 2
    report = score_folder(args.folder)
    if args.verbose:
        print("\n".join(report.problems))
    print(report.table())
    if args.pin:
        for line in pin(args.pin, report, args.folder, reason=args.reason):
            print(f"floor {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

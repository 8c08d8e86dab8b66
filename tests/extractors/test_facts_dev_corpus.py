"""The fact fields against the shared dev corpus (skips without ../shared).

The issue's bar: ≥ 0.9 on values_gbp, durations_months, relevant, litigation and the dates.
This runs the whole extractor in-process and scores only the fields the fact components own.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from hjwatch.extractors import extract_text

FLOOR = 0.9


@functools.lru_cache(maxsize=1)
def _extract_dev(dev_dir: Path):
    docs = []
    for gold_path in sorted(dev_dir.glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        text = gold_path.with_suffix(".txt").read_text(encoding="utf-8")
        docs.append((gold_path.stem, gold, extract_text(text)))
    return tuple(docs)


@pytest.fixture
def scored(shared_dir):
    """Extraction runs once per session (cached); ``shared_dir`` skips without ../shared."""
    docs = _extract_dev(shared_dir / "corpus" / "dev")
    assert docs, "no dev documents"
    return docs


def set_f1(docs, field):
    tp = fp = fn = 0
    for _, gold, pred in docs:
        g, p = set(gold.get(field) or []), set(pred.get(field) or [])
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@pytest.mark.parametrize("field", ["values_gbp", "durations_months"])
def test_set_fields_reach_the_floor(scored, field):
    assert set_f1(scored, field) >= FLOOR


@pytest.mark.parametrize("field", ["relevant", "litigation"])
def test_booleans_reach_the_floor(scored, field):
    right = sum(bool(g.get(field)) == bool(p.get(field)) for _, g, p in scored)
    assert right / len(scored) >= FLOOR


@pytest.mark.parametrize("field", ["contract_start", "contract_end"])
def test_dates_reach_the_floor(scored, field):
    # Counted where the gold or the prediction has a date, so invented dates cost too.
    pairs = [(g.get(field), p.get(field)) for _, g, p in scored if g.get(field) or p.get(field)]
    assert pairs and sum(a == b for a, b in pairs) / len(pairs) >= FLOOR


def test_output_types(scored):
    for _, _, pred in scored:
        assert all(type(v) is int for v in pred["values_gbp"])
        assert all(type(v) is int for v in pred["durations_months"])
        assert isinstance(pred["relevance_score"], float) and 0 <= pred["relevance_score"] <= 1
        assert all(isinstance(s, str) and s for s in pred["litigation_snippets"])


def test_snippets_are_substrings_of_the_text(shared_dir, scored):
    for stem, _, pred in scored:
        text = (shared_dir / "corpus" / "dev" / f"{stem}.txt").read_text(encoding="utf-8")
        for snippet in pred["litigation_snippets"]:
            assert snippet in text

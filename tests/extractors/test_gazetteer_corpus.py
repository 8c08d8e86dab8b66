"""Entity fields on the shared dev corpus, scored with the shared scorer's own normalisation.

Only the entity component runs (sentencizer + hj_gazetteer), so this test measures the names
half alone and stays fast. The floor is 0.9 F1 per field (the issue's target); skipped without
``../shared``.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

import pytest

from tests.extractors.gazetteer_helpers import entity_nlp

FIELDS = {"trusts": "TRUST", "prisons": "PRISON", "companies": "COMPANY", "buyers": "BUYER"}
FLOOR = 0.9


def _scorer(shared_dir):
    path = shared_dir / "tools" / "score.py"
    spec = importlib.util.spec_from_file_location("hj_shared_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _predict(text):
    doc = entity_nlp()(text)
    out = {field: [] for field in FIELDS}
    for span in doc.spans["hj_entities"]:
        for field, label in FIELDS.items():
            if span.label_ == label:
                out[field].append(span.id_ or span.text)
    return out


@pytest.fixture
def tallies(shared_dir):
    corpus = shared_dir / "corpus" / "dev"
    if not corpus.is_dir():
        pytest.skip("no shared dev corpus")
    return _tally(str(shared_dir))


@functools.lru_cache(maxsize=2)
def _tally(shared: str):
    """Run once per session for all four fields."""
    shared_dir = Path(shared)
    corpus = shared_dir / "corpus" / "dev"
    score = _scorer(shared_dir)
    tally = {f: [0, 0, 0] for f in FIELDS}
    misses = []
    for gold_path in sorted(corpus.glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        pred = _predict(gold_path.with_suffix(".txt").read_text(encoding="utf-8"))
        for field in FIELDS:
            g, p = score.as_set(field, gold.get(field)), score.as_set(field, pred[field])
            tally[field][0] += len(g & p)
            tally[field][1] += len(p - g)
            tally[field][2] += len(g - p)
            if g != p:
                misses.append(f"{gold_path.stem} {field}: missed {sorted(g - p)} extra {sorted(p - g)}")
    return tally, misses


@pytest.mark.parametrize("field", list(FIELDS))
def test_dev_corpus_entity_f1(tallies, field):
    tally, misses = tallies
    tp, fp, fn = tally[field]
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    assert f1 >= FLOOR, f"{field} F1 {f1:.3f} < {FLOOR}; " + "; ".join(m for m in misses if field in m)

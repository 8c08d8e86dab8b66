"""The extraction quality gate: per-field floors on our gold documents and on the shared dev set.

Floors live in ``tests/gold/baseline.json`` with the digest of the corpus they were measured on
(the trafilatura ``eval_baseline.json`` idea). A field that drops below its floor fails the test,
naming the documents that disagree.

Raising a floor is always welcome. LOWERING A FLOOR NEEDS A REASON: write it in the section's
``"changes"`` list in baseline.json (date, field, old -> new, why) in the same commit, e.g. "a
gold annotation was corrected". "The extractor got worse" is not a reason.

Re-pin after editing a gold document (the digest check fails until you do)::

    python -m tests.extractors.gold_scoring tests/gold --pin gold
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from tests.extractors.gold_scoring import (
    ALL_FIELDS,
    EVENTS,
    REQUIRED_KEYS,
    corpus_digest,
    load_gold,
    normalise,
    score_folder,
    score_pairs,
)

GOLD = Path(__file__).resolve().parents[1] / "gold"
BASELINE = json.loads((GOLD / "baseline.json").read_text(encoding="utf-8"))
GAZETTEERS = Path(__file__).resolve().parents[2] / "extractors" / "data" / "gazetteers"

# Scores are rounded to three places; this only absorbs float noise, not a real drop.
EPSILON = 0.0005


def _shortfalls(report, floors: dict[str, float]) -> list[str]:
    scores = report.scores()
    return [f"{name} {scores[name]:.3f} < floor {floor}"
            for name, floor in floors.items() if scores[name] + EPSILON < floor]


def _explain(report, field_name: str) -> str:
    lines = [p for p in report.problems if p.split(" ", 2)[1].rstrip(":") == field_name]
    return "\n".join(lines[:25])


# --- our gold set ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gold_report():
    return score_folder(GOLD)


def test_gold_set_is_big_enough():
    assert len(load_gold(GOLD)) >= 25


def test_gold_digest_matches_pinned_floors():
    """Floors were measured on exactly these documents; an edit needs a re-pin."""
    assert corpus_digest(GOLD) == BASELINE["gold"]["digest"], (
        "tests/gold changed since the floors were pinned: re-run "
        "`python -m tests.extractors.gold_scoring tests/gold --pin gold` and update baseline.json")


def test_every_field_has_a_floor():
    for section in ("gold", "dev"):
        assert set(BASELINE[section]["floors"]) == set(ALL_FIELDS)


@pytest.mark.parametrize("field_name", ALL_FIELDS)
def test_gold_field_meets_floor(gold_report, field_name):
    floor = BASELINE["gold"]["floors"][field_name]
    score = gold_report.scores()[field_name]
    assert score + EPSILON >= floor, (
        f"{field_name}: {score:.3f} < floor {floor}\n{_explain(gold_report, field_name)}")


# --- the shared dev set (skips where ../shared is absent) -----------------------------------

def test_dev_corpus_meets_floors(shared_dir):
    dev = shared_dir / "corpus" / "dev"
    if not dev.is_dir():
        pytest.skip("no shared dev corpus")
    report = score_folder(dev)
    assert report.documents == BASELINE["dev"]["documents"]
    assert not _shortfalls(report, BASELINE["dev"]["floors"]), (
        f"{_shortfalls(report, BASELINE['dev']['floors'])}\n" + "\n".join(report.problems[:40]))


# --- the gold annotations themselves are well-formed ---------------------------------------

def _names(csv_name: str) -> set[str]:
    with open(GAZETTEERS / csv_name, encoding="utf-8", newline="") as fh:
        return {row["name"] for row in csv.DictReader(fh)}


GOLD_DOCS = load_gold(GOLD)
DOC_IDS = [stem for stem, _g, _p in GOLD_DOCS]


@pytest.mark.parametrize("stem,gold,txt_path", GOLD_DOCS, ids=DOC_IDS)
def test_annotation_schema(stem, gold, txt_path):
    assert [k for k in REQUIRED_KEYS if k not in gold] == []
    assert gold["id"] == stem
    assert gold["origin"].startswith("rewritten from ")
    assert gold["url"] and gold["url"] in gold["origin"]
    assert gold["source_kind"] in {"news", "notice", "case_study", "board_paper", "inspection", "other"}
    assert isinstance(gold["relevant"], bool) and isinstance(gold["litigation"], bool)
    assert all(isinstance(v, int) and v > 0 for v in gold["values_gbp"])
    assert all(isinstance(v, int) and 0 < v < 400 for v in gold["durations_months"])
    assert set(gold["events"]) <= EVENTS
    for key in ("published", "contract_start", "contract_end"):
        if gold[key] is not None:
            dt.date.fromisoformat(gold[key])
    assert len(gold["notes"]) > 80, "explain the calls"


@pytest.mark.parametrize("stem,gold,txt_path", GOLD_DOCS, ids=DOC_IDS)
def test_litigation_snippets_are_in_the_text(stem, gold, txt_path):
    text = txt_path.read_text(encoding="utf-8")
    assert gold["litigation"] == bool(gold["litigation_snippets"])
    for snippet in gold["litigation_snippets"]:
        assert snippet in text


@pytest.mark.parametrize("stem,gold,txt_path", GOLD_DOCS, ids=DOC_IDS)
def test_prisons_are_canonical_gazetteer_names(stem, gold, txt_path):
    # An establishment newer than the gazetteer (e.g. HMP Stirling, 2023) is written "HMP Name"
    # and the notes must say it is not in the gazetteer.
    unknown = set(gold["prisons"]) - _names("prisons.csv")
    assert not unknown or "not in the gazetteer" in gold["notes"], unknown


@pytest.mark.parametrize("stem,gold,txt_path", GOLD_DOCS, ids=DOC_IDS)
def test_trusts_are_canonical_or_explained(stem, gold, txt_path):
    unknown = set(gold["trusts"]) - _names("nhs_trusts.csv")
    assert not unknown or "not in the gazetteer" in gold["notes"], unknown


def test_gold_set_mixes_negatives_and_positives():
    relevant = [g["relevant"] for _s, g, _p in GOLD_DOCS]
    assert relevant.count(False) >= 8
    assert relevant.count(True) >= 15
    assert sum(g["litigation"] for _s, g, _p in GOLD_DOCS) >= 4


# --- the scorer itself (pure functions, no extractor) ---------------------------------------

def test_scorer_doctests():
    import doctest

    from tests.extractors import gold_scoring

    assert doctest.testmod(gold_scoring).failed == 0


def test_perfect_prediction_scores_one():
    _stem, gold, _p = GOLD_DOCS[0]
    report = score_pairs([("d", gold, dict(gold))])
    assert all(score == 1.0 for score in report.scores().values())
    assert report.problems == []


def test_empty_prediction_loses_recall_not_precision():
    gold = {"prisons": ["HMP Leeds", "HMP Hull"], "values_gbp": [85000000]}
    report = score_pairs([("d", gold, {})])
    assert report.fields["prisons"].recall == 0.0
    assert report.fields["prisons"].precision == 1.0
    assert report.fields["prisons"].f1 == 0.0
    assert report.fields["values_gbp"].fn == 1


def test_spurious_date_counts_against_the_extractor():
    report = score_pairs([("d", {"contract_end": None}, {"contract_end": "2030-03-31"})])
    assert report.fields["contract_end"].accuracy == 0.0
    assert report.fields["contract_end"].total == 1


def test_both_dates_absent_is_not_scored():
    report = score_pairs([("d", {"contract_start": None}, {"contract_start": None})])
    assert report.fields["contract_start"].total == 0


@pytest.mark.parametrize("field_name,a,b", [
    ("prisons", "HMP & YOI Doncaster", "HMP Doncaster"),
    ("prisons", "Swanwick Lodge SCH", "Swanwick Lodge Secure Children's Home"),
    ("trusts", "Oxleas NHS FT", "Oxleas NHS Foundation Trust"),
    ("companies", "Time for Teeth Ltd", "Time for Teeth"),
    ("buyers", "South Central and West Commissioning Support Unit (SCW)", "South Central and West Commissioning Support Unit"),
    ("values_gbp", 38108065.0, 38108065),
])
def test_normalise_forgives_spelling(field_name, a, b):
    assert normalise(field_name, a) == normalise(field_name, b)


@pytest.mark.parametrize("field_name,a,b", [
    ("prisons", "HMP Leeds", "HMP Hull"),
    ("trusts", "Oxleas NHS Foundation Trust", "Leeds Community Healthcare NHS Trust"),
    ("buyers", "NHS England", "NHS England London"),
    ("values_gbp", 85000000, 8500000),
])
def test_normalise_does_not_forgive_a_wrong_name(field_name, a, b):
    assert normalise(field_name, a) != normalise(field_name, b)


def test_pinning_refuses_to_lower_a_floor_without_reason(tmp_path):
    from tests.extractors.gold_scoring import pin

    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"gold": {"floors": {name: 1.0 for name in ALL_FIELDS}}}))
    report = score_pairs([("d", {"prisons": ["HMP Leeds"]}, {})])
    with pytest.raises(SystemExit, match="without --reason"):
        pin("gold", report, GOLD, baseline_path=baseline)
    pin("gold", report, GOLD, reason="test", baseline_path=baseline)
    saved = json.loads(baseline.read_text())["gold"]
    assert saved["floors"]["prisons"] == 0.0
    assert saved["changes"][0]["reason"] == "test"

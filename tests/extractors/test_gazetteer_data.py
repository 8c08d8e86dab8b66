"""extractors/gazetteers.py: aliases built from the shipped CSVs, loose trust keys, the overlay."""

from __future__ import annotations

import json
import logging

import pytest
import spacy

from hjwatch import InputError
from hjwatch.extractors import gazetteers
from hjwatch.extractors.components import register_extensions
from hjwatch.extractors.gazetteers import (
    append_overlay,
    is_place_like,
    load_gazetteer,
    load_overlay,
    trust_key,
)
from tests.extractors.gazetteer_helpers import names


@pytest.fixture(scope="module")
def gz():
    return load_gazetteer()


def kinds(gz, text):
    """Alias rows for ``text``: exact forms match case-insensitively, so compare them that way."""
    return {(a.label, a.kind, a.name) for a in gz.aliases
            if a.text == text or (a.kind == "exact" and a.text.lower() == text.lower())}


# -- aliases -----------------------------------------------------------------------------------


def test_every_label_has_rows(gz):
    assert len(gz.rows["PRISON"]) > 200
    assert len(gz.rows["TRUST"]) > 250
    assert len(gz.rows["COMPANY"]) > 20
    assert len(gz.rows["BUYER"]) > 50


def test_prison_prefix_forms_are_generated(gz):
    assert ("PRISON", "exact", "HMP Leeds") in kinds(gz, "HMP/YOI Leeds")
    assert ("PRISON", "exact", "HMP Leeds") in kinds(gz, "Leeds prison")


def test_bare_prison_name_is_bare(gz):
    assert kinds(gz, "Leeds") == {("PRISON", "bare", "HMP Leeds")}


def test_place_only_trust_short_name_is_not_matched_alone(gz):
    assert ("TRUST", "place", "Norfolk and Suffolk NHS Foundation Trust") in kinds(gz, "Norfolk and Suffolk")


def test_distinctive_trust_core_is_matched_alone(gz):
    assert ("TRUST", "exact", "Oxleas NHS Foundation Trust") in kinds(gz, "Oxleas")


def test_former_name_core_resolves_to_current_row(gz):
    assert ("TRUST", "exact", "Lancashire & South Cumbria NHS Foundation Trust") in kinds(gz, "Lancashire Care")


def test_acronyms_are_case_sensitive(gz):
    assert ("TRUST", "acronym", "Avon and Wiltshire Mental Health Partnership NHS Trust") in kinds(gz, "AWP")
    assert not any(kind == "acronym" for _, kind, _ in kinds(gz, "awp"))


def test_ambiguous_acronym_is_dropped(gz):
    assert not kinds(gz, "NHFT")


def test_hmpps_is_a_buyer_side_body_only(gz):
    assert {label for label, _, _ in kinds(gz, "HMPPS")} == {"BUYER"}


def test_canonical_lookup(gz):
    assert gz.canonical("BUYER", "nhs england") == "NHS England"
    assert gz.canonical("BUYER", "NHS Nowhere") is None


# -- loose trust keys --------------------------------------------------------------------------


def test_trust_key_ignores_nhs_foundation_trust_and_plurals():
    assert trust_key("Tees, Esk & Wear Valleys NHS Foundation Trust") == trust_key("Tees Esk and Wear Valley Trust")


@pytest.mark.parametrize(
    "written, expected",
    [
        ("Oxleas Foundation Trust", "Oxleas NHS Foundation Trust"),
        ("Avon and Wiltshire Partnership Trust", "Avon and Wiltshire Mental Health Partnership NHS Trust"),
        ("Lancashire Care NHS Foundation Trust", "Lancashire & South Cumbria NHS Foundation Trust"),
        ("Nowhere Special NHS Trust", None),
    ],
)
def test_resolve_trust(gz, written, expected):
    assert gz.resolve_trust(written) == expected


def test_place_like():
    places = {"Norfolk", "Suffolk", "North", "London"}
    assert is_place_like("Norfolk and Suffolk", places)
    assert is_place_like("North London", places)
    assert not is_place_like("Norfolk Deaf Association", places)


# -- the overlay -------------------------------------------------------------------------------


def test_missing_overlay_is_empty(tmp_path):
    assert load_overlay(tmp_path / "none.jsonl") == []


def test_malformed_overlay_lines_are_logged_and_skipped(tmp_path, caplog):
    path = tmp_path / "overlay.jsonl"
    path.write_text(
        '{"label": "COMPANY", "name": "Acme Custody Health", "aliases": ["Acme"]}\n'
        "not json\n"
        '{"label": "SHIP", "name": "HMS Nope"}\n'
        '{"label": "TRUST", "name": "", "aliases": []}\n'
        '["a", "list"]\n'
        "\n"
        '{"label": "PRISON", "name": "HMP Testshire", "aliases": "not a list"}\n',
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="hjwatch.extractors.gazetteers"):
        entries = load_overlay(path)
    assert entries == [{"label": "COMPANY", "name": "Acme Custody Health", "aliases": ["Acme"]}]
    assert len([r for r in caplog.records if "skipped" in r.getMessage()]) == 5


def test_binary_overlay_does_not_crash(tmp_path):
    path = tmp_path / "overlay.jsonl"
    path.write_bytes(b"\xff\xfe\x00garbage\n")
    assert load_overlay(path) == []


def test_append_overlay_validates(tmp_path):
    with pytest.raises(InputError):
        append_overlay(tmp_path / "o.jsonl", {"label": "SHIP", "name": "HMS Nope"})
    with pytest.raises(InputError):
        append_overlay(tmp_path / "o.jsonl", {"label": "TRUST", "name": "X", "aliases": "Y"})
    assert not (tmp_path / "o.jsonl").exists()


def test_append_overlay_writes_one_line_per_entry(tmp_path):
    path = tmp_path / "sub" / "overlay.jsonl"
    append_overlay(path, {"label": "BUYER", "name": "Borsetshire ICB", "aliases": [" NHS Borsetshire "]})
    append_overlay(path, {"label": "COMPANY", "name": "Acme Custody Health"})
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {"label": "BUYER", "name": "Borsetshire ICB", "aliases": ["NHS Borsetshire"]},
        {"label": "COMPANY", "name": "Acme Custody Health", "aliases": []},
    ]


def _pipeline(config=None):
    register_extensions()
    nlp = spacy.blank("en")
    nlp.add_pipe("hj_gazetteer", config=config or {})
    return nlp


def test_component_reads_the_overlay_path(tmp_path):
    path = tmp_path / "overlay.jsonl"
    append_overlay(path, {"label": "COMPANY", "name": "Acme Custody Health", "aliases": ["Acme Custody"]})
    nlp = _pipeline({"overlay_path": str(path)})
    assert names("The service went to Acme Custody last year.", "COMPANY", nlp=nlp) == ["Acme Custody Health"]
    assert names("The service went to Acme Custody last year.", "COMPANY") == []


def test_component_reads_the_overlay_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "env-overlay.jsonl"
    append_overlay(path, {"label": "PRISON", "name": "HMP Testshire", "aliases": ["Testshire Gaol"]})
    monkeypatch.setenv(gazetteers.OVERLAY_ENV, str(path))
    nlp = _pipeline()
    assert names("Healthcare at Testshire Gaol improved.", "PRISON", nlp=nlp) == ["HMP Testshire"]


def test_component_without_overlay_file_still_works(tmp_path, monkeypatch):
    monkeypatch.setenv(gazetteers.OVERLAY_ENV, str(tmp_path / "missing.jsonl"))
    nlp = _pipeline()
    assert names("HMP Leeds", "PRISON", nlp=nlp) == ["HMP Leeds"]

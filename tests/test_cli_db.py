"""The database commands: search, export, review, reextract (in-process, real SQLite files)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from hjwatch.cli import main
from hjwatch.db import open_db, store_document
from tests.db.docs import news_doc, notice_doc


@pytest.fixture(autouse=True)
def drop_cli_log_handlers():
    """The CLI adds a stderr log handler bound to this test's captured stream; remove it after
    the test so a later test's logs do not go to a closed stream ("--- Logging error ---")."""
    import logging

    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_hjwatch", False):
            root.removeHandler(handler)


@pytest.fixture
def db_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no hjwatch.toml here: built-in defaults
    monkeypatch.delenv("HJWATCH_CONFIG", raising=False)
    monkeypatch.delenv("HJWATCH_DB", raising=False)
    monkeypatch.setenv("HJWATCH_GAZETTEER_OVERLAY", str(tmp_path / "overlay.jsonl"))
    path = tmp_path / "research.db"
    db = open_db(path)
    store_document(db, notice_doc())
    store_document(db, news_doc(extraction={"relevant": True, "values_gbp": [5000000]}))
    db.close()
    return path


def run(capsys, *args):
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_search_text(db_file, capsys):
    code, out, err = run(capsys, "--db", str(db_file), "search", "Fosse")
    assert code == 0
    assert "HMP Fosse Way - Integrated Healthcare Services" in out
    assert "[Fosse]" in out


def test_search_json(db_file, capsys):
    code, out, _ = run(capsys, "--db", str(db_file), "search", "healthcare", "--json", "--kind", "notice")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["kind"] for r in rows] == ["notice"]
    assert "ocds-h6vhtk-058b19" in rows[0]["url"]


def test_search_no_matches_exit_zero(db_file, capsys):
    code, out, err = run(capsys, "--db", str(db_file), "search", "zebra")
    assert (code, out) == (0, "")
    assert "no matches" in err


@pytest.mark.parametrize("query", ["'; DROP TABLE documents; --", "NEAR(", 'a"b', ";"])
def test_search_hostile_one_line(db_file, capsys, query):
    code, out, err = run(capsys, "--db", str(db_file), "search", query)
    assert code in (0, 2)
    assert "Traceback" not in err
    assert err.count("\n") <= 1
    assert open_db(db_file).execute("SELECT count(*) FROM documents").fetchone()[0] == 2


def test_search_missing_database(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "--db", str(tmp_path / "none.db"), "search", "x")
    assert code == 1
    assert "no database" in err and err.count("\n") == 1
    assert not (tmp_path / "none.db").exists()


def test_search_bad_since(db_file, capsys):
    code, _, err = run(capsys, "--db", str(db_file), "search", "x", "--since", "soon")
    assert code == 2 and "date" in err


def test_export_jsonl(db_file, capsys):
    code, out, _ = run(capsys, "--db", str(db_file), "export", "--jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["kind"] for r in rows] == ["notice", "news"]
    assert rows[0]["values_gbp"] == [38108065]


def test_export_default_is_jsonl(db_file, capsys):
    _, out, _ = run(capsys, "--db", str(db_file), "export")
    assert len([json.loads(line) for line in out.splitlines()]) == 2


def test_export_csv(db_file, capsys):
    code, out, _ = run(capsys, "--db", str(db_file), "export", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 2
    assert rows[0]["companies"] == "Practice Plus Group"


def test_export_since(db_file, capsys):
    _, out, _ = run(capsys, "--db", str(db_file), "export", "--since", "2025-06-01")
    assert [json.loads(line)["kind"] for line in out.splitlines()] == ["notice"]


def test_export_db_from_env(db_file, capsys, monkeypatch):
    monkeypatch.setenv("HJWATCH_DB", str(db_file))
    _, out, _ = run(capsys, "export")
    assert len(out.splitlines()) == 2


def test_review_lists_queue(db_file, capsys):
    code, out, _ = run(capsys, "--db", str(db_file), "review")
    assert code == 0
    assert "value without context" in out


def test_review_json(db_file, capsys):
    _, out, _ = run(capsys, "--db", str(db_file), "review", "--json")
    [item] = [json.loads(line) for line in out.splitlines()]
    assert item["reasons"] == ["value without context"]


def test_review_set_and_accept(db_file, capsys):
    code, _, err = run(capsys, "--db", str(db_file), "review", "set", "2", "prisons", "HMP Ranby; HMP Lincoln")
    assert code == 0 and "HMP Ranby" in err
    _, out, _ = run(capsys, "--db", str(db_file), "export")
    assert json.loads(out.splitlines()[1])["prisons"] == ["HMP Ranby", "HMP Lincoln"]
    code, _, _ = run(capsys, "--db", str(db_file), "review", "accept", "2")
    assert code == 0
    _, out, err = run(capsys, "--db", str(db_file), "review")
    assert out == "" and "empty" in err


def test_review_show(db_file, capsys):
    code, out, _ = run(capsys, "--db", str(db_file), "review", "show", "1")
    detail = json.loads(out)
    assert code == 0 and detail["record"]["companies"] == ["Practice Plus Group"]


@pytest.mark.parametrize("args,message", [
    (["review", "set", "99", "relevant", "true"], "no document"),
    (["review", "set", "1", "colour", "red"], "unknown field"),
    (["review", "set", "1", "relevant", "maybe"], "true or false"),
    (["review", "accept", "99"], "no document"),
])
def test_review_errors_one_line(db_file, capsys, args, message):
    code, _, err = run(capsys, "--db", str(db_file), *args)
    assert code == 2
    assert message in err and err.count("\n") == 1


def test_review_alias_appends_overlay(db_file, capsys, tmp_path):
    code, _, err = run(capsys, "--db", str(db_file), "review", "alias", "PRISON", "HMP Fosse Way", "Fosse Way jail")
    assert code == 0
    [line] = (tmp_path / "overlay.jsonl").read_text().splitlines()
    assert json.loads(line) == {"label": "PRISON", "name": "HMP Fosse Way", "aliases": ["Fosse Way jail"]}


def test_review_set_with_alias(db_file, capsys, tmp_path):
    code, _, _ = run(capsys, "--db", str(db_file), "review", "set", "2", "prisons", "HMP Lowdham Grange",
                     "--alias", "Lowdham")
    assert code == 0
    assert json.loads((tmp_path / "overlay.jsonl").read_text())["aliases"] == ["Lowdham"]


def test_reextract_nothing_stale_after_run(db_file, capsys):
    code, _, err = run(capsys, "--db", str(db_file), "reextract")
    assert code == 0
    assert "reextract: 2/2" in err
    code, _, err = run(capsys, "--db", str(db_file), "reextract")
    assert code == 0 and "nothing to do" in err


def test_export_stdout_alone_in_a_real_process(db_file, tmp_path):
    out = subprocess.run([sys.executable, "-m", "hjwatch.cli", "--db", str(db_file), "export"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0
    assert all(json.loads(line) for line in out.stdout.splitlines())
    assert "exported 2 document(s)" in out.stderr

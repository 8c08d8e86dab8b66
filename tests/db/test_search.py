"""Full-text search: kept in sync by triggers, ranked, filtered, and safe with any query."""

from __future__ import annotations

import pytest

from hjwatch import InputError
from hjwatch.db import search, set_field, store_document

from .docs import STORY, news_doc, notice_doc, release


def titles(results):
    return [r["title"] for r in results]


def populate(fresh_db):
    store_document(fresh_db, news_doc())
    store_document(fresh_db, notice_doc())
    store_document(fresh_db, news_doc(key="https://news.example.org/kent", title="Kent prisons tender",
                                      published="2024-03-01",
                                      text="Oxleas NHS Foundation Trust runs healthcare at HMP Swaleside and HMP Elmley.",
                                      extraction={"relevant": True, "trusts": ["Oxleas NHS Foundation Trust"],
                                                  "prisons": ["HMP Swaleside", "HMP Elmley"]}))
    return fresh_db


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    # Shared by the read-only tests of this module (one file instead of one per test).
    from hjwatch.db import open_db
    database = populate(open_db(tmp_path_factory.mktemp("search") / "search.db"))
    yield database
    database.close()


def test_finds_word_in_text(db):
    assert titles(search(db, "Swaleside")) == ["Kent prisons tender"]


def test_finds_word_in_title(db):
    assert "HMP Fosse Way - Integrated Healthcare Services" in titles(search(db, "integrated"))


def test_stemming(db):
    # "tendering" finds the title "... tender" and the story's "tendered"
    assert sorted(titles(search(db, "tendering"))) == ["Kent prisons tender", "Trust to quit prison health contracts"]


def test_phrase(db):
    assert titles(search(db, '"HMP Swaleside and HMP Elmley"')) == ["Kent prisons tender"]


def test_all_words_required(db):
    assert search(db, "Swaleside Calocane") == []


def test_or(db):
    assert len(search(db, "Swaleside OR Ranby")) == 2


def test_prefix(db):
    assert titles(search(db, "Swale*")) == ["Kent prisons tender"]


def test_snippet_highlights(db):
    [hit] = search(db, "Elmley")
    assert "[Elmley]" in hit["snippet"]


def test_snippet_marks_configurable(db):
    [hit] = search(db, "Elmley", marks=("<b>", "</b>"))
    assert "<b>Elmley</b>" in hit["snippet"]


def test_result_fields(db):
    [hit] = search(db, "Elmley")
    assert set(hit) >= {"id", "kind", "source", "title", "published", "url", "snippet", "score"}
    assert hit["url"] == "https://news.example.org/kent"
    assert hit["published"] == "2024-03-01"


def test_title_match_ranks_first(fresh_db):
    store_document(fresh_db, news_doc(key="body", title="Board papers", text="Belmarsh " + "healthcare " * 30))
    store_document(fresh_db, news_doc(key="title", title="Belmarsh contract", text="healthcare " * 31))
    assert titles(search(fresh_db, "belmarsh")) == ["Belmarsh contract", "Board papers"]


def test_score_descending(db):
    scores = [r["score"] for r in search(db, "healthcare")]
    assert scores == sorted(scores, reverse=True)


def test_filter_kind(db):
    assert {r["kind"] for r in search(db, "healthcare", kind="notice")} == {"notice"}


def test_filter_since(db):
    assert "Kent prisons tender" not in titles(search(db, "healthcare", since="2025-01-01"))


def test_filter_prison(db):
    assert titles(search(db, "healthcare", prison="swaleside")) == ["Kent prisons tender"]


def test_filter_trust(db):
    assert titles(search(db, "healthcare", trust="Oxleas")) == ["Kent prisons tender"]


def test_filter_name_without_words_is_input_error(db):
    with pytest.raises(InputError, match="--prison needs a name"):
        search(db, "healthcare", prison="%")


def test_filter_name_is_not_fts_syntax(db):
    assert search(db, "healthcare", prison='swaleside" OR "x') == []


def test_filter_both_names(db):
    assert titles(search(db, "healthcare", prison="Elmley", trust="oxleas foundation")) == ["Kent prisons tender"]


def test_query_words_in_names_column_only_do_not_match(fresh_db):
    # a reviewer named the prison; the text never says it: a search for the word stays on title and text
    r = store_document(fresh_db, news_doc(key="k", title="Board papers", text="Healthcare " * 50))
    set_field(fresh_db, r.doc_id, "prisons", "HMP Wymott")
    assert search(fresh_db, "wymott") == []
    assert titles(search(fresh_db, "healthcare", prison="wymott")) == ["Board papers"]


def test_filter_uses_corrections(fresh_db):
    db = populate(fresh_db)
    [hit] = search(db, "Elmley")
    set_field(db, hit["id"], "prisons", "HMP Standford Hill")
    assert titles(search(db, "healthcare", prison="Standford")) == ["Kent prisons tender"]


def test_bad_kind(db):
    with pytest.raises(InputError):
        search(db, "x", kind="tweet")


def test_bad_since(db):
    with pytest.raises(InputError, match="date"):
        search(db, "x", since="last tuesday")


def test_limit(db):
    assert len(search(db, "healthcare", limit=1)) == 1


# FTS kept in sync

def fts_rows(db, word):
    return db.execute("SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?",
                      [f"{{title text}} : {word}"]).fetchall()


def test_sync_after_insert(fresh_db):
    r = store_document(fresh_db, news_doc())
    assert fts_rows(fresh_db, "Calocane") == [] and fts_rows(fresh_db, "Ranby") == [(r.doc_id,)]


def test_sync_after_update(fresh_db):
    r = store_document(fresh_db, news_doc())
    store_document(fresh_db, news_doc(text=STORY.replace("HMP Ranby", "HMP Whatton")))
    assert fts_rows(fresh_db, "Ranby") == []
    assert fts_rows(fresh_db, "Whatton") == [(r.doc_id,)]


def test_sync_after_delete(fresh_db):
    r = store_document(fresh_db, news_doc())
    with fresh_db.conn:
        fresh_db.execute("DELETE FROM documents WHERE id = ?", [r.doc_id])
    assert fts_rows(fresh_db, "Ranby") == []


def test_bookkeeping_update_leaves_index_intact(fresh_db):
    r = store_document(fresh_db, news_doc())
    set_field(fresh_db, r.doc_id, "relevant", "false")
    assert fts_rows(fresh_db, "Ranby") == [(r.doc_id,)]


def test_index_integrity(db):
    db.execute("INSERT INTO documents_fts (documents_fts, rank) VALUES ('integrity-check', 1)")


def test_common_term_ranks_among_newest_candidates(fresh_db, monkeypatch):
    import importlib
    monkeypatch.setattr(importlib.import_module("hjwatch.db.search"), "CANDIDATES", 3)
    for i in range(6):
        store_document(fresh_db, notice_doc(release(release_id=f"r{i}", title=f"Prison healthcare lot {i}")))
    hits = search(fresh_db, "healthcare", limit=10)
    assert len(hits) == 3
    assert sorted(h["title"] for h in hits) == [f"Prison healthcare lot {i}" for i in (3, 4, 5)]


# Hostile queries: a result or a clear message, never SQL executed

HOSTILE = [
    "'; DROP TABLE documents; --",
    '"; DROP TABLE documents; --',
    "DROP TABLE documents",
    "healthcare; DELETE FROM documents",
    "NEAR(",
    "NEAR(healthcare prison, 5",
    'healthcare "unterminated',
    "-healthcare",
    "healthcare -prison",
    "title:",
    "nosuchcolumn:healthcare",
    "AND OR NOT",
    "(((",
    "*",
    "^healthcare",
    "healthcare)",
    "' OR 1=1 --",
    "\\x00",
    "é\u202e\u0000".replace("\u0000", ""),
    "a" * 900,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_query_is_harmless(db, query):
    before = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    try:
        results = search(db, query)
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(results, list)
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == before
    assert "documents" in db.table_names()


def test_drop_table_words_are_searched(db):
    assert search(db, "'; DROP TABLE documents; --") == []


def test_semicolon_query_falls_back_to_words(db):
    assert titles(search(db, "Swaleside;")) == ["Kent prisons tender"]


@pytest.mark.parametrize("query", ["", "   ", "\x00"])
def test_empty_or_nul_query_is_input_error(db, query):
    with pytest.raises(InputError):
        search(db, query)


def test_overlong_query_is_input_error(db):
    with pytest.raises(InputError, match="longer"):
        search(db, "a " * 600)


def test_common_query_puts_title_matches_first(fresh_db, monkeypatch):
    import importlib
    monkeypatch.setattr(importlib.import_module("hjwatch.db.search"), "CANDIDATES", 4)
    for i in range(6):
        title = f"Healthcare lot {i}" if i in (1, 3) else f"Lot {i}"
        store_document(fresh_db, notice_doc(release(release_id=f"r{i}", title=title),
                                            text=f"{title}. Integrated healthcare services."))
    hits = search(fresh_db, "healthcare", limit=10)
    # newest four matches (lots 2-5): the title match (3) first, then the others newest first
    assert [h["title"] for h in hits] == ["Healthcare lot 3", "Lot 5", "Lot 4", "Lot 2"]
    assert [h["score"] for h in hits] == [1.0, 0.0, 0.0, 0.0]

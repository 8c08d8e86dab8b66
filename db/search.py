"""Full-text search over titles and texts (SQLite FTS5), ranked, with highlighted snippets.

Any user text is safe. The query is always a bound parameter, so SQL in it is never run;
it is first tried as an FTS5 query (so ``"prison healthcare"``, ``NEAR(trust notice)``,
``contract*``, ``title:belmarsh`` and ``OR``/``NOT`` work), and when FTS5 cannot parse it
(``;``, a stray quote, ``-``) its words are searched for instead, all required.

Ranking is BM25 with title matches weighted above text matches, for queries matching up to
``CANDIDATES`` documents. A very common query can match most of a million documents, and
FTS5's BM25 first walks every match to weigh the terms; so such a query shows its newest
``CANDIDATES`` matches (rowid order is storage order), title matches first, each group newest
first (``score`` 1.0 / 0.0). A term in that many documents says little by itself; for a watch
tool the newest matches are the useful ones. This keeps latency flat as the database grows.

Example::

    >>> from hjwatch.db import open_db, store_document
    >>> db = open_db(":memory:")
    >>> _ = store_document(db, {"source": "fts", "kind": "notice", "key": "r1",
    ...     "title": "Prison healthcare at HMP Belmarsh", "text": "Integrated healthcare services."})
    >>> [r["title"] for r in search(db, "belmarsh")]
    ['Prison healthcare at HMP Belmarsh']
    >>> search(db, "'; DROP TABLE documents; --")
    []
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from typing import Any

from sqlite_utils import Database

from hjwatch import InputError
from hjwatch.db.export import DOC_DATE_SQL, parse_since

log = logging.getLogger("hjwatch.db.search")

# How many of the newest matches a common term is ranked over (see module docstring).
CANDIDATES = 1000
MAX_QUERY_CHARS = 1000
MAX_LIMIT = 1000
# bm25 weights for the FTS columns (title, text): a title hit says more than a body hit.
TITLE_WEIGHT, TEXT_WEIGHT = 4.0, 1.0
SNIPPET_TOKENS = 16

_WORD = re.compile(r"\w+", re.UNICODE)


def words_query(query: str) -> str:
    """An FTS5 query requiring every word of ``query``, each quoted (so nothing is syntax).

    >>> words_query('NHS "England; DROP TABLE x')
    '"NHS" "England" "DROP" "TABLE" "x"'
    """
    return " ".join(f'"{w}"' for w in _WORD.findall(query))


def name_filter(column: str, name: str) -> str:
    """An FTS5 clause requiring every word of ``name`` in the ``prisons`` or ``trusts`` column.

    >>> name_filter("prisons", "HMP Belmarsh")
    'prisons : ("hmp" "belmarsh")'
    """
    words = _WORD.findall(name.lower())
    if not words:
        raise InputError(f"--{column.rstrip('s')} needs a name with letters or digits, not {name!r}")
    quoted = " ".join(f'"{w}"' for w in words)
    return f"{column} : ({quoted})"


def _filters(kind, since, prison, trust) -> tuple[list[str], list[Any], list[str]]:
    """SQL clauses on documents, their arguments, and FTS clauses for the name filters."""
    clauses: list[str] = []
    args: list[Any] = []
    if kind:
        if kind not in ("notice", "news"):
            raise InputError(f"--kind takes notice or news, not {kind!r}")
        clauses.append("d.kind = ?")
        args.append(kind)
    since = parse_since(since)
    if since:
        clauses.append(f"{DOC_DATE_SQL} >= ?")
        args.append(since)
    fts = [name_filter(column, name) for column, name in (("prisons", prison), ("trusts", trust))
           if name and name.strip()]
    return clauses, args, fts


def _newest(db: Database, base: str, match: str, args: list[Any], pivot: int, limit: int) -> list[int]:
    return [row[0] for row in db.execute(
        f"SELECT documents_fts.rowid {base} AND documents_fts.rowid >= ? ORDER BY documents_fts.rowid DESC LIMIT ?",
        [match, *args, pivot, limit]).fetchall()]


def _run(db: Database, match: str, title_match: str, clauses: list[str], args: list[Any], limit: int,
         marks: tuple[str, str]) -> list[dict[str, Any]]:
    where = " AND ".join(["documents_fts MATCH ?", *clauses])
    join = " JOIN documents d ON d.id = documents_fts.rowid" if clauses else ""
    base = f"FROM documents_fts{join} WHERE {where}"
    # 1. Does the query match more than CANDIDATES documents? (The FTS index alone answers
    #    when there are no filters: no row of documents is read.)
    pivot = db.execute(f"SELECT documents_fts.rowid {base} ORDER BY documents_fts.rowid DESC "
                       f"LIMIT 1 OFFSET {CANDIDATES - 1}", [match, *args]).fetchone()
    if pivot is None:
        # 2a. Rank every match by BM25, keeping only ids and scores (SQLite would otherwise
        #     build a snippet for every match before sorting).
        ranked = db.execute(
            f"SELECT documents_fts.rowid, bm25(documents_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}, 0, 0) AS rank "
            f"{base} ORDER BY rank, documents_fts.rowid DESC LIMIT ?", [match, *args, limit]).fetchall()
    else:
        # 2b. A common query: BM25 would first count every match to weigh the terms (~50 ms
        #     per 100,000 matches of a phrase). Among its newest CANDIDATES matches, title
        #     matches come first, each group newest first; score 1.0 or 0.0 says which.
        in_title = _newest(db, base, title_match, args, pivot[0], limit)
        rest = [i for i in _newest(db, base, match, args, pivot[0], limit + len(in_title)) if i not in set(in_title)]
        ranked = [(i, -1.0) for i in in_title] + [(i, -0.0) for i in rest[: limit - len(in_title)]]
    if not ranked:
        return []
    ids = [row[0] for row in ranked]
    marks_sql = ", ".join("?" * len(ids))
    # 3. Snippets and metadata for the page of results only.
    snippets = dict(db.execute(
        f"SELECT rowid, snippet(documents_fts, 1, ?, ?, '…', {SNIPPET_TOKENS}) FROM documents_fts "
        f"WHERE documents_fts MATCH ? AND rowid IN ({marks_sql})", [marks[0], marks[1], match, *ids]).fetchall())
    rows = {row["id"]: row for row in db.query(
        "SELECT id, kind, source, title, published, fetched_at, url, relevant, duplicate_of "
        f"FROM documents WHERE id IN ({marks_sql})", ids)}
    out = []
    for doc_id, rank in ranked:
        row = dict(rows[doc_id])
        row["relevant"] = None if row["relevant"] is None else bool(row["relevant"])
        row["snippet"] = snippets.get(doc_id, "")
        row["score"] = round(-rank, 4)
        out.append(row)
    return out


def search(db: Database, query: str, *, kind: str | None = None, since: str | dt.date | None = None,
           prison: str | None = None, trust: str | None = None, limit: int = 20,
           marks: tuple[str, str] = ("[", "]")) -> list[dict[str, Any]]:
    """Ranked matches of ``query`` (best first) as dicts: id, kind, source, title, published,
    fetched_at, url, relevant, duplicate_of, snippet (matches between ``marks``) and score.

    Filters: ``kind`` (notice/news), ``since`` (document date, ISO), ``prison`` / ``trust``
    (words of a canonical name, case-insensitive: "belmarsh", "oxleas foundation"). Raises :class:`InputError` for an empty
    or unusable query.
    """
    if query is None or not query.strip():
        raise InputError("empty search query")
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"search query longer than {MAX_QUERY_CHARS} characters")
    if "\x00" in query:
        raise InputError("search query contains a NUL character")
    limit = max(1, min(int(limit), MAX_LIMIT))
    clauses, args, names = _filters(kind, since, prison, trust)

    def with_names(match: str, columns: str = "title text") -> str:
        # The query searches titles and texts; the name filters are FTS terms on the names
        # columns, so the index intersects them with the query itself.
        return " AND ".join([f"{{{columns}}} : ({match})", *names])

    try:
        return _run(db, with_names(query), with_names(query, "title"), clauses, args, limit, marks)
    except sqlite3.OperationalError as exc:
        message = str(exc)
        # The query is the only user input here, so any other error is FTS5 refusing it
        # ("fts5: syntax error", "unterminated string", "no such column"); a locked or
        # corrupt database is not the user's query and propagates.
        if "locked" in message or "busy" in message or "malformed" in message:
            raise
        log.debug("not an FTS5 query (%s); searching for its words", message)
    fallback = words_query(query)
    if not fallback:
        raise InputError(f"nothing to search for in {query!r}: give some words")
    return _run(db, with_names(fallback), with_names(fallback, "title"), clauses, args, limit, marks)

"""The schema, as forward migrations applied automatically by :func:`hjwatch.db.open_db`.

Each migration is a function registered on ``MIGRATIONS`` (sqlite-utils ``Migrations``), run
once in its own transaction and recorded in ``_sqlite_migrations``. Never edit one that has
shipped: add a new one below it. Nothing here drops or rewrites data.

The last applied migration's position is also mirrored in ``PRAGMA user_version`` so that
tools without sqlite-utils (Datasette, the sqlite3 shell) can see the schema version.

Example::

    >>> import sqlite_utils
    >>> db = sqlite_utils.Database(memory=True)
    >>> MIGRATIONS.apply(db)
    >>> "documents" in db.table_names() and "documents_fts" in db.table_names()
    True
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("hjwatch")


def run_script(db: Database, script: str) -> None:
    """Run SQL statements one by one inside the migration's transaction.

    (``sqlite3.executescript`` would commit first; sqlite-utils' splitter is slow.)
    """
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            db.conn.execute(buffer)
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buffer.strip()[:80]}")


@MIGRATIONS(name="m001_initial")
def m001_initial(db: Database) -> None:
    """Documents with their revisions, notices, extractions, mentions, state, alerts, FTS."""
    run_script(db,
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,              -- fts, contracts_finder or the news site's host
            kind TEXT NOT NULL CHECK (kind IN ('notice', 'news')),
            key TEXT NOT NULL,                 -- stable identity in the source (release id, canonical URL)
            url TEXT,
            canonical_url TEXT,
            fetched_url TEXT,
            title TEXT,
            published TEXT,                    -- ISO date or NULL
            first_seen TEXT NOT NULL,          -- when hjwatch first stored it (UTC)
            fetched_at TEXT,                   -- fetch time of the current revision
            changed_at TEXT,                   -- when the current revision was stored
            revision INTEGER NOT NULL DEFAULT 1,
            content_hash TEXT NOT NULL,
            ocid TEXT,
            feed TEXT,                         -- JSON: the feed item a news story came from
            meta TEXT,                         -- JSON: HTTP status, etag, watched page...
            structured TEXT,                   -- JSON: fields read from OCDS, merged over the extractor's
            extractor_version TEXT,
            -- The effective record (extraction merged with reviewer corrections), kept here
            -- so that export, alerts and Datasette read one row per document.
            record TEXT,
            relevant INTEGER,
            relevance_score REAL,
            litigation INTEGER,
            contract_start TEXT,
            contract_end TEXT,
            UNIQUE (source, key)
        );
        CREATE INDEX documents_kind_published ON documents (kind, published);
        CREATE INDEX documents_fetched_at ON documents (fetched_at);
        CREATE INDEX documents_ocid ON documents (ocid);
        CREATE INDEX documents_canonical_url ON documents (canonical_url);
        CREATE INDEX documents_contract_end ON documents (contract_end);

        -- The big columns live apart from the metadata: SQLite reads a row's columns in order
        -- through its overflow pages, so a search that lists 20 titles must not wade through
        -- raw bodies. Text comes before body for the same reason (snippets read text only).
        CREATE TABLE contents (
            document_id INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
            title TEXT,
            text TEXT,                         -- the plain text the extractor read
            content_type TEXT,
            body BLOB                          -- raw bytes as fetched
        );

        CREATE TABLE revisions (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            revision INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            fetched_at TEXT,
            superseded_at TEXT NOT NULL,
            url TEXT,
            title TEXT,
            published TEXT,
            content_type TEXT,
            body BLOB,
            text TEXT,
            UNIQUE (document_id, revision)
        );

        CREATE TABLE notices (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL UNIQUE REFERENCES documents (id) ON DELETE CASCADE,
            ocid TEXT,
            release_id TEXT NOT NULL,
            date TEXT,                         -- the release's date
            tag TEXT,                          -- JSON list, e.g. ["award"]
            notice_type TEXT,
            title TEXT,
            buyer TEXT,
            suppliers TEXT,                    -- JSON list of names
            value REAL,
            currency TEXT,
            contract_start TEXT,
            contract_end TEXT,
            cpv TEXT,                          -- JSON list of CPV codes
            procedure TEXT,
            release_json TEXT                  -- the release as received
        );
        CREATE INDEX notices_ocid ON notices (ocid, date);
        CREATE INDEX notices_release_id ON notices (release_id);
        CREATE INDEX notices_buyer ON notices (buyer);
        CREATE INDEX notices_contract_end ON notices (contract_end);

        CREATE TABLE extractions (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            extractor_version TEXT NOT NULL,
            content_hash TEXT NOT NULL,        -- which revision it was extracted from
            extracted_at TEXT NOT NULL,
            record TEXT NOT NULL,              -- JSON: the extractor's record (merged with OCDS fields)
            relevant INTEGER,
            relevance_score REAL,
            error TEXT,                        -- set when extraction failed and the record is empty
            UNIQUE (document_id, extractor_version)
        );

        CREATE TABLE mentions (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            extraction_id INTEGER NOT NULL REFERENCES extractions (id) ON DELETE CASCADE,
            label TEXT NOT NULL,
            text TEXT,
            start INTEGER,
            "end" INTEGER,
            canonical TEXT
        );
        CREATE INDEX mentions_extraction ON mentions (extraction_id);
        CREATE INDEX mentions_label_canonical ON mentions (label, canonical);

        -- One row per name of the effective record, for filters and "who, where" queries.
        CREATE TABLE names (
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            field TEXT NOT NULL CHECK (field IN ('trusts', 'prisons', 'companies', 'buyers')),
            name TEXT NOT NULL,
            PRIMARY KEY (document_id, field, name)
        ) WITHOUT ROWID;
        CREATE INDEX names_field_name ON names (field, name COLLATE NOCASE);

        CREATE TABLE cursors (
            source TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,
            sources TEXT,                      -- JSON list
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            per_source TEXT,                   -- JSON: source -> counts
            errors TEXT                        -- JSON list of one-line messages
        );

        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            sent_at TEXT NOT NULL,
            recipients TEXT,                   -- JSON list
            subject TEXT,
            message_id TEXT
        );
        CREATE TABLE alert_items (
            alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
            document_id INTEGER NOT NULL UNIQUE REFERENCES documents (id) ON DELETE CASCADE
        );

        -- Full-text search over title and text; an external-content table kept in step by
        -- triggers, so the text is stored once. Its rowid is the document's id.
        CREATE VIRTUAL TABLE documents_fts USING fts5 (
            title, text, content='contents', content_rowid='document_id',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER contents_fts_ai AFTER INSERT ON contents BEGIN
            INSERT INTO documents_fts (rowid, title, text) VALUES (new.document_id, new.title, new.text);
        END;
        CREATE TRIGGER contents_fts_ad AFTER DELETE ON contents BEGIN
            INSERT INTO documents_fts (documents_fts, rowid, title, text)
                VALUES ('delete', old.document_id, old.title, old.text);
        END;
        -- Only a change of title or text touches the index (not a new body with the same text).
        CREATE TRIGGER contents_fts_au AFTER UPDATE OF title, text ON contents BEGIN
            INSERT INTO documents_fts (documents_fts, rowid, title, text)
                VALUES ('delete', old.document_id, old.title, old.text);
            INSERT INTO documents_fts (rowid, title, text) VALUES (new.document_id, new.title, new.text);
        END;
        """
    )


@MIGRATIONS(name="m002_near_duplicates")
def m002_near_duplicates(db: Database) -> None:
    """Simhash of news text in four indexed 16-bit bands, and ``duplicate_of`` (issue 6)."""
    run_script(db,
        """
        ALTER TABLE documents ADD COLUMN simhash INTEGER;
        ALTER TABLE documents ADD COLUMN sh0 INTEGER;
        ALTER TABLE documents ADD COLUMN sh1 INTEGER;
        ALTER TABLE documents ADD COLUMN sh2 INTEGER;
        ALTER TABLE documents ADD COLUMN sh3 INTEGER;
        ALTER TABLE documents ADD COLUMN duplicate_of INTEGER REFERENCES documents (id);
        CREATE INDEX documents_sh0 ON documents (sh0);
        CREATE INDEX documents_sh1 ON documents (sh1);
        CREATE INDEX documents_sh2 ON documents (sh2);
        CREATE INDEX documents_sh3 ON documents (sh3);
        CREATE INDEX documents_duplicate_of ON documents (duplicate_of);
        """
    )


@MIGRATIONS(name="m003_review")
def m003_review(db: Database) -> None:
    """Reviewer corrections (kept apart from extractions, and winning) and acceptances."""
    run_script(db,
        """
        CREATE TABLE corrections (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            field TEXT NOT NULL,
            value TEXT NOT NULL,               -- JSON value of the field
            reviewer TEXT,
            note TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX corrections_document ON corrections (document_id, field);
        CREATE TABLE reviews (
            document_id INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
            status TEXT NOT NULL,              -- accepted
            content_hash TEXT,                 -- the revision that was accepted
            reviewer TEXT,
            reviewed_at TEXT NOT NULL
        );
        """
    )


@MIGRATIONS(name="m004_title_index")
def m004_title_index(db: Database) -> None:
    """Index news titles: a syndicated copy usually keeps the headline, so the title is a
    second way to find an original when site furniture moved the simhash out of every band."""
    db.execute("CREATE INDEX documents_kind_title ON documents (kind, title)")


@MIGRATIONS(name="m005_fts_names")
def m005_fts_names(db: Database) -> None:
    """Index each document's prisons and trusts as FTS columns, so ``--prison``/``--trust``
    filters are FTS terms intersected inside the index (fast) instead of a row-by-row check."""
    run_script(db, """
        ALTER TABLE contents ADD COLUMN prisons TEXT;
        ALTER TABLE contents ADD COLUMN trusts TEXT;
        UPDATE contents SET
            prisons = (SELECT group_concat(name, ' | ') FROM names
                       WHERE names.document_id = contents.document_id AND field = 'prisons'),
            trusts = (SELECT group_concat(name, ' | ') FROM names
                      WHERE names.document_id = contents.document_id AND field = 'trusts');
        DROP TRIGGER contents_fts_ai;
        DROP TRIGGER contents_fts_ad;
        DROP TRIGGER contents_fts_au;
        DROP TABLE documents_fts;
        CREATE VIRTUAL TABLE documents_fts USING fts5 (
            title, text, prisons, trusts, content='contents', content_rowid='document_id',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        INSERT INTO documents_fts (documents_fts) VALUES ('rebuild');
        CREATE TRIGGER contents_fts_ai AFTER INSERT ON contents BEGIN
            INSERT INTO documents_fts (rowid, title, text, prisons, trusts)
                VALUES (new.document_id, new.title, new.text, new.prisons, new.trusts);
        END;
        CREATE TRIGGER contents_fts_ad AFTER DELETE ON contents BEGIN
            INSERT INTO documents_fts (documents_fts, rowid, title, text, prisons, trusts)
                VALUES ('delete', old.document_id, old.title, old.text, old.prisons, old.trusts);
        END;
        CREATE TRIGGER contents_fts_au AFTER UPDATE OF title, text, prisons, trusts ON contents BEGIN
            INSERT INTO documents_fts (documents_fts, rowid, title, text, prisons, trusts)
                VALUES ('delete', old.document_id, old.title, old.text, old.prisons, old.trusts);
            INSERT INTO documents_fts (rowid, title, text, prisons, trusts)
                VALUES (new.document_id, new.title, new.text, new.prisons, new.trusts);
        END;
    """)


def known_names() -> list[str]:
    """Names of the migrations this version of hjwatch knows, in order."""
    return [m.name for m in MIGRATIONS._migrations]  # noqa: SLF001 - sqlite-utils has no public list

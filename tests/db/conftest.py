"""Fixtures for the database tests: real SQLite files in a temporary folder."""

from __future__ import annotations

import pytest

from hjwatch.db import open_db


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "test.db"


@pytest.fixture
def fresh_db(db_path):
    db = open_db(db_path)
    yield db
    db.close()

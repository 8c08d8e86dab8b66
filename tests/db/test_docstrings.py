"""The examples in the database modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["hjwatch.db", "hjwatch.db.alerts", "hjwatch.db.connection", "hjwatch.db.documents",
           "hjwatch.db.export", "hjwatch.db.fingerprints", "hjwatch.db.migrations", "hjwatch.db.notices",
           "hjwatch.db.records", "hjwatch.db.review", "hjwatch.db.search", "hjwatch.db.state",
           "hjwatch.pipeline.store", "hjwatch.pipeline.reextract"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0

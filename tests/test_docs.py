"""Documentation that is tested: every docstring example runs, every command has help and is
named in the README (datasette's tests/test_docs.py does the same for its CLI)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

from hjwatch.cli import cli

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["hjwatch", "hjwatch.commands", "hjwatch.db", "hjwatch.pipeline", "hjwatch.spiders",
            "hjwatch.spiders.sources", "hjwatch.extractors", "hjwatch.extractors.components"]


def library_modules():
    names = []
    for pkg in PACKAGES:
        module = importlib.import_module(pkg)
        names.append(pkg)
        names += [f"{pkg}.{m.name}" for m in pkgutil.iter_modules(module.__path__) if not m.ispkg]
    return sorted(set(names))


@pytest.mark.parametrize("name", library_modules())
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(name):
    command = cli.commands[name]
    assert command.help and "not yet available" not in command.help.lower()
    assert f"hjwatch {name}" in (ROOT / "README.md").read_text(encoding="utf-8")

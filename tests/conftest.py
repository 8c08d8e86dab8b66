"""Shared fixtures: paths to the shared material and to recorded files."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = Path(__file__).resolve().parent / "files"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def files_dir() -> Path:
    return FILES


@pytest.fixture
def shared_dir() -> Path:
    """The read-only shared material (corpus, fixtures); tests that need it skip without it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED

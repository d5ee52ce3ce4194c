"""Shared test fixtures: the shipped examples and the third-party data beside the repo."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "corpora" / "examples"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The third-party data in ../shared/data; tests that need it skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"needs the third-party data in {SHARED_DATA} (absent on this machine)")
    return SHARED_DATA


def posting(name: str) -> Path:
    return EXAMPLES / "postings" / f"{name}.txt"


def profile(name: str) -> Path:
    return EXAMPLES / "profiles" / f"{name}.txt"

"""Where shipped data and per-user data live, resolved in one place.

Shipped ``corpora/`` and ``models/`` sit beside the package in a checkout and inside
the package (``matcher/_data``) in a wheel; a user's imported taxonomies, caches and
journal live in a per-user data directory that ``STRENGTHS_MATCHER_HOME`` overrides.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

PACKAGE_DIR = Path(__file__).resolve().parent
HOME_ENV = "STRENGTHS_MATCHER_HOME"


def _shipped(name: str) -> Path:
    """Find a shipped folder: in the wheel (``matcher/_data/NAME``) or the checkout."""
    for candidate in (PACKAGE_DIR / "_data" / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    return PACKAGE_DIR.parent / name


def corpora_dir() -> Path:
    """The shipped corpora: skill vocabulary and example texts."""
    return _shipped("corpora")


def models_dir() -> Path:
    """The shipped trained spaCy pipelines."""
    return _shipped("models")


def examples_dir() -> Path:
    """The shipped example postings and profiles."""
    return corpora_dir() / "examples"


def user_data_dir() -> Path:
    """The per-user data directory (taxonomies, caches, journal), created on demand."""
    override = os.environ.get(HOME_ENV)
    path = Path(override) if override else Path(platformdirs.user_data_dir("strengths-matcher"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Compiled artefacts that can be rebuilt at any time (vocabulary matchers)."""
    path = user_data_dir() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path

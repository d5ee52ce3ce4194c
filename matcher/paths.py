"""Where shipped data and per-user data live, resolved in one place.

Shipped ``corpora/`` and ``models/`` sit beside the package in a checkout and inside
the package (``matcher/_data``) in a wheel; a user's imported taxonomies, caches and
journal live in a per-user data directory that ``STRENGTHS_MATCHER_HOME`` overrides.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from pathlib import Path
from typing import Any

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
    path = _user_data_path()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _user_data_path() -> Path:
    override = os.environ.get(HOME_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir("strengths-matcher"))


def cache_dir() -> Path:
    """Compiled artefacts that can be rebuilt at any time (vocabulary matchers).

    Not created here: ``write_cache`` creates it, and where it cannot, everything
    still works, only rebuilt on each run.
    """
    return _user_data_path() / "cache"


# Modules whose classes earlier versions pickled, by where those classes live now. An
# imported taxonomy stores vocabulary Skills and a fitted TfidfSimilarity, and must keep
# loading after the package moved them (0.1: flat ``matcher/``; now by stage).
_MOVED_MODULES = {
    "matcher.vocabulary": "matcher.understand.vocabulary",
    "matcher.scoring": "matcher.understand.lexical",
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return super().find_class(_MOVED_MODULES.get(module, module), name)


def load_pickle(handle: Any) -> Any:
    """``pickle.load`` that also reads what earlier versions pickled before modules moved."""
    return _Unpickler(handle).load()


def read_cache(path: Path) -> Any:
    """A cached artefact, or None when it is missing or unreadable (then it is rebuilt)."""
    try:
        with path.open("rb") as handle:
            return load_pickle(handle)
    except Exception:  # a stale or broken cache is rebuilt, never trusted
        return None


def write_cache(path: Path, value: Any) -> None:
    """Write a cache file atomically, so concurrent runs never read half a file.

    A cache that cannot be written (read-only home, full disk) only costs the next run
    the time to rebuild it, so that is not an error.
    """
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)

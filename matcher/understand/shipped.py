"""Shipped models loaded once per process and path; a missing or broken one falls back.

The skill tagger, the item classifier and the embedding model all behave alike: when
one cannot be loaded and run, exactly one warning line goes to the ``matcher`` logger
(not a Python warning, so callers running with warnings as errors keep working) and the
caller gets None, which means "do without it".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

LOGGER = logging.getLogger("matcher")
Model = TypeVar("Model")


def load_once(
    cache: dict[Path, Model | None],
    path: Path,
    load: Callable[[Path], Model],
    *,
    what: str,
    instead: str,
) -> Model | None:
    """``load(path)`` once per process (kept in ``cache``), or None with one warning
    line naming ``what`` could not be loaded and what is done ``instead``."""
    key = path.resolve()
    if key in cache:
        return cache[key]
    model: Model | None
    try:
        model = load(key)
    except Exception as error:  # a corrupt model fails in many ways; all mean "fall back"
        reason = " ".join(f"{type(error).__name__}: {error}".split())
        if len(reason) > 200:
            reason = reason[:197] + "..."
        LOGGER.warning("%s not available at %s (%s); %s", what, key, reason, instead)
        model = None
    cache[key] = model
    return model

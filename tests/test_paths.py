"""Tests for matcher.paths: caches and imports pickled before the package moved its modules."""

from __future__ import annotations

import io
import pickle

from matcher.paths import load_pickle, read_cache
from matcher.understand.lexical import TfidfSimilarity
from matcher.understand.vocabulary import Skill


def _as_pickled_by_the_flat_layout(value: object) -> bytes:
    """``value`` pickled as version 0.1 did, when these classes lived in flat modules."""
    data = pickle.dumps(value, protocol=0)
    data = data.replace(b"matcher.understand.vocabulary\n", b"matcher.vocabulary\n")
    return data.replace(b"matcher.understand.lexical\n", b"matcher.scoring\n")


def test_an_imported_taxonomy_pickled_before_the_move_still_loads() -> None:
    skill = Skill(name="Wound care", category="hard_skill", field="esco", source="esco")
    model = TfidfSimilarity().fit(["wound care", "python", "budgeting"])
    old = _as_pickled_by_the_flat_layout({"skills": [skill], "tfidf": model})
    assert b"matcher.vocabulary\n" in old and b"matcher.scoring\n" in old
    state = load_pickle(io.BytesIO(old))
    assert state["skills"] == [skill]
    assert isinstance(state["tfidf"], TfidfSimilarity)
    assert state["tfidf"].similarity(["wound care"], ["wound care"])[0, 0] > 99


def test_a_cache_of_the_old_layout_is_read_not_rebuilt(tmp_path) -> None:
    path = tmp_path / "cache.pickle"
    path.write_bytes(_as_pickled_by_the_flat_layout([Skill("SQL", "tool", "data")]))
    assert read_cache(path) == [Skill("SQL", "tool", "data")]

"""The shipped embedding model: it loads offline, embeds, and a broken one falls back."""

from __future__ import annotations

import json
import logging
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest

from matcher.score import scoring
from matcher.score.scoring import Side, score_pairs
from matcher.understand import embeddings
from matcher.understand.vocabulary import shipped_vocabulary


@pytest.fixture
def fresh_models():
    """Forget loaded models before and after, so each test loads its own."""
    embeddings.clear_cache()
    yield
    embeddings.clear_cache()


def test_shipped_model_loads_offline(monkeypatch, fresh_models):
    def no_network(*args, **kwargs):
        raise AssertionError("the embedding model tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    model = embeddings.load_embeddings()
    assert model is not None and model.calibration is not None
    vectors = embeddings.embed(["stakeholder communication", "Strong communication skills"])
    assert vectors.shape == (2, model.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    size = sum(p.stat().st_size for p in embeddings.default_model_path().iterdir())
    assert size <= 40e6


def test_embed_is_cached_and_order_independent(fresh_models):
    texts = ["Python", "Java", "Python", "Call centre experience"]
    first = embeddings.embed(texts)
    assert np.array_equal(first[0], first[2])
    again = embeddings.embed(list(reversed(texts)))
    assert np.allclose(again[::-1], first)


def test_a_text_with_no_known_token_has_a_zero_vector(fresh_models):
    assert not embeddings.embed(["   "]).any()


def test_document_similarity_prefers_the_same_kind_of_work(fresh_models):
    nurse = "Registered nurse on a surgical ward: patient care, medication, wound care."
    nurse_too = "Staff nurse in an acute medical unit; patient assessment and medicines."
    developer = "Backend developer building REST APIs in Python and PostgreSQL."
    assert embeddings.document_similarity(nurse, nurse_too) > embeddings.document_similarity(
        nurse, developer
    )
    assert embeddings.document_similarity(nurse, nurse) == pytest.approx(1.0, abs=1e-5)


def _broken_copy(tmp_path: Path, damage: str) -> Path:
    folder = tmp_path / "embeddings"
    shutil.copytree(embeddings.default_model_path(), folder)
    if damage == "vectors":
        (folder / "embeddings.npy").write_bytes(b"not a numpy file")
    elif damage == "shape":
        np.save(folder / "embeddings.npy", np.ones((10, 8), dtype=np.float16))
    elif damage == "calibration":
        (folder / "calibration.json").write_text(json.dumps({"same": {}}), encoding="utf-8")
    elif damage == "tokenizer":
        (folder / "tokenizer.json").write_text("{", encoding="utf-8")
    return folder


@pytest.mark.parametrize("damage", ["vectors", "shape", "calibration", "tokenizer"])
def test_a_corrupt_model_warns_once_and_returns_none(tmp_path, caplog, fresh_models, damage):
    folder = _broken_copy(tmp_path, damage)
    with caplog.at_level(logging.WARNING, logger="matcher"):
        assert embeddings.load_embeddings(folder) is None
        assert embeddings.load_embeddings(folder) is None
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert "embedding model not available" in lines[0]


@pytest.mark.parametrize("damage", ["missing", "vectors"])
def test_scoring_falls_back_to_lexical_without_the_model(
    tmp_path, monkeypatch, caplog, fresh_models, damage
):
    folder = tmp_path / "nothing-here" if damage == "missing" else _broken_copy(tmp_path, damage)
    monkeypatch.setattr(embeddings, "default_model_path", lambda: folder)
    vocabulary = shipped_vocabulary()
    need = [Side("Financial reporting", "Financial reporting"), Side("Team leadership", None)]
    have = [Side("Prepared monthly financial statements", None), Side("Led a team", None)]
    with caplog.at_level(logging.WARNING, logger="matcher"):
        scores, methods = score_pairs(need, have, vocabulary)
        score_pairs(need, have, vocabulary)
        assert not embeddings.available()
    lexical, lexical_methods = score_pairs(need, have, vocabulary, semantic=False)
    assert np.array_equal(scores, lexical) and methods == lexical_methods
    assert "embedding" not in {m for row in methods for m in row}
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1


def test_embed_without_a_model_says_what_to_do(tmp_path, monkeypatch, fresh_models):
    from matcher.errors import ModelError

    monkeypatch.setattr(embeddings, "default_model_path", lambda: tmp_path / "absent")
    with pytest.raises(ModelError, match="retrain"):
        embeddings.embed(["Python"])


def test_combined_scorer_is_registered_with_the_others():
    assert {"combined", "semantic", "fuzzy", "tfidf"} <= set(scoring.SCORERS)
    for scorer in scoring.SCORERS.values():
        score = scorer("Python", "Python")
        assert isinstance(score, float) and score == 100.0
        assert scorer("", "Python") == 0.0 or 0 <= scorer("", "Python") <= 100


def test_linking_uses_the_embeddings_and_falls_back_without_them(
    tmp_path, monkeypatch, fresh_models
):
    from matcher.understand.taxonomy.store import shipped_index

    index = shipped_index()
    text = ["Prepared monthly financial statements"]
    lexical = [name for name, _ in index.link(text, top=3, semantic=False)[0]]
    semantic = [name for name, _ in index.link(text, top=3)[0]]
    assert "Financial reporting" in semantic and "Financial reporting" not in lexical
    monkeypatch.setattr(embeddings, "default_model_path", lambda: tmp_path / "absent")
    embeddings.clear_cache()
    assert index.link(text, top=3) == index.link(text, top=3, semantic=False)


def test_a_calibration_of_two_features_still_loads_and_a_short_one_is_refused():
    from matcher.understand.embeddings import Calibration

    old = {"same": {"coef": [6.4, -0.03], "intercept": -2.9}}
    old["related"] = {"coef": [10.5, -5.9], "intercept": -0.9}
    assert Calibration.from_dict(old).features == ("cosine", "lexical")
    with pytest.raises(ValueError):
        Calibration.from_dict({**old, "features": ["cosine", "lexical", "shared_word"]})

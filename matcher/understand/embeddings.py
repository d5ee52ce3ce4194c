"""The shipped static embedding model: skill phrases, CV lines and documents to vectors.

``models/embeddings`` holds a token table distilled from all-MiniLM-L6-v2 with model2vec
and fine-tuned on skill paraphrase pairs (``python -m matcher.train.embeddings``). A
text's vector is the mean of its WordPiece tokens' vectors, L2-normalised, so the cosine
of two texts is a dot product. At run time only numpy and ``tokenizers`` are needed.

A missing or broken model is not an error: :func:`load_embeddings` logs one warning
line and returns None, :func:`available` is false, and scoring falls back to the
lexical signals alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from matcher import paths
from matcher.errors import ModelError
from matcher.understand.shipped import load_once

MODEL_NAME = "embeddings"
FORMAT = "strengths-matcher-static-embeddings/1"

# Vectors remembered per model: a batch meets the same requirements and strengths again
# and again. About 1 KB each, so the memory stays flat however many postings are scored.
_TEXT_CACHE_SIZE = 20_000


def _vocabulary_size(tokenizer: Any) -> int:
    """How many token ids the tokenizer gives: its model's, and any added token's beyond.

    ``get_vocab_size()`` copies the whole vocabulary to count it (15-25 ms of a cold
    run); the model knows its size, and the added tokens are few.
    """
    added = tokenizer.get_added_tokens_decoder()
    return max([int(tokenizer.get_vocab_size(with_added_tokens=False)), *(i + 1 for i in added)])


class StaticEmbeddings:
    """A token table and its tokenizer: ``embed(texts)`` gives L2-normalised rows."""

    def __init__(self, vectors: np.ndarray, tokenizer: Any, config: dict[str, Any]) -> None:
        self.vectors = vectors
        self.tokenizer = tokenizer
        self.config = config
        self.dim = int(vectors.shape[1])
        self.max_chars = int(config.get("max_chars") or 0) or None
        self.add_special_tokens = bool(config.get("add_special_tokens", False))
        self._drop = np.array(config.get("drop_token_ids", []), dtype=np.int64)
        self._cache: dict[str, np.ndarray] = {}
        self.calibration: Calibration | None = None

    @classmethod
    def load(cls, path: Path, *, calibrated: bool = True) -> StaticEmbeddings:
        """Read a model folder; raises on anything missing, malformed or inconsistent.

        ``calibrated`` (the default) also reads ``calibration.json``, the curves that put
        the cosine and the lexical score on one 0-100 scale; only fitting them reads a
        model without.
        """
        from tokenizers import Tokenizer

        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise ValueError(f"config.json is not a {FORMAT} model")
        # Memory-mapped: a run reads only the rows of the tokens it meets, not all 15 MB.
        vectors = np.load(path / str(config.get("embeddings", "embeddings.npy")), mmap_mode="r")
        tokenizer = Tokenizer.from_file(str(path / str(config.get("tokenizer", "tokenizer.json"))))
        tokenizer.no_padding()
        tokenizer.enable_truncation(int(config.get("max_tokens", 512)))
        tokens = _vocabulary_size(tokenizer)
        if vectors.ndim != 2 or vectors.shape[0] != tokens:
            raise ValueError(
                f"embeddings of shape {vectors.shape} do not fit a tokenizer of {tokens} tokens"
            )
        model = cls(vectors, tokenizer, config)
        probe = model.embed(["stakeholder communication", "Python"])
        if not np.isfinite(probe).all() or not np.allclose(np.linalg.norm(probe, axis=1), 1, 1e-3):
            raise ValueError("the embeddings give non-finite or zero vectors")
        model._cache.clear()
        if calibrated:
            model.calibration = read_calibration(path / CALIBRATION_FILE)
        return model

    def embed(self, texts: list[str] | tuple[str, ...]) -> np.ndarray:
        """One L2-normalised float32 row per text (zeros for a text with no known token)."""
        known = self._cache
        todo = [text for text in dict.fromkeys(texts) if text not in known]
        found = dict(zip(todo, self._mean_pool([self._clip(text) for text in todo])))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            row = found.get(text)
            out[i] = known[text] if row is None else row
        if len(known) + len(found) > _TEXT_CACHE_SIZE:
            known.clear()
        known.update(found)
        return out

    def embed_document(self, text: str) -> np.ndarray:
        """A whole text's vector: the mean of all its lines' tokens, not cut at a length."""
        lines = [line for line in text.splitlines() if line.strip()]
        ids = self._token_ids(lines)
        flat = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        if not flat.size:
            return np.zeros(self.dim, dtype=np.float32)
        vector = self.vectors[flat].astype(np.float32).mean(axis=0)
        return (vector / (np.linalg.norm(vector) + 1e-12)).astype(np.float32)

    def _clip(self, text: str) -> str:
        return text[: self.max_chars] if self.max_chars else text

    def _token_ids(self, texts: list[str]) -> list[np.ndarray]:
        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=self.add_special_tokens)
        ids = [np.asarray(encoding.ids, dtype=np.int64) for encoding in encodings]
        if self._drop.size:  # the unknown token says nothing about the text
            ids = [row[~np.isin(row, self._drop)] for row in ids]
        return ids

    def _mean_pool(self, texts: list[str]) -> np.ndarray:
        ids = self._token_ids(texts)
        lengths = np.array([len(row) for row in ids])
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        nonempty = np.flatnonzero(lengths)
        if nonempty.size:
            flat = np.concatenate([ids[i] for i in nonempty])
            rows = np.repeat(np.arange(nonempty.size), lengths[nonempty])
            sums = np.zeros((nonempty.size, self.dim), dtype=np.float32)
            np.add.at(sums, rows, self.vectors[flat].astype(np.float32))
            means = sums / lengths[nonempty, None]
            out[nonempty] = means / (np.linalg.norm(means, axis=1, keepdims=True) + 1e-12)
        return out


CALIBRATION_FILE = "calibration.json"


class Calibration:
    """Semantic and lexical likeness on one 0-100 scale (``calibration.json``).

    Two logistic regressions fitted by ``python -m matcher.train.embeddings
    --calibrate-only``: P(same skill) and P(related), over the pair's features
    (:data:`FEATURES`; an older file with only ``cosine`` and ``lexical`` still loads).
    The score is 75 + 50 (P(same) - 0.5) where the pair is more likely the same skill
    than not; else 50 + 50 (P(related) - 0.5) where it is more likely related than not
    (under 75); else 100 P(related). The cosine's coefficients must be positive, so the
    score rises with it; the others are what the pairs say: at a given cosine, names
    that look alike are *less* likely related (Java and JavaScript), and two phrases
    that share a word are related only as far as the rest of their words agree
    (:func:`sense_features`: "Loading dock experience" and "Docker").
    """

    def __init__(
        self,
        same: tuple[np.ndarray, float],
        related: tuple[np.ndarray, float],
        features: tuple[str, ...] = ("cosine", "lexical"),
    ):
        self.same = same
        self.related = related
        self.features = features

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        features = tuple(data.get("features", ("cosine", "lexical")))
        if features[:1] != ("cosine",) or not set(features) <= set(FEATURES):
            raise ValueError(f"calibration features {features} are not cosine first of {FEATURES}")
        parts = []
        for name in ("same", "related"):
            coef = np.asarray(data[name]["coef"], dtype=np.float64)
            intercept = float(data[name]["intercept"])
            if (
                coef.shape != (len(features),)
                or not coef[0] > 0
                or not np.isfinite([*coef, intercept]).all()
            ):
                raise ValueError(f"calibration {name!r} needs a positive cosine coefficient")
            parts.append((coef, intercept))
        return cls(parts[0], parts[1], features)

    def _columns(self, cosine: Any, lexical: Any, shared: Any, residual: Any) -> list[Any]:
        cosine = np.asarray(cosine, dtype=np.float64)
        zero = np.zeros_like(cosine)
        shared = zero if shared is None else np.asarray(shared, dtype=np.float64)
        residual = zero if residual is None else np.asarray(residual, dtype=np.float64)
        values = {
            "cosine": cosine,
            "lexical": np.asarray(lexical, dtype=np.float64) / 100,
            "shared_word": shared,
            "residual_cosine": shared * residual,
        }
        return [values[name] for name in self.features]

    def _probability(self, part: tuple[np.ndarray, float], columns: list[Any]) -> Any:
        coef, intercept = part
        logit = sum(c * column for c, column in zip(coef, columns)) + intercept
        return 1 / (1 + np.exp(-logit))

    def score(
        self, cosine: Any, lexical: Any, shared: Any = None, residual: Any = None
    ) -> np.ndarray:
        """Calibrated 0-100 scores of cosines (-1..1) with lexical likeness (0-100) and,
        where known, whether the phrases share a word and the cosine of the rest."""
        columns = self._columns(cosine, lexical, shared, residual)
        same = self._probability(self.same, columns)
        related = self._probability(self.related, columns)
        score = np.where(
            same >= 0.5,
            75 + 50 * (same - 0.5),
            np.where(related >= 0.5, np.minimum(50 + 50 * (related - 0.5), 74.9), 100 * related),
        )
        return np.clip(score, 0, 100).astype(np.float32)

    def semantic_share(self, cosine: Any, lexical: Any) -> Any:
        """Whether the cosine moved P(same) more than the lexical likeness did."""
        coef = self.same[0]
        return coef[0] * np.asarray(cosine) >= abs(coef[1]) * np.asarray(lexical) / 100


# What a calibration may weigh: the cosine, the lexical likeness, whether the two phrases
# share a content word, and (where they do) the cosine of their other words.
FEATURES = ("cosine", "lexical", "shared_word", "residual_cosine")


def sense_features(
    model: StaticEmbeddings, left: list[str], right: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each left and right phrase share a content word, and the cosine of the rest.

    A static model's vector is the mean of its tokens', so two phrases that share a word
    are close whatever sense the word has ("Warehouse picking" and "Data warehousing",
    "Docker" and "Loading dock experience"). Whether the shared word means the same thing
    shows in the other words: their cosine (each side without the shared words; a side
    that was nothing but them stays whole; 0 when both were: "Java" and "JavaScript"
    have nothing else to tell their senses by) is what the calibration weighs. Words share
    when they are equal or begin alike (five letters; four for a short word: "dock" and
    "docker").
    """
    keys = [_word_keys(text) for text in left], [_word_keys(text) for text in right]
    shared = np.zeros((len(left), len(right)), dtype=bool)
    rest_pairs: list[tuple[int, int, str, str]] = []
    for i, (text_a, words_a) in enumerate(zip(left, keys[0])):
        key_set = {key for _, key in words_a}
        for j, (text_b, words_b) in enumerate(zip(right, keys[1])):
            if key_set.isdisjoint(key for _, key in words_b):
                continue
            common = {
                word
                for a, key_a in words_a
                for b, key_b in words_b
                if key_a == key_b and _same_word(a, b)
                for word in (a, b)
            }
            if not common:
                continue
            shared[i, j] = True
            rest_a = " ".join(word for word, _ in words_a if word not in common)
            rest_b = " ".join(word for word, _ in words_b if word not in common)
            if rest_a or rest_b:  # nothing else on either side: no sign of the sense (0)
                rest_pairs.append((i, j, rest_a or text_a, rest_b or text_b))
    residual = np.zeros(shared.shape, dtype=np.float32)
    if rest_pairs:
        vectors = model.embed([p[2] for p in rest_pairs] + [p[3] for p in rest_pairs])
        half = len(rest_pairs)
        products = (vectors[:half] * vectors[half:]).sum(axis=1)
        for (i, j, _, _), value in zip(rest_pairs, products.tolist()):
            residual[i, j] = value
    return shared, residual


def _word_keys(text: str) -> list[tuple[str, str]]:
    """(word, first four letters) of a phrase's content words: words that may share."""
    return [
        (word, word[:4])
        for word in _WORD.findall(text.casefold())
        if len(word) >= 2 and word not in _STOP_WORDS
    ]


def _same_word(a: str, b: str) -> bool:
    """Equal, or one (of four letters or more) begins the other, or both begin with the
    same five letters: "dock" and "docker", "warehouse" and "warehousing"."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return (len(short) >= 4 and long.startswith(short)) or (len(short) >= 5 and a[:5] == b[:5])


_WORD = re.compile(r"[a-z0-9+#]+")


def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


_STOP_WORDS = _stop_words()


def read_calibration(path: Path) -> Calibration:
    """The calibration of a model folder; raises if it is missing or malformed."""
    return Calibration.from_dict(json.loads(path.read_text(encoding="utf-8")))


_CACHE: dict[Path, StaticEmbeddings | None] = {}


def default_model_path() -> Path:
    """Where the shipped embedding model lives (checkout or wheel)."""
    return paths.models_dir() / MODEL_NAME


def load_embeddings(path: Path | None = None) -> StaticEmbeddings | None:
    """The embedding model, loaded once per process and path; None if unusable.

    When the model is missing or cannot be read, logs exactly one warning line on the
    ``matcher`` logger (not a Python warning, so callers running with warnings as errors
    keep working) and returns None.
    """
    return load_once(
        _CACHE,
        Path(path if path is not None else default_model_path()),
        StaticEmbeddings.load,
        what="embedding model",
        instead="using lexical similarity only",
    )


def available() -> bool:
    """Whether the shipped embedding model loads (the first call loads it)."""
    return load_embeddings() is not None


def embed(texts: list[str] | tuple[str, ...] | str) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text, from the shipped model.

    Raises ``ModelError`` when the model is unusable; check :func:`available` first to
    fall back instead.
    """
    model = load_embeddings()
    if model is None:
        raise ModelError(
            f"the embedding model in {default_model_path()} cannot be loaded; reinstall "
            "strengths-matcher or retrain it with `python -m matcher.train.embeddings`"
        )
    return model.embed([texts] if isinstance(texts, str) else list(texts))


def cosine_matrix(left: list[str], right: list[str]) -> np.ndarray:
    """Cosine of every left text with every right text (-1 to 1)."""
    if not left or not right:
        return np.zeros((len(left), len(right)), dtype=np.float32)
    from matcher.understand.lexical import _one_blas_thread

    vectors = embed([*left, *right])
    with _one_blas_thread():
        return vectors[: len(left)] @ vectors[len(left) :].T


def document_similarity(a: str, b: str) -> float:
    """How alike two whole texts are in what they talk about: their vectors' cosine, 0-1."""
    model = load_embeddings()
    if model is None:
        raise ModelError("the embedding model cannot be loaded")
    cosine = float(model.embed_document(a) @ model.embed_document(b))
    return max(0.0, min(1.0, cosine))


def clear_cache() -> None:
    """Forget loaded models (tests; after retraining in the same process)."""
    _CACHE.clear()

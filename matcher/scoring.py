"""How close a strength is to a requirement, on 0-100, and how that was found.

Four signals: the same canonical skill (aliases and abbreviations resolved by the
vocabulary); the vocabulary's hierarchy (a narrower or sibling skill counts partly);
TF-IDF cosine over character n-grams and words, fitted on the vocabulary; and
rapidfuzz ratios. ``token_set_ratio`` alone would score "Python" against "Python web
frameworks" as 100, so it is scaled by how much of the longer phrase is covered.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process, utils

from matcher.paths import cache_dir, read_cache, write_cache
from matcher.vocabulary import Vocabulary

Scorer = Callable[[str, str], float]

# Scores of hierarchy relations: a narrower skill nearly answers a broader requirement.
RELATION_SCORES = {
    "same": 100.0,
    "narrower": 82.0,
    "sibling": 62.0,
    "broader": 58.0,
    "cousin": 50.0,
}
# Two different known skills are only as close as the hierarchy says; their names'
# likeness ("Java"/"JavaScript") is damped so it cannot make them near.
DISTINCT_SKILLS_DAMPING = 0.6
TFIDF_SHARE = 0.5


def fuzzy_score(a: str, b: str) -> float:
    """Word-order-tolerant string likeness, 0-100, that a subset alone cannot max out."""
    return float(fuzzy_matrix([a], [b])[0, 0])


def fuzzy_matrix(left: Sequence[str], right: Sequence[str]) -> np.ndarray:
    """:func:`fuzzy_score` for every pair of ``left`` and ``right``, in one pass each.

    The best of plain, sorted-token and token-set ratios, the last scaled by how much
    of the longer side's words the shorter covers: "Python" is not all of "Python web
    frameworks", though its words are a subset.
    """
    kwargs: dict[str, Any] = {"processor": utils.default_process, "dtype": np.float32}
    ratio = process.cdist(left, right, scorer=fuzz.ratio, **kwargs)
    sort = process.cdist(left, right, scorer=fuzz.token_sort_ratio, **kwargs)
    subset = process.cdist(left, right, scorer=fuzz.token_set_ratio, **kwargs)
    left_words = np.array([max(len(s.split()), 1) for s in left], dtype=np.float32)[:, None]
    right_words = np.array([max(len(s.split()), 1) for s in right], dtype=np.float32)[None, :]
    coverage = np.sqrt(np.minimum(left_words, right_words) / np.maximum(left_words, right_words))
    return np.maximum(np.maximum(ratio, sort), subset * coverage)


class TfidfSimilarity:
    """Cosine similarity of TF-IDF vectors over character n-grams and words.

    Follows the scikit-learn estimator contract: parameters in ``__init__``; ``fit``
    learns the weights with scikit-learn's ``TfidfVectorizer`` and keeps them as plain
    arrays (``char_vocabulary_``, ``char_idf_``, ``word_vocabulary_``, ``word_idf_``).
    ``similarity`` applies them with the same analyzers without importing scikit-learn,
    whose import alone takes about 1.4 s, most of a cold run (a test checks both agree).
    """

    def __init__(self, *, char_ngrams: tuple[int, int] = (2, 4), word_share: float = 0.4) -> None:
        self.char_ngrams = char_ngrams
        self.word_share = word_share

    def fit(self, texts: Sequence[str]) -> TfidfSimilarity:
        """Learn n-gram and word weights from a corpus of skill names."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        char = TfidfVectorizer(**self.vectorizer_params("char")).fit(texts)
        word = TfidfVectorizer(**self.vectorizer_params("word")).fit(texts)
        self.char_vocabulary_ = {str(k): int(v) for k, v in char.vocabulary_.items()}
        self.char_idf_ = char.idf_.astype(np.float32)
        self.word_vocabulary_ = {str(k): int(v) for k, v in word.vocabulary_.items()}
        self.word_idf_ = word.idf_.astype(np.float32)
        return self

    def vectorizer_params(self, kind: str) -> dict[str, Any]:
        """The ``TfidfVectorizer`` settings for the char or word half."""
        if kind == "char":
            return {"analyzer": "char_wb", "ngram_range": self.char_ngrams, "sublinear_tf": True}
        return {"analyzer": "word", "token_pattern": WORD_PATTERN.pattern, "sublinear_tf": True}

    def transform(self, texts: Sequence[str], kind: str) -> Any:
        """L2-normalised TF-IDF rows (a scipy CSR matrix), as ``TfidfVectorizer.transform``."""
        from scipy.sparse import csr_matrix

        rows = [self._row(text, kind) for text in texts]
        return csr_matrix(
            (
                np.concatenate([w for _, w in rows]) if rows else np.zeros(0, np.float32),
                np.concatenate([c for c, _ in rows]) if rows else np.zeros(0, np.int32),
                np.cumsum([0] + [len(c) for c, _ in rows]),
            ),
            shape=(len(texts), len(self._weights(kind)[1])),
        )

    def _weights(self, kind: str) -> tuple[dict[str, int], np.ndarray]:
        if not hasattr(self, "char_idf_"):
            raise RuntimeError("TfidfSimilarity is not fitted yet; call fit() first")
        if kind == "char":
            return self.char_vocabulary_, self.char_idf_
        return self.word_vocabulary_, self.word_idf_

    def _row(self, text: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """One text's TF-IDF row as (sorted columns, L2-normalised weights), remembered."""
        rows = self.__dict__.setdefault("_rows", {})
        row = rows.get((kind, text))
        if row is not None:
            return row
        if len(rows) > _ROW_CACHE_SIZE:
            rows.clear()
        vocabulary, idf = self._weights(kind)
        counts: dict[int, int] = {}
        for gram in self._char_grams(text) if kind == "char" else _words(text):
            column = vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.array(sorted(counts), dtype=np.int32)
        weights = (1 + np.log([counts[c] for c in columns])) * idf[columns]
        norm = float(np.sqrt((weights**2).sum())) or 1.0
        row = rows[(kind, text)] = (columns, (weights / norm).astype(np.float32))
        return row

    def _dense(self, texts: Sequence[str], kind: str, columns: np.ndarray) -> np.ndarray:
        matrix = np.zeros((len(texts), len(columns)), dtype=np.float32)
        for i, text in enumerate(texts):
            row_columns, weights = self._row(text, kind)
            matrix[i, np.searchsorted(columns, row_columns)] = weights
        return matrix

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the fitted weights, not the rows remembered while scoring."""
        return {k: v for k, v in self.__dict__.items() if k != "_rows"}

    def _char_grams(self, text: str) -> list[str]:
        """``TfidfVectorizer(analyzer="char_wb")``'s n-grams: padded words, each size."""
        low, high = self.char_ngrams
        grams = []
        for word in _SPACES.sub(" ", text.lower()).split():
            padded = f" {word} "
            for size in range(low, high + 1):
                if len(padded) <= size:  # a short word counts once, as scikit-learn does
                    grams.append(padded)
                    break
                grams.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
        return grams

    def similarity(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        """Cosine similarities, 0-100, of every left text with every right text."""
        scores = np.zeros((len(left), len(right)), dtype=np.float32)
        for kind, share in (("char", 1 - self.word_share), ("word", self.word_share)):
            # Dense over only the columns these texts use: no scipy import on a cold run.
            used = [self._row(text, kind)[0] for text in (*left, *right)]
            columns = np.unique(np.concatenate(used)) if used else np.zeros(0, np.int32)
            with _one_blas_thread():
                product = self._dense(left, kind, columns) @ self._dense(right, kind, columns).T
            scores += share * product
        return np.clip(scores * 100, 0, 100)


def _one_blas_thread() -> Any:
    """A context in which numpy's BLAS uses one thread.

    For products this small, OpenBLAS's extra threads do no useful work, and they keep
    spinning after each call: in a batch they took a fifth of the CPU from the workers.
    """
    return _blas_controller().limit(limits=1, user_api="blas")


@cache
def _blas_controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


# Rows kept per model: a batch meets the same requirements and strengths again and
# again. About 200 bytes each; the memory stays flat however many postings are scored.
_ROW_CACHE_SIZE = 50_000

WORD_PATTERN = re.compile(r"(?u)\b\w[\w+#.]*")
_SPACES = re.compile(r"\s\s+")


def _words(text: str) -> list[str]:
    """``TfidfVectorizer(analyzer="word")``'s tokens with this project's token pattern."""
    return WORD_PATTERN.findall(text.lower())


def tfidf_for(vocabulary: Vocabulary) -> TfidfSimilarity:
    """The TF-IDF model fitted on a vocabulary's names and aliases.

    Fitted once per vocabulary's content and kept in the user cache, so a run only
    loads arrays; within a process, looked up by the vocabulary object itself (hashing
    every alias again on each ``match()`` cost a third of its time).
    """
    known = _BY_VOCABULARY.get(id(vocabulary))
    if known is not None and known[0] is vocabulary:
        return known[1]
    texts = sorted({form for skill in vocabulary for form in skill.surface_forms})
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = cache_dir() / f"tfidf-{key}.pickle"
    model = read_cache(path)
    if not isinstance(model, TfidfSimilarity):
        model = TfidfSimilarity().fit(texts)
        write_cache(path, model)
    _BY_VOCABULARY[id(vocabulary)] = (vocabulary, model)
    return model


# Keyed by id(); the vocabulary is kept too, so its id cannot be reused by another.
_BY_VOCABULARY: dict[int, tuple[Vocabulary, TfidfSimilarity]] = {}


def tfidf_score(a: str, b: str, vocabulary: Vocabulary | None = None) -> float:
    """TF-IDF cosine of two phrases, 0-100, fitted on the shipped vocabulary."""
    from matcher.vocabulary import shipped_vocabulary

    model = tfidf_for(vocabulary or shipped_vocabulary())
    return float(model.similarity([a], [b])[0, 0])


SCORERS: dict[str, Scorer] = {"fuzzy": fuzzy_score, "tfidf": tfidf_score}


@dataclass(frozen=True)
class Side:
    """What a requirement or strength is compared by: its words and its canonical skill."""

    text: str
    canonical: str | None


def score_pairs(
    required: Sequence[Side],
    offered: Sequence[Side],
    vocabulary: Vocabulary,
    *,
    tfidf: TfidfSimilarity | None = None,
) -> tuple[np.ndarray, list[list[str]]]:
    """Combined scores (0-100) of every requirement with every strength, and methods.

    The method names the signal that decided the score: ``vocabulary`` (the same
    skill), ``taxonomy:<relation>``, ``tfidf`` or ``fuzzy``.
    """
    if not required or not offered:
        return np.zeros((len(required), len(offered)), dtype=np.float32), [[] for _ in required]
    left = [_forms(side, vocabulary) for side in required]
    right = [_forms(side, vocabulary) for side in offered]
    left_flat = [form for forms in left for form in forms]
    right_flat = [form for forms in right for form in forms]
    tfidf_scores = (tfidf or tfidf_for(vocabulary)).similarity(left_flat, right_flat)
    fuzzy = fuzzy_matrix(left_flat, right_flat)
    lexical = TFIDF_SHARE * tfidf_scores + (1 - TFIDF_SHARE) * fuzzy
    rows, cols = _starts(left), _starts(right)
    best_lexical = _group_max(lexical, rows, cols)
    tfidf_wins = _group_max(tfidf_scores, rows, cols) >= _group_max(fuzzy, rows, cols)

    scores = np.zeros((len(required), len(offered)), dtype=np.float32)
    methods: list[list[str]] = []
    for i, need in enumerate(required):
        row_methods = []
        for j, have in enumerate(offered):
            score = float(best_lexical[i, j])
            method = "tfidf" if tfidf_wins[i, j] else "fuzzy"
            relation = None
            if need.canonical in vocabulary and have.canonical in vocabulary:
                relation = vocabulary.relation(need.canonical, have.canonical)  # type: ignore[arg-type]
                if relation != "same":
                    score *= DISTINCT_SKILLS_DAMPING
            if relation and RELATION_SCORES[relation] >= score:
                score = RELATION_SCORES[relation]
                method = "vocabulary" if relation == "same" else f"taxonomy:{relation}"
            scores[i, j] = round(min(score, 100.0), 1)
            row_methods.append(method)
        methods.append(row_methods)
    return scores, methods


def _forms(side: Side, vocabulary: Vocabulary) -> list[str]:
    forms = [side.text]
    if side.canonical and side.canonical in vocabulary and side.canonical != side.text:
        forms.append(side.canonical)
    return forms


def _starts(groups: list[list[str]]) -> np.ndarray:
    """Where each side's forms begin in the flattened list (for ``reduceat``)."""
    return np.cumsum([0] + [len(forms) for forms in groups[:-1]])


def _group_max(matrix: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The best score of each requirement's forms against each strength's forms."""
    return np.maximum.reduceat(np.maximum.reduceat(matrix, rows, axis=0), cols, axis=1)

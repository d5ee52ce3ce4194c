"""Lexical representations of phrases: TF-IDF vectors (characters and words), fuzzy ratios.

They turn text into something comparable, as the parse and the vocabulary's matches do;
``matcher.score`` combines them with the vocabulary into a requirement-strength score,
and taxonomy linking ranks labels with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process, utils


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
            columns = _sorted_unique(np.concatenate(used)) if used else np.zeros(0, np.int32)
            with _one_blas_thread():
                product = self._dense(left, kind, columns) @ self._dense(right, kind, columns).T
            scores += share * product
        return np.clip(scores * 100, 0, 100)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for a 1-d array, without ``np.unique``'s import of
    ``numpy.ma`` (20-50 ms of a cold run; numpy 2.4 checks for masked arrays there)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


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

"""How close a strength is to a requirement, on 0-100, and how that was found.

Four signals: the same canonical skill (aliases and abbreviations resolved by the
vocabulary); the vocabulary's hierarchy (a narrower or sibling skill counts partly);
TF-IDF cosine over character n-grams and words, fitted on the vocabulary; and
rapidfuzz ratios. ``token_set_ratio`` alone would score "Python" against "Python web
frameworks" as 100, so it is scaled by how much of the longer phrase is covered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process, utils

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
DISTINCT_SKILLS_DAMPING = 0.8
TFIDF_SHARE = 0.5


def fuzzy_score(a: str, b: str) -> float:
    """Word-order-tolerant string likeness, 0-100, that a subset alone cannot max out."""
    return float(_fuzzy_matrix([a], [b])[0, 0])


def _fuzzy_matrix(left: Sequence[str], right: Sequence[str]) -> np.ndarray:
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

    Follows the scikit-learn estimator contract: parameters in ``__init__``, learned
    state (``char_vectorizer_``, ``word_vectorizer_``) set by ``fit``.
    """

    def __init__(self, *, char_ngrams: tuple[int, int] = (2, 4), word_share: float = 0.4) -> None:
        self.char_ngrams = char_ngrams
        self.word_share = word_share

    def fit(self, texts: Sequence[str]) -> TfidfSimilarity:
        """Learn n-gram and word weights from a corpus of skill names."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.char_vectorizer_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=self.char_ngrams, sublinear_tf=True, lowercase=True
        ).fit(texts)
        self.word_vectorizer_ = TfidfVectorizer(
            analyzer="word", token_pattern=r"(?u)\b\w[\w+#.]*", sublinear_tf=True
        ).fit(texts)
        return self

    def similarity(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        """Cosine similarities, 0-100, of every left text with every right text."""
        if not hasattr(self, "char_vectorizer_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("TfidfSimilarity is not fitted yet; call fit() first")
        scores = np.zeros((len(left), len(right)), dtype=np.float32)
        for vectorizer, share in (
            (self.char_vectorizer_, 1 - self.word_share),
            (self.word_vectorizer_, self.word_share),
        ):
            product = vectorizer.transform(left) @ vectorizer.transform(right).T
            scores += share * product.toarray().astype(np.float32)
        return np.clip(scores * 100, 0, 100)


@cache
def _fitted_tfidf(vocabulary_id: int, texts: tuple[str, ...]) -> TfidfSimilarity:
    return TfidfSimilarity().fit(texts)


def tfidf_for(vocabulary: Vocabulary) -> TfidfSimilarity:
    """The TF-IDF model fitted on a vocabulary's names and aliases, fitted once."""
    texts = tuple(form for skill in vocabulary for form in skill.surface_forms)
    return _fitted_tfidf(id(vocabulary), texts)


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
    required: Sequence[Side], offered: Sequence[Side], vocabulary: Vocabulary
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
    tfidf = tfidf_for(vocabulary).similarity(left_flat, right_flat)
    fuzzy = _fuzzy_matrix(left_flat, right_flat)
    lexical = TFIDF_SHARE * tfidf + (1 - TFIDF_SHARE) * fuzzy
    rows, cols = _starts(left), _starts(right)
    best_lexical = _group_max(lexical, rows, cols)
    tfidf_wins = _group_max(tfidf, rows, cols) >= _group_max(fuzzy, rows, cols)

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

"""How close a strength is to a requirement, on 0-100, and how that was found.

Four signals: the same canonical skill (aliases and abbreviations resolved by the
vocabulary); the vocabulary's hierarchy (a narrower or sibling skill counts partly);
TF-IDF cosine over character n-grams and words, fitted on the vocabulary; and
rapidfuzz ratios. ``token_set_ratio`` alone would score "Python" against "Python web
frameworks" as 100, so it is scaled by how much of the longer phrase is covered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.paths import cache_dir, read_cache, write_cache
from matcher.understand.lexical import TfidfSimilarity, fuzzy_matrix
from matcher.understand.vocabulary import Vocabulary

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
    from matcher.understand.vocabulary import shipped_vocabulary

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

"""How close a strength is to a requirement, on 0-100, and how that was found.

One combined scorer over four signals: the same canonical skill (aliases and
abbreviations resolved by the vocabulary); the vocabulary's hierarchy (a narrower or
sibling skill counts partly); semantic similarity, the cosine of the shipped embedding
model's vectors (``matcher.understand.embeddings``); and lexical likeness, TF-IDF cosine
over character n-grams and words (fitted on the vocabulary) with rapidfuzz ratios.
``token_set_ratio`` alone would score "Python" against "Python web frameworks" as 100,
so it is scaled by how much of the longer phrase is covered.

The semantic and lexical signals are put on one scale by a calibration shipped with the
model (``models/embeddings/calibration.json``, fitted by ``python -m
matcher.train.embeddings --calibrate-only`` on held-out vocabulary and ESCO skill pairs,
see ``embeddings.Calibration``): 75 is where a pair becomes more likely the same skill
than not, 50 where it becomes more likely related than not, so *match* and *near* mean
the same whichever signal found it. Without a usable model, scoring is lexical as
before (one warning line).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.paths import cache_dir, read_cache, write_cache
from matcher.understand import embeddings
from matcher.understand.lexical import TfidfSimilarity, _one_blas_thread, fuzzy_matrix
from matcher.understand.vocabulary import Vocabulary, alias_key

Scorer = Callable[[str, str], float]

# Scores of hierarchy relations: a narrower skill nearly answers a broader requirement.
RELATION_SCORES = {
    "same": 100.0,
    "narrower": 82.0,
    "sibling": 62.0,
    "broader": 58.0,
    "cousin": 50.0,
}
# Two different known skills are only as close as the hierarchy says, unless the
# embedding is very sure: their calibrated likeness ("Java"/"JavaScript") is damped, so
# only a score of 84 or more can make them near.
DISTINCT_SKILLS_DAMPING = 0.6
# Two skills in one family count as siblings (or cousins) only when the family is
# specific: one of the vocabulary's broadest (15 or more members: programming languages,
# European languages, sales) says little about two of its members ("R" and "Go").
SPECIFIC_FAMILY = 15
SEMANTIC = "embedding"
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


def combined_score(
    a: str, b: str, vocabulary: Vocabulary | None = None, *, semantic: bool = True
) -> float:
    """The combined score (:func:`score_pairs`) of a strength ``b`` for a requirement ``a``.

    Each phrase's canonical skill is the vocabulary's skill it names, if any.
    """
    from matcher.understand.vocabulary import shipped_vocabulary

    vocabulary = vocabulary or shipped_vocabulary()
    sides = []
    for text in (a, b):
        skill = vocabulary.lookup(text) if text.strip() else None
        sides.append(Side(text, skill.name if skill else None))
    scores, _ = score_pairs([sides[0]], [sides[1]], vocabulary, semantic=semantic)
    return float(scores[0, 0])


def semantic_score(a: str, b: str) -> float:
    """The calibrated embedding and lexical likeness of two phrases, 0-100.

    Without the model, the lexical likeness alone (as :func:`score_pairs` falls back).
    """
    if not a.strip() or not b.strip():
        return 0.0
    scores, _ = score_pairs([Side(a, None)], [Side(b, None)], _shipped())
    return float(scores[0, 0])


def _shipped() -> Vocabulary:
    from matcher.understand.vocabulary import shipped_vocabulary

    return shipped_vocabulary()


SCORERS: dict[str, Scorer] = {
    "combined": combined_score,
    "semantic": semantic_score,
    "fuzzy": fuzzy_score,
    "tfidf": tfidf_score,
}


def lexical_scores(left: Sequence[str], right: Sequence[str], vocabulary: Vocabulary) -> np.ndarray:
    """Uncalibrated lexical likeness (0-100) of each ``left[i]`` with ``right[i]``."""
    tfidf = tfidf_for(vocabulary)
    out = np.zeros(len(left), dtype=np.float32)
    for i, (a, b) in enumerate(zip(left, right)):
        both = TFIDF_SHARE * tfidf.similarity([a], [b]) + (1 - TFIDF_SHARE) * fuzzy_matrix([a], [b])
        out[i] = float(both[0, 0])
    return out


@dataclass(frozen=True)
class Side:
    """What a requirement or strength is compared by: its words and its canonical skill."""

    text: str
    canonical: str | None


@dataclass(frozen=True)
class PairSignals:
    """The uncalibrated signals of every requirement x strength pair (matrices).

    ``lexical``: TF-IDF and rapidfuzz likeness, 0-100, best over each side's forms;
    ``tfidf_wins``: TF-IDF was the larger part; ``cosine``: the embedding cosine, best
    over the forms (None without a model); ``shared_word`` and ``residual_cosine``:
    :func:`matcher.understand.embeddings.sense_features` of the written texts.
    """

    lexical: np.ndarray
    tfidf_wins: np.ndarray
    cosine: np.ndarray | None
    shared_word: np.ndarray | None
    residual_cosine: np.ndarray | None


def pair_signals(
    required: Sequence[Side],
    offered: Sequence[Side],
    vocabulary: Vocabulary,
    *,
    tfidf: TfidfSimilarity | None = None,
    model: embeddings.StaticEmbeddings | None = None,
) -> PairSignals:
    """What :func:`score_pairs` calibrates, also what its calibration is fitted on."""
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
    if model is None:
        return PairSignals(best_lexical, tfidf_wins, None, None, None)
    vectors = model.embed([_semantic_form(form) for form in (*left_flat, *right_flat)])
    with _one_blas_thread():  # OpenBLAS's threads cost 50 ms on a product this small
        products = vectors[: len(left_flat)] @ vectors[len(left_flat) :].T
    cosine = _group_max(products, rows, cols)
    shared, residual = embeddings.sense_features(
        model, [side.text for side in required], [side.text for side in offered]
    )
    return PairSignals(best_lexical, tfidf_wins, cosine, shared, residual)


def score_pairs(
    required: Sequence[Side],
    offered: Sequence[Side],
    vocabulary: Vocabulary,
    *,
    tfidf: TfidfSimilarity | None = None,
    semantic: bool = True,
) -> tuple[np.ndarray, list[list[str]]]:
    """Combined scores (0-100) of every requirement with every strength, and methods.

    The method names the signal that decided the score: ``vocabulary`` (the same
    skill), ``taxonomy:<relation>``, ``words:narrower`` (the strength's words are a
    qualified form of the requirement's skill), ``embedding`` (semantic similarity),
    ``tfidf`` or ``fuzzy``. Without a usable embedding model (or with ``semantic=False``) the
    lexical scores are uncalibrated, as before the model, and no score is ``embedding``.
    """
    if not required or not offered:
        return np.zeros((len(required), len(offered)), dtype=np.float32), [[] for _ in required]
    model = embeddings.load_embeddings() if semantic else None
    signals = pair_signals(required, offered, vocabulary, tfidf=tfidf, model=model)
    best_lexical = signals.lexical
    by_embedding = np.zeros(best_lexical.shape, dtype=bool)
    if model is not None and model.calibration is not None and signals.cosine is not None:
        exact = best_lexical >= 100.0
        by_embedding = model.calibration.semantic_share(signals.cosine, best_lexical) & ~exact
        calibrated = model.calibration.score(
            signals.cosine, best_lexical, signals.shared_word, signals.residual_cosine
        )
        best_lexical = np.where(exact, 100.0, calibrated)
    tfidf_wins = signals.tfidf_wins

    heads = [_head_names(need.canonical, vocabulary) for need in required]
    credentials = [
        need.canonical in vocabulary and vocabulary[need.canonical].category == "certification"  # type: ignore[index]
        for need in required
    ]
    have_words = [tuple(alias_key(have.text).split()) for have in offered]
    scores = np.zeros((len(required), len(offered)), dtype=np.float32)
    methods: list[list[str]] = []
    # Plain lists: indexing numpy arrays one pair at a time cost most of a warm match().
    lexical_rows, semantic_rows = best_lexical.tolist(), by_embedding.tolist()
    tfidf_rows = tfidf_wins.tolist()
    specific = model is not None
    for i, need in enumerate(required):
        row_methods = []
        for j, have in enumerate(offered):
            score = lexical_rows[i][j]
            method = SEMANTIC if semantic_rows[i][j] else "tfidf" if tfidf_rows[i][j] else "fuzzy"
            relation = None
            if need.canonical in vocabulary and have.canonical in vocabulary:
                relation = _relation(vocabulary, need.canonical, have.canonical, specific)  # type: ignore[arg-type]
                if relation != "same":
                    score *= DISTINCT_SKILLS_DAMPING
            elif specific and credentials[i]:
                # A credential is held or not: a line about the work ("4 years on a
                # med-surg unit") is near a certification (CMSRN), never answers it.
                score *= DISTINCT_SKILLS_DAMPING
            if relation and RELATION_SCORES[relation] >= score:
                score = RELATION_SCORES[relation]
                method = "vocabulary" if relation == "same" else f"taxonomy:{relation}"
            if (
                heads[i]
                and specific
                and score < RELATION_SCORES["narrower"]
                and _names_as_head(have_words[j], heads[i])
            ):
                score, method = RELATION_SCORES["narrower"], "words:narrower"
            scores[i, j] = round(min(score, 100.0), 1)
            row_methods.append(method)
        methods.append(row_methods)
    return scores, methods


def _head_names(skill: str | None, vocabulary: Vocabulary) -> list[tuple[str, ...]]:
    """The words of a skill's names, for :func:`_names_as_head` (none of two letters or
    fewer: "R", "Go")."""
    if not skill or skill not in vocabulary:
        return []
    names = {
        tuple(alias_key(_QUALIFIER.sub("", f)).split()) for f in vocabulary[skill].surface_forms
    }
    return [name for name in names if name and len(" ".join(name)) > 2]


def _names_as_head(words: tuple[str, ...], names: list[tuple[str, ...]]) -> bool:
    """Whether a text's ``words`` are a qualified form of a skill of these ``names``: its
    last words are one of them, after at least one word that qualifies it ("stakeholder
    communication" is communication, "business English" is English). English compounds
    put their head last."""
    return any(len(words) > len(name) and words[-len(name) :] == name for name in names)


def _semantic_form(form: str) -> str:
    """What the embedding sees of a form: without a name's qualifier ("Go (programming
    language)" is "Go" to a reader), and nothing of a name of one or two letters, which the
    uncased model cannot tell from a word ("Go", "R", "IT"): such a form has no semantic
    signal (a zero vector, cosine 0)."""
    bare = _QUALIFIER.sub("", form).strip()
    return "" if len(bare) <= 2 else bare


_QUALIFIER = re.compile(r"\s*\([^)]*\)")


def _relation(vocabulary: Vocabulary, required: str, offered: str, specific: bool) -> str | None:
    """The vocabulary's relation; with ``specific`` (the embedding is there to tell
    members of a broad family apart), siblings and cousins only within a specific one."""
    relation = vocabulary.relation(required, offered)
    if specific and relation in ("sibling", "cousin"):
        shared = set(vocabulary.ancestors(required)[:2]) & set(vocabulary.ancestors(offered)[:2])
        if all(len(vocabulary.children(family)) >= SPECIFIC_FAMILY for family in shared):
            return None
    return relation


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

"""How alike two documents are in what they talk about, 0-1: the role a posting describes
against the work a CV describes.

``document_similarity(a, b)`` is the one entry point. It uses the shipped static word
embeddings (``matcher.understand.embeddings``) where that module is present and its
model loads, and otherwise a TF-IDF cosine of stemmed content words. The TF-IDF
weights are fitted on a small background of the team's own texts that no benchmark
scores (the example postings and profiles, and the training CVs), so that words every
job text uses ("experience", "team", "role") weigh little and a job's own words
("nursing", "payroll", "Kubernetes") weigh much. Words the background never saw weigh
most.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from matcher import paths
from matcher.errors import ModelError

_WORD = re.compile(r"[a-z][a-z0-9+#]*(?:\.[a-z0-9]+)*")
# The background: texts of the team's that no benchmark scores (see the module docstring).
_BACKGROUND_GLOBS = (
    ("examples/postings", "*.txt"),
    ("examples/profiles", "*.txt"),
    ("cvs", "train-*.txt"),
    ("cvs", "train-*.md"),
)


def document_similarity(a: str, b: str, *, by: str | None = None) -> float:
    """How alike two texts are in what they talk about, 0-1 (1 for the same text).

    ``by`` names the representation (``"embeddings"`` or ``"tfidf"``); by default the
    embeddings where they load, else TF-IDF (``backend()`` says which).
    """
    by = by or backend()
    if by == "embeddings":
        if _embedding_model() is None:
            raise ModelError("the embedding model cannot be loaded; see models/README.md")
        left, right = _document_vector(a), _document_vector(b)
        return max(0.0, min(1.0, float(left @ right)))
    return tfidf_similarity(a, b)


def backend() -> str:
    """The representation ``document_similarity`` uses: ``embeddings`` or ``tfidf``."""
    return "embeddings" if _embedding_model() is not None else "tfidf"


@lru_cache(maxsize=1)
def _embedding_model() -> Any:
    """The shipped static embeddings, if that module is present and its model loads."""
    try:
        from matcher.understand import embeddings  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    load = getattr(embeddings, "load_embeddings", None)
    model = load() if load is not None else None
    return model if model is not None and hasattr(model, "embed_document") else None


@lru_cache(maxsize=1024)
def _document_vector(text: str) -> Any:
    # Cached: a batch holds one CV against every posting.
    return _embedding_model().embed_document(text)


def tfidf_similarity(a: str, b: str) -> float:
    """Cosine of the two texts' TF-IDF vectors (sublinear term counts), 0-1."""
    left, right = _vector(a), _vector(b)
    if not left or not right:
        return 0.0
    dot = sum(weight * right.get(term, 0.0) for term, weight in left.items())
    return max(0.0, min(1.0, dot))


@lru_cache(maxsize=1024)
def _vector(text: str) -> dict[str, float]:
    # Cached: a batch holds one CV against every posting.
    idf, unseen = _idf()
    counts = Counter(terms(text))
    vector = {t: (1 + math.log(n)) * idf.get(t, unseen) for t, n in counts.items()}
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def terms(text: str) -> list[str]:
    """The stemmed content words of a text ("Nursing" and "nurses" both "nurs")."""
    return _stemmed(_content_words(text))


# Each word's stem, as the stemmer gives it: the background's words come from the user
# cache with the IDF (``_idf``), others are stemmed once per process. A cold run then
# usually stems nothing, and imports no stemmer (together about 40 ms).
_STEMS: dict[str, str] = {}
_STEMS_KEPT = 200_000  # beyond this many words, stem without remembering


def _stemmed(words: list[str]) -> list[str]:
    todo = [w for w in dict.fromkeys(words) if w not in _STEMS]
    if not todo:
        return [_STEMS[w] for w in words]
    found = dict(zip(todo, _stemmer()(todo)))
    if len(_STEMS) + len(found) <= _STEMS_KEPT:
        _STEMS.update(found)
    return [found[w] if w in found else _STEMS[w] for w in words]


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english").stemWords


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    """Smoothed IDF of every background term, and the weight of a term never seen.

    Kept in the user cache with the stems of the background's words, keyed by the
    background texts, this module's code and the stemmer's: stemming them again would
    cost a cold run a fifth of a second.
    """
    documents = list(_background())
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(_stemmer_code() + b"\0")
    for text in documents:
        digest.update(text.encode("utf-8") + b"\0")
    cached = paths.cache_dir() / f"background-idf-{digest.hexdigest()[:16]}.pickle"
    table = paths.read_cache(cached)
    if isinstance(table, tuple) and len(table) == 3:
        idf, unseen, stems = table
        _STEMS.update(stems)
        return idf, unseen
    df: Counter[str] = Counter()
    for text in documents:
        df.update(set(terms(text)))
    n = len(documents)
    idf = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items()}
    stems = {w: _STEMS[w] for text in documents for w in _content_words(text) if w in _STEMS}
    table = (idf, math.log(1 + n) + 1, stems)
    paths.write_cache(cached, table)
    return idf, table[1]


def _content_words(text: str) -> list[str]:
    stop = _stop_words()
    words = [w.rstrip(".") for w in _WORD.findall(text.lower())]
    return [w for w in words if len(w) > 1 and w not in stop]


def _stemmer_code() -> bytes:
    """The English stemmer's source, read without importing it (a new version of the
    stemmer may stem differently, so it rebuilds the cached stems and IDF)."""
    spec = importlib.util.find_spec("snowballstemmer")
    folder = spec.submodule_search_locations if spec is not None else None
    for root in folder or ():
        source = Path(root) / "english_stemmer.py"
        if source.is_file():
            return source.read_bytes()
    return b""


def _background() -> Iterable[str]:
    root = paths.corpora_dir()
    for folder, pattern in _BACKGROUND_GLOBS:
        for path in sorted((root / folder).glob(pattern)):
            yield path.read_text(encoding="utf-8")

"""A taxonomy compiled for finding its skills in text and linking phrases to them.

The index holds the alias table, a token n-gram table for finding skills in parsed text,
a fitted ``TfidfSimilarity`` and the TF-IDF matrices of all labels (names and aliases).
Linking ranks every skill against a phrase with one sparse product and, where the
shipped embedding model loads, one dense product with every label's vector; the best
candidates of both are rescored by the combined scorer's calibration (cosine with the
lexical likeness of TF-IDF and rapidfuzz): entity linking, as spaCy's own pipelines
call it.
"""

from __future__ import annotations

import pickle
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher import paths
from matcher.understand import embeddings
from matcher.understand.lexical import (
    WORD_PATTERN,
    TfidfSimilarity,
    _one_blas_thread,
    fuzzy_matrix,
)
from matcher.understand.taxonomy.readers import _ACRONYM, _short
from matcher.understand.vocabulary import Skill, Vocabulary, alias_key

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix
    from spacy.tokens import Doc, Span


RERANK_DEPTH = 50
LINK_TFIDF_SHARE = 0.7
# A sentence's own ranking counts for this much beside the phrases found in it.
WHOLE_TEXT_WEIGHT = 0.9
# Character n-grams in more than this share of a taxonomy's labels are not indexed.
COMMON_GRAM_SHARE = 0.05
# A text of this many words or more is a sentence: the skills it names are found first.
SENTENCE_WORDS = 4
_QUERY_BATCH = 64


# ---------------------------------------------------------------------------------------
# The compiled index.

_BRITISH = (
    (re.compile(r"(?<=\w{3})iz(e|es|ed|ing|ation|ations|er|ers)$"), r"is\1"),
    (re.compile(r"(?<=\w{2})yz(e|es|ed|ing|er|ers)$"), r"ys\1"),
)


@cache
def _stem(word: str) -> str:
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return _stemmer().stemWord(word) if word.isalpha() else word


@cache
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def stem_text(text: str) -> str:
    """Words in British spelling, Snowball-stemmed: what the word half of TF-IDF sees.

    ESCO writes "optimise" and "think proactively"; postings write "optimize" and
    "proactive". Tokens that are not plain words ("C++", "node.js") are kept as they are.
    """
    return " ".join(_stem(word) for word in WORD_PATTERN.findall(text.lower()))


# Words around a skill phrase that say nothing about which skill it is
# ("communication skills", "strong knowledge of SQL", "English .").
_WRAPPING = re.compile(
    r"^(?:(?:strong|good|excellent|solid|proven|great|deep|basic|some)\s+)*"
    r"(?:(?:knowledge|experience|understanding|ability|skills?)\s+(?:of|in|with|to)\s+)?"
    r"|\s+(?:skills?|abilities|ability|experience|knowledge|and|or)$|\s*[.?!,;:]+$",
    re.IGNORECASE,
)


def _phrase(text: str) -> str:
    """A text without the words that only wrap a skill, unless nothing else is left."""
    text = " ".join(str(text).split())
    bare, before = text, ""
    while bare != before:  # "leadership skills and knowledge." peels in turns
        before, bare = bare, _WRAPPING.sub("", bare).strip()
    return bare or text


@dataclass
class TaxonomyIndex:
    """A taxonomy compiled for finding its skills in text and linking phrases to them.

    ``labels`` are every skill's name and aliases, grouped by skill (``label_starts``);
    ``char_labels``/``word_labels`` their L2-normalised TF-IDF rows, stored transposed
    (terms x labels, CSR) so a query is one sparse product; ``alias`` maps
    ``alias_key`` forms to skill positions; ``phrases`` maps token-norm n-grams (as the
    spaCy pipeline tokenises and norms text) to skill positions for :meth:`find`.
    """

    name: str
    skills: list[Skill]
    labels: list[str]
    label_starts: np.ndarray
    alias: dict[str, int]
    tfidf: TfidfSimilarity
    char_labels: csr_matrix
    word_labels: csr_matrix
    phrases: dict[str, int] | None = None
    exact_phrases: dict[str, int] | None = None
    longest_phrase: int = 0
    phrase_file: Path | None = None

    def __post_init__(self) -> None:
        self.position = {skill.name: i for i, skill in enumerate(self.skills)}
        self._lock = threading.Lock()
        self._label_vectors: np.ndarray | None = None

    def label_vectors(self, model: embeddings.StaticEmbeddings) -> np.ndarray:
        """Every label's embedding (labels x dims), computed once and cached (float16).

        Kept in the user cache, keyed by the labels and the model's table, so a later
        run only reads them (ESCO's 100,000 labels take seconds to embed).
        """
        if self._label_vectors is None:
            with self._lock:
                if self._label_vectors is None:
                    # float32 in memory: numpy has no fast float16 matrix product.
                    self._label_vectors = self._cached_label_vectors(model).astype(np.float32)
        return self._label_vectors

    def _cached_label_vectors(self, model: embeddings.StaticEmbeddings) -> np.ndarray:
        import hashlib

        digest = hashlib.sha256("\n".join(self.labels).encode())
        digest.update(model.vectors[:: max(1, len(model.vectors) // 64)].tobytes())
        path = paths.cache_dir() / f"label-vectors-{self.name}-{digest.hexdigest()[:16]}.npy"
        try:
            vectors = np.load(path)
            if vectors.shape == (len(self.labels), model.dim):
                return vectors
        except (OSError, ValueError):  # absent or damaged: embed again
            pass
        vectors = model.embed(self.labels).astype(np.float16)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.tmp")
            with temporary.open("wb") as handle:
                np.save(handle, vectors)
            temporary.replace(path)
        except OSError:  # a cache that cannot be written only costs the next run time
            pass
        return vectors

    def cosine_scores(self, texts: Sequence[str], model: embeddings.StaticEmbeddings) -> np.ndarray:
        """Embedding cosine (-1..1) of each text with each skill: its best label."""
        labels = self.label_vectors(model)
        out = np.zeros((len(texts), len(self.skills)), dtype=np.float32)
        for begin in range(0, len(texts), _QUERY_BATCH):
            chunk = model.embed(list(texts[begin : begin + _QUERY_BATCH]))
            with _one_blas_thread():
                by_label = chunk @ labels.T
            out[begin : begin + len(chunk)] = np.maximum.reduceat(
                by_label, self.label_starts, axis=1
            )
        return out

    def __len__(self) -> int:
        return len(self.skills)

    def vocabulary(self) -> Vocabulary:
        """The taxonomy's skills as a ``Vocabulary`` (hierarchy and lookups)."""
        return Vocabulary({skill.name: skill for skill in self.skills}, source=self.name)

    def lookup(self, text: str) -> Skill | None:
        """The skill whose name or alias is ``text`` (ignoring case and hyphens)."""
        found = self.alias.get(alias_key(text))
        return self.skills[found] if found is not None else None

    # -- linking -------------------------------------------------------------------------

    def tfidf_scores(self, texts: Sequence[str]) -> np.ndarray:
        """TF-IDF cosine (0-100) of each text with each skill: its best label."""
        share_word = self.tfidf.word_share
        out = np.zeros((len(texts), len(self.skills)), dtype=np.float32)
        for begin in range(0, len(texts), _QUERY_BATCH):
            chunk = list(texts[begin : begin + _QUERY_BATCH])
            stemmed = [stem_text(text) for text in chunk]
            by_label = (1 - share_word) * (
                self.tfidf.transform(chunk, "char") @ self.char_labels
            ).toarray() + share_word * (
                self.tfidf.transform(stemmed, "word") @ self.word_labels
            ).toarray()
            out[begin : begin + len(chunk)] = np.maximum.reduceat(
                by_label, self.label_starts, axis=1
            )
        return np.clip(out * 100, 0, 100)

    def rank(
        self, texts: Sequence[str], *, depth: int = RERANK_DEPTH, semantic: bool = True
    ) -> list[list[tuple[int, float]]]:
        """(skill position, score) best first: the top ``depth`` candidates rescored.

        A text that is exactly a name or alias of a skill puts that skill first with 100.
        Words that only wrap a skill ("strong knowledge of", "skills") are left out.
        Candidates: the top ``depth`` by TF-IDF cosine and, with the embedding model
        (unless ``semantic`` is false), the top ``depth`` by embedding cosine. Lexical
        score: ``LINK_TFIDF_SHARE`` of the TF-IDF cosine plus the rest of the best
        rapidfuzz likeness (scoring's ``fuzzy_score``) with the skill's labels; with the
        model, that and the cosine on the combined scorer's calibrated scale. Ties go to
        the skill listed first.
        """
        originals = [" ".join(str(text).split()) for text in texts]
        texts = [_phrase(text) for text in originals]
        tfidf = self.tfidf_scores(texts)
        model = embeddings.load_embeddings() if semantic else None
        if model is not None and model.calibration is None:
            model = None
        cosine = self.cosine_scores(texts, model) if model is not None else None
        ranked: list[list[tuple[int, float]]] = []
        for i, (row, text, original) in enumerate(zip(tfidf, texts, originals)):
            if not text:
                ranked.append([])
                continue
            depth_here = min(depth, len(self.skills))
            candidates = np.argpartition(-row, depth_here - 1)[:depth_here]
            candidates = candidates[row[candidates] > 0]
            if cosine is not None:
                near = np.argpartition(-cosine[i], depth_here - 1)[:depth_here]
                candidates = np.union1d(candidates, near)
            exact = self.alias.get(alias_key(original), self.alias.get(alias_key(text)))
            if exact is not None and exact not in candidates:
                candidates = np.append(candidates, exact)
            fuzzy = self._best_fuzzy(text, candidates)
            scores = LINK_TFIDF_SHARE * row[candidates] + (1 - LINK_TFIDF_SHARE) * fuzzy
            if cosine is not None and model is not None and model.calibration is not None:
                scores = model.calibration.score(cosine[i, candidates], scores)
            if exact is not None:
                scores[candidates == exact] = 100.0
            scores = np.round(scores, 1)
            order = np.lexsort((candidates, -scores))
            ranked.append([(int(candidates[i]), round(float(scores[i]), 1)) for i in order])
        return ranked

    def _best_fuzzy(self, text: str, candidates: np.ndarray) -> np.ndarray:
        if not len(candidates):
            return np.zeros(0, dtype=np.float32)
        starts = self.label_starts
        ends = np.append(starts[1:], len(self.labels))
        labels: list[str] = []
        groups = []
        for skill in candidates:
            groups.append(len(labels))
            labels.extend(self.labels[starts[skill] : ends[skill]])
        matrix = fuzzy_matrix([text], labels)[0]
        return np.maximum.reduceat(matrix, np.array(groups)).astype(np.float32)

    def rank_texts(
        self,
        texts: Sequence[str],
        *,
        depth: int = RERANK_DEPTH,
        phrases: Sequence[Sequence[str]] | None = None,
        find_names: bool = True,
        semantic: bool = True,
    ) -> list[list[tuple[int, float]]]:
        """:meth:`rank` for phrases; a sentence also by the skill phrases in it.

        A text of ``SENTENCE_WORDS`` words or more is tokenised and searched with
        :meth:`find` (unless ``find_names`` is false): each skill it names scores 100.
        Those phrases, and any ``phrases`` given for the text (spans an extractor found
        in it), are ranked too, and a skill keeps its best score from them and the text.
        """
        texts = [" ".join(str(text).split()) for text in texts]
        extra = [list(p) for p in phrases] if phrases is not None else [[] for _ in texts]
        named: list[list[tuple[str, int]]] = [
            self.find_text(text) if find_names and len(text.split()) >= SENTENCE_WORDS else []
            for text in texts
        ]
        per_text = [
            list(dict.fromkeys([*(p for p, _ in found), *more]))
            for found, more in zip(named, extra)
        ]
        ranked = self.rank(
            [*texts, *(p for ps in per_text for p in ps)], depth=depth, semantic=semantic
        )
        out: list[list[tuple[int, float]]] = []
        cursor = len(texts)
        for i, (found, ps) in enumerate(zip(named, per_text)):
            if not ps:
                out.append(ranked[i])
                continue
            best: dict[int, float] = {}
            for rows, weight in (
                *((rows, 1.0) for rows in ranked[cursor : cursor + len(ps)]),
                (ranked[i], WHOLE_TEXT_WEIGHT),
            ):
                for position, score in rows:
                    best[position] = max(best.get(position, 0.0), round(weight * score, 1))
            for _, position in found:
                best[position] = 100.0
            cursor += len(ps)
            out.append(sorted(best.items(), key=lambda item: (-item[1], item[0]))[:depth])
        return out

    def link(
        self, texts: Sequence[str], top: int = 5, *, semantic: bool = True
    ) -> list[list[tuple[str, float]]]:
        """The ``top`` skills for each phrase or sentence, best first: (name, score 0-100).

        ``semantic=False`` links by lexical likeness alone, as before the embeddings.
        """
        depth = max(RERANK_DEPTH, top)
        return [
            [(self.skills[i].name, score) for i, score in found[:top]]
            for found in self.rank_texts(texts, depth=depth, semantic=semantic)
        ]

    # -- finding skills in parsed text ---------------------------------------------------

    def _ensure_phrases(self) -> None:
        if self.phrases is None:
            with self._lock:
                if self.phrases is None and self.phrase_file is not None:
                    # Stored n-gram tables are read only when something first calls find.
                    try:
                        with self.phrase_file.open("rb") as handle:
                            self.phrases, self.exact_phrases, self.longest_phrase = pickle.load(
                                handle
                            )
                    except Exception:  # a damaged file is rebuilt from the skills
                        self.phrases = None
                if self.phrases is None:
                    self.phrases, self.exact_phrases, self.longest_phrase = build_phrases(
                        self.skills
                    )

    def find(
        self, norms: Sequence[str], texts: Sequence[str] | None = None
    ) -> list[tuple[int, int, str]]:
        """Skills named in a token sequence: (start, end, skill name), longest first.

        ``norms`` are the tokens' match norms (``matcher.understand.nlp.match_norm``: lower case,
        singular), as the spaCy pipeline's ``token.norm_`` after ``set_match_norms``;
        ``texts`` the tokens' own text, needed only for short exact-case forms ("R").
        Overlaps are resolved longest-first, then leftmost; results are in text order.
        """
        self._ensure_phrases()
        assert self.phrases is not None and self.exact_phrases is not None
        kept = [(i, n) for i, n in enumerate(norms) if n not in _SKIPPED_TOKENS]
        keys = [n for _, n in kept]
        found: list[tuple[int, int, int]] = []
        for a in range(len(kept)):
            for b in range(min(len(kept), a + self.longest_phrase), a, -1):
                hit = self.phrases.get(" ".join(keys[a:b]))
                if hit is None and texts is not None:
                    hit = self.exact_phrases.get(" ".join(texts[i] for i, _ in kept[a:b]))
                if hit is not None:
                    found.append((kept[a][0], kept[b - 1][0] + 1, hit))
                    break
        taken: set[int] = set()
        spans = []
        for start, end, hit in sorted(found, key=lambda s: (s[0] - s[1], s[0])):
            if taken.isdisjoint(range(start, end)):
                taken.update(range(start, end))
                spans.append((start, end, self.skills[hit].name))
        return sorted(spans)

    def find_text(self, text: str) -> list[tuple[str, int]]:
        """(phrase, skill position) for the skills :meth:`find` names in a raw text."""
        from matcher.understand.nlp import load_pipeline, match_norm

        doc = load_pipeline().tokenizer(text)
        norms = [match_norm(token.text) for token in doc]
        found = self.find(norms, [token.text for token in doc])
        return [(doc[start:end].text, self.position[name]) for start, end, name in found]

    def find_in_doc(self, doc: Doc) -> list[Span]:
        """:meth:`find` on a parsed ``Doc`` (match norms set): spans labelled with the skill."""
        from spacy.tokens import Span

        from matcher.understand.nlp import match_norm

        norms = [match_norm(token.text) for token in doc]
        texts = [token.text for token in doc]
        return [Span(doc, start, end, label) for start, end, label in self.find(norms, texts)]


# Hyphens and slashes are not words: "anti-oppressive" and "anti oppressive" are one key.
_SKIPPED_TOKENS = frozenset({"-", "–", "/", "_"})


def build_phrases(skills: Sequence[Skill]) -> tuple[dict[str, int], dict[str, int], int]:
    """Token n-gram keys of every name and alias, as the pipeline tokenises and norms text.

    Returns (folded keys, exact-case keys, longest key in tokens). Names claim a key
    before aliases, aliases before the "-ing"/"-ed" variants of a multi-word form
    starting with a verb ("manage staff" -> "managing staff"). Left out, because they
    would be found all over ordinary text: a one-word alias in lower case that is part
    of many labels ("calculation" for geometry; "venereology" stays). Acronyms count with
    their case only where their lower case is a common word or plural-looking ("LESS",
    "ETCS"); forms under three letters always ("R").
    """
    from matcher.understand.nlp import load_pipeline, match_norm, surface_variants

    tokenizer: Any = load_pipeline().tokenizer
    frequency: dict[str, int] = {}
    for skill in skills:
        for form in (skill.name, *skill.aliases):
            for word in {match_norm(w) for w in alias_key(form).split()}:
                frequency[word] = frequency.get(word, 0) + 1
    names: list[tuple[str, int]] = []
    aliases: list[tuple[str, int]] = []
    variants: list[tuple[str, int]] = []
    exact_forms: list[tuple[str, int]] = []
    for position, skill in enumerate(skills):
        for form in (skill.name, *skill.aliases):
            is_name = form == skill.name
            if _short(form):
                exact_forms.append((form, position))
                continue
            if _ACRONYM.match(form):
                exact_forms.append((form, position))
                lower = form.lower()
                if match_norm(form) != lower or lower in _stop_words():
                    continue
            elif (
                not is_name
                and " " not in form.strip()
                and form.islower()
                and frequency.get(match_norm(form), 0) > _GENERIC_WORD_LABELS
            ):
                continue
            (names if is_name else aliases).append((form, position))
            variants.extend((v, position) for v in surface_variants(form)[1:])
        exact_forms.extend((form, position) for form in skill.exact_aliases)

    # spaCy's tokenizer cuts each whitespace-separated chunk on its own, so tokenising
    # the distinct chunks once (about a tenth of the forms) gives the same tokens.
    pieces: dict[str, list[str]] = {}

    def tokens(chunk: str) -> list[str]:
        if chunk not in pieces:
            pieces[chunk] = [t.text for t in tokenizer(chunk) if t.text not in _SKIPPED_TOKENS]
        return pieces[chunk]

    def keys(pairs: list[tuple[str, int]], fold: bool) -> Iterator[tuple[str, int, int]]:
        for form, position in pairs:
            words = [
                match_norm(word) if fold else word
                for chunk in form.split()
                for word in tokens(chunk)
            ]
            if words:
                yield " ".join(words), position, len(words)

    folded: dict[str, int] = {}
    exact: dict[str, int] = {}
    longest = 0
    for table, pairs, fold in (
        (folded, names, True),
        (folded, aliases, True),
        (folded, variants, True),
        (exact, exact_forms, False),
    ):
        for key, position, size in keys(pairs, fold):
            if key not in table:
                table[key] = position
                longest = max(longest, size)
    return folded, exact, longest


# A one-word lower-case alias that is a word of more labels than this is too generic to
# find in text on its own (it still links).
_GENERIC_WORD_LABELS = 3


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def compile_index(
    name: str,
    skills: Sequence[Skill],
    *,
    tfidf: TfidfSimilarity | None = None,
    phrases: bool = True,
) -> TaxonomyIndex:
    """Compile skills into a :class:`TaxonomyIndex`.

    Without ``tfidf``, fits one on the labels with scikit-learn and takes the label
    matrices from the same vectorizers (fast); with one, applies it.
    """
    skills = list(skills)
    labels: list[str] = []
    starts: list[int] = []
    alias: dict[str, int] = {}
    for position, skill in enumerate(skills):
        starts.append(len(labels))
        labels.extend(dict.fromkeys((skill.name, *skill.aliases, *skill.exact_aliases)))
        alias.setdefault(alias_key(skill.name), position)
    for position, skill in enumerate(skills):  # names first: an alias never hides a name
        for form in (*skill.aliases, *skill.exact_aliases):
            alias.setdefault(alias_key(form), position)
    if tfidf is None:
        tfidf, char_labels, word_labels = _fit_tfidf(labels)
    else:
        char_labels = tfidf.transform(labels, "char")
        word_labels = tfidf.transform([stem_text(label) for label in labels], "word")
    index = TaxonomyIndex(
        name=name,
        skills=skills,
        labels=labels,
        label_starts=np.array(starts, dtype=np.int64),
        alias=alias,
        tfidf=tfidf,
        char_labels=_without_common_grams(char_labels.T.tocsr()),
        word_labels=word_labels.T.tocsr(),
    )
    if phrases:
        index._ensure_phrases()
    return index


def _without_common_grams(terms_by_labels: Any) -> Any:
    """Drop the character n-grams in more than ``COMMON_GRAM_SHARE`` of the labels (and 50).

    They say little about which skill is meant (" a", "in", "ng ") but make up half of
    the matrix, and a query's cost is the length of its n-grams' rows: without them
    linking is twice as fast, and no less accurate on the Decorte et al. sets.
    """
    from scipy.sparse import diags

    lengths = np.diff(terms_by_labels.indptr)
    limit = max(COMMON_GRAM_SHARE * terms_by_labels.shape[1], 50)
    keep = (lengths <= limit).astype(np.float32)
    pruned = (diags(keep) @ terms_by_labels).tocsr()
    pruned.eliminate_zeros()
    return pruned


def _fit_tfidf(labels: list[str]) -> tuple[TfidfSimilarity, Any, Any]:
    """A ``TfidfSimilarity`` fitted on the labels, and the labels' TF-IDF rows (float32).

    Same vectorizers and learned state as ``TfidfSimilarity.fit``; taking the label rows
    from scikit-learn's ``fit_transform`` avoids applying the pure-Python transform to
    100,000 labels (a test checks both give the same rows).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    model = TfidfSimilarity()
    char = TfidfVectorizer(**model.vectorizer_params("char"), dtype=np.float32)
    word = TfidfVectorizer(**model.vectorizer_params("word"), dtype=np.float32)
    char_rows = char.fit_transform(labels)
    word_rows = word.fit_transform([stem_text(label) for label in labels])
    model.char_vocabulary_ = {str(k): int(v) for k, v in char.vocabulary_.items()}
    model.char_idf_ = char.idf_.astype(np.float32)
    model.word_vocabulary_ = {str(k): int(v) for k, v in word.vocabulary_.items()}
    model.word_idf_ = word.idf_.astype(np.float32)
    return model, char_rows.astype(np.float32), word_rows.astype(np.float32)

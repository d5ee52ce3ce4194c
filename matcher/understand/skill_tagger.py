"""The trained SKILL/KNOWLEDGE span tagger shipped in ``models/skill_tagger``: load it, run it.

A missing or broken model is not an error: :func:`load_skill_tagger` logs one warning
line and returns None, and extraction falls back to the vocabulary alone.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc, Span
from spacy.training import Example

from matcher import paths
from matcher.understand.shipped import load_once
from matcher.understand.spans import LABELS, SPANS_KEY, TokenSpan, spans_from_joint_tags

MODEL_NAME = "skill_tagger"
LOGGER = logging.getLogger("matcher")

_CACHE: dict[Path, Language | None] = {}


def default_model_path() -> Path:
    """Where the shipped skill tagger lives (checkout or wheel)."""
    return paths.models_dir() / MODEL_NAME


def load_skill_tagger(path: Path | None = None) -> Language | None:
    """The trained skill tagger, loaded once per process and path; None if unusable.

    When the pipeline is missing or cannot be loaded and run, logs exactly one warning
    line on the ``matcher`` logger (not a Python warning, so callers running with
    warnings as errors keep working) and returns None.
    """
    return load_once(
        _CACHE,
        Path(path if path is not None else default_model_path()),
        _load,
        what="skill tagger",
        instead="using vocabulary-only extraction",
    )


def _load(path: Path) -> Language:
    if not (path / "config.cfg").is_file():
        raise FileNotFoundError("no trained pipeline there (config.cfg missing)")
    from matcher.understand.nlp import TOKENIZER_SAVED_ONLY

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Its own vocabulary, not the English pipeline's: that one normalises spellings
        # ("analyse" -> "analyze"), which the tagger never saw in training.
        nlp = spacy.load(path, config=TOKENIZER_SAVED_ONLY)
        # Wrong-shaped or truncated weights only fail when the model first runs.
        doc = nlp("Experience with Python.")
    for warning in caught:
        LOGGER.debug("while loading the skill tagger: %s", warning.message)
    if SPANS_KEY not in doc.spans:
        raise ValueError(f"the pipeline does not write doc.spans[{SPANS_KEY!r}]")
    return nlp


def clear_cache() -> None:
    """Forget loaded taggers (tests; after retraining in the same process)."""
    _CACHE.clear()


def tag_spans(
    texts: Iterable[str], *, nlp: Language | None = None, batch_size: int = 64
) -> list[list[tuple[int, int, str]]]:
    """(start_char, end_char, label) spans per text, label SKILL or KNOWLEDGE, sorted.

    Uses the shipped tagger unless ``nlp`` is given; without a usable tagger every
    text gets an empty list (check :func:`load_skill_tagger` to tell the cases apart).
    """
    texts = list(texts)
    model = nlp if nlp is not None else load_skill_tagger()
    if model is None:
        return [[] for _ in texts]
    return [
        sorted((span.start_char, span.end_char, span.label_) for span in doc_spans(doc))
        for doc in model.pipe(texts, batch_size=batch_size)
    ]


def tag_token_spans(
    nlp: Language, sentences: Sequence[Sequence[str]], *, batch_size: int = 128
) -> list[list[TokenSpan]]:
    """Token spans for pre-tokenised sentences, keeping their tokenisation (for evaluation)."""
    docs = (words_to_doc(nlp, words) for words in sentences)
    return [
        sorted((span.start, span.end, span.label_) for span in doc_spans(doc))
        for doc in nlp.pipe(docs, batch_size=batch_size)
    ]


def words_to_doc(nlp: Language, words: Sequence[str]) -> Doc:
    """A Doc over given tokens, one space between them (as SkillSpan's text is rebuilt)."""
    spaces = [True] * len(words)
    if spaces:
        spaces[-1] = False
    return Doc(nlp.vocab, words=list(words), spaces=spaces)


def doc_spans(doc: Doc) -> list[Span]:
    """The tagger's spans on a processed Doc."""
    return list(doc.spans.get(SPANS_KEY, []))


# ---------------------------------------------------------------------------------------
# Pipeline components. They are registered on import, which loading the shipped model
# needs; training imports this module for the same reason.


class SkillBioDecoder:
    """Turns the joint SKILL+KNOWLEDGE BIO tags a tagger predicted into ``doc.spans``."""

    def __init__(self, name: str, *, spans_key: str, labels: list[str]) -> None:
        self.name = name
        self.spans_key = spans_key
        self.labels = set(labels)

    def __call__(self, doc: Doc) -> Doc:
        tags = [token.tag_ for token in doc]
        doc.spans[self.spans_key] = [
            Span(doc, start, end, label)
            for start, end, label in spans_from_joint_tags(tags)
            if label in self.labels
        ]
        return doc

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        return score_spans(examples, self.spans_key)


class EntsToSpans:
    """Copies ``doc.ents`` into ``doc.spans``; clearing them lets a second NER run after."""

    def __init__(self, name: str, *, spans_key: str, clear_ents: bool) -> None:
        self.name = name
        self.spans_key = spans_key
        self.clear_ents = clear_ents

    def __call__(self, doc: Doc) -> Doc:
        kept = list(doc.spans.get(self.spans_key, []))
        doc.spans[self.spans_key] = kept + [Span(doc, e.start, e.end, e.label_) for e in doc.ents]
        if self.clear_ents:
            doc.ents = []
        return doc

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        return score_spans(examples, self.spans_key)


class SpanResolver:
    """Keeps, per label, the best-scoring of overlapping spans a span categorizer proposed.

    SkillSpan never nests a span inside another of the same label (each label is one BIO
    layer), so of two overlapping SKILL candidates at most one can be right; spans of
    different labels may still overlap.
    """

    def __init__(self, name: str, *, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        group = doc.spans.get(self.spans_key)
        if group is None or not len(group):
            return doc
        scores = group.attrs.get("scores")
        weights = [float(x) for x in scores] if scores is not None else [1.0] * len(group)
        order = sorted(range(len(group)), key=lambda i: (-weights[i], group[i].start))
        kept: list[int] = []
        for i in order:
            span = group[i]
            if not any(
                group[j].label == span.label
                and span.start < group[j].end
                and group[j].start < span.end
                for j in kept
            ):
                kept.append(i)
        kept.sort(key=lambda i: (group[i].start, group[i].end, group[i].label_))
        doc.spans[self.spans_key] = [group[i] for i in kept]
        doc.spans[self.spans_key].attrs["scores"] = [weights[i] for i in kept]
        return doc

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        return score_spans(examples, self.spans_key)


class SpanMerger:
    """Gathers the spans of several components (entities, other span keys) under one key."""

    def __init__(self, name: str, *, spans_key: str, from_ents: bool, from_keys: list[str]):
        self.name = name
        self.spans_key = spans_key
        self.from_ents = from_ents
        self.from_keys = list(from_keys)

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, e.start, e.end, e.label_) for e in doc.ents] if self.from_ents else []
        for key in self.from_keys:
            spans.extend(doc.spans.get(key, []))
        doc.spans[self.spans_key] = sorted(spans, key=lambda s: (s.start, s.end, s.label_))
        return doc

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        return score_spans(examples, self.spans_key)


def score_spans(examples: Iterable[Example], spans_key: str) -> dict[str, Any]:
    """spaCy's span P/R/F (strict, overlapping spans allowed) under ``spans_<key>_*``."""
    getter: Callable[[Doc, str], list[Span]] = lambda doc, attr: list(  # noqa: E731
        doc.spans.get(spans_key, [])
    )
    return Scorer.score_spans(
        examples,
        f"spans_{spans_key}",
        getter=getter,
        has_annotation=lambda doc: spans_key in doc.spans,
        allow_overlap=True,
    )


@Language.factory(
    "skill_bio_decoder",
    default_config={"spans_key": SPANS_KEY, "labels": list(LABELS)},
    default_score_weights={
        f"spans_{SPANS_KEY}_f": 1.0,
        f"spans_{SPANS_KEY}_p": 0.0,
        f"spans_{SPANS_KEY}_r": 0.0,
    },
)
def make_skill_bio_decoder(
    nlp: Language, name: str, spans_key: str, labels: list[str]
) -> SkillBioDecoder:
    return SkillBioDecoder(name, spans_key=spans_key, labels=labels)


@Language.factory(
    "skill_span_resolver",
    default_config={"spans_key": SPANS_KEY},
    default_score_weights={
        f"spans_{SPANS_KEY}_f": 1.0,
        f"spans_{SPANS_KEY}_p": 0.0,
        f"spans_{SPANS_KEY}_r": 0.0,
    },
)
def make_span_resolver(nlp: Language, name: str, spans_key: str) -> SpanResolver:
    return SpanResolver(name, spans_key=spans_key)


@Language.factory(
    "skill_span_merger",
    default_config={"spans_key": SPANS_KEY, "from_ents": True, "from_keys": []},
    default_score_weights={
        f"spans_{SPANS_KEY}_f": 1.0,
        f"spans_{SPANS_KEY}_p": 0.0,
        f"spans_{SPANS_KEY}_r": 0.0,
    },
)
def make_span_merger(
    nlp: Language, name: str, spans_key: str, from_ents: bool, from_keys: list[str]
) -> SpanMerger:
    return SpanMerger(name, spans_key=spans_key, from_ents=from_ents, from_keys=from_keys)


@Language.factory(
    "ents_to_spans",
    default_config={"spans_key": SPANS_KEY, "clear_ents": True},
    default_score_weights={f"spans_{SPANS_KEY}_f": 1.0},
)
def make_ents_to_spans(nlp: Language, name: str, spans_key: str, clear_ents: bool) -> EntsToSpans:
    return EntsToSpans(name, spans_key=spans_key, clear_ents=clear_ents)

"""The trained item classifier shipped in ``models/item_classifier``: what each line is.

It labels each posting sentence or bullet (requirement, nice to have, responsibility,
company, benefits, legal, apply...) and each CV line (contact, heading, role line,
achievement, skills...) from its own words and the item before it, so it works where
headings are missing or glued to the text. A missing or broken model is not an error:
:func:`load_item_classifier` logs one warning line and returns None, and
:func:`classify_items` returns None, so callers keep their rule-based reading.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer

from matcher import paths
from matcher.understand.shipped import load_once

MODEL_NAME = "item_classifier"
LOGGER = logging.getLogger("matcher")

Kind = Literal["posting", "cv"]
POSTING_LABELS = (
    "title",
    "meta",
    "heading",
    "role",
    "responsibility",
    "requirement",
    "nice_to_have",
    "company",
    "benefits",
    "legal",
    "apply",
    "other",
)
CV_LABELS = (
    "contact",
    "heading",
    "role_line",
    "summary",
    "achievement",
    "skills",
    "education",
    "certification",
    "other",
)
LABELS: dict[str, tuple[str, ...]] = {"posting": POSTING_LABELS, "cv": CV_LABELS}
#: The pipeline component that classifies each kind of text.
COMPONENTS: dict[str, str] = {"posting": "textcat_posting", "cv": "textcat_cv"}
#: Between the context (the item before) and the item in the model's input.
CONTEXT_MARK = " ⟩ "
#: After the heading above the item, in the model's input.
HEADING_MARK = " ⟫"
#: How much of the item before is context: its last words (a heading is all of it).
CONTEXT_WORDS = 8
#: At most this many words, no closing punctuation: a line that may be a heading.
HEADING_WORDS = 6
#: How finely an item's place in its document is told to the model.
POSITION_BUCKETS = 5

_CACHE: dict[Path, Language | None] = {}


def default_model_path() -> Path:
    """Where the shipped item classifier lives (checkout or wheel)."""
    return paths.models_dir() / MODEL_NAME


@dataclass(frozen=True)
class InputSettings:
    """What the model reads besides the item itself (recorded in the model's meta)."""

    context: bool = True  # the end of the item before
    position: bool = True  # the item's place in its document
    heading: bool = True  # the last heading-like item above it

    @classmethod
    def of(cls, nlp: Language, kind: Kind) -> InputSettings:
        """What the model's classifier for ``kind`` was trained to read (its meta says)."""
        found = nlp.meta.get("matcher", {}).get("inputs", {}).get(kind, {})
        return cls(**{k: bool(found.get(k, False)) for k in ("context", "position", "heading")})

    def to_dict(self) -> dict[str, bool]:
        return {"context": self.context, "position": self.position, "heading": self.heading}


def heading_like(text: str) -> bool:
    """A short line without a sentence's closing punctuation, as section titles are."""
    words = text.split()
    return 0 < len(words) <= HEADING_WORDS and text.rstrip()[-1:] not in ".!?,;"


# Tokens a bag of words would meet once each (this e-mail address, that phone number)
# are read as the kind of token they are, which is what tells a contact line or a
# "2019 - 2022" role line from the rest.
_MASKS = (
    # Each tried only where a token starts, and the address's parts cannot span an "@":
    # "\S+@\S+" took minutes on a line of "@"s (issue 16).
    (re.compile(r"(?<!\S)[^\s@]+@[^\s@]+\.\w+"), " emailaddress "),
    (
        re.compile(
            r"(https?://|www\.)\S+|(?<![\w-])[\w-]+\.(com|org|net|io|co\.uk|ie|de)(/\S*)?", re.I
        ),
        " webaddress ",
    ),
    (re.compile(r"\b(19|20)\d\d\b"), " yearnumber "),
    (re.compile(r"\+?\(?\d[\d ()./-]{6,}\d"), " phonenumber "),
    (re.compile(r"\d+"), "0"),
)


def masked(text: str) -> str:
    """``text`` with e-mail and web addresses, phone numbers, years and digits masked."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def model_input(
    text: str,
    context: str | None,
    position: float | None = None,
    heading: str | None = None,
) -> str:
    """What the model reads for one item: where it sits, the heading above it, the end
    of the item before it, then the item, each :func:`masked`.

    ``position`` is the item's place in its document, 0 (first) to 1 (last), read as
    a word-like mark: the first item, or one of five stretches (a title comes first,
    how to apply comes last).
    """
    text = masked(text)
    context = masked(context) if context else None
    heading = masked(heading) if heading else None
    parts: list[str] = []
    if position is not None:
        bucket = min(int(position * POSITION_BUCKETS), POSITION_BUCKETS - 1)
        parts.append("posfirst" if position == 0 else f"pos{bucket}")
    if heading:
        parts.append(" ".join(heading.split()[:HEADING_WORDS]) + HEADING_MARK)
    if context:
        parts.append(" ".join(context.split()[-CONTEXT_WORDS:]))
    text = " ".join(text.split())
    return " ".join(parts) + CONTEXT_MARK + text if parts else text


def document_inputs(
    texts: Sequence[str],
    settings: InputSettings,
    contexts: Sequence[str | None] | None = None,
) -> list[str]:
    """The model's input for every item of one document, in reading order.

    Training and :func:`classify_items` both build inputs here, so the two never drift.
    """
    texts = list(texts)
    if contexts is None:
        contexts = [None, *texts[:-1]] if texts else []
    elif len(contexts) != len(texts):
        raise ValueError(f"{len(contexts)} contexts for {len(texts)} texts")
    inputs: list[str] = []
    heading: str | None = None
    for index, (text, context) in enumerate(zip(texts, contexts)):
        inputs.append(
            model_input(
                text,
                context if settings.context else None,
                index / len(texts) if settings.position else None,
                heading if settings.heading and heading != context else None,
            )
        )
        if heading_like(text):
            heading = text
    return inputs


def load_item_classifier(path: Path | None = None) -> Language | None:
    """The trained item classifier, loaded once per process and path; None if unusable.

    When it is missing or cannot be loaded and run, logs exactly one warning line on
    the ``matcher`` logger (not a Python warning: callers that treat warnings as errors
    keep working) and returns None.
    """
    return load_once(
        _CACHE,
        Path(path if path is not None else default_model_path()),
        _load,
        what="item classifier",
        instead="reading by headings and cues",
    )


def _load(path: Path) -> Language:
    if not (path / "config.cfg").is_file():
        raise FileNotFoundError("no trained pipeline there (config.cfg missing)")
    from matcher.understand.nlp import TOKENIZER_SAVED_ONLY

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        shared = _shared_tokenizer(path / "tokenizer")
        nlp = spacy.load(path, config=TOKENIZER_SAVED_ONLY, exclude=["tokenizer"] if shared else [])
        if shared is not None:
            nlp.tokenizer = shared
        for kind, component in COMPONENTS.items():
            if component not in nlp.pipe_names:
                raise ValueError(f"the pipeline has no {component} component")
            # Wrong-shaped or truncated weights only fail when the model first runs.
            doc = nlp("Experience with Python.", disable=_others(nlp, component))
            if not set(LABELS[kind]) <= set(doc.cats):
                raise ValueError(f"{component} does not predict the {kind} labels")
    for warning in caught:
        LOGGER.debug("while loading the item classifier: %s", warning.message)
    return nlp


def _shared_tokenizer(saved: Path) -> Tokenizer | None:
    """The English pipeline's tokenizer, when its rules are the ones saved with the
    classifier (they are: both are spaCy's English defaults); else None.

    Loading the saved tokenizer again (its 1,300 special cases, in a vocabulary of its
    own) was 0.1 s of every cold run. The classifier reads only each token's text
    (``ORTH``, a hash of the string, the same in any vocabulary), so the same rules in
    another vocabulary give the same input, and the English pipeline is loaded for
    every read anyway.
    """
    from matcher.errors import ModelError
    from matcher.understand.nlp import load_pipeline

    try:
        saved_rules = saved.read_bytes()
        tokenizer = load_pipeline().tokenizer
    except (OSError, ModelError):
        return None
    if not isinstance(tokenizer, Tokenizer):
        return None
    return tokenizer if tokenizer.to_bytes(exclude=["vocab"]) == saved_rules else None


def _others(nlp: Language, component: str) -> list[str]:
    return [name for name in nlp.pipe_names if name != component]


def clear_cache() -> None:
    """Forget loaded classifiers (tests; after retraining in the same process)."""
    _CACHE.clear()


@dataclass(frozen=True)
class Transitions:
    """How likely each label follows another within a document, learned from the
    training documents, and how much that counts beside the item's own words.

    Decoding a document with them (Viterbi) keeps a run of items in one section: the
    bullets after "Nice to have:" stay nice-to-haves though each alone reads as a
    requirement.
    """

    labels: tuple[str, ...]
    start: tuple[float, ...]  # log P(first label)
    matrix: tuple[tuple[float, ...], ...]  # log P(label | label before)
    weight: float = 1.0

    @classmethod
    def fit(
        cls,
        sequences: Sequence[Sequence[str]],
        labels: Sequence[str],
        *,
        weight: float = 1.0,
        smoothing: float = 1.0,
    ) -> Transitions:
        index = {name: i for i, name in enumerate(labels)}
        size = len(labels)
        start = np.full(size, smoothing)
        counts = np.full((size, size), smoothing)
        for sequence in sequences:
            ids = [index[x] for x in sequence]
            if ids:
                start[ids[0]] += 1
            for before, after in zip(ids, ids[1:]):
                counts[before, after] += 1
        start_log = np.log(start / start.sum())
        matrix_log = np.log(counts / counts.sum(axis=1, keepdims=True))
        return cls(
            tuple(labels),
            tuple(float(x) for x in start_log),
            tuple(tuple(float(x) for x in row) for row in matrix_log),
            weight,
        )

    def decode(self, probabilities: np.ndarray) -> list[int]:
        """The most likely label sequence (indices) given each item's probabilities."""
        if not len(probabilities):
            return []
        emission = np.log(np.clip(probabilities, 1e-9, 1.0))
        start = self.weight * np.asarray(self.start)
        matrix = self.weight * np.asarray(self.matrix)
        score = start + emission[0]
        back = np.zeros(emission.shape, dtype=int)
        for i in range(1, len(emission)):
            candidates = score[:, None] + matrix
            back[i] = candidates.argmax(axis=0)
            score = candidates.max(axis=0) + emission[i]
        path = [int(score.argmax())]
        for i in range(len(emission) - 1, 0, -1):
            path.append(int(back[i][path[-1]]))
        return path[::-1]

    def to_dict(self) -> dict[str, object]:
        return {
            "labels": list(self.labels),
            "start": list(self.start),
            "matrix": [list(row) for row in self.matrix],
            "weight": self.weight,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transitions:
        return cls(
            tuple(data["labels"]),
            tuple(float(x) for x in data["start"]),
            tuple(tuple(float(x) for x in row) for row in data["matrix"]),
            float(data.get("weight", 1.0)),
        )


def transitions_of(nlp: Language, kind: Kind) -> Transitions | None:
    """The label transitions the model's meta records for ``kind``, if any."""
    found = nlp.meta.get("matcher", {}).get("transitions", {}).get(kind)
    return Transitions.from_dict(found) if found else None


def item_probabilities(
    texts: Sequence[str],
    kind: Kind,
    nlp: Language,
    *,
    contexts: Sequence[str | None] | None = None,
    batch_size: int = 128,
) -> np.ndarray:
    """The classifier's probability of each of ``LABELS[kind]`` for each item (n x labels)."""
    inputs = document_inputs(texts, InputSettings.of(nlp, kind), contexts)
    component = COMPONENTS[kind]
    labels = LABELS[kind]
    rows = [
        [doc.cats.get(name, 0.0) for name in labels]
        for doc in nlp.pipe(inputs, batch_size=batch_size, disable=_others(nlp, component))
    ]
    return np.asarray(rows, dtype=float).reshape(len(inputs), len(labels))


def classify_items(
    texts: Sequence[str],
    kind: Kind = "posting",
    *,
    contexts: Sequence[str | None] | None = None,
    nlp: Language | None = None,
    sequence: bool = True,
    batch_size: int = 128,
) -> list[tuple[str, float]] | None:
    """(label, probability) for each item, or None when no classifier is usable.

    ``texts`` are all the items of one document in reading order (sentences or bullets
    of a posting, lines of a CV): the item before each one is its context unless
    ``contexts`` gives another (e.g. the heading it sits under; None for none), and
    its place in the list is its place in the document. With ``sequence`` (and
    transitions in the model), labels are decoded for the document as a whole
    (:class:`Transitions`); the probability is the classifier's for the label chosen.
    """
    if kind not in COMPONENTS:
        raise ValueError(f"kind must be 'posting' or 'cv', not {kind!r}")
    if contexts is not None and len(contexts) != len(texts):
        raise ValueError(f"{len(contexts)} contexts for {len(texts)} texts")
    model = nlp if nlp is not None else load_item_classifier()
    if model is None:
        return None
    probabilities = item_probabilities(texts, kind, model, contexts=contexts, batch_size=batch_size)
    transitions = transitions_of(model, kind) if sequence else None
    if transitions is not None and transitions.weight > 0:
        chosen = transitions.decode(probabilities)
    else:
        chosen = [int(row.argmax()) for row in probabilities]
    labels = LABELS[kind]
    return [(labels[c], float(probabilities[i, c])) for i, c in enumerate(chosen)]


def model_info(path: Path | None = None) -> dict[str, object]:
    """The shipped model's meta (scores, training) as a dict; empty when absent."""
    meta = Path(path if path is not None else default_model_path()) / "meta.json"
    if not meta.is_file():
        return {}
    return dict(json.loads(meta.read_text("utf-8")))

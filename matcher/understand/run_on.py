"""Where sentences start in run-on posting text, as a trained model reads it.

Job boards deliver postings as run-on text: whole sections in one paragraph, bullets
without their full stops ("Experience with Python Knowledge of SQL"), headings glued
to the next word ("QualificationsThe ideal candidate..."). A rule that cuts at ". X"
keeps several bullets in one item and never finds a glued heading. The shipped
``models/sentence_splitter`` is a spaCy ``senter`` (token features: norm, prefix,
suffix, shape, whether a space follows; a small CNN over their neighbours) trained by
``python -m matcher.train.senter`` on run-on renderings of SkillSpan's training ads,
whose sentence boundaries are known exactly.

Two registered pieces make it a pipeline:

- the tokenizer ``matcher.GlueSplitTokenizer.v1``: spaCy's English tokenizer, and
  within a token every place where a capital follows a small letter or a closing
  mark (``QualificationsThe``, ``(m/f/d)Job``) becomes a token boundary without a
  space. These are only candidates: whether a sentence starts there is the model's
  call, learned from how such joins look in the training text ("JavaScript" stays
  one sentence; "ResponsibilitiesDesign" does not);
- the component ``matcher_run_on_splitter`` (after ``senter``): it sets sentence
  starts where the senter's probability of a start reaches ``threshold`` (chosen on
  a development split of the training ads), never before a token with no letter or
  digit, and with ``split_glued`` false never inside a written word.

The model is loaded lazily, the first time a run-on line is met
(:func:`load_splitter`); without it, :func:`run_on_sentences` returns None and the
caller keeps its rule-based cut.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from matcher import paths
from matcher.understand.shipped import load_once

MODEL_NAME = "sentence_splitter"
COMPONENT = "matcher_run_on_splitter"
TOKENIZER = "matcher.GlueSplitTokenizer.v1"
LOGGER = logging.getLogger("matcher")

# A capital after a small letter, or after a closing mark with no space between.
_GLUE = re.compile(r"(?<=[a-z\)\]:.!?])(?=[A-Z])")

_CACHE: dict[Path, Language | None] = {}
#: Loading: the saved tokenizer rules only (see ``make_glue_split_tokenizer``).
SAVED_TOKENIZER_ONLY = {"nlp": {"tokenizer": {"@tokenizers": TOKENIZER, "saved_only": True}}}


def glue_points(word: str) -> list[int]:
    """Offsets inside ``word`` where a capital is glued to what comes before it."""
    return [m.start() for m in _GLUE.finditer(word) if 0 < m.start() < len(word)]


class GlueSplitTokenizer:
    """spaCy's tokenizer, with each token also cut at :func:`glue_points` (no space)."""

    def __init__(self, base: Tokenizer) -> None:
        self.base = base
        self.vocab = base.vocab

    def __call__(self, text: str) -> Doc:
        doc = self.base(text)
        words: list[str] = []
        spaces: list[bool] = []
        for token in doc:
            cuts = [0, *glue_points(token.text), len(token.text)]
            for start, end in zip(cuts, cuts[1:]):
                words.append(token.text[start:end])
                spaces.append(False)
            spaces[-1] = bool(token.whitespace_)
        return Doc(self.vocab, words=words, spaces=spaces)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    # Saved and loaded as the tokenizer it wraps.
    def to_disk(self, path: Any, **kwargs: Any) -> None:
        self.base.to_disk(path, **kwargs)

    def from_disk(self, path: Any, **kwargs: Any) -> GlueSplitTokenizer:
        self.base.from_disk(path, **kwargs)
        return self

    def to_bytes(self, **kwargs: Any) -> bytes:
        return bytes(self.base.to_bytes(**kwargs))

    def from_bytes(self, data: bytes, **kwargs: Any) -> GlueSplitTokenizer:
        self.base.from_bytes(data, **kwargs)
        return self


@spacy.registry.tokenizers(TOKENIZER)
def make_glue_split_tokenizer(saved_only: bool = False) -> Callable[[Language], GlueSplitTokenizer]:
    """The English tokenizer with glued capitals as extra (candidate) token boundaries.

    ``saved_only`` starts from an empty tokenizer, for a pipeline whose saved tokenizer
    is loaded next (building the English rules only to replace them costs ~0.15 s).
    """

    def create(nlp: Language) -> GlueSplitTokenizer:
        if saved_only:
            return GlueSplitTokenizer(Tokenizer(nlp.vocab))
        default = spacy.registry.tokenizers.get("spacy.Tokenizer.v1")()
        return GlueSplitTokenizer(default(nlp))

    return create


GLUE_FILE = "glue.json"
#: Hashed feature space of the glue model.
GLUE_BUCKETS = 1 << 18


def is_glue_point(doc: Doc, i: int) -> bool:
    """Whether token ``i`` is a capital glued to the token before (no space between)."""
    if i == 0 or doc[i - 1].whitespace_:
        return False
    before, token = doc[i - 1].text, doc[i].text
    return token[:1].isupper() and (before[-1:].islower() or before[-1:] in ")]:.!?")


def glue_features(before: str, after: str) -> list[str]:
    """Character-level evidence about a glue point: the end of the word before it (a
    heading's "...ments", "...tion", "Overview"), the start of the word after it ("We",
    "The", "Design"), their lengths, and the two whole."""
    left, right = before.lower(), after.lower()
    features = [f"L={left}", f"R={right}", f"LR={left}|{right}", f"Llen={min(len(left), 12)}"]
    features += [f"L:{left[-k:]}" for k in range(1, 6) if len(left) >= k]
    features += [f"R:{right[:k]}" for k in range(1, 4) if len(right) >= k]
    features.append(f"Rlen={min(len(right), 12)}")
    features.append(
        f"Lcase={'X' if before[:1].isupper() else 'x'}{'X' if before.isupper() else ''}"
    )
    return features


def glue_hash(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) % GLUE_BUCKETS


@dataclass
class GlueModel:
    """Logistic regression over :func:`glue_features`: P(a sentence starts at a glue
    point), learned from the glued headings of the training renderings and the written
    words with capitals inside them ("JavaScript", "DevOps")."""

    weights: dict[int, float]
    bias: float

    def probability(self, before: str, after: str) -> float:
        score = self.bias + sum(
            self.weights.get(glue_hash(f), 0.0) for f in glue_features(before, after)
        )
        return float(1.0 / (1.0 + np.exp(-score)))

    def to_dict(self) -> dict[str, Any]:
        return {"bias": self.bias, "weights": {str(k): v for k, v in self.weights.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GlueModel:
        return cls({int(k): float(v) for k, v in data["weights"].items()}, float(data["bias"]))


def _has_word(text: str) -> bool:
    return any(c.isalnum() for c in text)


class RunOnSplitter:
    """Sentence starts from the senter's scores, with the settings of the config; at a
    glue point, from the glue model (when trained) and ``glue_threshold``."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        senter: str,
        threshold: float,
        split_glued: bool,
        glue_threshold: float,
    ):
        self.nlp = nlp
        self.name = name
        self.senter = senter
        self.threshold = threshold
        self.split_glued = split_glued
        self.glue_threshold = glue_threshold
        self.glue: GlueModel | None = None

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.glue is not None:
            (path / GLUE_FILE).write_text(json.dumps(self.glue.to_dict()), "utf-8")

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> RunOnSplitter:
        found = Path(path) / GLUE_FILE
        if found.is_file():
            self.glue = GlueModel.from_dict(json.loads(found.read_text("utf-8")))
        return self

    def __call__(self, doc: Doc) -> Doc:
        return self.set_starts(doc, self.start_probabilities(doc))

    def start_probabilities(self, doc: Doc) -> np.ndarray:
        """P(a sentence starts at this token) for every token of ``doc``."""
        if not len(doc):
            return np.zeros(0)
        if "tok2vec" in self.nlp.pipe_names and doc.tensor.size == 0:
            doc = self.nlp.get_pipe("tok2vec")(doc)  # the senter reads its vectors
        senter: Any = self.nlp.get_pipe(self.senter)
        # The senter's tagger gives unnormalised scores for ("I", "S"): softmax them.
        scores = np.asarray(senter.model.ops.to_numpy(senter.model.predict([doc])[0]), float)
        column = list(senter.labels).index("S")
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return np.asarray(scores[:, column] / scores.sum(axis=1))

    def set_starts(
        self, doc: Doc, probabilities: np.ndarray, threshold: float | None = None
    ) -> Doc:
        cut = self.threshold if threshold is None else threshold
        for i, token in enumerate(doc):
            if i == 0:
                token.is_sent_start = True
                continue
            if is_glue_point(doc, i) and self.glue is not None:
                found = self.glue.probability(doc[i - 1].text, token.text) >= self.glue_threshold
                token.is_sent_start = bool(found and self.split_glued)
                continue
            glued = not doc[i - 1].whitespace_ and doc[i - 1].is_alpha and token.is_alpha
            start = (
                probabilities[i] >= cut
                and _has_word(token.text)
                and (self.split_glued or not glued)
            )
            token.is_sent_start = bool(start)
        return doc


@Language.factory(
    COMPONENT,
    default_config={
        "senter": "senter",
        "threshold": 0.5,
        "split_glued": True,
        "glue_threshold": 0.5,
    },
)
def make_run_on_splitter(
    nlp: Language,
    name: str,
    senter: str,
    threshold: float,
    split_glued: bool,
    glue_threshold: float,
) -> RunOnSplitter:
    return RunOnSplitter(nlp, name, senter, threshold, split_glued, glue_threshold)


BOUNDARY_SCORER = "matcher.boundary_scorer.v1"


def score_boundaries(examples: Iterable[Any], **_: Any) -> dict[str, float]:
    """Precision, recall and F1 of sentence starts inside each Doc (its first token is
    not counted), over the tokens whose gold start is known.

    spaCy's ``sents_f`` scores whole sentences, so one wrong cut costs two sentences
    and one missed cut one: it prefers a splitter that hardly cuts. Choosing
    checkpoints by boundaries weighs both errors alike.
    """
    n_gold = n_pred = n_ok = 0
    for example in examples:
        predicted, reference = example.predicted, example.reference
        if len(predicted) != len(reference):  # the same tokenizer makes both
            continue
        for i in range(1, len(reference)):
            truth = reference[i].is_sent_start
            if truth is None:
                continue
            guess = bool(predicted[i].is_sent_start)
            n_gold += bool(truth)
            n_pred += guess
            n_ok += bool(truth) and guess
    precision = n_ok / n_pred if n_pred else 0.0
    recall = n_ok / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"boundary_p": precision, "boundary_r": recall, "boundary_f": f1}


@spacy.registry.scorers(BOUNDARY_SCORER)
def make_boundary_scorer() -> Callable[..., dict[str, float]]:
    return score_boundaries


def default_model_path() -> Path:
    """Where the shipped sentence splitter lives (checkout or wheel)."""
    return paths.models_dir() / MODEL_NAME


def load_splitter(path: Path | None = None) -> Language | None:
    """The trained splitter, loaded once per process and path; None (one warning) if unusable."""
    return load_once(
        _CACHE,
        Path(path if path is not None else default_model_path()),
        _load,
        what="sentence splitter",
        instead="cutting run-on text at full stops",
    )


def _load(path: Path) -> Language:
    if not (path / "config.cfg").is_file():
        raise FileNotFoundError("no trained pipeline there (config.cfg missing)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nlp = spacy.load(path, config=SAVED_TOKENIZER_ONLY)
        if COMPONENT not in nlp.pipe_names:
            raise ValueError(f"the pipeline has no {COMPONENT} component")
        # The splitter asks the senter itself; the senter's own argmax is not needed.
        senter = nlp.get_pipe(COMPONENT).senter  # type: ignore[attr-defined]
        nlp.disable_pipe(senter)
        nlp("Experience with Python. Knowledge of SQL")  # wrong weights fail only here
    for warning in caught:
        LOGGER.debug("while loading the sentence splitter: %s", warning.message)
    return nlp


def clear_cache() -> None:
    """Forget loaded splitters (tests; after retraining in the same process)."""
    _CACHE.clear()


def sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """Character spans of ``doc``'s sentences, surrounding spaces left out."""
    spans: list[tuple[int, int]] = []
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        text = doc.text[start:end]
        lead = len(text) - len(text.lstrip())
        if text.strip():
            spans.append((start + lead, start + len(text.rstrip())))
    return spans


def run_on_sentences(text: str, nlp: Language | None = None) -> list[tuple[int, int]] | None:
    """Character spans of the sentences of one run-on line, or None without the model."""
    model = nlp if nlp is not None else load_splitter()
    if model is None:
        return None
    return sentence_spans(model(text))

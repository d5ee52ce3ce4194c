"""Read the SkillSpan corpus (two BIO layers per token) into token spans and spaCy Docs.

The corpus is third-party data read in place from ``../shared/data/skillspan``; nothing
converted from it is ever written into the repository (training builds Docs in memory).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from matcher.understand.spans import LABELS, LAYERS, SPANS_KEY, TokenSpan, bio_to_spans


@dataclass(frozen=True)
class Sentence:
    """One SkillSpan sentence: its tokens and the gold spans of both layers."""

    tokens: tuple[str, ...]
    spans: tuple[TokenSpan, ...]
    source: str = ""
    idx: int = -1


def parse_record(record: dict) -> Sentence:
    """One JSON line of SkillSpan as a :class:`Sentence` (both layers, spans may nest)."""
    tokens = tuple(str(token) for token in record["tokens"])
    spans: list[TokenSpan] = []
    for label, key in LAYERS.items():
        tags = record[key]
        if len(tags) != len(tokens):
            raise ValueError(f"{key} has {len(tags)} tags for {len(tokens)} tokens")
        spans.extend(bio_to_spans(tags, label))
    spans.sort()
    return Sentence(
        tokens=tokens,
        spans=tuple(spans),
        source=str(record.get("source", "")),
        idx=int(record.get("idx", -1)),
    )


def read_split(path: Path) -> list[Sentence]:
    """All sentences of one SkillSpan JSON-lines file (``train.json`` or ``dev.json``)."""
    sentences: list[Sentence] = []
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                sentences.append(parse_record(json.loads(line)))
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"{path}:{line_no}: not a SkillSpan record ({error})") from error
    return sentences


def to_doc(vocab: Vocab, sentence: Sentence, spans_key: str = SPANS_KEY) -> Doc:
    """A Doc over the sentence's own tokens with its gold spans in ``doc.spans[spans_key]``."""
    words = list(sentence.tokens)
    spaces = [True] * len(words)
    if spaces:
        spaces[-1] = False
    doc = Doc(vocab, words=words, spaces=spaces)
    doc.spans[spans_key] = [Span(doc, start, end, label) for start, end, label in sentence.spans]
    return doc


def iter_docs(
    vocab: Vocab, sentences: Iterable[Sentence], spans_key: str = SPANS_KEY
) -> Iterator[Doc]:
    """Docs for many sentences, skipping empty ones (spaCy cannot learn from them)."""
    for sentence in sentences:
        if sentence.tokens:
            yield to_doc(vocab, sentence, spans_key)


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 with the counts they come from."""

    precision: float
    recall: float
    f1: float
    n_gold: int
    n_pred: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "n_gold": self.n_gold,
            "n_pred": self.n_pred,
        }


def _prf(tp_pred: int, tp_gold: int, n_pred: int, n_gold: int) -> PRF:
    precision = tp_pred / n_pred if n_pred else 0.0
    recall = tp_gold / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, n_gold, n_pred)


def span_scores(
    gold: Sequence[Iterable[TokenSpan]],
    predicted: Sequence[Iterable[TokenSpan]],
    labels: Sequence[str] = LABELS,
) -> dict[str, dict[str, PRF]]:
    """Span precision/recall/F1 per label, ``strict`` and ``overlap``, over parallel sentences.

    Strict: same start, end and label. Overlap: a predicted span counts as correct when it
    shares a token with a gold span of its label (precision), and a gold span counts as
    found when a predicted span of its label shares a token with it (recall).
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted")
    counts = {label: [0, 0, 0, 0, 0] for label in labels}  # strict tp, ovl tp_p, tp_g, np, ng
    for gold_spans, pred_spans in zip(gold, predicted):
        gold_set = set(gold_spans)
        pred_set = set(pred_spans)
        for label in labels:
            g = [span for span in gold_set if span[2] == label]
            p = [span for span in pred_set if span[2] == label]
            c = counts[label]
            c[0] += len(set(g) & set(p))
            c[1] += sum(any(ps < ge and gs < pe for gs, ge, _ in g) for ps, pe, _ in p)
            c[2] += sum(any(ps < ge and gs < pe for ps, pe, _ in p) for gs, ge, _ in g)
            c[3] += len(p)
            c[4] += len(g)
    return {
        label: {
            "strict": _prf(c[0], c[0], c[3], c[4]),
            "overlap": _prf(c[1], c[2], c[3], c[4]),
        }
        for label, c in counts.items()
    }

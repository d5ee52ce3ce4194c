"""Skill spans as token ranges and BIO tags: the skill tagger's output, and SkillSpan's two layers.

The tagger learns both layers (SKILL, KNOWLEDGE) at once as one joint tag per token.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

SKILL = "SKILL"
KNOWLEDGE = "KNOWLEDGE"
LABELS = (SKILL, KNOWLEDGE)
#: The ``doc.spans`` key the skill tagger reads gold spans from and writes predictions to.
SPANS_KEY = "skills"
#: Which BIO layer of a SkillSpan record carries which label.
LAYERS = {SKILL: "tags_skill", KNOWLEDGE: "tags_knowledge"}

#: A span over tokens: (start token, end token exclusive, label).
TokenSpan = tuple[int, int, str]


def bio_to_spans(tags: Sequence[str], label: str) -> list[TokenSpan]:
    """Turn one BIO layer into spans; an ``I`` that follows ``O`` opens a span (lenient).

    Tags may be bare (``B``/``I``/``O``, as in SkillSpan's JSON) or carry a type
    (``B-Skill``, as in its CoNLL files); the type is ignored and ``label`` is used.
    """
    spans: list[TokenSpan] = []
    start: int | None = None
    for i, tag in enumerate(tags):
        prefix = tag[:1].upper()
        if prefix == "B" or (prefix == "I" and start is None):
            if start is not None:
                spans.append((start, i, label))
            start = i
        elif prefix != "I":
            if start is not None:
                spans.append((start, i, label))
            start = None
    if start is not None:
        spans.append((start, len(tags), label))
    return spans


def spans_to_bio(n_tokens: int, spans: Iterable[TokenSpan], label: str) -> list[str]:
    """The inverse of :func:`bio_to_spans` for one label (later spans win on overlap)."""
    tags = ["O"] * n_tokens
    for start, end, span_label in spans:
        if span_label != label:
            continue
        tags[start] = "B"
        for i in range(start + 1, end):
            tags[i] = "I"
    return tags


def joint_tags(n_tokens: int, spans: Iterable[TokenSpan]) -> list[str]:
    """One tag a token that encodes both layers, SKILL first: ``"BO"``, ``"IB"``, ``"OO"``.

    A plain token tagger can then learn both layers at once, nesting included.
    """
    span_list = list(spans)
    skill = spans_to_bio(n_tokens, span_list, SKILL)
    knowledge = spans_to_bio(n_tokens, span_list, KNOWLEDGE)
    return [s + k for s, k in zip(skill, knowledge)]


def spans_from_joint_tags(tags: Sequence[str]) -> list[TokenSpan]:
    """The spans of both layers from :func:`joint_tags` output (unknown tags read as ``O``)."""
    skill = [tag[0] if len(tag) == 2 else "O" for tag in tags]
    knowledge = [tag[1] if len(tag) == 2 else "O" for tag in tags]
    return sorted(bio_to_spans(skill, SKILL) + bio_to_spans(knowledge, KNOWLEDGE))

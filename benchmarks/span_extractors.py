"""Raw-text extractors for bench_span_f1.py: the vocabulary alone, and vocabulary + model.

SkillSpan's KNOWLEDGE is "know-what" (tools, technologies, languages, certificates,
bodies of knowledge) and SKILL is "know-how": vocabulary categories map accordingly.
    python benchmarks/bench_span_f1.py --extractor span_extractors:vocabulary_only
    python benchmarks/bench_span_f1.py --extractor span_extractors:combined
"""

from __future__ import annotations

from collections.abc import Sequence

from matcher.understand.mentions import extract_skills
from matcher.understand.skill_tagger import tag_spans
from matcher.understand.vocabulary import shipped_vocabulary

KNOW_WHAT = {"knowledge", "tool", "language", "certification"}
CharSpan = tuple[int, int, str]


def _label(skill: str | None) -> str:
    vocabulary = shipped_vocabulary()
    category = vocabulary[skill].category if skill and skill in vocabulary else None
    return "KNOWLEDGE" if category in KNOW_WHAT else "SKILL"


def vocabulary_only(texts: Sequence[str]) -> list[list[CharSpan]]:
    """The shipped vocabulary's matches, labelled by category."""
    found = []
    for text in texts:
        mentions = extract_skills(text, use_model=False)
        found.append(
            [(m.start, m.end, _label(m.skill)) for m in mentions if m.source == "vocabulary"]
        )
    return found


def combined(texts: Sequence[str]) -> list[list[CharSpan]]:
    """The vocabulary's matches, plus the model's spans where the vocabulary found none."""
    found = []
    for vocab, model in zip(vocabulary_only(texts), tag_spans(texts)):
        taken = [(start, end) for start, end, _ in vocab]
        extra = [
            span
            for span in model
            if not any(span[0] < end and start < span[1] for start, end in taken)
        ]
        found.append(sorted(vocab + extra))
    return found

"""Which matches the report may advise on: lead-with items and closest strengths the texts back.

A match earns its share of the fit by its score; advising on it needs more. A person
can only *lead with* a strength when the posting's line asks for the skill and a CV line
shows it (never a contact line), and the strength is the skill asked for or a kind of it.
A *closest* strength is only worth naming when it is a near relative of what is missing
(narrower, sibling or broader in the vocabulary, or sharing a word with it), not a
cousin two steps away ("Chartered Engineer": nearest "Driving licence").
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Protocol, TypeVar

from matcher.score.scoring import RELATION_SCORES
from matcher.understand.documents import (
    _DEGREE,
    CONTACT_DETAILS,
    Profile,
    Requirement,
    Strength,
)
from matcher.understand.evidence import Evidence, line_evidence
from matcher.understand.mentions import _NEGATION, is_negated
from matcher.understand.vocabulary import Vocabulary

# A score from which a strength is something near (``matcher.fit.core.NEAR_SCORE``).
NEAR_SCORE = 50.0
# Relations in the vocabulary that make a strength something to build on for a gap.
BUILDS_ON = frozenset({"same", "narrower", "sibling", "broader"})
# Methods that found a match by what the texts say rather than by spelling alone.
_SAID = frozenset({"vocabulary", "taxonomy:narrower", "cv text", "statement"})
# Words too common to make two skill names related.
_COMMON = frozenset(
    "and or of the a an in for to with on skills skill experience knowledge basic advanced"
    " management systems system working strong good certification certifications"
    " certificate licence license licences licenses qualification qualifications".split()
)


class _Match(Protocol):
    """What advice needs of a match (``matcher.fit.core.SkillMatch``)."""

    @property
    def requirement(self) -> Requirement: ...
    @property
    def strength(self) -> Strength | None: ...
    @property
    def score(self) -> float: ...
    @property
    def method(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def gate_met(self) -> bool | None: ...


M = TypeVar("M", bound=_Match)


def is_contact_line(line: str) -> bool:
    """Whether a CV line is contact details (e-mail, web address, phone number)."""
    return CONTACT_DETAILS.search(line) is not None


def _forms(strength: Strength, vocabulary: Vocabulary) -> tuple[list[str], list[str]]:
    """Ways a strength is written: case-insensitive forms, and exact-case acronyms."""
    loose, exact = [strength.text, strength.skill], []
    skill = vocabulary.skills.get(strength.canonical or "")
    if skill is not None:
        loose += skill.surface_forms
        exact += [form.lstrip("=") for form in skill.exact_aliases]
    return [f for f in loose if len(f) > 1], [f for f in exact if len(f) > 1]


def _pattern(forms: Iterable[str], flags: int = 0) -> re.Pattern[str] | None:
    alternatives = sorted({re.escape(f) for f in forms}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?:s|es)?(?!\w)", flags)


def showing_line(strength: Strength, text: str, vocabulary: Vocabulary) -> Evidence | None:
    """The first CV line that names the strength (or an alias) and is no contact line."""
    loose, exact = _forms(strength, vocabulary)
    patterns = [p for p in (_pattern(loose, re.IGNORECASE), _pattern(exact)) if p is not None]
    offset = 0
    for line in text.splitlines(keepends=True):
        if not is_contact_line(line):
            for pattern in patterns:
                found = pattern.search(line)
                if found and not is_negated(line, found.start(), found.end()):
                    return line_evidence(line, offset, found)
        offset += len(line)
    return None


def degree_line(text: str) -> Evidence | None:
    """The CV line that shows its highest degree (the words that name it), if any.

    Read with the same patterns that set ``Profile.degree_level``.
    """
    best: tuple[int, Evidence] | None = None
    offset = 0
    for line in text.splitlines(keepends=True):
        if not _NEGATION.search(line):
            for found in _DEGREE.finditer(line):
                level = max(
                    (
                        v
                        for k, v in (("phd", 4), ("master", 3), ("bachelor", 2), ("diploma", 1))
                        if found[k]
                    ),
                    default=0,
                )
                if level and (best is None or level > best[0]):
                    best = (level, line_evidence(line, offset, found))
        offset += len(line)
    return best[1] if best else None


def quoted(m: M, profile: Profile, vocabulary: Vocabulary) -> M:
    """The match with a CV quote that shows its strength, where the first one did not.

    A met degree gate is answered by the CV's degree line, whatever strength scored
    best against the word "degree"; a strength first seen on the contact line is quoted
    from a line that shows it, if any. Scores and statuses are never changed.
    """
    have, need = m.strength, m.requirement
    if have is None:
        return m
    if need.gate == "degree" and m.gate_met and have.canonical != need.canonical:
        line = degree_line(profile.text)
        if line is None:
            return m
        words = profile.text[line.start : line.end]
        return dataclasses.replace(m, strength=Strength(words, words, None, line))  # type: ignore[type-var]
    if is_contact_line(have.evidence.line) and m.method != "statement":
        line = showing_line(have, profile.text, vocabulary)
        if line is not None:
            return dataclasses.replace(m, strength=dataclasses.replace(have, evidence=line))  # type: ignore[type-var]
    return m


def answers(m: M, vocabulary: Vocabulary) -> bool:
    """Whether a match is one to lead with: the texts show the strength is what is asked.

    The match must be found by meaning (the same skill, a narrower one, the requirement's
    own words in the CV, a stated authorisation) or, if by spelling, the CV line must use
    the requirement's words; and the CV line must not be a contact line.
    """
    have, need = m.strength, m.requirement
    if m.status != "match" or have is None or is_contact_line(have.evidence.line):
        return False
    if m.method in _SAID or (need.gate == "degree" and m.gate_met):
        return True
    if have.canonical and have.canonical == need.canonical:
        return True
    # By spelling alone ("web application" for "web application deployment"): only if
    # the CV line says what the posting asks, or names a kind of it ("GitHub Actions"
    # for CI/CD).
    loose, exact = [need.text, need.skill], []
    for name in _kinds_of(need.canonical, vocabulary):
        skill = vocabulary.skills[name]
        loose += skill.surface_forms
        exact += [form.lstrip("=") for form in skill.exact_aliases]
    line = have.evidence.line
    return any(
        pattern is not None and pattern.search(line) is not None
        for pattern in (_pattern(loose, re.IGNORECASE), _pattern(exact))
    )


def _kinds_of(canonical: str | None, vocabulary: Vocabulary, depth: int = 3) -> list[str]:
    """A known skill and the narrower skills under it, a few levels down."""
    if canonical is None or canonical not in vocabulary:
        return []
    found, level = [canonical], [canonical]
    for _ in range(depth):
        level = [child for name in level for child in vocabulary.children(name)]
        found += [name for name in level if name not in found]
    return found


def builds_on(m: M, vocabulary: Vocabulary) -> bool:
    """Whether the nearest strength to a gap is worth naming as something to build on."""
    have, need = m.strength, m.requirement
    if have is None or m.score < 50 or is_contact_line(have.evidence.line):
        return False
    if need.canonical in vocabulary and have.canonical in vocabulary:
        relation = vocabulary.relation(need.canonical, have.canonical)  # type: ignore[arg-type]
        if relation is not None:
            return relation in BUILDS_ON
    # The names the reader sees: a shared word in the CV's own phrasing is not shown.
    return shares_a_word(need.skill, have.skill)


def nearest_relative(m: M, profile: Profile, vocabulary: Vocabulary) -> M:
    """A gap whose best-scoring strength is nothing to build on, with the strength that
    is: a narrower, sibling or broader skill in the vocabulary, scored as that relation
    scores (Kubernetes: "Cloud" by embedding, 66, is no help; Amazon ECS, a sibling, 62,
    is). Only for the quote a gap names; the fit keeps the best score."""
    need = m.requirement.canonical
    if m.status != "prepare" or builds_on(m, vocabulary) or need not in vocabulary:
        return m
    best: tuple[float, str, Strength] | None = None
    for strength in profile.strengths:
        if strength.canonical in vocabulary:
            relation = vocabulary.relation(need, strength.canonical)  # type: ignore[arg-type]
            if relation in BUILDS_ON - {"same"}:
                score = RELATION_SCORES[relation]
                if best is None or score > best[0]:
                    best = (score, relation, strength)
    if best is None or best[0] < NEAR_SCORE or is_contact_line(best[2].evidence.line):
        return m
    score, relation, strength = best
    return dataclasses.replace(  # type: ignore[type-var]
        m, strength=strength, score=score, method=f"taxonomy:{relation}"
    )


def shares_a_word(a: str, b: str) -> bool:
    """Whether two skill names share a content word ("web application", "web
    application deployment"), the one lexical sign of relatedness advice trusts."""
    return bool(_content_words(a) & _content_words(b))


def _content_words(*names: str) -> set[str]:
    words = set()
    for name in names:
        for word in re.findall(r"[\w+#]+", name.casefold()):
            if word not in _COMMON and len(word) > 1:
                words.add(word[:6])
    return words

"""Postings and profiles: what a job asks for and what a person offers, with evidence.

``load_posting`` turns a posting into weighted requirements; ``load_profile`` turns a
strengths list or a whole CV into strengths, each keeping the line that shows it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from matcher.errors import (
    InputError,
    MatcherError,
    NoRequirementsError,
    NoStrengthsError,
    UsageError,
)
from matcher.read import read_document
from matcher.read.document import display_name
from matcher.understand.bounds import checked_pairs, checked_text
from matcher.understand.evidence import Evidence, line_evidence
from matcher.understand.mentions import (
    _NEGATION,
    SkillMention,
    _years,
    extract_many,
    extract_mentions,
    is_negated,
)
from matcher.understand.sections import (
    _BULLET,
    CV_HEADINGS,
    Importance,
    Item,
    classify_heading,
    heading_text,
)
from matcher.understand.vocabulary import Vocabulary, alias_key, shipped_vocabulary

# How much each kind of requirement counts in the fit (explained in the README).
REQUIRED_WEIGHT = 1.0
RESPONSIBILITY_WEIGHT = 0.6
PREFERRED_WEIGHT = 0.4
SOFT_SKILL_SHARE = 0.5

#: How a profile's text is read: a whole CV, or a plain list of strengths.
ProfileKind = Literal["cv", "list"]

DEGREE_LEVELS = {"diploma": 1, "associate": 1, "bachelor": 2, "master": 3, "mba": 3, "doctor": 4}
# Every alternative is a whole word: "ms" inside "problems" or "rooms" is no Master's.
_DEGREE = re.compile(
    r"\b(?:(?P<phd>ph\.?d|doctorate|doctor of)|(?P<master>master'?s?|msc|m\.sc|meng|mba|ma|ms)|"
    r"(?P<bachelor>bachelor'?s?|bsc|b\.sc|beng|ba|bs|undergraduate degree|degree in)|"
    r"(?P<diploma>diploma|associate'?s? degree|hnd|foundation degree))\b",
    re.IGNORECASE,
)
_AUTHORISED = re.compile(
    r"\b(authori[sz]ed to work|right to work|eligible to work|work permit|permanent resident|"
    r"citizen(ship)?|settled status|green card|no sponsorship (required|needed))",
    re.IGNORECASE,
)
_CLEARANCE = re.compile(r"\b(clearance|cleared|vetted|DBS|PVG)\b", re.IGNORECASE)
_YEAR_RANGE = re.compile(
    r"\b(?P<start>(19|20)\d{2})\s*(?:-|–|—|to)\s*(?P<end>(19|20)\d{2}|present|current|now|today)\b",
    re.IGNORECASE,
)
_LIST_SPLIT = re.compile(r"[,;|]|\s+/\s+|\t")


@dataclass(frozen=True)
class Requirement:
    """One skill a posting asks for."""

    skill: str
    text: str
    canonical: str | None
    importance: Importance
    section: str
    evidence: Evidence
    category: str | None = None
    years: int | None = None
    gate: str | None = None
    weight: float = REQUIRED_WEIGHT
    # Groups of alternatives this skill was offered in ("ADN or BSN"), and whether it
    # was also asked for on its own somewhere, which makes it needed in its own right.
    alternatives: tuple[int, ...] = ()
    standalone: bool = True


@dataclass(frozen=True)
class Strength:
    """One skill a person offers, with the CV line or list entry that shows it."""

    skill: str
    text: str
    canonical: str | None
    evidence: Evidence
    category: str | None = None
    years: int | None = None


@dataclass(frozen=True)
class Posting:
    """A job posting read into weighted requirements.

    ``mentions`` are the skills found in it, as ``extract_skills`` finds them except
    that its responsibilities give known skills only. ``requirements`` are what it asks
    of the candidate; ``duties`` the known skills of its responsibilities (what the job
    does), which the fit counts beside the requirements but which are never listed as
    asked for. A posting that asks for nothing else has its duties as requirements.
    """

    name: str
    text: str
    items: tuple[Item, ...]
    mentions: tuple[SkillMention, ...]
    requirements: tuple[Requirement, ...]
    duties: tuple[Requirement, ...] = ()

    @property
    def title(self) -> str:
        """The posting's first non-empty line, which is nearly always the job title."""
        return next(
            (line.strip("#*-• ").strip() for line in self.text.splitlines() if line.strip()), ""
        )


@dataclass(frozen=True)
class Profile:
    """A person's strengths, from a plain list or a whole CV."""

    name: str
    text: str
    kind: str
    strengths: tuple[Strength, ...]
    not_evidence: tuple[SkillMention, ...]
    years_experience: int | None
    degree_level: int
    work_authorisation: Evidence | None
    clearance: Evidence | None


def _read(source: str | os.PathLike[str] | None, text: str | None) -> tuple[str, str]:
    if (source is None) == (text is None):
        raise InputError("give either a file path or text=..., not both or neither")
    if text is not None:
        text = checked_text(text)
        if not text.strip():
            raise InputError("the text is empty")
        return "<text>", text
    return display_name(source), read_document(source)  # type: ignore[arg-type]


def _weight(importance: Importance, section: str, category: str | None) -> float:
    """How much a requirement counts in the fit (see the README)."""
    weight = PREFERRED_WEIGHT if importance == "preferred" else REQUIRED_WEIGHT
    if importance == "required" and section == "responsibilities":
        weight = RESPONSIBILITY_WEIGHT
    # Soft skills are asked for everywhere and rarely named in a CV: they count half.
    return weight * SOFT_SKILL_SHARE if category == "soft_skill" else weight


def requirements_from(
    mentions: list[SkillMention], vocabulary: Vocabulary
) -> tuple[Requirement, ...]:
    """One requirement per distinct skill asked for, keeping its strongest asking.

    A responsibility ("pair with colleagues", "take part in the on-call rota") is a
    task, not a skill asked for: its known skills are the posting's duties
    (:func:`duties_from`), not what it asks of the candidate. Only a posting that asks for
    nothing else is read by its duties, and then by the known skills in them alone, not
    free phrases. On the 24 training ads labelled for development, 6 of the 92 known
    skills read from duties were on a recruiter's list.
    """
    asks = [m for m in mentions if m.importance is not None]
    if any(m.section != "responsibilities" for m in asks):
        asks = [m for m in asks if m.section != "responsibilities"]
    return _requirements(asks, vocabulary)


def duties_from(mentions: list[SkillMention], vocabulary: Vocabulary) -> tuple[Requirement, ...]:
    """The known skills of a posting's responsibilities, weighted as duties (0.6), where
    it also asks for something else (otherwise they are its requirements)."""
    asks = [m for m in mentions if m.importance is not None]
    if all(m.section == "responsibilities" for m in asks):
        return ()
    return _requirements([m for m in asks if m.section == "responsibilities"], vocabulary)


def _requirements(asks: list[SkillMention], vocabulary: Vocabulary) -> tuple[Requirement, ...]:
    chosen: dict[str, Requirement] = {}
    for mention in asks:
        if mention.importance is None or (
            mention.section == "responsibilities" and mention.skill is None
        ):
            continue
        skill = vocabulary.skills.get(mention.skill) if mention.skill else None
        key = mention.skill or alias_key(mention.text)
        candidate = Requirement(
            skill=mention.skill or mention.text,
            text=mention.text,
            canonical=mention.skill,
            importance=mention.importance,
            section=mention.section,
            evidence=_mention_evidence(mention),
            category=skill.category if skill else None,
            years=mention.years,
            gate=mention.gate,
            weight=_weight(mention.importance, mention.section, skill.category if skill else None),
            alternatives=(mention.alternatives,) if mention.alternatives is not None else (),
            standalone=mention.alternatives is None,
        )
        previous = chosen.get(key)
        if previous is None or candidate.weight > previous.weight:
            if previous is not None:
                candidate = _keep_stricter(candidate, previous)
            chosen[key] = candidate
        else:
            chosen[key] = _keep_stricter(previous, candidate)
    return tuple(chosen.values())


def _keep_stricter(kept: Requirement, other: Requirement) -> Requirement:
    """Merge two askings of one skill: the more years and any gate survive."""
    years = max(filter(None, (kept.years, other.years)), default=None)
    gate = kept.gate or other.gate
    alternatives = kept.alternatives + other.alternatives
    standalone = kept.standalone or other.standalone
    if (years, gate, alternatives, standalone) == (
        kept.years,
        kept.gate,
        kept.alternatives,
        kept.standalone,
    ):
        return kept
    return replace(kept, years=years, gate=gate, alternatives=alternatives, standalone=standalone)


def load_posting(
    source: str | os.PathLike[str] | None = None,
    *,
    text: str | None = None,
    name: str | None = None,
    vocabulary: Vocabulary | None = None,
    taxonomy: str | None = None,
) -> Posting:
    """Read a posting from a file path or from ``text=``; at least one requirement needed.

    ``taxonomy`` names an imported taxonomy whose skills are found beside the vocabulary.
    """
    label, body = _read(source, text)
    result = next(load_postings([(name or label, body)], vocabulary=vocabulary, taxonomy=taxonomy))
    if isinstance(result, MatcherError):
        raise result
    return result


def load_postings(
    named_texts: Iterable[tuple[str, str]],
    *,
    vocabulary: Vocabulary | None = None,
    taxonomy: str | None = None,
) -> Iterator[Posting | MatcherError]:
    """Postings from (name, text) pairs, in order, parsed together for speed.

    A posting that cannot be used comes out as its ``MatcherError`` instead of
    stopping the others: batch work never loses good results to one bad posting.
    """
    vocabulary = vocabulary or shipped_vocabulary()
    lookup = lookup_vocabulary(vocabulary, taxonomy)
    pairs, refused = checked_pairs(named_texts)  # a text over the limits: its own error
    extracted = extract_many(
        (text for _, text in pairs),
        kind="posting",
        vocabulary=vocabulary,
        taxonomy=taxonomy,
        open_in_tasks=False,
    )
    for index, ((label, body), (items, mentions)) in enumerate(zip(pairs, extracted)):
        requirements = requirements_from(mentions, lookup)
        asked = {r.canonical or alias_key(r.text) for r in requirements}
        duties = tuple(d for d in duties_from(mentions, lookup) if d.canonical not in asked)
        if index in refused:
            yield refused[index]
        elif not body.strip():
            yield InputError(f"{label} is empty; give the text of a job posting")
        elif not requirements:
            yield NoRequirementsError(
                f"{label}: no requirements found; is this a job posting? It needs lines that"
                " ask for skills, e.g. 'Experience with Python' under a 'Requirements' heading"
            )
        else:
            yield Posting(label, body, tuple(items), tuple(mentions), requirements, duties)


# Conventions of a CV that a list of strengths does not follow: contact details, dated
# roles, and section headings. A short-lined CV has them; a list has none.
#: Contact details on a line: an email, a web address, a profile link, a phone number.
CONTACT_DETAILS = re.compile(
    r"\S@\S|https?://|\bwww\.|\b(?:linkedin|github|gitlab)\.com\b|\+?\d[\d ()-]{8,}\d",
    re.IGNORECASE,
)
_DATED = re.compile(
    r"\b(?:(?:19|20)\d\d|\d{1,2}/(?:19|20)\d\d)\s*(?:-|–|—|to)\s*"
    r"(?:(?:[A-Z][a-z]{2,8}\.?\s+)?(?:19|20)\d\d|\d{1,2}/(?:19|20)\d\d|present|current|now|date)\b",
    re.IGNORECASE,
)


def profile_kind(text: str) -> ProfileKind:
    """Whether ``text`` is a whole CV or a plain list of strengths.

    A CV is never taken for a list because its lines are short: two of a CV's conventions
    (contact details, dated roles, two or more CV section headings) make it a CV whatever
    its shape. Otherwise the shape of the lines decides (:func:`looks_like_list`).
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    headings = sum(
        1
        for index, line in enumerate(lines)
        if (title := heading_text(line, lines[index + 1] if index + 1 < len(lines) else ""))
        and classify_heading(title, CV_HEADINGS)
    )
    conventions = bool(CONTACT_DETAILS.search(text)) + bool(_DATED.search(text)) + (headings >= 2)
    return "cv" if conventions >= 2 or not looks_like_list(text) else "list"


def looks_like_list(text: str) -> bool:
    """A strengths list (short entries, one per line or comma-separated) rather than a CV."""
    lines = [_BULLET.sub("", line).strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    entries = [
        entry.strip() for line in lines for entry in _LIST_SPLIT.split(line) if entry.strip()
    ]
    short = [entry for entry in entries if len(entry.split()) <= 6]
    long_lines = [line for line in lines if len(line.split()) > 25]
    return len(short) >= 0.75 * len(entries) and not long_lines


def lookup_vocabulary(vocabulary: Vocabulary, taxonomy: str | None) -> Vocabulary:
    """The vocabulary that names skills: the given one, plus an imported taxonomy's."""
    if taxonomy is None:
        return vocabulary
    from matcher.understand.taxonomy.store import taxonomy_vocabulary

    return taxonomy_vocabulary(taxonomy)


def _list_strengths(
    text: str, vocabulary: Vocabulary, lookup: Vocabulary
) -> tuple[list[Strength], list[SkillMention]]:
    """Each entry of a list is a strength; vocabulary skills inside it are linked."""
    from matcher.understand.nlp import compiled_vocabulary, parse

    compiled = compiled_vocabulary(vocabulary)
    entries: list[tuple[int, str, str]] = []
    offset = 0
    for raw_line in text.splitlines(keepends=True):
        line = raw_line.rstrip("\r\n")
        bullet = _BULLET.match(line)
        position = bullet.end() if bullet else 0
        for piece in _LIST_SPLIT.split(line[position:]):
            at = line.find(piece, position)
            position = at + len(piece)
            if sum(c.isalpha() for c in piece) >= 2:
                lead = len(piece) - len(piece.lstrip())
                entries.append((offset + at + lead, piece.strip(), line.strip()))
        offset += len(raw_line)
    strengths: list[Strength] = []
    refused: list[SkillMention] = []
    for (start, entry, line), doc in zip(entries, parse(entry for _, entry, _ in entries)):
        years = _years(entry)
        spans = compiled.find(doc)
        first_start, first_end = (spans[0].start_char, spans[0].end_char) if spans else (0, 0)
        negated = is_negated(entry, first_start, first_end)
        whole = lookup.lookup(re.sub(r"\(.*?\)", "", entry))
        named: list[str | None] = [whole.name] if whole else [span.label_ for span in spans]
        texts = [entry] if whole else [span.text for span in spans]
        if not named:
            named, texts = [None], [re.sub(r"\s*\(.*?\)\s*$", "", entry) or entry]
        for canonical, shown in zip(named, texts):
            skill = lookup.skills.get(canonical) if canonical else None
            evidence = Evidence(line, start, start + len(entry))
            if negated:
                refused.append(
                    SkillMention(
                        shown,
                        start,
                        start + len(entry),
                        canonical,
                        "skills",
                        None,
                        line,
                        negated=True,
                    )
                )
                continue
            strengths.append(
                Strength(
                    skill=canonical or shown,
                    text=shown,
                    canonical=canonical,
                    evidence=evidence,
                    category=skill.category if skill else None,
                    years=years,
                )
            )
    return strengths, refused


def _cv_strengths(
    text: str, vocabulary: Vocabulary, lookup: Vocabulary, taxonomy: str | None
) -> tuple[list[Strength], list[SkillMention]]:
    _, mentions = extract_mentions(text, kind="cv", vocabulary=vocabulary, taxonomy=taxonomy)
    vocabulary = lookup
    strengths = []
    for mention in mentions:
        if mention.negated or not _claimed_as_strength(mention):
            continue
        skill = vocabulary.skills.get(mention.skill) if mention.skill else None
        strengths.append(
            Strength(
                skill=mention.skill or mention.text,
                text=mention.text,
                canonical=mention.skill,
                evidence=_mention_evidence(mention),
                category=skill.category if skill else None,
                years=mention.years,
            )
        )
    return strengths, [m for m in mentions if m.negated]


# What a CV claims as a strength: a known skill anywhere, but a phrase with no known skill
# behind it (found by the tagger or as a short skill-like item) only where the person
# lists their skills. Measured on the 16 training CVs' gold strengths: such phrases were
# right half the time in skills lists (13 of 26) but 11-35% in summaries and experience
# bullets ("Co-write the seasonal", "local suppliers", the employer's name), against
# 71-87% for known skills.
OPEN_PHRASE_SECTIONS = frozenset({"skills"})


def _claimed_as_strength(mention: SkillMention) -> bool:
    return mention.source not in ("model", "phrase") or mention.section in OPEN_PHRASE_SECTIONS


def _unique(strengths: list[Strength]) -> tuple[Strength, ...]:
    """One strength per skill; the first evidence is kept, the most years win."""
    chosen: dict[str, Strength] = {}
    for strength in strengths:
        key = strength.canonical or alias_key(strength.text)
        previous = chosen.get(key)
        if previous is None:
            chosen[key] = strength
        elif (strength.years or 0) > (previous.years or 0):
            chosen[key] = Strength(**{**previous.__dict__, "years": strength.years})
    return tuple(chosen.values())


def _career_years(text: str) -> int | None:
    """Years of experience a CV shows: its date ranges' span, or an explicit "N years"."""
    today = date.today().year
    starts, ends = [], []
    for found in _YEAR_RANGE.finditer(text):
        end = found["end"]
        starts.append(int(found["start"]))
        ends.append(today if not end[0].isdigit() else int(end))
    from_ranges = max(ends) - min(starts) if starts else None
    stated = [
        _years(line) or 0
        for line in text.splitlines()
        if re.search(
            r"years?\W+(of\s+)?(professional\s+|industry\s+|commercial\s+)?experience", line, re.I
        )
    ]
    values = [v for v in (from_ranges, max(stated, default=0)) if v]
    return max(values) if values else None


def _degree_level(text: str, strengths: tuple[Strength, ...]) -> int:
    level = 0
    for found in _DEGREE.finditer(text):
        for kind, value in (("phd", 4), ("master", 3), ("bachelor", 2), ("diploma", 1)):
            if found[kind]:
                level = max(level, value)
    return level


def load_profile(
    source: str | os.PathLike[str] | None = None,
    *,
    text: str | None = None,
    name: str | None = None,
    vocabulary: Vocabulary | None = None,
    taxonomy: str | None = None,
    kind: ProfileKind | None = None,
) -> Profile:
    """Read strengths from a plain list or a whole CV (file path or ``text=``).

    ``taxonomy`` names an imported taxonomy whose skills are found beside the vocabulary.
    ``kind`` (``"cv"`` or ``"list"``) overrides the guess of :func:`profile_kind`.
    """
    if kind not in (None, "cv", "list"):
        raise UsageError(f"kind must be 'cv' or 'list', not {kind!r}")
    label, body = _read(source, text)
    label = name or label
    vocabulary = vocabulary or shipped_vocabulary()
    lookup = lookup_vocabulary(vocabulary, taxonomy)
    kind = kind or profile_kind(body)
    if kind == "list":
        found, refused = _list_strengths(body, vocabulary, lookup)
    else:
        found, refused = _cv_strengths(body, vocabulary, lookup, taxonomy)
    strengths = _unique(found)
    if not strengths:
        raise NoStrengthsError(
            f"{label}: no strengths found; list them one per line (e.g. 'Python', 'Team"
            " leadership') or give a CV with a skills section"
        )
    lines = [line for line in body.splitlines() if not _NEGATION.search(line)]
    return Profile(
        name=label,
        text=body,
        kind=kind,
        strengths=strengths,
        not_evidence=tuple(refused),
        years_experience=_career_years(body)
        or max((s.years or 0 for s in strengths), default=None)
        or None,
        degree_level=_degree_level("\n".join(lines), strengths),
        work_authorisation=_line_showing(_AUTHORISED, body),
        clearance=_line_showing(_CLEARANCE, body),
    )


def _mention_evidence(mention: SkillMention) -> Evidence:
    """Evidence of a mention: its sentence or bullet, quoted around it."""
    where = mention.line.find(mention.text)
    within = (where, where + len(mention.text)) if where >= 0 else (0, 0)
    return Evidence.quoting(mention.line, mention.start, mention.end, within=within)


def _line_showing(pattern: re.Pattern[str], text: str) -> Evidence | None:
    """The first line that states ``pattern`` without denying it."""
    offset = 0
    for line in text.splitlines(keepends=True):
        found = pattern.search(line)
        if found and not is_negated(line, found.start()):
            return line_evidence(line, offset, found)
        offset += len(line)
    return None


def degree_level_asked(requirement: Requirement) -> int:
    """The degree level a requirement's words ask for (bachelor 2, master 3, PhD 4)."""
    level = 0
    for found in _DEGREE.finditer(f"{requirement.text} {requirement.evidence.line}"):
        for kind, value in (("phd", 4), ("master", 3), ("bachelor", 2), ("diploma", 1)):
            if found[kind]:
                level = value if level == 0 else min(level, value)
    return level

"""The two-sided fit: what the posting asks that the person answers, whether the role is
their kind of work, and whether the job uses what they lead with; eligibility apart.

The README ("The fit score") explains the parts; ``benchmarks/bench_fit.py`` fits the
weights and thresholds below by grouped cross-validation on the team's labelled pairs
and reports them on held-out folds.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

from matcher.understand.documents import Posting, Profile, Requirement, Strength
from matcher.understand.similarity import backend as similarity_backend
from matcher.understand.similarity import document_similarity
from matcher.understand.vocabulary import Vocabulary

if TYPE_CHECKING:
    import numpy as np

GateStatus = Literal["met", "not_shown", "unmet"]

# How sure extraction is that a requirement is one, by what found it: a vocabulary or
# taxonomy name (or a gate's own words) is a skill by construction; the tagger's spans
# and cue phrases are right less often, and one the tagger found that also names a known
# skill lies between.
SOURCE_CONFIDENCE = {
    "vocabulary": 1.0,
    "taxonomy": 1.0,
    "gate": 1.0,
    "model": 0.6,
    "phrase": 0.5,
}
LINKED_MODEL_CONFIDENCE = 0.85
# The person's core: the strengths they lead with (a list's first entries; a CV's most
# evidenced skills), of which at most this many are looked for in the posting.
CORE_SIZE = 5
# A strength "used" by the job answers one of its requirements at least this well.
USED_SCORE = 75.0
# The fit's weights and thresholds: see ``Calibration`` and ``CALIBRATIONS`` below.
# Role relevance by field of work: the role's known skills by field (a vocabulary skill's
# ``field``) against how many of the person's skills lie in each; this many make a field
# fully the person's. Fields every job shares say nothing about the kind of work.
FIELD_FULL = 5
_FIELDLESS = frozenset({"certifications", "transferable", "languages"})
# The items that say what the job is (never what it asks for: asking for more must not
# make a role more the person's kind of work).
ROLE_SECTIONS = frozenset({"responsibilities", "other"})


@dataclass(frozen=True)
class Calibration:
    """The fit's weights and verdict thresholds for one document-similarity
    representation (their similarities differ in scale, so each is fitted apart).

    ``prior``: requirements' worth of nothing shown (so that two or three requirements
    cannot give a full score); ``coverage``, ``text``, ``field``, ``core``: the parts'
    weights; the role's text similarity counts 0 at ``low`` and in full from ``full``;
    the verdict is poor under ``poor`` and strong from ``strong``.
    """

    prior: float
    coverage: float
    text: float
    field: float
    core: float
    low: float
    full: float
    poor: float = 0.0
    strong: float = 0.0


# Fitted by ``python benchmarks/bench_fit.py --fit`` on all 28 evaluation CVs (their
# labelled pairs and field ranking) at commit 79c8ddb; the cross-validated figures in
# benchmarks/RESULTS.md are of this same procedure, each fold fitted without its CVs.
# A representation without a calibration here is not used by the fit: the shipped
# embeddings (issue 17) were measured (``--similarity embeddings``) and ranked no
# better, so the TF-IDF similarity stays the fit's until a calibration says otherwise.
CALIBRATIONS = {
    "tfidf": Calibration(
        prior=1.0,
        coverage=0.6,
        text=0.2,
        field=0.1,
        core=0.1,
        low=0.0,
        full=0.3,
        poor=37.0,
        strong=55.0,
    ),
}


def text_backend() -> str:
    """The document similarity the fit uses: the default one where it is calibrated."""
    if set(CALIBRATIONS) == {"tfidf"}:
        return "tfidf"  # nothing else calibrated: never load a model only to ignore it
    by = similarity_backend()
    return by if by in CALIBRATIONS else "tfidf"


def calibration(by: str | None = None) -> Calibration:
    """The calibration for a representation (by default the one in use)."""
    return CALIBRATIONS.get(by or text_backend(), CALIBRATIONS["tfidf"])


class _Scored(Protocol):
    """What the fit needs of a scored requirement (``matcher.fit.core.SkillMatch``)."""

    @property
    def requirement(self) -> Requirement: ...
    @property
    def strength(self) -> Strength | None: ...
    @property
    def credit(self) -> float: ...
    @property
    def confidence(self) -> float: ...
    @property
    def gate_status(self) -> str | None: ...


@dataclass(frozen=True)
class FitParts:
    """The parts of the fit: ``coverage``, ``relevance`` and ``core`` 0-100 as the README
    explains them; ``met`` and ``counted`` (coverage's weighted sums), ``similarity``
    (the role's text against the CV's, 0-1, by the ``similarity_by`` representation;
    None for a plain strengths list, which has no titles or experience) and ``field``
    (the role's fields of work against the person's, 0-1) are what they are made of."""

    coverage: float
    relevance: float | None
    core: float | None
    met: float
    counted: float
    similarity: float | None
    field: float | None
    similarity_by: str = "tfidf"

    def to_dict(self) -> dict[str, Any]:
        return {
            "coverage": self.coverage,
            "relevance": self.relevance,
            "core": self.core,
            "met": self.met,
            "counted": self.counted,
            "similarity": self.similarity,
            "field": self.field,
            "similarity_by": self.similarity_by,
        }


@dataclass(frozen=True)
class GateCheck:
    """One hard gate of the posting and whether the person's texts show it."""

    skill: str
    gate: str
    importance: str
    years: int | None
    status: GateStatus
    note: str
    posting_evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "skill": self.skill,
            "gate": self.gate,
            "importance": self.importance,
            "years": self.years,
            "status": self.status,
            "note": self.note,
            "posting_evidence": self.posting_evidence,
        }


@dataclass(frozen=True)
class Eligibility:
    """The posting's gates, kept apart from the fit: only *unmet* required gates block
    a strong verdict; *not shown* ones are things to make explicit."""

    gates: tuple[GateCheck, ...] = ()

    @property
    def blocked(self) -> bool:
        return any(g.status == "unmet" and g.importance == "required" for g in self.gates)

    def of(self, status: GateStatus) -> tuple[GateCheck, ...]:
        return tuple(g for g in self.gates if g.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "blocked": self.blocked,
            **{s: [g.to_dict() for g in self.of(s)] for s in ("met", "not_shown", "unmet")},
        }


# ------------------------------------------------------------------------ the parts


def confidences(posting: Posting) -> dict[tuple[int, int], float]:
    """How sure extraction is of each requirement, 0-1, by what found its mention (see
    ``SOURCE_CONFIDENCE``), keyed by the requirement's evidence span."""
    return {
        (m.start, m.end): LINKED_MODEL_CONFIDENCE
        if m.source == "model" and m.skill is not None
        else SOURCE_CONFIDENCE.get(m.source, 1.0)
        for m in posting.mentions
    }


def confidence(requirement: Requirement, sure: Mapping[tuple[int, int], float]) -> float:
    """A requirement's confidence from ``confidences(posting)`` (1.0 if not found)."""
    return sure.get((requirement.evidence.start, requirement.evidence.end), 1.0)


def counts_in_coverage(requirement: Requirement) -> bool:
    """The right to work and a clearance are eligibility, not skills: never in coverage."""
    return requirement.gate not in ("work_authorisation", "clearance")


def coverage_sums(matches: Iterable[_Scored]) -> tuple[float, float]:
    """(weighted credit met, weight counted): requirements weighted by importance and
    by how sure extraction is of them."""
    met = counted = 0.0
    for m in matches:
        if not counts_in_coverage(m.requirement):
            continue
        weight = m.requirement.weight * m.confidence
        met += weight * m.credit
        counted += weight
    return met, counted


def role_items(posting: Posting) -> list[str]:
    """The items that say what the job is: its duties and unsectioned prose."""
    return [i.text for i in posting.items if i.section in ROLE_SECTIONS]


def role_text(posting: Posting) -> str:
    """The posting's title (counted twice: it names the job) and what the job is."""
    return "\n".join([posting.title, posting.title, *role_items(posting)])


def role_similarity(profile: Profile, posting: Posting) -> float | None:
    """The role against the person's titles, summary and experience (a CV's text), 0-1;
    None for a plain strengths list."""
    if profile.kind == "list":
        return None
    return document_similarity(role_text(posting), profile.text, by=text_backend())


def field_relevance(profile: Profile, posting: Posting, vocabulary: Vocabulary) -> float:
    """How much of the role's work lies in the person's fields, 0-1.

    The role's known skills (in its title and duties) by field, each field's share
    times how fully the person's skills show that field (``FIELD_FULL`` of them: fully).
    More strengths can only raise it.
    """
    role = Counter(
        field
        for m in posting.mentions
        if m.section in ROLE_SECTIONS and (field := _field_of(m.skill, vocabulary))
    )
    total = sum(role.values())
    if not total:
        return 0.0
    person = Counter(
        field for s in profile.strengths if (field := _field_of(s.canonical, vocabulary))
    )
    return sum(n / total * min(1.0, person[f] / FIELD_FULL) for f, n in role.items())


def _field_of(skill: str | None, vocabulary: Vocabulary) -> str | None:
    known = vocabulary.skills.get(skill) if skill else None
    return known.field if known is not None and known.field not in _FIELDLESS else None


def core_strengths(profile: Profile) -> list[int]:
    """Indices of the strengths the person leads with, of the known skills (a CV's or a
    list's free phrases are as often its name or an employer as a skill): a list's first
    entries (their own order), a CV's most often mentioned. Soft skills are left out:
    every job asks for them. Adding a strength to a list never changes its first five."""
    key = tuple(
        (s.text, s.canonical is not None and s.category != "soft_skill") for s in profile.strengths
    )
    return list(_core_order(profile.kind, profile.text, key))


@lru_cache(maxsize=64)
def _core_order(kind: str, text: str, strengths: tuple[tuple[str, bool], ...]) -> tuple[int, ...]:
    # Cached: a batch asks it of one profile for every posting.
    candidates = [j for j, (_, known) in enumerate(strengths) if known]
    if kind == "list":
        return tuple(candidates[:CORE_SIZE])

    def evidence(j: int) -> tuple[int, int]:
        shown = strengths[j][0]
        said = len(re.findall(rf"(?<!\w){re.escape(shown)}(?!\w)", text, re.IGNORECASE))
        return (-max(said, 1), j)

    return tuple(sorted(candidates, key=evidence)[:CORE_SIZE])


def core_share(profile: Profile, scores: np.ndarray, counted: Sequence[bool]) -> float:
    """Share of the person's core (out of ``CORE_SIZE``) that the job's requirements use."""
    if not profile.strengths or scores.size == 0:
        return 0.0
    rows = [i for i, keep in enumerate(counted) if keep]
    if not rows:
        return 0.0
    used = sum(1 for j in core_strengths(profile) if float(scores[rows, j].max()) >= USED_SCORE)
    return used / CORE_SIZE


# ------------------------------------------------------------------------ the fit


def combine_parts(parts: Mapping[str, Any], weights: Calibration | None = None) -> float:
    """The fit, 0-100, from ``met``, ``counted``, ``similarity`` (0-1 or None), ``field``
    (0-1) and ``core`` (0-100 or None) as ``FitParts.to_dict()`` gives them: a weighted
    mean of the parts present. The benchmark fits ``weights`` with it; by default, the
    calibration of the parts' ``similarity_by``."""
    w = weights or calibration(parts.get("similarity_by"))
    counted = parts["counted"] + w.prior
    total, norm = w.coverage * (parts["met"] / counted if counted else 0.0), w.coverage
    for weight, value in (
        (w.text, _text_relevance(parts["similarity"], w)),
        (w.field, parts["field"]),
        (w.core, None if parts["core"] is None else parts["core"] / 100),
    ):
        if value is not None:
            total += weight * value
            norm += weight
    return round(100 * total / norm, 1) if norm else 0.0


def _text_relevance(similarity: float | None, w: Calibration) -> float | None:
    if similarity is None:
        return None
    return max(0.0, min(1.0, (similarity - w.low) / (w.full - w.low)))


def relevance(similarity: float | None, field: float | None, w: Calibration) -> float | None:
    """Role relevance, 0-100: the text and field parts' weighted mean (those present)."""
    present = [
        (weight, value)
        for weight, value in ((w.text, _text_relevance(similarity, w)), (w.field, field))
        if value is not None
    ]
    norm = sum(weight for weight, _ in present)
    return round(100 * sum(wt * v for wt, v in present) / norm, 1) if norm else None


def fit_parts(
    matches: Sequence[_Scored],
    similarity: float | None = None,
    field: float | None = None,
    core: float | None = None,
    by: str | None = None,
) -> tuple[float, FitParts]:
    """The fit and its parts (rules in the README); parts not given are left out.
    ``by`` is the representation ``similarity`` was measured with."""
    by = by or text_backend()
    w = calibration(by)
    met, counted = coverage_sums(matches)
    parts = FitParts(
        coverage=round(100 * met / (counted + w.prior), 1),
        relevance=relevance(similarity, field, w),
        core=None if core is None else round(100 * core, 1),
        met=round(met, 4),
        counted=round(counted, 4),
        similarity=None if similarity is None else round(similarity, 4),
        field=None if field is None else round(field, 4),
        similarity_by=by,
    )
    raw = {"met": met, "counted": counted, "similarity": similarity, "field": field}
    raw["core"] = None if core is None else 100 * core
    return combine_parts(raw, w), parts


def gain_if_met(m: _Scored, parts: FitParts) -> float:
    """Fit points a requirement would add if the person met it: its share of coverage
    (the other parts do not change when one more requirement is met)."""
    if not counts_in_coverage(m.requirement):
        return 0.0
    w = calibration(parts.similarity_by)
    norm = w.coverage + w.field * (parts.field is not None)
    norm += w.text * (parts.similarity is not None) + w.core * (parts.core is not None)
    share = m.requirement.weight * m.confidence * (1 - m.credit) / (parts.counted + w.prior)
    return 100 * w.coverage / norm * share


def weight_grid(by: str = "tfidf") -> list[Calibration]:
    """The candidate weights the benchmark searches: the four parts' weights on a 0.1
    simplex, each at least 0.1 (every part has its say), three prior weights, and two
    (low, full) ranges of text similarity for the representation ``by``."""
    ranges = {"tfidf": ((0.0, 0.3), (0.0, 0.5))}.get(by, ((0.3, 0.7), (0.5, 0.9)))
    grid: list[Calibration] = []
    steps = [round(0.1 * k, 1) for k in range(1, 11)]
    for prior, (low, full) in itertools.product((1.0, 2.0, 4.0), ranges):
        for w_cov, w_text, w_field in itertools.product(steps, steps, steps):
            w_core = round(1.0 - w_cov - w_text - w_field, 1)
            if w_core >= 0.1:
                grid.append(Calibration(prior, w_cov, w_text, w_field, w_core, low, full))
    return grid


def eligibility(matches: Iterable[_Scored]) -> Eligibility:
    """Every gate of the posting, with what to do about it."""
    checks = []
    for m in matches:
        need = m.requirement
        if m.gate_status is None or need.gate is None:
            continue
        status: GateStatus = m.gate_status  # type: ignore[assignment]
        checks.append(
            GateCheck(
                skill=need.skill,
                gate=need.gate,
                importance=need.importance,
                years=need.years,
                status=status,
                note=_note(m, status),
                posting_evidence=need.evidence.line,
            )
        )
    order = {"unmet": 0, "not_shown": 1, "met": 2}
    checks.sort(key=lambda g: (order[g.status], g.importance != "required"))
    return Eligibility(tuple(checks))


def _note(m: _Scored, status: GateStatus) -> str:
    """What to do about a gate, in the person's terms."""
    need, have = m.requirement, m.strength
    shown = m.credit > 0
    if need.gate == "years" and need.years:
        asked = f"the posting asks for {need.years}+ years of {need.skill}"
        if status == "met":
            return f"{asked}; your CV shows {have.years if have and have.years else need.years}+"
        if status == "unmet":
            return f"{asked}; your CV shows fewer"
        if shown:
            return f"{asked}; say how many you have"
        return f"{asked}; your CV does not show {need.skill}"
    if status == "met":
        return f"the posting asks for {need.skill}; your CV shows it"
    if status == "unmet":
        return f"the posting asks for {need.skill}; your CV says you do not have it (yet)"
    if shown:
        return f"the posting asks for {need.skill}; say that you have it"
    return f"the posting asks for {need.skill}; if you have it, say so"

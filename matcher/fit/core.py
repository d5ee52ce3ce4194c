"""The pure core: hold a person's strengths against one posting and report honestly.

``match(profile, posting)`` knows no files, terminals or engines; the CLI, the batch
runner and notebooks all call it and render its frozen ``MatchReport``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from matcher.fit import two_sided
from matcher.fit.advice import answers, builds_on, nearest_relative, quoted
from matcher.fit.two_sided import Eligibility, FitParts, GateStatus
from matcher.score.scoring import Side, score_pairs, tfidf_for
from matcher.understand.documents import (
    Posting,
    Profile,
    Requirement,
    Strength,
    degree_level_asked,
    lookup_vocabulary,
)
from matcher.understand.evidence import line_evidence
from matcher.understand.mentions import GENERIC_GATE_SKILLS, is_negated
from matcher.understand.vocabulary import Vocabulary, shipped_vocabulary

Verdict = Literal["strong", "stretch", "poor"]
Status = Literal["match", "prepare", "missing"]

# A strength at or above MATCH_SCORE answers the requirement; at or above NEAR_SCORE it
# is something close to build on (prepare); below, nothing near (missing).
MATCH_SCORE = 75.0
NEAR_SCORE = 50.0
# A requirement's exact words written in the CV: a match, a little below the same
# canonical skill, since the words may be used in passing.
WRITTEN_SCORE = 90.0
# Only matches earn credit towards the fit (score/100): a gap, even one with something
# near, is not yet met. So asking for more that you lack can never raise the fit. The
# fit's weights and the verdict thresholds live in ``two_sided``.


def __getattr__(name: str) -> float:
    # STRONG_FIT and POOR_FIT: the verdict thresholds of the calibration in use.
    if name == "STRONG_FIT":
        return two_sided.calibration().strong
    if name == "POOR_FIT":
        return two_sided.calibration().poor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class SkillMatch:
    """One requirement and the strength that best answers it."""

    requirement: Requirement
    strength: Strength | None
    score: float
    method: str
    status: Status
    gate_met: bool | None = None
    # "met", "not_shown" (the CV leaves it unsaid: the years of a skill it shows, the
    # right to work) or "unmet" (the CV contradicts it); None when no gate.
    gate_status: str | None = None
    # How sure extraction is that this is a requirement (its source), 0-1.
    confidence: float = 1.0

    @property
    def credit(self) -> float:
        """This requirement's share of the fit, 0-1: only what the strengths answer now."""
        return self.score / 100 if self.status == "match" else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The requirement with its best match, as plain data."""
        need, have = self.requirement, self.strength
        return {
            "skill": need.skill,
            "text": need.text,
            "canonical": need.canonical,
            "importance": need.importance,
            "section": need.section,
            "category": need.category,
            "years": need.years,
            "gate": need.gate,
            "gate_met": self.gate_met,
            "gate_status": self.gate_status,
            "weight": need.weight,
            "confidence": self.confidence,
            "posting_evidence": need.evidence.line,
            "status": self.status,
            "score": self.score,
            "method": self.method,
            "best_strength": have.skill if have else None,
            "cv_evidence": have.evidence.line if have else None,
        }


@dataclass(frozen=True)
class Gap:
    """A requirement the strengths do not answer: ``prepare`` (something near) or ``missing``."""

    match: SkillMatch
    kind: Literal["prepare", "missing"]

    @property
    def requirement(self) -> Requirement:
        return self.match.requirement

    @property
    def closest(self) -> Strength | None:
        """The nearest strength, named only when it is near enough to build on."""
        return self.match.strength if self.kind == "prepare" else None

    def to_dict(self) -> dict[str, Any]:
        """The gap as plain data (the JSON ``gaps`` entries)."""
        need = self.requirement
        return {
            "skill": need.skill,
            "importance": need.importance,
            "kind": self.kind,
            "closest": self.closest.skill if self.closest else None,
            "closest_score": self.match.score if self.closest else None,
            "closest_evidence": self.closest.evidence.line if self.closest else None,
            "gate": need.gate,
            "years": need.years,
            "posting_evidence": need.evidence.line,
        }


@dataclass(frozen=True)
class MatchReport:
    """Fit, verdict, what to lead with and what is missing, for one posting."""

    fit: float
    verdict: Verdict
    matches: tuple[SkillMatch, ...]
    lead_with: tuple[SkillMatch, ...]
    gaps: tuple[Gap, ...]
    posting: str = ""
    profile: str = ""
    title: str = ""
    parts: FitParts | None = None
    eligibility: Eligibility = Eligibility()
    # The posting's duties as scored for the fit (never lead-with items or gaps).
    duties: tuple[SkillMatch, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data: the JSON that ``match --format json`` prints."""
        return {
            "fit": self.fit,
            "verdict": self.verdict,
            "lead_with": [
                {
                    "skill": m.strength.skill if m.strength else m.requirement.skill,
                    "requirement": m.requirement.skill,
                    "score": m.score,
                    "posting_evidence": m.requirement.evidence.line,
                    "cv_evidence": m.strength.evidence.line if m.strength else None,
                    "importance": m.requirement.importance,
                    "method": m.method,
                }
                for m in self.lead_with
            ],
            "gaps": [gap.to_dict() for gap in self.gaps],
            "requirements": [m.to_dict() for m in self.matches],
            "duties": [m.to_dict() for m in self.duties],
            "posting": self.posting,
            "profile": self.profile,
            "title": self.title,
            "fit_parts": self.parts.to_dict() if self.parts else None,
            "role_relevance": self.parts.relevance if self.parts else None,
            "eligibility": self.eligibility.to_dict(),
        }


def _gate_status(
    requirement: Requirement, best: Strength | None, score: float, profile: Profile
) -> GateStatus | None:
    """Whether the strengths show a hard gate: met, not shown or unmet (None: no gate).

    *Unmet* means the CV contradicts the gate: it states fewer years (of the skill, or
    in the whole career), a lower degree, or denies the credential ("AZ-104: studying").
    Everything else a CV leaves unsaid is *not shown*: the years of a skill it shows
    ("5+ years of Vue" against "Vue.js"), the right to work, a licence it does not name.
    """
    gate = requirement.gate
    if gate is None:
        return None
    if _is_generic_gate(requirement):
        return "met" if _stated(requirement, profile) is not None else "not_shown"
    if gate == "degree" and (requirement.category == "certification" or best is None):
        asked = max(degree_level_asked(requirement), 1)
        if profile.degree_level >= asked:
            return "met"
        return "unmet" if profile.degree_level else "not_shown"
    asked = requirement.years or 0
    shown = best.years if best is not None and score >= MATCH_SCORE else None
    if gate == "years" and (
        (shown is not None and shown < asked)
        or (profile.years_experience is not None and profile.years_experience < asked)
    ):
        return "unmet"
    if score >= MATCH_SCORE and (gate != "years" or (shown or 0) >= asked):
        return "met"
    denied = any(
        m.skill is not None and m.skill == requirement.canonical for m in profile.not_evidence
    )
    return "unmet" if denied else "not_shown"


def _is_generic_gate(requirement: Requirement) -> bool:
    """A "must be authorised to work" or "clearance needed" gate naming no credential."""
    generic = GENERIC_GATE_SKILLS.get(requirement.gate or "")
    return generic is not None and requirement.canonical in (generic, None)


def _stated(requirement: Requirement, profile: Profile) -> Strength | None:
    """The CV statement that meets a work-authorisation or clearance gate, if any."""
    evidence = (
        profile.work_authorisation
        if requirement.gate == "work_authorisation"
        else profile.clearance
    )
    if evidence is None:
        return None
    return Strength(requirement.skill, evidence.line, None, evidence)


def _written_in_cv(phrase: str, profile: Profile) -> Strength | None:
    """A CV line that uses a requirement's exact words ("KS2"), unless it denies them.

    Open-vocabulary requirements have no canonical skill to meet in the CV's extracted
    strengths; the same words written in the CV are direct evidence.
    """
    if len(phrase) < 2 or not any(char.isalnum() for char in phrase):
        return None
    pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)
    offset = 0
    for line in profile.text.splitlines(keepends=True):
        found = pattern.search(line)
        if found and not is_negated(line, found.start(), found.end()):
            evidence = line_evidence(line, offset, found)
            return Strength(found.group(), found.group(), None, evidence)
        offset += len(line)
    return None


def _status(score: float) -> Status:
    return "match" if score >= MATCH_SCORE else "prepare" if score >= NEAR_SCORE else "missing"


def match(
    profile: Profile,
    posting: Posting,
    *,
    vocabulary: Vocabulary | None = None,
    taxonomy: str | None = None,
) -> MatchReport:
    """Score every requirement of a posting against a person's strengths.

    With ``taxonomy`` (an imported one, as given to the loaders), its hierarchy and
    aliases count beside the vocabulary's; the TF-IDF weights stay the vocabulary's.
    """
    if not isinstance(profile, Profile) or not isinstance(posting, Posting):
        raise TypeError(
            "match() takes a Profile and a Posting (from load_profile and load_posting),"
            f" not {type(profile).__name__} and {type(posting).__name__}"
        )
    base = vocabulary or shipped_vocabulary()
    vocabulary = lookup_vocabulary(base, taxonomy)
    # The duties are scored with the requirements: the fit counts both (the job uses
    # what its duties name); the report lists and advises on the requirements alone.
    requirements = posting.requirements + posting.duties
    strengths = profile.strengths
    scores, methods = score_pairs(
        [Side(r.text, r.canonical) for r in requirements],
        [Side(s.text, s.canonical) for s in strengths],
        vocabulary,
        tfidf=tfidf_for(base),
    )
    matches = []
    sure = two_sided.confidences(posting)
    for i, requirement in enumerate(requirements):
        j = int(scores[i].argmax()) if strengths else -1
        best = strengths[j] if j >= 0 else None
        score = float(scores[i, j]) if j >= 0 else 0.0
        method = methods[i][j] if j >= 0 else "none"
        if _is_generic_gate(requirement):
            best = _stated(requirement, profile)
            score, method = (100.0, "statement") if best else (0.0, "none")
        elif requirement.canonical is None and score < MATCH_SCORE:
            written = _written_in_cv(requirement.text, profile)
            if written is not None:
                best, score, method = written, WRITTEN_SCORE, "cv text"
        gate_status = _gate_status(requirement, best, score, profile)
        gate_met = None if gate_status is None else gate_status == "met"
        status = _status(score)
        if gate_status == "met" and requirement.gate == "degree":
            status, score = "match", max(score, MATCH_SCORE)
        elif gate_status == "unmet" and status == "match":
            status = "prepare"
        matches.append(
            SkillMatch(
                requirement,
                best,
                round(score, 1),
                method,
                status,
                gate_met,
                gate_status,
                two_sided.confidence(requirement, sure),
            )
        )
    counted = [two_sided.counts_in_coverage(r) for r in requirements]
    core = two_sided.core_share(profile, scores, counted)
    similarity = two_sided.role_similarity(profile, posting)
    field = two_sided.field_relevance(profile, posting, vocabulary)
    asked = len(posting.requirements)
    return _report(
        _best_of_alternatives(matches[:asked]),
        profile,
        posting,
        vocabulary,
        parts=(similarity, field, core),
        duties=tuple(matches[asked:]),
    )


def _best_of_alternatives(matches: list[SkillMatch]) -> tuple[SkillMatch, ...]:
    """Of requirements offered as alternatives ("Django or FastAPI"), keep the best met.

    An option also asked for on its own elsewhere is never dropped.
    """
    best: dict[int, SkillMatch] = {}
    for m in matches:
        for group in m.requirement.alternatives:
            if group not in best or _rank(m) > _rank(best[group]):
                best[group] = m
    return tuple(
        m
        for m in matches
        if m.requirement.standalone or all(best[g] is m for g in m.requirement.alternatives)
    )


def _rank(m: SkillMatch) -> tuple[bool, float]:
    return (m.gate_status != "unmet", m.score)


def fit_and_verdict(
    matches: Sequence[SkillMatch],
    *,
    similarity: float | None = None,
    field: float | None = None,
    core: float | None = None,
    by: str | None = None,
) -> tuple[float, Verdict]:
    """The fit (0-100) and verdict that scored requirements earn (rules in the README).

    ``similarity`` (0-1) is the role's text against the person's experience, ``field``
    (0-1) how much of the role lies in the person's fields of work, ``core`` (0-1) the
    share of their leading strengths the job uses; a part not given is left out.
    Public so that what-if tools (the journal's "had you prepared X") use the same rules.
    """
    fit, parts = two_sided.fit_parts(matches, similarity, field, core, by)
    return fit, verdict_for(fit, two_sided.eligibility(matches), parts.similarity_by)


def verdict_for(fit: float, eligibility: Eligibility, by: str | None = None) -> Verdict:
    """Poor under the poor threshold; strong from the strong one unless a required gate is
    unmet; stretch otherwise (thresholds in ``two_sided``, fitted on labelled pairs, for
    the ``by`` document similarity)."""
    w = two_sided.calibration(by)
    if fit < w.poor:
        return "poor"
    if fit >= w.strong and not eligibility.blocked:
        return "strong"
    return "stretch"


def _report(
    matches: tuple[SkillMatch, ...],
    profile: Profile,
    posting: Posting,
    vocabulary: Vocabulary,
    *,
    parts: tuple[float | None, float | None, float | None] = (None, None, None),
    duties: tuple[SkillMatch, ...] = (),
) -> MatchReport:
    fit, fit_parts = two_sided.fit_parts(matches + duties, *parts)
    eligibility = two_sided.eligibility(matches)
    verdict = verdict_for(fit, eligibility, fit_parts.similarity_by)
    # Advice says only what the texts back: quotes that show the strength, lead-with
    # items that answer what is asked, a closest strength only when it is one to build on.
    matches = tuple(quoted(m, profile, vocabulary) for m in matches)
    lead_with = sorted(
        (m for m in matches if answers(m, vocabulary)),
        key=lambda m: (m.requirement.importance != "required", -m.requirement.weight * m.score),
    )
    gaps = sorted(
        (
            Gap(m, "prepare" if m.status == "prepare" and builds_on(m, vocabulary) else "missing")
            for m in (nearest_relative(m, profile, vocabulary) for m in matches)
            if m.status != "match"
        ),
        key=lambda g: (
            not (g.match.gate_status == "unmet" and g.requirement.importance == "required"),
            g.requirement.importance != "required",
            -g.requirement.weight,
            g.kind != "missing",
        ),
    )
    return MatchReport(
        fit=fit,
        verdict=verdict,
        matches=matches,
        lead_with=tuple(lead_with),
        gaps=tuple(gaps),
        posting=posting.name,
        profile=profile.name,
        title=posting.title,
        parts=fit_parts,
        eligibility=eligibility,
        duties=duties,
    )

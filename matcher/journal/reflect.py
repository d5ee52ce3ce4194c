"""Reflecting on the journal: patterns across applications, each naming those it rests on."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from matcher.journal.heard import feedback_patterns, skills_named
from matcher.journal.patterns import (
    Pattern,
    Reflection,
    _count,
    _field_words,
    _fits,
    _ids,
    _key,
    _title_key,
)
from matcher.journal.records import (
    _UNPREPARABLE_GATES,
    OUTCOMES,
    VERDICT_RANK,
    Application,
)

if TYPE_CHECKING:
    from matcher.understand.vocabulary import Vocabulary

# Gates a lead-with item answers that are no strength to lead with.
_NOT_STRENGTH_GATES = frozenset({"degree", "work_authorisation", "clearance"})


def reflect(
    applications: Sequence[Application],
    *,
    min_support: int = 2,
    vocabulary: Vocabulary | None = None,
) -> Reflection:
    """Patterns across applications; each pattern names the applications it rests on.

    Groups: *reached interview* (ever had an interview or offer); *rejected without
    interview* (rejected and never interviewed). A pattern that compares groups needs
    at least ``min_support`` applications behind it. Feedback recorded from employers
    is read for the skills it names, which come first in what to prepare.
    """
    if vocabulary is None:
        from matcher.understand.vocabulary import shipped_vocabulary

        vocabulary = shipped_vocabulary()
    apps = list(applications)
    outcomes: dict[str, int] = {o: sum(a.outcome == o for a in apps) for o in OUTCOMES}
    if not apps:
        return Reflection(
            0, outcomes, (), "The journal is empty: add applications with 'match journal add'."
        )
    caveat = None
    if len(apps) < 10:
        caveat = (
            f"With only {_count(len(apps), 'application')}, read these as hints rather than"
            " patterns; each line says how many applications it rests on."
        )
    named = {a.id: skills_named(a, vocabulary) for a in apps if a.feedback}
    patterns = [
        *_fit_by_outcome(apps),
        *feedback_patterns(apps, named),
        *_poor_fit_time(apps),
        *_recurring_gaps(apps, min_support),
        *_interview_strengths(apps, min_support, vocabulary),
        *_poor_fit_areas(apps, min_support),
        *_lifts(apps, named),
        *_cv_versions(apps, min_support),
    ]
    return Reflection(len(apps), outcomes, tuple(patterns), caveat)


def _fit_by_outcome(apps: list[Application]) -> Iterator[Pattern]:
    for outcome in OUTCOMES:
        group = [a for a in apps if a.outcome == outcome]
        if not group:
            continue
        verdicts = Counter(a.verdict for a in group)
        yield Pattern(
            "fit_by_outcome",
            outcome,
            f"{outcome}: {_count(len(group), 'application')} ({_ids(a.id for a in group)}),"
            f" {_fits(group)}.",
            tuple(a.id for a in group),
            {
                "median_fit": statistics.median(a.fit for a in group),
                "min_fit": min(a.fit for a in group),
                "max_fit": max(a.fit for a in group),
                "verdicts": dict(verdicts),
            },
        )


def _poor_fit_time(apps: list[Application]) -> Iterator[Pattern]:
    poor = [a for a in apps if a.verdict == "poor"]
    if not poor:
        return
    interviewed = [a for a in poor if a.reached_interview]
    decided = [a for a in poor if a.outcome != "applied" or a.reached_interview]
    result = (
        f"{len(interviewed)} of them reached interview"
        if interviewed
        else (
            "it has not reached interview" if len(poor) == 1 else "none of them reached interview"
        )
    )
    advice = (
        "; they may be taking time that better-fitting roles would repay"
        if not interviewed and len(decided) >= 2
        else ""
    )
    yield Pattern(
        "poor_fit_time",
        "poor",
        f"{len(poor)} of your {_count(len(apps), 'application')}"
        f" {'was a poor fit' if len(poor) == 1 else 'were poor fits'} when you applied"
        f" ({_ids(a.id for a in poor)}); {result}{advice}.",
        tuple(a.id for a in poor),
        {"poor": len(poor), "reached_interview": len(interviewed), "total": len(apps)},
    )


def _groups(apps: list[Application]) -> tuple[list[Application], list[Application]]:
    reached = [a for a in apps if a.reached_interview]
    rejected = [a for a in apps if a.outcome == "rejected" and not a.reached_interview]
    return reached, rejected


def _skills_in(apps: list[Application], items: str, name: str) -> dict[str, tuple[str, list[int]]]:
    """Per skill key: a display name and the ids of the applications that list it."""
    found: dict[str, tuple[str, list[int]]] = {}
    for a in apps:
        seen = set()
        for item in getattr(a, items):
            key = _key(item[name])
            if key in seen:
                continue
            seen.add(key)
            found.setdefault(key, (item[name], []))[1].append(a.id)
    return found


def _recurring_gaps(apps: list[Application], min_support: int) -> Iterator[Pattern]:
    reached, rejected = _groups(apps)
    if not rejected:
        return
    in_rejected = _skills_in(rejected, "gaps", "skill")
    in_reached = _skills_in(reached, "gaps", "skill")
    found = []
    for key, (skill, ids) in in_rejected.items():
        others = in_reached.get(key, ("", []))[1]
        rate_rejected = len(ids) / len(rejected)
        rate_reached = len(others) / len(reached) if reached else 0.0
        if len(ids) >= min_support and rate_reached <= rate_rejected / 2:
            found.append((skill, ids, others))
    found.sort(key=lambda f: (-len(f[1]), len(f[2]), _key(f[0])))
    for skill, ids, others in found[:8]:
        compare = (
            f", and in {len(others)} of the {len(reached)} that reached interview"
            + (f" ({_ids(others)})" if others else "")
            if reached
            else "; none has reached interview yet to compare with"
        )
        yield Pattern(
            "recurring_gap",
            skill,
            f"{skill}: a gap in {len(ids)} of your {len(rejected)} applications rejected"
            f" without interview ({_ids(ids)}){compare}.",
            tuple(sorted(ids)),
            {
                "rejected": len(ids),
                "rejected_total": len(rejected),
                "reached_interview": len(others),
                "reached_interview_total": len(reached),
                "reached_interview_ids": sorted(others),
            },
        )


def _led_with(a: Application, vocabulary: Vocabulary) -> list[str]:
    """The strengths an application led with that are real strengths of the person.

    A degree, the right to work or a clearance answered a gate, not a strength to lead
    with ("Degrees"); and the CV line recorded must show the strength (reports made
    before lead-with was checked could quote a contact line for it).
    """
    from matcher.fit.advice import is_contact_line, showing_line
    from matcher.understand.documents import Strength
    from matcher.understand.evidence import Evidence

    gates = {row["skill"]: row.get("gate") for row in a.report.get("requirements", ())}
    found = []
    for item in a.lead_with:
        if gates.get(item["requirement"]) in _NOT_STRENGTH_GATES:
            continue
        line = item.get("cv_evidence") or ""
        known = vocabulary.lookup(item["skill"])
        strength = Strength(
            item["skill"], item["skill"], known.name if known else None, Evidence(line, 0, 0)
        )
        if line and not is_contact_line(line) and showing_line(strength, line, vocabulary):
            found.append(item["skill"])
    return found


def _interview_strengths(
    apps: list[Application], min_support: int, vocabulary: Vocabulary
) -> Iterator[Pattern]:
    reached, rejected = _groups(apps)
    if not reached:
        return
    led_by = {a.id: _led_with(a, vocabulary) for a in apps}
    if len(reached) < min_support:
        led = sorted({_key(s): s for a in reached for s in led_by[a.id]}.values(), key=_key)
        only = tuple(a.id for a in reached)
        few = "one application has" if len(reached) == 1 else f"{len(reached)} applications have"
        yield Pattern(
            "interview_strength",
            "(too few to compare)",
            f"Only {few} reached interview so far ({_ids(only)})"
            + (f"; you led there with {', '.join(led[:8])}" if led else "")
            + ". That is too few to tell which strengths made the difference.",
            only,
            {"reached_interview_total": len(reached), "led_with": led},
        )
        return

    def strengths_in(group: list[Application]) -> dict[str, tuple[str, list[int]]]:
        found: dict[str, tuple[str, list[int]]] = {}
        for a in group:
            for key, skill in {_key(s): s for s in led_by[a.id]}.items():
                found.setdefault(key, (skill, []))[1].append(a.id)
        return found

    in_reached = strengths_in(reached)
    in_rejected = strengths_in(rejected)
    found = []
    for key, (skill, ids) in in_reached.items():
        others = in_rejected.get(key, ("", []))[1]
        rate_rejected = len(others) / len(rejected) if rejected else 0.0
        if len(ids) >= min_support and len(ids) / len(reached) > rate_rejected:
            found.append((skill, ids, others))
    found.sort(key=lambda f: (-len(f[1]), len(f[2]), _key(f[0])))
    for skill, ids, others in found[:8]:
        compare = (
            f", and in {len(others)} of the {len(rejected)} rejected without interview"
            + (f" ({_ids(others)})" if others else "")
            if rejected
            else ""
        )
        yield Pattern(
            "interview_strength",
            skill,
            f"{skill}: you led with it in {len(ids)} of the {len(reached)} applications that"
            f" reached interview ({_ids(ids)}){compare}.",
            tuple(sorted(ids)),
            {
                "reached_interview": len(ids),
                "reached_interview_total": len(reached),
                "rejected": len(others),
                "rejected_total": len(rejected),
                "rejected_ids": sorted(others),
            },
        )


def _poor_fit_areas(apps: list[Application], min_support: int) -> Iterator[Pattern]:
    """Fields and job titles where most applications were poor fits and none got an
    interview: an interview there would show the roles are not wrong after all."""
    areas: dict[tuple[str, str], list[Application]] = {}
    for a in apps:
        if a.field:
            areas.setdefault(("field", a.field), []).append(a)
        if _title_key(a.title):
            areas.setdefault(("title", _title_key(a.title)), []).append(a)
    for (kind, name), group in sorted(areas.items()):
        poor = [a for a in group if a.verdict == "poor"]
        median = statistics.median(a.fit for a in group)
        if len(group) < min_support or 2 * len(poor) <= len(group):
            continue
        if any(a.reached_interview for a in group):
            continue
        where = f"in {_field_words(name)}" if kind == "field" else f"for '{group[0].title}' roles"
        verdicts = "all poor" if len(poor) == len(group) else f"{len(poor)} poor"
        yield Pattern(
            "poor_fit_area",
            f"{kind}: {name}",
            f"Your {_count(len(group), 'application')} {where} ({_ids(a.id for a in group)})"
            f" fitted poorly ({_fits(group)}; {verdicts}; none reached interview): you may be"
            " applying for the wrong roles there.",
            tuple(a.id for a in group),
            {"by": kind, "name": name, "median_fit": median, "poor": len(poor)},
        )


class _Rescorer:
    """Fit and verdict of a stored report as if some of its gaps were matches.

    Rebuilds the report's requirements once and lets the core score them, so the
    verdict rules are the core's, not a copy of them.
    """

    def __init__(self, report: Mapping[str, Any]) -> None:
        from matcher.fit.core import SkillMatch
        from matcher.understand.documents import Requirement, Strength
        from matcher.understand.evidence import Evidence

        self.keys: list[str] = []
        self.matches: list[SkillMatch] = []
        self.prepared: list[SkillMatch] = []
        # The duties count in the fit as the requirements do (reports stored before
        # they were kept apart have them among the requirements).
        for row in [*report["requirements"], *report.get("duties", ())]:
            need = Requirement(
                skill=row["skill"],
                text=row.get("text") or row["skill"],
                canonical=row.get("canonical"),
                importance=row["importance"],
                section=row.get("section") or "requirements",
                evidence=Evidence(row.get("posting_evidence") or "", 0, 0),
                category=row.get("category"),
                years=row.get("years"),
                gate=row.get("gate"),
                weight=float(row.get("weight") or 0),
            )
            best = row.get("best_strength")
            evidence = Evidence(row.get("cv_evidence") or "", 0, 0)
            have = Strength(best, best, None, evidence) if best else None
            method = row.get("method") or "none"
            self.keys.append(_key(row["skill"]))
            sure = float(row.get("confidence") or 1.0)
            self.matches.append(
                SkillMatch(
                    need,
                    have,
                    float(row["score"]),
                    method,
                    row["status"],
                    row.get("gate_met"),
                    row.get("gate_status"),
                    sure,
                )
            )
            gate_met = True if row.get("gate") else None
            gate_status = "met" if row.get("gate") else None
            self.prepared.append(
                SkillMatch(need, have, 100.0, method, "match", gate_met, gate_status, sure)
            )
        # The fit's other parts (role relevance, the person's core) do not change with
        # what is prepared; reports stored before they existed have coverage alone.
        self.parts = report.get("fit_parts") or {}

    def __call__(self, prepared: Iterable[str] = ()) -> tuple[float, str]:
        from matcher.fit.core import fit_and_verdict

        chosen = set(prepared)
        matches = tuple(
            ready if key in chosen else as_is
            for key, as_is, ready in zip(self.keys, self.matches, self.prepared)
        )
        core = self.parts.get("core")
        return fit_and_verdict(
            matches,
            similarity=self.parts.get("similarity"),
            field=self.parts.get("field"),
            core=None if core is None else core / 100,
            by=self.parts.get("similarity_by"),
        )


def _rescore(report: Mapping[str, Any], prepared: Iterable[str] = ()) -> tuple[float, str]:
    """Fit and verdict of a stored report as if the ``prepared`` skills were matches."""
    return _Rescorer(report)(prepared)


def _preparable(report: Mapping[str, Any]) -> list[str]:
    keys = []
    for row in report["requirements"]:
        key = _key(row["skill"])
        preparable = row.get("gate") not in _UNPREPARABLE_GATES
        if row["status"] != "match" and preparable and key not in keys:
            keys.append(key)
    return keys


def lift_plan(report: Mapping[str, Any], *, most: int = 3) -> tuple[list[str], str] | None:
    """The fewest gaps (at most ``most``) whose preparation lifts the verdict one step.

    Greedy: each step prepares the gap that raises the fit most. Returns the skills (as
    keys) and the verdict reached, or None when ``most`` skills are not enough.
    """
    return _lift_plan(report, _Rescorer(report), most)


def _lift_plan(
    report: Mapping[str, Any], rescore: _Rescorer, most: int
) -> tuple[list[str], str] | None:
    _, base = rescore()
    if base == "strong":
        return None
    chosen: list[str] = []
    candidates = _preparable(report)
    while candidates and len(chosen) < most:
        gains = [(rescore([*chosen, c]), c) for c in candidates]
        (_, verdict), best = max(gains, key=lambda g: (VERDICT_RANK[g[0][1]], g[0][0]))
        chosen.append(best)
        candidates.remove(best)
        if VERDICT_RANK[verdict] > VERDICT_RANK[base]:
            return chosen, verdict
    return None


def _lifts(apps: list[Application], named: Mapping[int, list[str]]) -> Iterator[Pattern]:
    """Per gap, the rejected applications that preparing it would have lifted a verdict.

    Every gap that lifts an application on its own counts for it (ties are all shown);
    where no single gap is enough, the few that together would are counted. Each skill
    is named once: a gap that lifts only with others says how many others (they have
    lines of their own, and ``details`` lists them). Gaps an employer named in feedback
    come first, and one named that lifts no verdict still gets a line.
    """
    told: dict[str, list[int]] = {}
    for app_id, skills in named.items():
        for skill in skills:
            told.setdefault(_key(skill), []).append(app_id)
    rejected = [a for a in apps if a.outcome == "rejected" and a.verdict != "strong"]
    names: dict[str, str] = {}
    lifted: dict[str, dict[int, tuple[str, list[str]]]] = {}
    for a in rejected:
        for row in a.report["requirements"]:
            names.setdefault(_key(row["skill"]), row["skill"])
        rescore = _Rescorer(a.report)
        base = VERDICT_RANK[rescore()[1]]
        alone = False
        for key in _preparable(a.report):
            verdict = rescore([key])[1]
            if VERDICT_RANK[verdict] > base:
                lifted.setdefault(key, {})[a.id] = (verdict, [])
                alone = True
        plan = None if alone else _lift_plan(a.report, rescore, 3)
        if plan is not None:
            skills, verdict = plan
            for key in skills:
                lifted.setdefault(key, {})[a.id] = (verdict, [k for k in skills if k != key])

    # Gaps that would each have lifted exactly the same applications are told as one.
    groups: dict[tuple[Any, ...], list[str]] = {}
    for key in sorted(lifted):
        signature = tuple(sorted((i, v, tuple(p)) for i, (v, p) in lifted[key].items()))
        alone = not any(partners for _, _, partners in signature)
        groups.setdefault(signature if alone else (key, *signature), []).append(key)

    def rank(keys: list[str]) -> tuple[bool, int, int, str]:
        by_app = lifted[keys[0]]
        in_feedback = any(k in told for k in keys)
        return not in_feedback, -len(by_app), sum(bool(p) for _, p in by_app.values()), keys[0]

    shown_groups = sorted(groups.values(), key=rank)[:6]
    displayed = {k for keys in shown_groups for k in keys}
    # A gap an employer named that lifts no verdict within the plan still comes first.
    gaps_by_app = {a.id: {_key(g["skill"]) for g in a.gaps} for a in apps}
    for key, ids in sorted(told.items()):
        gap_ids = sorted(i for i in ids if key in gaps_by_app.get(i, ()))
        if key in displayed or not gap_ids:
            continue
        skill = next(s for i in gap_ids for s in named[i] if _key(s) == key)
        yield Pattern(
            "lift",
            skill,
            f"{skill}: the employer named it in the feedback on {_ids(gap_ids)}, where it was"
            " a gap.",
            tuple(gap_ids),
            {"skills": [skill], "feedback": True},
        )
    for keys in shown_groups:
        by_app = lifted[keys[0]]
        lifts = [
            f"#{app_id} to {verdict}"
            + (f" with {_count(len(partners), 'other gap')} prepared too" if partners else "")
            for app_id, (verdict, partners) in sorted(by_app.items())
        ]
        feedback_ids = sorted({i for k in keys for i in told.get(k, ())})
        said = f"; named in the feedback on {_ids(feedback_ids)}" if feedback_ids else ""
        shown = [names[k] for k in keys]
        if len(shown) == 1:
            subject, which = shown[0], "preparing it"
        else:
            listed = shown[:6] + ([f"{len(shown) - 6} more"] if len(shown) > 6 else [])
            subject = f"{', '.join(listed[:-1])} or {listed[-1]}"
            which = "preparing any one of them"
        yield Pattern(
            "lift",
            subject,
            f"{subject}: {which} would have lifted {_count(len(by_app), 'application')} of the"
            f" {len(rejected)} rejected ones that were not strong fits ({'; '.join(lifts)})"
            f"{said}.",
            tuple(sorted(by_app)),
            {
                "skills": shown,
                "lifted_to": {i: v for i, (v, _) in by_app.items()},
                "together_with": {i: [names.get(k, k) for k in p] for i, (_, p) in by_app.items()},
                "rejected_total": len(rejected),
            },
        )


def _cv_versions(apps: list[Application], min_support: int) -> Iterator[Pattern]:
    versions: dict[str, list[Application]] = {}
    for a in apps:
        versions.setdefault(a.cv_version, []).append(a)
    used = {v: group for v, group in versions.items() if len(group) >= min_support}
    if len(used) < 2:
        return
    for version, group in sorted(used.items(), key=lambda item: item[1][0].id):
        reached = [a for a in group if a.reached_interview]
        yield Pattern(
            "cv_version",
            version,
            f"CV version {version} ({group[0].cv_name}): {_count(len(group), 'application')}"
            f" ({_ids(a.id for a in group)}), {len(reached)} reached interview, {_fits(group)}.",
            tuple(a.id for a in group),
            {"reached_interview": len(reached)},
        )

"""Refine your search: what many results say about the skills to learn and the jobs to aim at."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


# --------------------------------------------------------------------------- refine


@dataclass(frozen=True)
class SkillAdvice:
    """A skill the person lacks, how often it is asked for and what it would add."""

    skill: str
    postings: int
    mean_gain: float
    total_gain: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class GroupFit:
    """How well the person fits a group of postings (a field of work or a job title)."""

    name: str
    postings: int
    mean_fit: float
    best_fit: float
    strong: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Refinement:
    """'Refine your search': what to learn and where to look, across many postings."""

    scored: int
    failed: int
    # Postings where the person is a plausible candidate (stretch or strong): skills to
    # learn are drawn from these only, never from jobs they are far from.
    plausible: int
    lacking: tuple[SkillAdvice, ...]
    learn: tuple[SkillAdvice, ...]
    fields: tuple[GroupFit, ...]
    titles: tuple[GroupFit, ...]
    mean_fit: float | None
    fit_after_learning: float | None
    plausible_mean_fit: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scored": self.scored,
            "failed": self.failed,
            "plausible": self.plausible,
            "plausible_mean_fit": self.plausible_mean_fit,
            "lacking": [s.to_dict() for s in self.lacking],
            "learn": [s.to_dict() for s in self.learn],
            "mean_fit": self.mean_fit,
            "fit_after_learning": self.fit_after_learning,
            "fields": [g.to_dict() for g in self.fields],
            "titles": [g.to_dict() for g in self.titles],
        }


_SENIORITY = re.compile(
    r"\b(senior|snr|sr|junior|jnr|jr|lead|principal|staff|graduate|entry[- ]level|mid[- ]level|"
    r"mid|trainee|intern|apprentice|associate|assistant|head of|i{1,3}|iv|[1-4])\b\.?",
    re.IGNORECASE,
)


#: Verdicts that make a person a plausible candidate for a posting.
PLAUSIBLE = ("strong", "stretch")


def title_family(title: str | None) -> str | None:
    """A job title without seniority, location or team ("Senior Data Analyst (Leeds)"
    -> "data analyst"), so that postings for one kind of job group together."""
    if not title:
        return None
    core = re.split(r"\s+[-–—|/]\s+|,|\(|:|\bat\b|\bin\b", title, maxsplit=1)[0]
    core = _SENIORITY.sub(" ", core)
    core = " ".join(re.sub(r"[^\w&+#.' -]", " ", core).split()).strip(" .-").lower()
    return core or None


def refine(frame: pd.DataFrame, *, top: int = 5) -> Refinement:
    """What to learn and where to look, from a frame of results (rows as written).

    Skills are suggested only from the *plausible* postings, those whose verdict is
    stretch or strong: a data analyst is not told that nursing would raise their fit.
    ``lacking`` ranks the skills the person lacks by how many of those postings ask for
    them; ``learn`` picks the ``top`` skills that would add the most fit summed over
    them (gains add up within a posting, so the largest totals are the best set);
    ``fit_after_learning`` is their mean fit if those were learned (``plausible_mean_fit``
    before); ``fields`` and ``titles`` rank the groups of all scored postings where the
    person already fits best; ``mean_fit`` is the mean over all scored postings.
    """
    scored = frame[frame["fit"].notna()]
    plausible = scored[scored["verdict"].isin(PLAUSIBLE)]
    counts: Counter[str] = Counter()
    totals: dict[str, float] = defaultdict(float)
    for raw in plausible["gains"]:
        gains = json.loads(raw) if isinstance(raw, str) and raw else dict(raw or {})
        for skill, gain in gains.items():
            counts[skill] += 1
            totals[skill] += float(gain)

    def advice(skill: str) -> SkillAdvice:
        return SkillAdvice(
            skill,
            counts[skill],
            round(totals[skill] / counts[skill], 1),
            round(totals[skill], 1),
        )

    lacking = sorted(counts, key=lambda s: (-counts[s], -totals[s], s))[:top]
    learn = sorted(totals, key=lambda s: (-totals[s], -counts[s], s))[:top]
    n = len(scored)
    mean_fit = float(scored["fit"].mean()) if n else None
    base = float(plausible["fit"].mean()) if len(plausible) else None
    after = (
        round(min(100.0, base + sum(totals[s] for s in learn) / len(plausible)), 1)
        if base is not None
        else None
    )
    return Refinement(
        scored=n,
        failed=len(frame) - n,
        plausible=len(plausible),
        plausible_mean_fit=round(base, 1) if base is not None else None,
        lacking=tuple(advice(s) for s in lacking),
        learn=tuple(advice(s) for s in learn),
        fields=_groups(scored, scored["field"], top),
        titles=_groups(scored, scored["title"].map(title_family), top),
        mean_fit=round(mean_fit, 1) if mean_fit is not None else None,
        fit_after_learning=after,
    )


def _groups(scored: pd.DataFrame, keys: pd.Series, top: int) -> tuple[GroupFit, ...]:
    groups: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for key, fit, verdict in zip(keys, scored["fit"], scored["verdict"]):
        if isinstance(key, str) and key:
            groups[key].append((float(fit), str(verdict)))
    ranked = sorted(
        (
            GroupFit(
                name=name,
                postings=len(fits),
                mean_fit=round(sum(f for f, _ in fits) / len(fits), 1),
                best_fit=max(f for f, _ in fits),
                strong=sum(v == "strong" for _, v in fits),
            )
            for name, fits in groups.items()
        ),
        key=lambda g: (-g.mean_fit, -g.postings, g.name),
    )
    return tuple(ranked[:top])

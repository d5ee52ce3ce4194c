"""The patterns a reflection finds, and the words they share (counts, ids, fits)."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from matcher.journal.records import _SENIORITY, Application


@dataclass(frozen=True)
class Pattern:
    """One pattern across the journal, with the applications it rests on.

    ``kind`` is one of ``fit_by_outcome``, ``poor_fit_time``, ``recurring_gap``,
    ``interview_strength``, ``poor_fit_area``, ``lift`` and ``cv_version``; ``subject``
    is the outcome, skill, field, title or CV version it is about; ``summary`` says it
    in plain words; ``details`` holds the counts behind it.
    """

    kind: str
    subject: str
    summary: str
    applications: tuple[int, ...]
    details: Mapping[str, Any] = _field(default_factory=dict, hash=False)

    @property
    def support(self) -> int:
        """How many applications the pattern rests on."""
        return len(self.applications)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "summary": self.summary,
            "applications": list(self.applications),
            "support": self.support,
            "details": dict(self.details),
        }


_SECTIONS = (
    ("fit_by_outcome", "Fit by outcome"),
    ("feedback", "What employers told you"),
    ("poor_fit_time", "Poor fits"),
    ("recurring_gap", "Gaps that recur in rejections"),
    ("interview_strength", "Strengths in applications that reached interview"),
    ("poor_fit_area", "Where you fit poorly"),
    ("lift", "What to prepare"),
    ("cv_version", "CV versions"),
)


@dataclass(frozen=True)
class Reflection:
    """Patterns across the journal; each names the applications behind it."""

    total: int
    outcomes: Mapping[str, int]
    patterns: tuple[Pattern, ...]
    caveat: str | None = None

    def of_kind(self, kind: str) -> list[Pattern]:
        return [p for p in self.patterns if p.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "outcomes": dict(self.outcomes),
            "caveat": self.caveat,
            "patterns": [p.to_dict() for p in self.patterns],
        }

    def text(self) -> str:
        """The reflection in plain words, section by section."""
        counts = ", ".join(f"{n} {o}" for o, n in self.outcomes.items() if n)
        lines = [
            f"Your journal: {_count(self.total, 'application')}"
            + (f" ({counts})." if counts else ".")
        ]
        if self.caveat:
            lines.append(self.caveat)
        for kind, heading in _SECTIONS:
            found = self.of_kind(kind)
            if found:
                lines += ["", f"{heading}:"]
                lines += [f"  - {p.summary}" for p in found]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


# -- reflecting ------------------------------------------------------------------------


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _ids(ids: Iterable[int], limit: int = 10) -> str:
    shown = sorted(ids)
    text = ", ".join(f"#{i}" for i in shown[:limit])
    return text + (f" and {len(shown) - limit} more" if len(shown) > limit else "")


def _fits(apps: Sequence[Application]) -> str:
    values = sorted(a.fit for a in apps)
    if len(values) == 1:
        return f"fit {values[0]:.0f}"
    if len(values) == 2:
        return f"fit {values[0]:.0f} and {values[1]:.0f}"
    return f"fit {values[0]:.0f} to {values[-1]:.0f}, median {statistics.median(values):.0f}"


def _field_words(name: str) -> str:
    return name.replace("_", " ")


def _title_key(title: str) -> str:
    plain = re.sub(r"\(.*?\)", " ", title)
    plain = _SENIORITY.sub(" ", plain)
    plain = re.sub(r"[^\w\s]", " ", plain)
    return " ".join(plain.casefold().split())

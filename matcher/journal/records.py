"""What the journal records: applications, their events and outcomes, and where it lives."""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from matcher.errors import JournalError
from matcher.paths import HOME_ENV, user_data_dir

if TYPE_CHECKING:
    from matcher.understand.vocabulary import Vocabulary

Outcome = Literal["applied", "interview", "rejected", "offer", "withdrawn"]
OUTCOMES: tuple[Outcome, ...] = ("applied", "interview", "rejected", "offer", "withdrawn")
# An application that ever reached one of these got past the CV stage.
REACHED_INTERVIEW = frozenset({"interview", "offer"})
VERDICT_RANK = {"poor": 0, "stretch": 1, "strong": 2}

JOURNAL_ENV = "STRENGTHS_MATCHER_JOURNAL"
JOURNAL_FILE = "journal.sqlite3"
# Written into the SQLite header (PRAGMA application_id), so a database that some other
# program made is recognised as foreign and left alone: "SMJl".
APPLICATION_ID = 0x534D4A6C
BUSY_TIMEOUT_SECONDS = 30.0
# Vocabulary files that cut across fields of work: a posting's field comes from them
# only when none of its skills belongs to a field of work.
CROSS_CUTTING_FIELDS = frozenset({"certifications", "languages", "transferable"})
_SQLITE_MAGIC = b"SQLite format 3\x00"


# Gaps a few weeks of preparation cannot close: years, the right to work, a clearance.
_UNPREPARABLE_GATES = frozenset({"years", "work_authorisation", "clearance"})
_SENIORITY = re.compile(
    r"\b(senior|snr|sr|junior|jnr|jr|mid[- ]level|mid|lead|principal|graduate|trainee|"
    r"entry[- ]level|associate|i{1,3}|[123])\b",
    re.IGNORECASE,
)


def default_path() -> Path:
    """Where the journal lives: ``$STRENGTHS_MATCHER_JOURNAL``, else the user data dir."""
    override = os.environ.get(JOURNAL_ENV)
    if override:
        return Path(override).expanduser()
    try:
        return user_data_dir() / JOURNAL_FILE
    except OSError as error:
        raise JournalError(
            f"cannot create the data folder for the journal ({error.strerror or error});"
            f" set {HOME_ENV} or {JOURNAL_ENV} to a place you can write"
        ) from None


def cv_version(text: str) -> str:
    """A short fingerprint of a CV's text: the same CV always gets the same version."""
    lines = (line.rstrip() for line in text.strip().replace("\r\n", "\n").split("\n"))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:12]


def posting_field(report: Mapping[str, Any], vocabulary: Vocabulary | None = None) -> str | None:
    """The field of work a posting belongs to: the most common field of its skills.

    Counted over the canonical skills the posting requires (a skill's field is its
    vocabulary file); only when none is required, over all its canonical skills. The
    cross-cutting files (certifications, languages, transferable skills) count only when
    no field of work shows at all. Ties go to the field with the most weight, then
    alphabetically. None when no skill is known.
    """
    if vocabulary is None:
        from matcher.understand.vocabulary import shipped_vocabulary

        vocabulary = shipped_vocabulary()
    rows = [r for r in report.get("requirements", ()) if r.get("canonical") in vocabulary.skills]
    required = [r for r in rows if r.get("importance") == "required"]
    for chosen in (required, rows):
        for cross_cutting in (False, True):
            counts: Counter[str] = Counter()
            weights: dict[str, float] = {}
            for row in chosen:
                name = vocabulary.skills[row["canonical"]].field
                if (name in CROSS_CUTTING_FIELDS) == cross_cutting:
                    counts[name] += 1
                    weights[name] = weights.get(name, 0.0) + float(row.get("weight") or 0)
            if counts:
                return min(counts, key=lambda name: (-counts[name], -weights[name], name))
    return None


@dataclass(frozen=True)
class Event:
    """One step in how an application developed: its outcome from a given day."""

    outcome: Outcome
    on: str
    recorded_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "on": self.on, "recorded_at": self.recorded_at}


@dataclass(frozen=True)
class Application:
    """One application: the posting and CV as they were, the match then, and the outcome."""

    id: int
    uid: str
    applied_on: str
    title: str
    company: str | None
    url: str | None
    field: str | None
    outcome: Outcome
    fit: float
    verdict: str
    posting_name: str
    posting_text: str = _field(repr=False)
    cv_name: str = _field()
    cv_text: str = _field(repr=False)
    cv_version: str = _field()
    notes: str | None
    feedback: str | None
    created_at: str
    updated_at: str
    events: tuple[Event, ...]
    report: Mapping[str, Any] = _field(hash=False, repr=False)

    @property
    def reached_interview(self) -> bool:
        """Whether it ever got to interview (or an offer), whatever came after."""
        return self.outcome in REACHED_INTERVIEW or any(
            e.outcome in REACHED_INTERVIEW for e in self.events
        )

    @property
    def gaps(self) -> list[dict[str, Any]]:
        """The gaps of the match as scored when recorded (``MatchReport.to_dict()['gaps']``)."""
        return list(self.report.get("gaps", ()))

    @property
    def lead_with(self) -> list[dict[str, Any]]:
        """What the match said to lead with, as scored when recorded."""
        return list(self.report.get("lead_with", ()))

    def label(self) -> str:
        """``#3 Data analyst at Acme``."""
        at = f" at {self.company}" if self.company else ""
        return f"#{self.id} {self.title}{at}"

    def to_dict(self) -> dict[str, Any]:
        """The whole record as plain data: what export writes and import reads."""
        data = {name: getattr(self, name) for name in EXPORT_COLUMNS}
        data["events"] = [event.to_dict() for event in self.events]
        data["report"] = dict(self.report)
        return data


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the ids added and how many records were already there."""

    added: tuple[int, ...]
    skipped: int


EXPORT_COLUMNS = (
    "id",
    "uid",
    "applied_on",
    "title",
    "company",
    "url",
    "field",
    "outcome",
    "fit",
    "verdict",
    "posting_name",
    "posting_text",
    "cv_name",
    "cv_text",
    "cv_version",
    "notes",
    "feedback",
    "created_at",
    "updated_at",
    "events",
    "report",
)

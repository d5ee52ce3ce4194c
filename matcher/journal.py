"""The application journal: every application, its match as scored then, and how it went.

One SQLite file (standard library ``sqlite3``) in the per-user data directory, or where
``STRENGTHS_MATCHER_JOURNAL`` or ``Journal(path)`` says. Writes run in ``BEGIN IMMEDIATE``
transactions on a WAL database, so two processes can record at once; the schema version
lives in ``PRAGMA user_version`` and grows through ``MIGRATIONS``; a file that is not our
journal (corrupt, or another program's database) is refused and never written to.

Queries come back as pandas DataFrames; ``reflect()`` finds patterns across the record,
each naming the applications it rests on; ``feedback_request()`` drafts a polite email.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from matcher.errors import JournalError
from matcher.paths import HOME_ENV, user_data_dir

if TYPE_CHECKING:
    import pandas as pd

    from matcher.core import MatchReport
    from matcher.documents import Posting, Profile
    from matcher.vocabulary import Vocabulary

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

# Each migration is the list of statements that takes the schema from version i to i+1.
# Never edit a shipped migration: append a new one (user_version counts them).
MIGRATIONS: list[tuple[str, ...]] = [
    (
        """
        CREATE TABLE applications (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            applied_on TEXT NOT NULL,
            title TEXT NOT NULL,
            company TEXT,
            url TEXT,
            field TEXT,
            outcome TEXT NOT NULL
                CHECK (outcome IN ('applied', 'interview', 'rejected', 'offer', 'withdrawn')),
            fit REAL NOT NULL,
            verdict TEXT NOT NULL,
            report TEXT NOT NULL,
            posting_name TEXT NOT NULL,
            posting_text TEXT NOT NULL,
            cv_name TEXT NOT NULL,
            cv_text TEXT NOT NULL,
            cv_version TEXT NOT NULL,
            notes TEXT,
            feedback TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
            outcome TEXT NOT NULL
                CHECK (outcome IN ('applied', 'interview', 'rejected', 'offer', 'withdrawn')),
            "on" TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX events_by_application ON events(application_id)",
        "CREATE INDEX applications_by_date ON applications(applied_on)",
    ),
]

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
# Optional text columns: stored as NULL, never as "", so CSV's empty cell round-trips.
_OPTIONAL_TEXT = ("company", "url", "field", "notes", "feedback")
EXPORT_FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
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
        from matcher.vocabulary import shipped_vocabulary

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


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """Put the journal in WAL mode, waiting while another process does the same.

    Changing the journal mode needs an exclusive lock, and SQLite answers "database is
    locked" at once, without its busy timeout, when two processes open a new journal
    together; so retry for as long as the busy timeout would have waited.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Journal:
    """An application journal in one SQLite file; use as a context manager or ``close()``.

    ``path`` defaults to ``$STRENGTHS_MATCHER_JOURNAL`` or ``user_data_dir()/journal.sqlite3``;
    the file is created on first use. A file that is not a journal raises ``JournalError``
    and is left exactly as it was.
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, vocabulary: Vocabulary | None = None
    ) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        self._vocabulary = vocabulary
        _refuse_foreign(self.path)
        self._conn = self._connect()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def close(self) -> None:
        self._conn.close()

    # -- opening and migrating ------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise JournalError(
                f"cannot create the folder for the journal {self.path}: {error.strerror}"
            ) from error
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as error:
            raise JournalError(f"cannot open the journal {self.path}: {error}") from error
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            _switch_to_wal(conn)
            self._migrate(conn)
        except sqlite3.DatabaseError as error:
            conn.close()
            raise JournalError(f"cannot open the journal {self.path}: {error}") from error
        except BaseException:
            conn.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        latest = len(MIGRATIONS)
        if _header(conn) == (APPLICATION_ID, latest):
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            app_id, version = _header(conn)  # again, now that no one else can write
            if app_id != APPLICATION_ID:
                if app_id or conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    raise _foreign(self.path)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            if version > latest:
                raise _too_new(self.path, version)
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {latest}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise JournalError(
                f"the journal {self.path} is busy ({error}); try again in a moment"
            ) from error
        try:
            yield conn
        except sqlite3.DatabaseError as error:
            conn.execute("ROLLBACK")
            raise JournalError(f"could not write to the journal {self.path}: {error}") from error
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as error:
            raise JournalError(f"could not read the journal {self.path}: {error}") from error

    # -- recording ------------------------------------------------------------------

    def add(
        self,
        profile: Profile,
        posting: Posting,
        *,
        report: MatchReport | None = None,
        title: str | None = None,
        company: str | None = None,
        url: str | None = None,
        applied_on: str | date | None = None,
        outcome: Outcome = "applied",
        notes: str | None = None,
    ) -> Application:
        """Score ``posting`` against ``profile`` (unless ``report`` is given) and record it."""
        if report is None:
            from matcher.core import match

            report = match(profile, posting, vocabulary=self._vocabulary)
        # The posting's own requirements, not the report's: a report may settle an
        # "X or Y" requirement on whichever the CV has, and the field must not depend on it.
        asked = {
            "requirements": [
                {"canonical": r.canonical, "importance": r.importance, "weight": r.weight}
                for r in posting.requirements
            ]
        }
        return self.record(
            report.to_dict(),
            field=posting_field(asked, self._vocabulary),
            posting_text=posting.text,
            cv_text=profile.text,
            posting_name=posting.name,
            cv_name=profile.name,
            title=title or posting.title,
            company=company,
            url=url,
            applied_on=applied_on,
            outcome=outcome,
            notes=notes,
        )

    def record(
        self,
        report: Mapping[str, Any],
        *,
        posting_text: str,
        cv_text: str,
        posting_name: str = "<text>",
        cv_name: str = "<text>",
        title: str | None = None,
        company: str | None = None,
        url: str | None = None,
        applied_on: str | date | None = None,
        outcome: Outcome = "applied",
        notes: str | None = None,
        field: str | None = None,
    ) -> Application:
        """Record an application from a report already made (``MatchReport.to_dict()``).

        ``field`` defaults to the field of the report's required skills (``posting_field``).
        """
        _check_report(report, "the report")
        when = _iso_date(applied_on, "applied_on") if applied_on else date.today().isoformat()
        now = _now()
        row = {
            "id": None,
            "uid": uuid.uuid4().hex,
            "applied_on": when,
            "title": (title or "").strip() or report.get("title") or posting_name,
            "company": _optional(company),
            "url": _optional(url),
            "field": field or posting_field(report, self._vocabulary),
            "outcome": _outcome(outcome),
            "fit": float(report["fit"]),
            "verdict": report["verdict"],
            "posting_name": posting_name,
            "posting_text": posting_text,
            "cv_name": cv_name,
            "cv_text": cv_text,
            "cv_version": cv_version(cv_text),
            "notes": _optional(notes),
            "feedback": None,
            "created_at": now,
            "updated_at": now,
            "events": [{"outcome": outcome, "on": when, "recorded_at": now}],
            "report": dict(report),
        }
        with self._transaction() as conn:
            new_id = _insert(conn, row)
        return self.get(new_id)

    def update(
        self,
        app_id: int,
        *,
        outcome: Outcome | None = None,
        on: str | date | None = None,
        feedback: str | None = None,
        notes: str | None = None,
        title: str | None = None,
        company: str | None = None,
        url: str | None = None,
    ) -> Application:
        """Record how an application developed; a new outcome is kept in its history."""
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("feedback", feedback),
                ("notes", notes),
                ("title", title),
                ("company", company),
                ("url", url),
            )
            if value is not None
        }
        if outcome is None and not changes:
            raise JournalError("nothing to update: give an outcome, feedback, notes or details")
        when = _iso_date(on, "on") if on else date.today().isoformat()
        now = _now()
        for name in _OPTIONAL_TEXT:
            if name in changes:
                changes[name] = _optional(changes[name])
        if "title" in changes and not changes["title"].strip():
            raise JournalError("the title cannot be empty")
        with self._transaction() as conn:
            current = conn.execute(
                "SELECT outcome FROM applications WHERE id = ?", (app_id,)
            ).fetchone()
            if current is None:
                raise self._missing(app_id)
            if outcome is not None and _outcome(outcome) != current["outcome"]:
                changes["outcome"] = outcome
                conn.execute(
                    'INSERT INTO events (application_id, outcome, "on", recorded_at)'
                    " VALUES (?, ?, ?, ?)",
                    (app_id, outcome, when, now),
                )
            changes["updated_at"] = now
            assignments = ", ".join(f"{name} = ?" for name in changes)
            conn.execute(
                f"UPDATE applications SET {assignments} WHERE id = ?", (*changes.values(), app_id)
            )
        return self.get(app_id)

    def remove(self, app_id: int) -> Application:
        """Delete an application and its history; returns what was removed."""
        removed = self.get(app_id)
        with self._transaction() as conn:
            conn.execute("DELETE FROM applications WHERE id = ?", (app_id,))
        return removed

    # -- reading --------------------------------------------------------------------

    def get(self, app_id: int) -> Application:
        """One application by id."""
        found = self.select(ids=[app_id])
        if not found:
            raise self._missing(app_id)
        return found[0]

    def __len__(self) -> int:
        return int(self._read("SELECT count(*) FROM applications")[0][0])

    def __iter__(self) -> Iterator[Application]:
        return iter(self.select())

    def select(
        self,
        *,
        outcome: str | Iterable[str] | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        field: str | Iterable[str] | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[Application]:
        """Applications by id, filtered by outcome(s), applied date range and field(s)."""
        where: list[str] = []
        params: list[Any] = []
        for column, wanted in (("outcome", outcome), ("field", field), ("id", ids)):
            if wanted is None:
                continue
            values: list[Any] = [wanted] if isinstance(wanted, (str, int)) else list(wanted)
            if column == "outcome":
                values = [_outcome(str(v)) for v in values]
            where.append(f"{column} IN ({', '.join('?' * len(values))})" if values else "0")
            params += values
        if since:
            where.append("applied_on >= ?")
            params.append(_iso_date(since, "since"))
        if until:
            where.append("applied_on <= ?")
            params.append(_iso_date(until, "until"))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._read(f"SELECT * FROM applications{clause} ORDER BY id", params)
        events: dict[int, list[Event]] = {}
        if rows:
            for event in self._read(
                'SELECT application_id, outcome, "on", recorded_at FROM events'
                f" WHERE application_id IN ({', '.join('?' * len(rows))}) ORDER BY id",
                [row["id"] for row in rows],
            ):
                events.setdefault(event["application_id"], []).append(
                    Event(event["outcome"], event["on"], event["recorded_at"])
                )
        return [_application(row, events.get(row["id"], [])) for row in rows]

    def applications(self, **filters: Any) -> pd.DataFrame:
        """One row per application (index ``id``): dates, title, field, fit, outcome."""
        import pandas as pd

        rows = [
            {
                "id": a.id,
                "applied_on": a.applied_on,
                "title": a.title,
                "company": a.company,
                "field": a.field,
                "outcome": a.outcome,
                "reached_interview": a.reached_interview,
                "fit": a.fit,
                "verdict": a.verdict,
                "gaps": len(a.gaps),
                "cv_version": a.cv_version,
                "url": a.url,
                "updated_at": a.updated_at,
            }
            for a in self.select(**filters)
        ]
        frame = pd.DataFrame(rows, columns=_APPLICATION_COLUMNS)
        frame["applied_on"] = pd.to_datetime(frame["applied_on"])
        return frame.set_index("id")

    def gaps(self, **filters: Any) -> pd.DataFrame:
        """One row per gap of each application, as scored when it was recorded."""
        import pandas as pd

        rows = [
            {
                **_context(a),
                "skill": gap["skill"],
                "kind": gap["kind"],
                "importance": gap["importance"],
                "gate": gap.get("gate"),
                "closest": gap.get("closest"),
            }
            for a in self.select(**filters)
            for gap in a.gaps
        ]
        return pd.DataFrame(rows, columns=[*_CONTEXT_COLUMNS, *_GAP_COLUMNS])

    def strengths(self, **filters: Any) -> pd.DataFrame:
        """One row per requirement each application led with (what you matched)."""
        import pandas as pd

        rows = [
            {
                **_context(a),
                "skill": item["requirement"],
                "strength": item["skill"],
                "score": item["score"],
                "importance": item["importance"],
            }
            for a in self.select(**filters)
            for item in a.lead_with
        ]
        return pd.DataFrame(rows, columns=[*_CONTEXT_COLUMNS, *_STRENGTH_COLUMNS])

    def events(self, **filters: Any) -> pd.DataFrame:
        """Each application's outcome history, one row per change."""
        import pandas as pd

        rows = [
            {"id": a.id, "title": a.title, **event.to_dict()}
            for a in self.select(**filters)
            for event in a.events
        ]
        frame = pd.DataFrame(rows, columns=["id", "title", "outcome", "on", "recorded_at"])
        frame["on"] = pd.to_datetime(frame["on"])
        return frame

    # -- moving between machines ---------------------------------------------------

    def records(self) -> list[dict[str, Any]]:
        """Every application as plain data, in id order (what export writes)."""
        return [a.to_dict() for a in self.select()]

    def add_records(self, records: Iterable[Mapping[str, Any]]) -> ImportResult:
        """Add exported records in one transaction; ones already here (same uid) are skipped.

        Each record keeps its id when that id is free here, so an application is still
        ``#7`` after moving machines.
        """
        checked = [_check_record(record, f"record {n}") for n, record in enumerate(records, 1)]
        added: list[int] = []
        skipped = 0
        with self._transaction() as conn:
            for record in checked:
                if conn.execute(
                    "SELECT 1 FROM applications WHERE uid = ?", (record["uid"],)
                ).fetchone():
                    skipped += 1
                    continue
                taken = (
                    record["id"] is not None
                    and conn.execute(
                        "SELECT 1 FROM applications WHERE id = ?", (record["id"],)
                    ).fetchone()
                )
                added.append(_insert(conn, {**record, "id": None} if taken else record))
        return ImportResult(tuple(added), skipped)

    def export(self, path: str | os.PathLike[str], *, format: str | None = None) -> int:
        """Write every application to ``path`` as CSV, JSONL or Parquet; returns the count."""
        records = self.records()
        write_records(records, path, format=format)
        return len(records)

    def import_from(
        self, path: str | os.PathLike[str], *, format: str | None = None
    ) -> ImportResult:
        """Add the applications in an export file (CSV, JSONL or Parquet)."""
        return self.add_records(read_records(path, format=format))

    # -- learning from the record --------------------------------------------------

    def reflect(self, *, min_support: int = 2) -> Reflection:
        """Patterns across every application, each backed by the applications behind it."""
        return reflect(self.select(), min_support=min_support)

    def feedback_request(
        self, app_id: int, *, name: str | None = None, recipient: str | None = None
    ) -> str:
        """A short, polite email asking for feedback, with questions from the gaps."""
        return feedback_email(self.get(app_id), name=name, recipient=recipient)

    def _missing(self, app_id: int) -> JournalError:
        return JournalError(
            f"no application #{app_id} in the journal {self.path}; 'match journal list' shows them"
        )


_APPLICATION_COLUMNS = [
    "id",
    "applied_on",
    "title",
    "company",
    "field",
    "outcome",
    "reached_interview",
    "fit",
    "verdict",
    "gaps",
    "cv_version",
    "url",
    "updated_at",
]
_CONTEXT_COLUMNS = [
    "id",
    "applied_on",
    "title",
    "field",
    "outcome",
    "reached_interview",
    "fit",
    "verdict",
]
_GAP_COLUMNS = ["skill", "kind", "importance", "gate", "closest"]
_STRENGTH_COLUMNS = ["skill", "strength", "score", "importance"]


def _context(a: Application) -> dict[str, Any]:
    return {
        "id": a.id,
        "applied_on": a.applied_on,
        "title": a.title,
        "field": a.field,
        "outcome": a.outcome,
        "reached_interview": a.reached_interview,
        "fit": a.fit,
        "verdict": a.verdict,
    }


# -- guarding the file -----------------------------------------------------------------


def _refuse_foreign(path: Path) -> None:
    """Refuse, without writing a byte, a file that is not (or not yet) our journal."""
    if path.is_dir():
        raise JournalError(f"{path} is a folder; give the journal a file path")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError as error:
        raise JournalError(f"cannot read the journal {path}: {error.strerror}") from error
    if size == 0:
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(100)
    except OSError as error:
        raise JournalError(f"cannot read the journal {path}: {error.strerror}") from error
    if not head.startswith(_SQLITE_MAGIC):
        raise JournalError(
            f"{path} is not a journal (not an SQLite database); it was left untouched."
            " Move it aside or give another path with --journal"
        )
    # The application id sits at byte 68 of the header: a database marked by another
    # program is refused before SQLite even opens it.
    marked = int.from_bytes(head[68:72], "big") if len(head) >= 72 else 0
    if marked not in (0, APPLICATION_ID):
        raise _foreign(path)
    try:
        # mode=ro: looking must not change the file (not even switch it to WAL). The
        # ordinary locking stays on, so a journal another process is writing reads whole.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            app_id, version = _header(conn)
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app_id != APPLICATION_ID and (app_id or tables):
                raise _foreign(path)
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise _damaged(path, str(error)) from error
    if check != "ok":
        raise _damaged(path, check)
    if version > len(MIGRATIONS):
        raise _too_new(path, version)


def _header(conn: sqlite3.Connection) -> tuple[int, int]:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return int(app_id), int(version)


def _foreign(path: Path) -> JournalError:
    return JournalError(
        f"{path} is an SQLite database but not a strengths-matcher journal; it was left"
        " untouched. Give the journal another path with --journal"
    )


def _damaged(path: Path, detail: str) -> JournalError:
    return JournalError(
        f"the journal {path} is damaged ({detail}); it was left untouched. Move it aside and"
        " start a new one, or import your last export with 'match journal import'"
    )


def _too_new(path: Path, version: int) -> JournalError:
    return JournalError(
        f"the journal {path} was written by a newer strengths-matcher (schema {version}; this"
        f" version reads up to {len(MIGRATIONS)}); it was left untouched. Upgrade"
        " strengths-matcher to open it"
    )


# -- rows and records ------------------------------------------------------------------


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _iso_date(value: str | date, what: str) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError as error:
        raise JournalError(f"{what}: {value!r} is not a date; write it as YYYY-MM-DD") from error


def _optional(value: str | None) -> str | None:
    """Optional text: blank is absent, so every format stores it the same way."""
    return value if value and value.strip() else None


def _outcome(value: str) -> Outcome:
    if value not in OUTCOMES:
        raise JournalError(f"unknown outcome {value!r}; use one of {', '.join(OUTCOMES)}")
    return cast(Outcome, value)


def _check_report(report: Any, where: str) -> None:
    if not isinstance(report, Mapping):
        raise JournalError(f"{where} is not a match report (expected MatchReport.to_dict())")
    missing = [
        k for k in ("fit", "verdict", "requirements", "gaps", "lead_with") if k not in report
    ]
    if missing:
        raise JournalError(f"{where} is not a match report: it has no {', '.join(missing)}")
    if report["verdict"] not in VERDICT_RANK:
        raise JournalError(f"{where} has an unknown verdict {report['verdict']!r}")


def _insert(conn: sqlite3.Connection, row: Mapping[str, Any]) -> int:
    columns = [c for c in EXPORT_COLUMNS if c not in ("events", "report")]
    values = [row[c] for c in columns]
    if row["id"] is None:
        columns, values = columns[1:], values[1:]
    columns.append("report")
    values.append(json.dumps(row["report"], ensure_ascii=False))
    cursor = conn.execute(
        f"INSERT INTO applications ({', '.join(columns)}) VALUES ({', '.join('?' * len(values))})",
        values,
    )
    new_id = int(cursor.lastrowid or 0)
    conn.executemany(
        'INSERT INTO events (application_id, outcome, "on", recorded_at) VALUES (?, ?, ?, ?)',
        [(new_id, e["outcome"], e["on"], e["recorded_at"]) for e in row["events"]],
    )
    return new_id


def _application(row: sqlite3.Row, events: list[Event]) -> Application:
    values = {name: row[name] for name in EXPORT_COLUMNS if name not in ("events", "report")}
    return Application(**values, events=tuple(events), report=json.loads(row["report"]))


def _check_record(record: Mapping[str, Any], where: str) -> dict[str, Any]:
    """An exported record made safe to insert; a clear error names what is wrong."""
    if not isinstance(record, Mapping):
        raise JournalError(f"{where} is not a journal record")
    missing = [c for c in EXPORT_COLUMNS if c not in record]
    if missing:
        raise JournalError(
            f"{where} is not a journal record: it has no {', '.join(missing)};"
            " import files written by 'match journal export'"
        )
    row = {c: record[c] for c in EXPORT_COLUMNS}
    try:
        row["id"] = None if row["id"] in (None, "") else int(row["id"])
        row["fit"] = float(row["fit"])
    except (TypeError, ValueError) as error:
        raise JournalError(f"{where}: id and fit must be numbers ({error})") from error
    for name in EXPORT_COLUMNS:
        if name in ("id", "fit", "events", "report"):
            continue
        value = row[name]
        if value is not None and not isinstance(value, str):
            raise JournalError(f"{where}: {name} must be text, not {type(value).__name__}")
        if name in _OPTIONAL_TEXT:
            row[name] = _optional(value)
        elif not value:
            raise JournalError(f"{where}: {name} is empty")
    row["outcome"] = _outcome(row["outcome"])
    row["applied_on"] = _iso_date(row["applied_on"], f"{where}: applied_on")
    _check_report(row["report"], f"{where}: report")
    events = row["events"]
    if not isinstance(events, list) or not all(
        isinstance(e, Mapping) and {"outcome", "on", "recorded_at"} <= set(e) for e in events
    ):
        raise JournalError(f"{where}: events must be a list of {{outcome, on, recorded_at}}")
    for event in events:
        _outcome(event["outcome"])
    return row


def export_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The export format: given, or from the file's suffix."""
    if format:
        if format not in set(EXPORT_FORMATS.values()):
            raise JournalError(f"unknown format {format!r}; use csv, jsonl or parquet")
        return format
    suffix = Path(path).suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise JournalError(
            f"cannot tell the format of {path} from its name; end it in .csv, .jsonl or"
            " .parquet, or give --format"
        )
    return EXPORT_FORMATS[suffix]


def write_records(
    records: Sequence[Mapping[str, Any]], path: str | os.PathLike[str], *, format: str | None = None
) -> None:
    """Write records to a file in one go: a failed export leaves no half-written file."""
    kind = export_format(path, format)
    target = Path(path)
    if kind == "parquet":
        payload = _parquet_bytes(records)
    else:
        payload = (_csv_text(records) if kind == "csv" else _jsonl_text(records)).encode("utf-8")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.replace(temporary, target)
    except OSError as error:
        raise JournalError(f"cannot write {target}: {error.strerror}") from error


def dump_records(records: Sequence[Mapping[str, Any]], format: str) -> str:
    """Records as CSV or JSONL text (for printing to stdout)."""
    kind = export_format("-", format)
    if kind == "parquet":
        raise JournalError("Parquet is binary; write it to a file, not to stdout")
    return _csv_text(records) if kind == "csv" else _jsonl_text(records)


def read_records(
    path: str | os.PathLike[str], *, format: str | None = None
) -> list[dict[str, Any]]:
    """The records in an export file, as plain data."""
    kind = export_format(path, format)
    source = Path(path)
    if not source.is_file():
        raise JournalError(f"{source} does not exist")
    if kind == "parquet":
        return _read_parquet(source)
    try:
        text = source.read_bytes().decode("utf-8-sig")  # keeps \r\n inside CSV cells
    except UnicodeDecodeError as error:
        raise JournalError(f"{source} is not a {kind.upper()} export (not UTF-8 text)") from error
    return _read_csv(text, source) if kind == "csv" else _read_jsonl(text, source)


def _flat(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record with its nested events and report as JSON text (CSV and Parquet cells)."""
    flat = {c: record[c] for c in EXPORT_COLUMNS}
    flat["events"] = json.dumps(record["events"], ensure_ascii=False)
    flat["report"] = json.dumps(record["report"], ensure_ascii=False)
    return flat


def _unflat(flat: dict[str, Any], where: str) -> dict[str, Any]:
    for name in ("events", "report"):
        try:
            flat[name] = json.loads(flat[name]) if isinstance(flat[name], str) else flat[name]
        except json.JSONDecodeError as error:
            raise JournalError(f"{where}: {name} is not valid JSON ({error.msg})") from error
    return flat


def _jsonl_text(records: Sequence[Mapping[str, Any]]) -> str:
    return "".join(json.dumps(dict(r), ensure_ascii=False) + "\n" for r in records)


def _read_jsonl(text: str, source: Path) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise JournalError(f"{source}:{number}: not a JSON line ({error.msg})") from error
    return records


def _csv_text(records: Sequence[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    # RFC 4180's \r\n terminator also makes the writer quote cells holding a bare \r.
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        flat = _flat(record)
        flat["fit"] = repr(flat["fit"])  # repr round-trips a float exactly
        writer.writerow(flat)
    return out.getvalue()


def _read_csv(text: str, source: Path) -> list[dict[str, Any]]:
    # CVs and postings can be long; the default 128 KiB cell limit is too small.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in EXPORT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise JournalError(
            f"{source} is not a journal export: it has no column {', '.join(missing)}"
        )
    try:
        rows = list(reader)
    except csv.Error as error:
        raise JournalError(f"{source} is not valid CSV ({error})") from error
    return [_unflat(dict(row), f"{source}:{n}") for n, row in enumerate(rows, 2)]


def _parquet_bytes(records: Sequence[Mapping[str, Any]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            (c, pa.int64() if c == "id" else pa.float64() if c == "fit" else pa.string())
            for c in EXPORT_COLUMNS
        ]
    )
    flats = [_flat(r) for r in records]
    table = pa.Table.from_pylist(flats, schema=schema)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def _read_parquet(source: Path) -> list[dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(source)
    except (pa.ArrowException, OSError) as error:
        raise JournalError(f"{source} is not a Parquet journal export ({error})") from error
    missing = [c for c in EXPORT_COLUMNS if c not in table.column_names]
    if missing:
        raise JournalError(
            f"{source} is not a journal export: it has no column {', '.join(missing)}"
        )
    return [_unflat(row, f"{source} row {n}") for n, row in enumerate(table.to_pylist(), 1)]


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


def reflect(applications: Sequence[Application], *, min_support: int = 2) -> Reflection:
    """Patterns across applications; each pattern names the applications it rests on.

    Groups: *reached interview* (ever had an interview or offer); *rejected without
    interview* (rejected and never interviewed). A pattern that compares groups needs
    at least ``min_support`` applications behind it.
    """
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
    patterns = [
        *_fit_by_outcome(apps),
        *_poor_fit_time(apps),
        *_recurring_gaps(apps, min_support),
        *_interview_strengths(apps, min_support),
        *_poor_fit_areas(apps, min_support),
        *_lifts(apps),
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


def _interview_strengths(apps: list[Application], min_support: int) -> Iterator[Pattern]:
    reached, rejected = _groups(apps)
    if not reached:
        return
    if len(reached) < min_support:
        led = sorted({item["requirement"] for a in reached for item in a.lead_with}, key=_key)
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
    in_reached = _skills_in(reached, "lead_with", "requirement")
    in_rejected = _skills_in(rejected, "lead_with", "requirement")
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
        from matcher.core import SkillMatch
        from matcher.documents import Evidence, Requirement, Strength

        self.keys: list[str] = []
        self.matches: list[SkillMatch] = []
        self.prepared: list[SkillMatch] = []
        for row in report["requirements"]:
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
            self.matches.append(
                SkillMatch(
                    need, have, float(row["score"]), method, row["status"], row.get("gate_met")
                )
            )
            gate_met = True if row.get("gate") else None
            self.prepared.append(SkillMatch(need, have, 100.0, method, "match", gate_met))

    def __call__(self, prepared: Iterable[str] = ()) -> tuple[float, str]:
        from matcher.core import fit_and_verdict

        chosen = set(prepared)
        matches = tuple(
            ready if key in chosen else as_is
            for key, as_is, ready in zip(self.keys, self.matches, self.prepared)
        )
        return fit_and_verdict(matches)


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


def _lifts(apps: list[Application]) -> Iterator[Pattern]:
    """Per gap, the rejected applications that preparing it would have lifted a verdict.

    Every gap that lifts an application on its own counts for it (ties are all shown);
    where no single gap is enough, the few that together would are counted.
    """
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

    def rank(keys: list[str]) -> tuple[int, int, str]:
        by_app = lifted[keys[0]]
        return -len(by_app), sum(bool(p) for _, p in by_app.values()), keys[0]

    for keys in sorted(groups.values(), key=rank)[:6]:
        by_app = lifted[keys[0]]
        told = [
            f"#{app_id} to {verdict}"
            + (f" with {' and '.join(names.get(k, k) for k in partners)}" if partners else "")
            for app_id, (verdict, partners) in sorted(by_app.items())
        ]
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
            f" {len(rejected)} rejected ones that were not strong fits ({'; '.join(told)}).",
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


# -- asking for feedback ---------------------------------------------------------------

_GATE_WORDS = {"licence": "licence", "certification": "certification", "degree": "degree"}


def _question(gap: Mapping[str, Any], related: bool) -> str | None:
    """The question a gap raises; ``related``: its closest strength is a known relative
    in the vocabulary (a fuzzy look-alike may be a coincidence, so it is not named)."""
    skill, gate = gap["skill"], gap.get("gate")
    if gate in ("work_authorisation", "clearance"):
        return None
    if gate == "years" and gap.get("years"):
        return (
            f"The role asked for {gap['years']}+ years of {skill}. How much did the years weigh"
            " against the rest of my experience?"
        )
    if gate in _GATE_WORDS:
        return (
            f"Was the {skill} {_GATE_WORDS[gate]} a firm requirement, or would you consider"
            " someone who is working towards it?"
        )
    if gap.get("kind") == "prepare" and gap.get("closest") and related:
        return (
            f"I have experience with {gap['closest']}; did that come across as relevant to"
            f" {skill}, or were you looking for {skill} itself?"
        )
    return (
        f"How important was {skill} in your decision, and what level of experience with it"
        " would have made a difference?"
    )


def _question_order(gap: Mapping[str, Any]) -> tuple[bool, int]:
    """Required gaps first; among them a missing licence or degree, then something near
    (a concrete question), then plain missing skills, and years last: a question about
    years can only be asked once without sounding defensive."""
    gate, kind = gap.get("gate"), gap.get("kind")
    rank = 0 if gate in _GATE_WORDS else 3 if gate == "years" else 1 if kind == "prepare" else 2
    return gap.get("importance") != "required", rank


def feedback_questions(application: Application, *, most: int = 2) -> list[str]:
    """Up to ``most`` questions about an application's gaps, most telling first."""
    methods = {r["skill"]: r.get("method") or "" for r in application.report["requirements"]}
    questions: list[str] = []
    asked_years = False
    for gap in sorted(application.gaps, key=_question_order):
        method = methods.get(gap["skill"], "")
        question = _question(gap, method.startswith("taxonomy") or method == "vocabulary")
        if question is None or question in questions:
            continue
        if gap.get("gate") == "years":
            if asked_years:
                continue
            asked_years = True
        questions.append(question)
        if len(questions) == most:
            break
    return questions


def feedback_email(
    application: Application, *, name: str | None = None, recipient: str | None = None
) -> str:
    """A short, polite feedback request: two gap questions and one open question."""
    a = application
    role = f"the {a.title} role" + (f" at {a.company}" if a.company else "")
    questions = feedback_questions(a)
    if len(questions) < 2:
        questions.append("Which parts of the role did you feel my experience did not yet cover?")
    questions.append(
        "Is there anything in how I presented my experience that would have made my"
        " application stronger?"
    )
    applied = date.fromisoformat(a.applied_on)
    when = f"{applied.day} {applied:%B %Y}"
    if a.outcome == "rejected" and a.reached_interview:
        opening = (
            f"Thank you for interviewing me for {role}, and for letting me know your decision."
        )
    elif a.outcome == "rejected":
        opening = (
            f"Thank you for letting me know your decision on my application for {role},"
            f" which I sent on {when}."
        )
    else:
        opening = f"Thank you for considering my application for {role}, sent on {when}."
    body = [
        f"Subject: Feedback on my application for {a.title}",
        "",
        f"Dear {recipient or 'Hiring team'},",
        "",
        opening,
        "",
        "If you have a few minutes, I would be grateful for brief feedback to help me with"
        " future applications. In particular:",
        "",
        *(f"{n}. {q}" for n, q in enumerate(questions, 1)),
        "",
        "Even a short answer would help a great deal. Thank you again for your time.",
        "",
        "Kind regards,",
        name or "[Your name]",
    ]
    return "\n".join(body)

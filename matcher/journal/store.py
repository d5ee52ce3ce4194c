"""The journal's store: one SQLite file, its migrations, and the ``Journal`` over it.

One SQLite file (standard library ``sqlite3``) in the per-user data directory, or where
``STRENGTHS_MATCHER_JOURNAL`` or ``Journal(path)`` says. Writes run in ``BEGIN IMMEDIATE``
transactions on a WAL database, so two processes can record at once; the schema version
lives in ``PRAGMA user_version`` and grows through ``MIGRATIONS``; a file that is not our
journal (corrupt, or another program's database) is refused and never written to.
Queries come back as pandas DataFrames.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from matcher.errors import JournalError
from matcher.journal.exchange import _OPTIONAL_TEXT, EXPORT_COLUMNS, read_records, write_records
from matcher.journal.feedback import feedback_email
from matcher.journal.records import (
    _SQLITE_MAGIC,
    APPLICATION_ID,
    BUSY_TIMEOUT_SECONDS,
    OUTCOMES,
    VERDICT_RANK,
    Application,
    Event,
    ImportResult,
    Outcome,
    cv_version,
    default_path,
    posting_field,
)
from matcher.journal.reflect import Reflection, reflect

if TYPE_CHECKING:
    from matcher.understand.documents import Posting, Profile
    from matcher.understand.vocabulary import Vocabulary

if TYPE_CHECKING:
    import pandas as pd

    from matcher.fit.core import MatchReport

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
        #: True when the journal can be read but not written (file or folder read-only).
        self.read_only = _read_only(self.path)
        if self.read_only:
            return self._connect_read_only()
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

    def _connect_read_only(self) -> sqlite3.Connection:
        """A journal we may not write: read it as it is (no WAL switch, no migration)."""
        conn = _open_read_only(self.path)
        conn.row_factory = sqlite3.Row
        app_id, version = _header(conn)
        if app_id != APPLICATION_ID or version != len(MIGRATIONS):
            conn.close()
            raise JournalError(
                f"the journal {self.path} is read-only and needs an upgrade this version must"
                " write; make it writable (check its permissions) and run the command again"
            )
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
        if self.read_only:
            raise JournalError(
                f"cannot write the journal {self.path}: it is read-only (the file or its"
                " folder); it can still be listed and shown. Check its permissions, or use"
                " another --journal"
            )
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
            from matcher.fit.core import match

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
        _check_id(app_id)
        for name, value in changes.items():
            changes[name] = _text(value)
        with self._transaction() as conn:
            current = (
                conn.execute("SELECT outcome FROM applications WHERE id = ?", (app_id,)).fetchone()
                if _storable_id(app_id)
                else None
            )
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
            if column == "id":
                for value in values:
                    _check_id(value)
                values = [v for v in values if _storable_id(v)]  # others cannot be here
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
                    and _storable_id(record["id"])
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
        conn = _open_read_only(path)
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


def _read_only(path: Path) -> bool:
    """Whether the journal exists but this process may not write it or its folder (SQLite
    needs the folder for its WAL files)."""
    if not path.is_file():
        return False
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK))


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection; ``immutable`` where SQLite cannot make its WAL index beside
    the file (a read-only folder), which only a read-only journal allows."""
    uri = path.resolve().as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        if not _read_only(path):
            raise
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)


_SURROGATE = re.compile("[\ud800-\udfff]")
#: SQLite's INTEGER: ids outside it cannot be in the journal.
_MAX_ID = 2**63 - 1


def _text(value: Any) -> Any:
    """Text SQLite can store (UTF-8): a lone surrogate (a non-UTF-8 byte in an argument,
    an escape in an imported file) becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def _check_id(app_id: Any) -> None:
    if isinstance(app_id, bool) or not isinstance(app_id, int):
        raise TypeError(f"an application id is an int, not {type(app_id).__name__}")


def _storable_id(app_id: int) -> bool:
    return 0 < app_id <= _MAX_ID


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
    values = [_text(row[c]) for c in columns]
    if row["id"] is None or not _storable_id(row["id"]):
        columns, values = columns[1:], values[1:]
    columns.append("report")
    values.append(_text(json.dumps(row["report"], ensure_ascii=False)))
    cursor = conn.execute(
        f"INSERT INTO applications ({', '.join(columns)}) VALUES ({', '.join('?' * len(values))})",
        values,
    )
    new_id = int(cursor.lastrowid or 0)
    conn.executemany(
        'INSERT INTO events (application_id, outcome, "on", recorded_at) VALUES (?, ?, ?, ?)',
        [(new_id, e["outcome"], _text(e["on"]), _text(e["recorded_at"])) for e in row["events"]],
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
    row = {c: _text(record[c]) for c in EXPORT_COLUMNS}
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

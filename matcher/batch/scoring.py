"""Scoring chunks of posting records against one profile, as result rows.

:func:`score_chunk` scores a list of records with one batched ``nlp.pipe`` stream and
``match()``, turning every bad posting into a row with an ``error`` instead of stopping.
Engines (``matcher.batch.engines``) only decide where it runs.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from matcher.batch.records import CHUNK_SIZE, PostingRecord, _internal, chunked
from matcher.errors import InputError, MatcherError

if TYPE_CHECKING:
    from matcher.fit.core import MatchReport
    from matcher.understand.documents import Posting, Profile
    from matcher.understand.vocabulary import Vocabulary


#: Columns of one result row, in the order files and frames show them.
ROW_COLUMNS = (
    "id",
    "title",
    "company",
    "url",
    "source",
    "fit",
    "verdict",
    "top_matches",
    "top_gaps",
    "n_requirements",
    "n_required",
    "n_matched",
    "field",
    "gains",
    "profile",
    "error",
)
#: How many matches and gaps a row names.
TOP = 3

_UNLEARNABLE_GATES = frozenset({"work_authorisation", "clearance"})


@dataclass(frozen=True)
class ScoredPosting:
    """The result for one posting: a ranked row, plus its requirements on request."""

    id: str
    source: str
    profile: str
    title: str | None = None
    company: str | None = None
    url: str | None = None
    fit: float | None = None
    verdict: str | None = None
    top_matches: tuple[str, ...] = ()
    top_gaps: tuple[str, ...] = ()
    n_requirements: int = 0
    n_required: int = 0
    n_matched: int = 0
    field: str | None = None
    gains: tuple[tuple[str, float], ...] = ()
    error: str | None = None
    requirements: tuple[dict[str, Any], ...] = dataclasses.field(
        default=(), compare=False, repr=False
    )

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data (lists for matches, gaps and gains)."""
        return {
            "id": self.id,
            "title": self.title,
            "company": self.company,
            "url": self.url,
            "source": self.source,
            "fit": self.fit,
            "verdict": self.verdict,
            "top_matches": list(self.top_matches),
            "top_gaps": list(self.top_gaps),
            "n_requirements": self.n_requirements,
            "n_required": self.n_required,
            "n_matched": self.n_matched,
            "field": self.field,
            "gains": dict(self.gains),
            "profile": self.profile,
            "error": self.error,
        }

    def to_row(self) -> dict[str, Any]:
        """The flat row written to CSV, JSONL and Parquet and shown in frames.

        Matches and gaps are joined with "; " and gains are a JSON object, so every
        format holds the same strings and a file read back gives the same frame.
        """
        row = self.to_dict()
        row["top_matches"] = "; ".join(self.top_matches) or None
        row["top_gaps"] = "; ".join(self.top_gaps) or None
        row["gains"] = json.dumps(dict(self.gains), ensure_ascii=False)
        return {key: _one_line(value) for key, value in row.items()}


def _one_line(value: Any) -> Any:
    # Rows are one line each in CSV and JSONL, which is what lets an interrupted file be
    # cut back to its last complete row.
    if not isinstance(value, str):
        return value
    # A lone surrogate (from a JSON table's escapes) cannot be written as UTF-8.
    return " ".join(value.encode("utf-8", "replace").decode("utf-8").split())


# --------------------------------------------------------------------------- scoring


def score_chunk(
    profile: Profile,
    records: Sequence[PostingRecord],
    *,
    vocabulary: Vocabulary | None = None,
    requirements: bool = False,
    taxonomy: str | None = None,
) -> list[ScoredPosting]:
    """Score records against a profile: one ``nlp.pipe`` stream, one row per record.

    Unreadable, empty and requirement-less postings become rows with ``error``; an
    unexpected failure inside the parser is retried posting by posting so that only
    the posting that causes it is lost (as an error row), never its neighbours.
    """
    from matcher.understand.documents import load_postings
    from matcher.understand.vocabulary import shipped_vocabulary

    vocabulary = vocabulary or shipped_vocabulary()
    read = [record.read() for record in records]
    good = [r for r in read if r.error is None]
    try:
        parsed: list[Any] = list(
            load_postings(
                [(r.id, r.text or "") for r in good], vocabulary=vocabulary, taxonomy=taxonomy
            )
        )
    except Exception:
        parsed = [_parse_one(r, vocabulary, taxonomy) for r in good]
    outcomes = iter(parsed)
    return [
        _score_one(
            profile,
            record,
            next(outcomes) if record.error is None else InputError(record.error),
            vocabulary,
            requirements,
            taxonomy,
        )
        for record in read
    ]


def _parse_one(record: PostingRecord, vocabulary: Vocabulary, taxonomy: str | None) -> Any:
    from matcher.understand.documents import load_postings

    try:
        pairs = [(record.id, record.text or "")]
        return next(load_postings(pairs, vocabulary=vocabulary, taxonomy=taxonomy))
    except Exception as error:  # a parser bug must cost one posting, not the run
        return _internal(error)


def _score_one(
    profile: Profile,
    record: PostingRecord,
    outcome: Posting | MatcherError,
    vocabulary: Vocabulary,
    requirements: bool,
    taxonomy: str | None = None,
) -> ScoredPosting:
    from matcher.fit.core import match
    from matcher.understand.documents import lookup_vocabulary

    if isinstance(outcome, MatcherError):
        return _failed(profile, record, str(outcome))
    try:
        report = match(profile, outcome, vocabulary=vocabulary, taxonomy=taxonomy)
        # Fields and categories come from the vocabulary that named the skills.
        names = lookup_vocabulary(vocabulary, taxonomy)
    except Exception as error:  # as above: one posting lost, with the reason in its row
        return _failed(profile, record, str(_internal(error)))
    return scored_from_report(report, record, names, requirements=requirements, posting=outcome)


def _failed(profile: Profile, record: PostingRecord, message: str) -> ScoredPosting:
    return ScoredPosting(
        id=record.id,
        source=record.source,
        profile=profile.name,
        title=record.title,
        company=record.company,
        url=record.url,
        error=message,
    )


def scored_from_report(
    report: MatchReport,
    record: PostingRecord,
    vocabulary: Vocabulary,
    *,
    requirements: bool = False,
    posting: Posting | None = None,
) -> ScoredPosting:
    """The row (and optionally requirement rows) for one ``MatchReport``.

    With the ``posting`` it was scored on, a company the posting's text names fills an
    empty ``company``, and the skills it mentions anywhere break ties of ``field``.
    """
    from matcher.batch.company import company_named
    from matcher.fit.two_sided import gain_if_met

    matches = report.matches
    gains: dict[str, float] = {}
    rows: list[dict[str, Any]] = []
    for m in matches:
        need = m.requirement
        gain = 0.0
        if m.status != "match" and need.gate not in _UNLEARNABLE_GATES and report.parts:
            gain = gain_if_met(m, report.parts)
            gains[need.skill] = gains.get(need.skill, 0.0) + gain
        if requirements:
            known = vocabulary.skills.get(need.canonical) if need.canonical else None
            rows.append(
                {
                    "id": record.id,
                    **m.to_dict(),
                    "field": known.field if known else None,
                    "credit": round(m.credit, 4),
                    "gain": round(gain, 2),
                }
            )
    required = [m for m in matches if m.requirement.importance == "required"]
    return ScoredPosting(
        id=record.id,
        source=record.source,
        profile=report.profile,
        title=record.title or report.title or None,
        company=record.company or (company_named(posting.text) if posting else None),
        url=record.url,
        fit=report.fit,
        verdict=report.verdict,
        top_matches=tuple(m.requirement.skill for m in report.lead_with[:TOP]),
        top_gaps=tuple(g.requirement.skill for g in report.gaps[:TOP]),
        n_requirements=len(matches),
        n_required=len(required),
        n_matched=sum(m.status == "match" for m in required),
        field=_field(report, vocabulary, posting),
        gains=tuple(
            sorted(
                ((skill, round(g, 1)) for skill, g in gains.items() if round(g, 1) > 0),
                key=lambda kv: (-kv[1], kv[0]),
            )
        ),
        requirements=tuple(rows),
    )


def _field(
    report: MatchReport, vocabulary: Vocabulary, posting: Posting | None = None
) -> str | None:
    """The field of work a posting is in: where most of its requirements' weight lies.

    The cross-cutting files (certifications, languages, transferable skills) are no field
    of work: a nurse's licence or an electrician's ECS card says "certifications", which
    tells the person nothing; they count only when nothing else is known (not even in
    the posting's other words). Ties go to the field the posting mentions most anywhere
    (an IT project manager's Agile and Scrum tie with budgeting; SharePoint, Azure and
    Windows in the job purpose decide).
    """
    from matcher.journal.records import CROSS_CUTTING_FIELDS

    mentioned: Counter[str] = Counter(
        vocabulary.skills[m.skill].field
        for m in (posting.mentions if posting else ())
        if m.skill in vocabulary.skills
    )
    for cross_cutting in (False, True):
        weight: dict[str, float] = defaultdict(float)
        for m in report.matches:
            known = vocabulary.skills.get(m.requirement.canonical or "")
            if known and (known.field in CROSS_CUTTING_FIELDS) == cross_cutting:
                weight[known.field] += m.requirement.weight
        if weight:
            return min(weight, key=lambda f: (-round(weight[f], 6), -mentioned[f], f))
        # Only licences and soft skills asked for: the posting's other words tell.
        work = {f: n for f, n in mentioned.items() if f not in CROSS_CUTTING_FIELDS}
        if work and not cross_cutting:
            return min(work, key=lambda f: (-work[f], f))
    return None


def score_records(
    profile: Profile,
    records: Iterable[PostingRecord],
    *,
    vocabulary: Vocabulary | None = None,
    requirements: bool = False,
    chunk_size: int = CHUNK_SIZE,
    taxonomy: str | None = None,
) -> Iterator[list[ScoredPosting]]:
    """Score records in this process, a chunk at a time, as a stream (no engine)."""
    for chunk in chunked(records, chunk_size):
        yield score_chunk(
            profile, chunk, vocabulary=vocabulary, requirements=requirements, taxonomy=taxonomy
        )

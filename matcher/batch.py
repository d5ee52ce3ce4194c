"""Batch scoring: many postings against one profile, as records, rows and DataFrames.

This is the engine-free core of ``match batch``. Sources (files, folders, globs and
tables) become :class:`PostingRecord` s with stable ids; :func:`score_chunk` scores a
list of records with one batched ``nlp.pipe`` stream and ``matcher.core.match``, turning
every bad posting into a row with an ``error`` instead of stopping; :func:`refine`
summarises many results ("refine your search"). Engines (``matcher.engines``) only
decide where ``score_chunk`` runs.
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.errors import InputError, MatcherError

if TYPE_CHECKING:
    import pandas as pd

    from matcher.core import MatchReport
    from matcher.documents import Posting, Profile
    from matcher.vocabulary import Vocabulary

#: Extensions read as tables of postings (one posting per row).
TABLE_EXTENSIONS = frozenset({".csv", ".jsonl", ".ndjson", ".parquet"})
#: Extensions picked up when a folder is given (tables are picked up too).
DOCUMENT_EXTENSIONS = frozenset(
    {".txt", ".text", ".md", ".markdown", ".pdf", ".docx", ".html", ".htm", ".xhtml", ".rtf"}
)
#: Columns tried, in order, for a table's posting text, id, title, company and URL.
TEXT_COLUMNS = ("text", "description", "posting", "body", "content", "job_description")
ID_COLUMNS = ("id", "posting_id", "job_id")
TITLE_COLUMNS = ("title", "job_title")
COMPANY_COLUMNS = ("company", "employer", "company_name")
URL_COLUMNS = ("url", "link", "href")

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
#: Postings per ``score_chunk`` call: one ``nlp.pipe`` group in ``extract_many``.
CHUNK_SIZE = 16
# Gates that no course or project closes, so they are never offered as things to learn.
_UNLEARNABLE_GATES = frozenset({"work_authorisation", "clearance"})
_TABLE_READ_ROWS = 2048


@dataclass(frozen=True)
class PostingRecord:
    """One posting to score: its stable id, where it came from, and its text or path.

    A record whose source could not be read carries the reason in ``error`` and is
    reported as a failed row rather than dropped.
    """

    id: str
    source: str
    text: str | None = None
    path: str | None = None
    title: str | None = None
    company: str | None = None
    url: str | None = None
    error: str | None = None

    def read(self) -> PostingRecord:
        """This record with its file's text read in (or the read error recorded)."""
        if self.text is not None or self.error is not None or self.path is None:
            return self
        from matcher.reading import read_document

        try:
            return replace(self, text=read_document(self.path))
        except MatcherError as error:
            return replace(self, error=str(error))
        except Exception as error:  # a reader bug must cost one posting, not the run
            return replace(self, error=str(_internal(error)).replace("scoring", "reading"))


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


# --------------------------------------------------------------------------- sources


def content_id(text: str) -> str:
    """A stable id for a posting with no id or path: a hash of its text."""
    return "sha1:" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def expand_sources(sources: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named by the arguments: files as given, folders recursively, globs expanded.

    A missing path is kept (it becomes a failed row naming it); a glob matching
    nothing is an error, since it is almost always a typing mistake.
    """
    found: list[Path] = []
    for source in sources:
        text = os.fspath(source)
        path = Path(text)
        if _is_dir(path):
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                    and p.suffix.lower() in DOCUMENT_EXTENSIONS | TABLE_EXTENSIONS
                )
            )
        elif not _exists(path) and glob.has_magic(text):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True))
            files = [p for p in matches if p.is_file()]
            if not files:
                raise InputError(f"no files match {text}; check the pattern")
            found.extend(files)
        else:
            found.append(path)
    return found


# Longer strings are not file names on any common system (Linux PATH_MAX is 4096).
_LONGEST_PATH = 4096


def _is_dir(path: Path) -> bool:
    """Whether a path is a folder; False for a name the system refuses (too long), which
    then fails as a missing file, on its own row."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        return False


def iter_records(
    sources: Iterable[str | os.PathLike[str]],
    *,
    text_column: str | None = None,
    skip: frozenset[str] | set[str] = frozenset(),
) -> Iterator[PostingRecord]:
    """Records for every posting in ``sources`` (see :func:`expand_sources`), in order.

    Ids are the table's id column, else the file path, else a hash of the text; an id
    seen twice gets ``#2``, ``#3``... so each is unique and the same on every run. Ids in
    ``skip`` (already done) are passed over without reading their files.
    """
    yield from _unique_ids(_raw_records(expand_sources(sources), text_column), skip)


def _unique_ids(records: Iterable[PostingRecord], skip: Iterable[str]) -> Iterator[PostingRecord]:
    done = set(skip)
    seen: Counter[str] = Counter()
    for record in records:
        seen[record.id] += 1
        if seen[record.id] > 1:
            record = replace(record, id=f"{record.id}#{seen[record.id]}")
        if record.id not in done:
            yield record


def _raw_records(paths: Sequence[Path], text_column: str | None) -> Iterator[PostingRecord]:
    for path in paths:
        if path.suffix.lower() in TABLE_EXTENSIONS:
            yield from table_records(path, text_column=text_column)
        else:
            yield PostingRecord(id=str(path), source=str(path), path=str(path))


def _pick(columns: Sequence[str], wanted: Sequence[str]) -> str | None:
    by_lower = {str(c).lower(): str(c) for c in columns}
    return next((by_lower[w] for w in wanted if w in by_lower), None)


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    text = str(value).strip()
    return text or None


def _table_chunks(path: Path) -> Iterator[pd.DataFrame]:
    """A table's rows in chunks of strings, so a huge table never sits in memory whole."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as parquet:
            for batch in parquet.iter_batches(batch_size=_TABLE_READ_ROWS):
                yield batch.to_pandas().astype(object)
    elif suffix == ".csv":
        yield from pd.read_csv(
            path, dtype=str, keep_default_na=False, chunksize=_TABLE_READ_ROWS, encoding="utf-8"
        )
    else:
        yield from pd.read_json(
            path, lines=True, dtype=False, chunksize=_TABLE_READ_ROWS, encoding="utf-8"
        )


def table_records(path: Path, *, text_column: str | None = None) -> Iterator[PostingRecord]:
    """One record per row of a CSV, JSONL or Parquet table with a posting-text column.

    A table that cannot be read becomes one failed record naming it; a row with an
    empty text becomes a failed row (via the scorer), so nothing goes missing silently.
    """
    name = str(path)
    try:
        chunks = _table_chunks(path)
        row_number = 0
        text_col = id_col = title_col = company_col = url_col = None
        for frame in chunks:
            if text_col is None:
                columns = [str(c) for c in frame.columns]
                text_col = _pick(columns, (text_column,) if text_column else TEXT_COLUMNS)
                if text_col is None:
                    wanted = text_column or " or ".join(TEXT_COLUMNS[:3])
                    raise InputError(
                        f"{name} has no {wanted!r} column for the posting text; name the"
                        " column with --text-column"
                    )
                id_col = _pick(columns, ID_COLUMNS)
                title_col = _pick(columns, TITLE_COLUMNS)
                company_col = _pick(columns, COMPANY_COLUMNS)
                url_col = _pick(columns, URL_COLUMNS)
            for row in frame.to_dict("records"):
                row_number += 1
                text = row.get(text_col)
                text = "" if _cell(text) is None else str(text)
                given_id = _cell(row.get(id_col)) if id_col else None
                yield PostingRecord(
                    id=given_id or content_id(text),
                    source=f"{name}:{row_number}",
                    text=text,
                    title=_cell(row.get(title_col)) if title_col else None,
                    company=_cell(row.get(company_col)) if company_col else None,
                    url=_cell(row.get(url_col)) if url_col else None,
                )
    except MatcherError as error:
        yield PostingRecord(id=name, source=name, error=str(error))
    except FileNotFoundError:
        yield PostingRecord(id=name, source=name, error=f"{name} does not exist; check the path")
    except (OSError, ValueError, UnicodeDecodeError, ImportError) as error:
        reason = " ".join(str(error).split())[:200] or error.__class__.__name__
        yield PostingRecord(
            id=name,
            source=name,
            error=f"{name} cannot be read as a table ({reason}); check its format",
        )


def count_records(sources: Iterable[str | os.PathLike[str]]) -> int | None:
    """How many records ``sources`` hold, cheaply (None if a table cannot be counted)."""
    total = 0
    for path in expand_sources(sources):
        suffix = path.suffix.lower()
        if suffix not in TABLE_EXTENSIONS:
            total += 1
            continue
        try:
            if suffix == ".parquet":
                import pyarrow.parquet as pq

                total += pq.ParquetFile(path).metadata.num_rows
            else:
                total += sum(len(frame) for frame in _table_chunks(path))
        except Exception:  # the scorer reports an unreadable table; a count is a nicety
            return None
    return total


def as_records(
    postings: Iterable[Any], *, text_column: str | None = None
) -> Iterator[PostingRecord]:
    """Records from what a library caller passes: paths, (name, text) pairs, Postings,
    DataFrames or records (see :func:`matcher.score_postings`)."""
    import pandas as pd

    def raw() -> Iterator[PostingRecord]:
        paths: list[str | os.PathLike[str]] = []
        for item in _items(postings):
            if isinstance(item, str) and ("\n" in item or len(item) > _LONGEST_PATH):
                item = (content_id(item), item)  # a posting's text, not a file's name
            if isinstance(item, (str, os.PathLike)):
                paths.append(item)
                continue
            if paths:
                yield from _raw_records(expand_sources(paths), text_column)
                paths = []
            if isinstance(item, PostingRecord):
                yield item
            elif isinstance(item, pd.DataFrame):
                yield from _frame_records(item, text_column)
            elif isinstance(item, tuple) and len(item) == 2:
                name, text = item
                yield PostingRecord(id=str(name), source=str(name), text=str(text))
            elif hasattr(item, "requirements") and hasattr(item, "text"):
                posting_name = getattr(item, "name", "<text>")
                ident = posting_name if posting_name != "<text>" else content_id(item.text)
                yield PostingRecord(id=ident, source=posting_name, text=item.text)
            else:
                raise InputError(
                    f"cannot score a {type(item).__name__}; give file paths, (name, text)"
                    " pairs, Postings or a DataFrame with a 'text' column"
                )
        if paths:
            yield from _raw_records(expand_sources(paths), text_column)

    yield from _unique_ids(raw(), ())


def _items(postings: Any) -> Iterable[Any]:
    import pandas as pd

    if isinstance(postings, (str, os.PathLike, pd.DataFrame)):
        return [postings]
    return postings


def _frame_records(frame: pd.DataFrame, text_column: str | None) -> Iterator[PostingRecord]:
    columns = [str(c) for c in frame.columns]
    text_col = _pick(columns, (text_column,) if text_column else TEXT_COLUMNS)
    if text_col is None:
        raise InputError("the DataFrame has no 'text' column; pass text_column=")
    id_col = _pick(columns, ID_COLUMNS)
    title_col, company_col = _pick(columns, TITLE_COLUMNS), _pick(columns, COMPANY_COLUMNS)
    url_col = _pick(columns, URL_COLUMNS)
    for number, row in enumerate(frame.to_dict("records"), start=1):
        text = "" if _cell(row.get(text_col)) is None else str(row[text_col])
        given_id = _cell(row.get(id_col)) if id_col else None
        yield PostingRecord(
            id=given_id or content_id(text),
            source=f"<frame>:{number}",
            text=text,
            title=_cell(row.get(title_col)) if title_col else None,
            company=_cell(row.get(company_col)) if company_col else None,
            url=_cell(row.get(url_col)) if url_col else None,
        )


def chunked(
    records: Iterable[PostingRecord], size: int = CHUNK_SIZE
) -> Iterator[list[PostingRecord]]:
    """Records in lists of ``size``: the unit of work an engine sends to a worker."""
    chunk: list[PostingRecord] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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
    from matcher.documents import load_postings
    from matcher.vocabulary import shipped_vocabulary

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
    from matcher.documents import load_postings

    try:
        pairs = [(record.id, record.text or "")]
        return next(load_postings(pairs, vocabulary=vocabulary, taxonomy=taxonomy))
    except Exception as error:  # a parser bug must cost one posting, not the run
        return _internal(error)


def _internal(error: Exception) -> MatcherError:
    return MatcherError(f"internal error while scoring ({error.__class__.__name__}: {error})")


def _score_one(
    profile: Profile,
    record: PostingRecord,
    outcome: Posting | MatcherError,
    vocabulary: Vocabulary,
    requirements: bool,
    taxonomy: str | None = None,
) -> ScoredPosting:
    from matcher.core import match
    from matcher.documents import lookup_vocabulary

    if isinstance(outcome, MatcherError):
        return _failed(profile, record, str(outcome))
    try:
        report = match(profile, outcome, vocabulary=vocabulary, taxonomy=taxonomy)
        # Fields and categories come from the vocabulary that named the skills.
        names = lookup_vocabulary(vocabulary, taxonomy)
    except Exception as error:  # as above: one posting lost, with the reason in its row
        return _failed(profile, record, str(_internal(error)))
    return scored_from_report(report, record, names, requirements=requirements)


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
) -> ScoredPosting:
    """The row (and optionally requirement rows) for one ``MatchReport``."""
    matches = report.matches
    total = sum(m.requirement.weight for m in matches)
    gains: dict[str, float] = {}
    rows: list[dict[str, Any]] = []
    for m in matches:
        need = m.requirement
        gain = 0.0
        if m.status != "match" and total and need.gate not in _UNLEARNABLE_GATES:
            gain = 100 * need.weight * (1 - m.credit) / total
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
        company=record.company,
        url=record.url,
        fit=report.fit,
        verdict=report.verdict,
        top_matches=tuple(m.requirement.skill for m in report.lead_with[:TOP]),
        top_gaps=tuple(g.requirement.skill for g in report.gaps[:TOP]),
        n_requirements=len(matches),
        n_required=len(required),
        n_matched=sum(m.status == "match" for m in required),
        field=_field(report, vocabulary),
        gains=tuple(
            sorted(
                ((skill, round(g, 1)) for skill, g in gains.items() if round(g, 1) > 0),
                key=lambda kv: (-kv[1], kv[0]),
            )
        ),
        requirements=tuple(rows),
    )


def _field(report: MatchReport, vocabulary: Vocabulary) -> str | None:
    """The field of work a posting is in: where most of its known skills' weight lies."""
    weight: dict[str, float] = defaultdict(float)
    for m in report.matches:
        known = vocabulary.skills.get(m.requirement.canonical or "")
        if known:
            weight[known.field] += m.requirement.weight
    if not weight:
        return None
    return min(weight, key=lambda f: (-weight[f], f))


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


# --------------------------------------------------------------------------- frames


def rank_key(row: dict[str, Any]) -> tuple[bool, float, str]:
    """Best fit first; failed postings last; ties by id so the order never wobbles."""
    fit = row.get("fit")
    failed = fit is None or fit != fit  # NaN from a file read back
    return (failed, -(0.0 if failed else float(fit)), str(row.get("id")))  # type: ignore[arg-type]


def postings_frame(results: Iterable[ScoredPosting | dict[str, Any]]) -> pd.DataFrame:
    """One row per posting, best fit first (columns: :data:`ROW_COLUMNS`)."""
    import pandas as pd

    rows = [r.to_row() if isinstance(r, ScoredPosting) else r for r in results]
    rows.sort(key=rank_key)
    frame = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    frame["fit"] = pd.to_numeric(frame["fit"], errors="coerce").astype("float64")
    for column in ("n_requirements", "n_required", "n_matched"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype("int64")
    for column in ROW_COLUMNS:
        if column not in ("fit", "n_requirements", "n_required", "n_matched"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.reset_index(drop=True)


REQUIREMENT_COLUMNS = (
    "id",
    "skill",
    "text",
    "canonical",
    "importance",
    "section",
    "category",
    "field",
    "years",
    "gate",
    "gate_met",
    "weight",
    "status",
    "score",
    "method",
    "best_strength",
    "credit",
    "gain",
    "posting_evidence",
    "cv_evidence",
)


def requirement_rows_frame(results: Iterable[ScoredPosting]) -> pd.DataFrame:
    """Every requirement of every posting with its best match, in long form."""
    import pandas as pd

    rows = [row for result in results for row in result.requirements]
    return pd.DataFrame(rows, columns=list(REQUIREMENT_COLUMNS))


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
    lacking: tuple[SkillAdvice, ...]
    learn: tuple[SkillAdvice, ...]
    fields: tuple[GroupFit, ...]
    titles: tuple[GroupFit, ...]
    mean_fit: float | None
    fit_after_learning: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scored": self.scored,
            "failed": self.failed,
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

    ``lacking`` ranks the skills the person lacks by how many postings ask for them;
    ``learn`` picks the ``top`` skills that would add the most fit summed over all
    postings (gains add up within a posting, so the largest totals are the best set);
    ``fit_after_learning`` is the mean fit if those were learned; ``fields`` and
    ``titles`` rank the groups of postings where the person already fits best.
    """
    scored = frame[frame["fit"].notna()]
    counts: Counter[str] = Counter()
    totals: dict[str, float] = defaultdict(float)
    for raw in scored["gains"]:
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
    after = (
        round(min(100.0, mean_fit + sum(totals[s] for s in learn) / n), 1)
        if mean_fit is not None
        else None
    )
    return Refinement(
        scored=n,
        failed=len(frame) - n,
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


# --------------------------------------------------------------------------- library API


def _profile(
    profile: Profile | str | os.PathLike[str],
    vocabulary: Vocabulary | None,
    taxonomy: str | None,
) -> Profile:
    from matcher.documents import load_profile

    if isinstance(profile, (str, os.PathLike)):
        return load_profile(profile, vocabulary=vocabulary, taxonomy=taxonomy)
    return profile


def run(
    profile: Profile | str | os.PathLike[str],
    postings: Any,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    vocabulary: Vocabulary | None = None,
    requirements: bool = False,
    text_column: str | None = None,
    taxonomy: str | None = None,
) -> Iterator[ScoredPosting]:
    """Results for ``postings`` as they are produced, on the chosen engine."""
    from matcher.engines import get_engine

    person = _profile(profile, vocabulary, taxonomy)
    records = as_records(postings, text_column=text_column)
    runner = get_engine(engine, workers=workers, scheduler=scheduler)
    for results in runner.run(
        person, records, vocabulary=vocabulary, requirements=requirements, taxonomy=taxonomy
    ):
        yield from results


def score_postings(
    profile: Profile | str | os.PathLike[str],
    postings: Any,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    vocabulary: Vocabulary | None = None,
    text_column: str | None = None,
    taxonomy: str | None = None,
) -> pd.DataFrame:
    """Score many postings against one profile: one row per posting, best fit first.

    ``profile`` is a :class:`~matcher.Profile` or a path to a CV or strengths list.
    ``postings`` is a path (file, folder, glob, or CSV/JSONL/Parquet table with a
    ``text`` column), or an iterable of paths, posting texts (a string with a line
    break is a text, not a path), ``(name, text)`` pairs, ``Posting`` s,
    or a DataFrame with a ``text`` column (and optional id, title, company, url).
    A posting that cannot be scored is a row with ``error`` set, never an exception.
    ``taxonomy`` names an imported taxonomy, as for :func:`~matcher.match`.
    ``engine="dask"`` with ``scheduler=ADDRESS`` runs on a Dask cluster; the rows are
    the same as the local engine's. Columns: :data:`ROW_COLUMNS`.
    """
    return postings_frame(
        run(
            profile,
            postings,
            engine=engine,
            workers=workers,
            scheduler=scheduler,
            vocabulary=vocabulary,
            text_column=text_column,
            taxonomy=taxonomy,
        )
    )


def requirements_frame(
    profile: Profile | str | os.PathLike[str],
    postings: Any,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    vocabulary: Vocabulary | None = None,
    text_column: str | None = None,
    taxonomy: str | None = None,
) -> pd.DataFrame:
    """Every requirement of every posting with its best match, one row each (long form).

    Takes the same arguments as :func:`score_postings`; join the two on ``id``.
    Columns: :data:`REQUIREMENT_COLUMNS` (``gain`` is the fit the posting would gain
    if the requirement were met; ``field`` is the skill's field of work).
    """
    return requirement_rows_frame(
        run(
            profile,
            postings,
            engine=engine,
            workers=workers,
            scheduler=scheduler,
            vocabulary=vocabulary,
            requirements=True,
            text_column=text_column,
            taxonomy=taxonomy,
        )
    )

"""Postings to score, as records with stable ids: files, folders, globs, tables and DataFrames.

A bad source becomes a record with an ``error``, never a stopped run; records travel in
chunks of :data:`CHUNK_SIZE`, the unit of work an engine sends to a worker.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import stat
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.errors import InputError, MatcherError
from matcher.read.document import display_name

if TYPE_CHECKING:
    import pandas as pd


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


#: Postings per ``score_chunk`` call: one ``nlp.pipe`` group in ``extract_many``.
CHUNK_SIZE = 16
# Gates that no course or project closes, so they are never offered as things to learn.

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
        from matcher.read import read_document

        try:
            return replace(self, text=read_document(self.path))
        except MatcherError as error:
            return replace(self, error=str(error))
        except Exception as error:  # a reader bug must cost one posting, not the run
            return replace(self, error=str(_internal(error)).replace("scoring", "reading"))


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
        if not text.strip():
            # Path("") is the current folder: an empty argument must not score all of it.
            raise InputError("a path of postings is empty; give a file, folder or pattern")
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
        if _SURROGATE.search(record.id):  # written as "?" it would not match on a rerun
            record = replace(record, id=record.id.encode("utf-8", "backslashreplace").decode())
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
            name = display_name(path)  # valid UTF-8 and the same on every run
            yield PostingRecord(id=name, source=name, path=str(path))


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
    for rows in _table_rows(path):
        yield rows if not isinstance(rows, list) else _frame_of(rows)


def _frame_of(rows: list[tuple[int, dict[str, Any] | str]]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([row for _, row in rows if isinstance(row, dict)])


def _refuse_special(path: Path) -> None:
    """A table must be a regular file: a FIFO or a device would block or never end."""
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise InputError(
            f"{display_name(path)} is not a regular file (a pipe or a device); save the"
            " table to a file and give that"
        )


def _table_rows(path: Path) -> Iterator[pd.DataFrame | list[tuple[int, dict[str, Any] | str]]]:
    """A table in chunks: DataFrames (Parquet), or lists of (row number, row or error).

    CSV and JSONL rows that cannot be read (a ragged CSV line, a JSONL line that is not
    JSON or not UTF-8) come out as their error, so they cost one row each, not the table.
    """
    import pandas as pd

    _refuse_special(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as parquet:
            for batch in parquet.iter_batches(batch_size=_TABLE_READ_ROWS):
                yield batch.to_pandas().astype(object)
    elif suffix == ".csv":
        reader = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            chunksize=_TABLE_READ_ROWS,
            encoding="utf-8",
            encoding_errors="replace",
            on_bad_lines="warn",
        )
        number = 0
        with reader:
            while True:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", pd.errors.ParserWarning)
                    frame = next(reader, None)
                bad = {}
                for warning in caught:
                    for line, reason in _BAD_CSV_LINE.findall(str(warning.message)):
                        bad[int(line) - 1] = reason  # pandas counts the header as line 1
                rows: list[tuple[int, dict[str, Any] | str]] = []
                for row in frame.to_dict("records") if frame is not None else []:
                    number += 1
                    while number in bad:
                        rows.append((number, bad.pop(number)))
                        number += 1
                    rows.append((number, row))
                rows.extend(sorted(bad.items()))
                number = max([number, *bad])
                if rows:
                    yield rows
                if frame is None:
                    return
    else:
        with path.open("rb") as handle:
            rows = []
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                rows.append((number, _json_row(raw)))
                if len(rows) == _TABLE_READ_ROWS:
                    yield rows
                    rows = []
            if rows:
                yield rows


_SURROGATE = re.compile("[\ud800-\udfff]")
_BAD_CSV_LINE = re.compile(r"Skipping line (\d+): ([^\n]+)")


def _json_row(raw: bytes) -> dict[str, Any] | str:
    """One JSONL line as a row, or why it is not one."""
    try:
        row = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return "it is not UTF-8 text"
    except ValueError as error:
        return f"it is not JSON ({error})"
    if not isinstance(row, dict):
        return f"it is a JSON {type(row).__name__}, not an object with a text field"
    return row


def table_records(path: Path, *, text_column: str | None = None) -> Iterator[PostingRecord]:
    """One record per row of a CSV, JSONL or Parquet table with a posting-text column.

    A table that cannot be read becomes one failed record naming it; a row with an
    empty text becomes a failed row (via the scorer), so nothing goes missing silently.
    """
    name = display_name(path)
    try:
        chunks = _table_rows(path)
        row_number = 0
        text_col = id_col = title_col = company_col = url_col = None
        for chunk in chunks:
            numbered = (
                list(enumerate(chunk.to_dict("records"), start=row_number + 1))
                if not isinstance(chunk, list)
                else chunk
            )
            for row_number, row in numbered:
                if isinstance(row, str):
                    yield PostingRecord(
                        id=f"{name}:{row_number}",
                        source=f"{name}:{row_number}",
                        error=f"{name}: row {row_number} cannot be read ({row}); fix or remove it",
                    )
                    continue
                if text_col is None or text_col not in row:
                    columns = [str(c) for c in row]
                    found = _pick(columns, (text_column,) if text_column else TEXT_COLUMNS)
                    if found is None and text_col is None:
                        wanted = text_column or " or ".join(TEXT_COLUMNS[:3])
                        raise InputError(
                            f"{name} has no {wanted!r} column for the posting text; name the"
                            " column with --text-column"
                        )
                    text_col = found or text_col
                    id_col = _pick(columns, ID_COLUMNS)
                    title_col = _pick(columns, TITLE_COLUMNS)
                    company_col = _pick(columns, COMPANY_COLUMNS)
                    url_col = _pick(columns, URL_COLUMNS)
                text = row.get(text_col) if text_col else None
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
        if row_number == 0:
            raise InputError(f"{name} holds no postings (no rows); check that it is the right file")
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
    if not isinstance(postings, Iterable):
        raise TypeError(
            f"postings must be a path, a DataFrame or an iterable of postings, not"
            f" {type(postings).__name__}"
        )
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


def _internal(error: Exception) -> MatcherError:
    return MatcherError(f"internal error while scoring ({error.__class__.__name__}: {error})")

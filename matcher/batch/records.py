"""Postings to score, as records with stable ids: files, folders, globs, tables and DataFrames.

A bad source becomes a record with an ``error``, never a stopped run; records travel in
chunks of :data:`CHUNK_SIZE`, the unit of work an engine sends to a worker.
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.errors import InputError, MatcherError

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


def _internal(error: Exception) -> MatcherError:
    return MatcherError(f"internal error while scoring ({error.__class__.__name__}: {error})")

"""Journal records exported and imported as CSV, JSONL or Parquet, with a fixed schema."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.errors import JournalError
from matcher.journal.records import EXPORT_COLUMNS
from matcher.report.csv_cells import read_cell, safe_row

if TYPE_CHECKING:
    pass
# Optional text columns: stored as NULL, never as "", so CSV's empty cell round-trips.
_OPTIONAL_TEXT = ("company", "url", "field", "notes", "feedback")
EXPORT_FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


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
        writer.writerow(safe_row(flat))  # no cell a spreadsheet would run as a formula
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
    return [
        _unflat({k: read_cell(v) for k, v in row.items()}, f"{source}:{n}")
        for n, row in enumerate(rows, 2)
    ]


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

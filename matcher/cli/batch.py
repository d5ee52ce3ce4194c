"""The ``match batch`` command: score many postings, rank them, and refine the search.

Results are written to ``--output`` as they are produced, so an interrupted run
restarted with the same arguments skips what is done; the ranked table and the
"refine your search" summary go to stdout, progress to stderr (only on a terminal).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import click

from matcher.batch.engines import ENGINES
from matcher.batch.frames import rank_key
from matcher.batch.scoring import ROW_COLUMNS
from matcher.cli.main import (
    format_option,
    profile_kind_options,
    read_input,
    reports_errors,
    taxonomy_option,
)
from matcher.errors import MatcherError, UsageError
from matcher.report.batch_text import render_errors, render_refinement, render_table
from matcher.report.csv_cells import read_cell, safe_row

OUTPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
_FLOAT_COLUMNS = frozenset({"fit"})
_INT_COLUMNS = frozenset({"n_requirements", "n_required", "n_matched"})


# --------------------------------------------------------------------------- output file


def _typed_row(raw: dict[str, Any], *, from_csv: bool = False) -> dict[str, Any]:
    """A row read back from a file, with the types it was written with."""
    row: dict[str, Any] = {}
    for column in ROW_COLUMNS:
        value = read_cell(raw.get(column)) if from_csv else raw.get(column)
        if value == "" or value is None or value != value:  # empty cell or NaN
            value = None
        elif column in _FLOAT_COLUMNS:
            value = float(value)
        elif column in _INT_COLUMNS:
            value = int(float(value))
        else:
            value = str(value)
        row[column] = value
    for column in _INT_COLUMNS:
        row[column] = row[column] or 0
    return row


def _cut_partial_line(path: Path) -> None:
    """Drop a last line left half-written by a killed run (rows are one line each)."""
    with path.open("rb+") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        block = min(size, 1 << 20)
        while True:
            handle.seek(size - block)
            data = handle.read(block)
            cut = data.rfind(b"\n")
            if cut >= 0 or block == size:
                handle.truncate(size - block + cut + 1 if cut >= 0 else 0)
                return
            block = min(size, block * 2)


class ResultFile:
    """The ``--output`` file: rows appended and flushed as they come, read back to resume.

    CSV and JSONL are appended to in place; Parquet cannot be appended to, so its rows
    go to a journal beside it (``FILE.partial.jsonl``) until the run completes. On
    completion the file is rewritten best fit first, atomically.
    """

    def __init__(self, path: Path) -> None:
        fmt = OUTPUT_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise UsageError(
                f"--output {path}: unknown format; end the name in .csv, .jsonl or .parquet"
            )
        self.path = path
        self.format = fmt
        self.journal = path.with_name(path.name + ".partial.jsonl") if fmt == "parquet" else path
        for where in {path, self.journal}:
            # A device or a pipe (a link to /dev/full) would swallow or never end the rows.
            if where.exists() and not where.is_file():
                raise UsageError(
                    f"--output {where} is not a regular file (a device, a pipe or a folder);"
                    " give the path of a .csv, .jsonl or .parquet file"
                )
        self._handle: Any = None
        self._lock: Any = None
        self._writer: Any = None
        #: Rows this run has written (and flushed to the disk).
        self.written = 0

    def lock(self) -> None:
        """Hold the output for this run: a second run writing it at once is refused, since
        each run rewrites the file from the rows it knows when it ends."""
        try:
            import fcntl
        except ImportError:  # not on a POSIX system: no advisory locks
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        where = self.path.with_name(f".{self.path.name}.lock")
        handle = where.open("a")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise UsageError(
                f"{self.path} is being written by another 'match batch' run; wait for it to"
                " finish (then run again to add these postings) or choose another --output"
            ) from None
        self._lock = (handle, where)

    def unlock(self) -> None:
        if self._lock is not None:
            handle, where = self._lock
            where.unlink(missing_ok=True)
            handle.close()
            self._lock = None

    def _not_results(self, why: str) -> MatcherError:
        return MatcherError(
            f"{self.path} is not a 'match batch' result file ({why}); it was left untouched:"
            " choose another --output"
        )

    def read_done(self) -> list[dict[str, Any]]:
        """Rows a previous run with this output already wrote."""
        rows: list[dict[str, Any]] = []
        if self.format == "parquet" and self.path.exists():
            import pandas as pd

            try:
                frame = pd.read_parquet(self.path)
            except Exception as error:
                raise MatcherError(
                    f"{self.path} exists but cannot be read as Parquet ({error}); move it"
                    " away or choose another --output"
                ) from error
            if [str(c) for c in frame.columns] != list(ROW_COLUMNS):
                raise self._not_results("its columns differ")
            rows.extend(_typed_row(r) for r in frame.to_dict("records"))
        if self.journal.exists():
            _cut_partial_line(self.journal)
            rows.extend(self._read_lines())
        # A row written twice (a run stopped mid-write and resumed) counts once.
        return list({str(row["id"]): row for row in rows}.values())

    def _read_lines(self) -> list[dict[str, Any]]:
        try:
            with self.journal.open(encoding="utf-8", newline="") as handle:
                if self.format == "csv":
                    reader = csv.DictReader(handle)
                    if reader.fieldnames and list(reader.fieldnames) != list(ROW_COLUMNS):
                        raise MatcherError(
                            f"{self.path} is not a 'match batch' result file (its columns"
                            " differ); choose another --output"
                        )
                    return [_typed_row(r, from_csv=True) for r in reader]
                parsed = [json.loads(line) for line in handle if line.strip()]
                if any(not isinstance(r, dict) or set(r) != set(ROW_COLUMNS) for r in parsed):
                    raise self._not_results("its fields differ")
                return [_typed_row(r) for r in parsed]
        except (ValueError, UnicodeDecodeError, csv.Error) as error:
            raise MatcherError(
                f"{self.journal} cannot be read back to resume ({error}); move it away or"
                " choose another --output"
            ) from error

    def open(self) -> None:
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        new = not self.journal.exists() or self.journal.stat().st_size == 0
        self._handle = self.journal.open("a", encoding="utf-8", newline="")
        if self.format == "csv":
            self._writer = csv.DictWriter(self._handle, fieldnames=list(ROW_COLUMNS))
            if new:
                self._writer.writeheader()

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Append rows and push them to the disk, so a kill loses none of them."""
        for row in rows:
            if self.format == "csv":
                self._writer.writerow(safe_row(row))
            else:
                self._handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.written += len(rows)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def finish(self, rows: list[dict[str, Any]]) -> None:
        """Rewrite the completed file best fit first; drop the Parquet journal."""
        self.close()
        from matcher.batch.frames import postings_frame

        ranked = sorted(rows, key=rank_key)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            if self.format == "parquet":
                postings_frame(ranked).to_parquet(temporary, index=False)
            else:
                with temporary.open("w", encoding="utf-8", newline="") as handle:
                    if self.format == "csv":
                        writer = csv.DictWriter(handle, fieldnames=list(ROW_COLUMNS))
                        writer.writeheader()
                        writer.writerows(safe_row(row) for row in ranked)
                    else:
                        for row in ranked:
                            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            os.replace(temporary, self.path)
        finally:
            temporary.unlink(missing_ok=True)
        if self.journal != self.path:
            self.journal.unlink(missing_ok=True)


def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    data = dict(row)
    for column in ("top_matches", "top_gaps"):
        data[column] = [part for part in (row.get(column) or "").split("; ") if part]
    data["gains"] = json.loads(row["gains"]) if row.get("gains") else {}
    return data


# --------------------------------------------------------------------------- command


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Treat ``kill`` (SIGTERM) like Ctrl-C, so workers stop and rows already written
    stay complete."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _progress(total: int | None, done: int) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=done,
        unit="posting",
        file=sys.stderr,
        dynamic_ncols=True,
        leave=False,
    )


@click.command("batch")
@click.argument("cv", metavar="CV")
@click.argument("postings", metavar="POSTINGS...", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write every result to FILE (.csv, .jsonl or .parquet) as it is produced;"
    " run the same command again to resume an interrupted run.",
)
@format_option("text", "json", help="How to print the ranking and summary.")
@click.option(
    "--top",
    type=int,
    default=20,
    show_default=True,
    help="Rows of the ranked table to print (0: all).",
)
@click.option(
    "-w",
    "--workers",
    type=click.IntRange(min=1),
    help="Worker processes (local engine; default: every core) or LocalCluster workers.",
)
@click.option(
    "--engine",
    type=click.Choice(sorted(ENGINES)),
    default="local",
    show_default=True,
    help="Where to score: this machine, or a Dask distributed cluster.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler address (tcp://host:8786) for --engine dask; without it a"
    " local Dask cluster is started.",
)
@click.option(
    "--text-column",
    metavar="NAME",
    help="Column holding the posting text in CSV/JSONL/Parquet tables"
    " (default: text, description, posting, ...).",
)
@taxonomy_option
@profile_kind_options
@reports_errors
def batch(
    cv: str,
    postings: tuple[str, ...],
    output: str | None,
    output_format: str,
    top: int,
    workers: int | None,
    engine: str,
    scheduler: str | None,
    text_column: str | None,
    taxonomy: str | None,
    profile_kind: Literal["cv", "list"] | None = None,
) -> None:
    """Score many POSTINGS against your CV and rank them, best fit first.

    POSTINGS are files, folders (searched recursively), glob patterns, or tables
    (CSV, JSONL or Parquet with a text column and optional id, title, company and url
    columns). A posting that cannot be read or scored is reported and the run goes
    on; the exit code is 1 if any posting failed.
    """
    from matcher.batch.engines import get_engine
    from matcher.batch.records import iter_records
    from matcher.batch.refine import refine
    from matcher.understand.documents import load_profile

    if "-" in postings:
        raise click.UsageError("batch reads postings from files; save stdin to a file first")
    runner = get_engine(engine, workers=workers, scheduler=scheduler)
    if taxonomy is not None:
        from matcher.understand.taxonomy.store import load_taxonomy

        load_taxonomy(taxonomy)  # an unknown name fails here, in one line
    cv_name, cv_text = read_input(cv)
    profile = load_profile(
        text=cv_text,
        name=cv_name,
        taxonomy=taxonomy,
        kind=profile_kind,
    )

    sink = ResultFile(Path(output)) if output else None
    if sink:
        sink.lock()  # released at the end, or when the process ends however it ends
    try:
        rows: list[dict[str, Any]] = sink.read_done() if sink else []
    except BaseException:
        if sink:
            sink.unlock()
        raise
    if rows:
        others = {r["profile"] for r in rows if r.get("profile")} - {profile.name}
        if others:
            if sink:
                sink.unlock()
            raise UsageError(
                f"{output} holds results for another CV ({sorted(others)[0]}); give another"
                " --output or delete it to start over"
            )
        click.echo(f"Resuming: {len(rows)} postings already in {output} are skipped.", err=True)
    done_ids = {str(r["id"]) for r in rows}
    records = iter_records(postings, text_column=text_column, skip=done_ids)

    interactive = sys.stderr.isatty()
    if interactive:
        from matcher.batch.records import count_records

        total = count_records(postings)
        bar = _progress(total, min(len(done_ids), total or len(done_ids)))
    else:
        bar = None
    completed = False
    try:
        with _terminate_as_interrupt():
            if sink:
                sink.open()
            for results in runner.run(profile, records, taxonomy=taxonomy):
                batch_rows = [result.to_row() for result in results]
                rows.extend(batch_rows)
                if sink:
                    sink.write(batch_rows)
                if bar is not None:
                    bar.update(len(results))
            completed = True
    except KeyboardInterrupt:
        saved = f"; {len(done_ids) + sink.written} postings are saved in {output}" if sink else ""
        click.echo(
            f"\nInterrupted{saved}. Run the same command again to "
            + ("finish." if sink else "start over (give --output to be able to resume)."),
            err=True,
        )
        sys.exit(130)
    finally:
        if bar is not None:
            bar.close()
        if sink:
            if completed:
                sink.finish(rows)
            else:
                sink.close()
            sink.unlock()

    import pandas as pd

    summary = refine(pd.DataFrame(rows, columns=list(ROW_COLUMNS)))
    if output_format == "json":
        ranked = sorted(rows, key=rank_key)
        click.echo(
            json.dumps(
                {"postings": [_json_row(r) for r in ranked], "summary": summary.to_dict()},
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        parts = [render_table(rows, top=top), render_errors(rows), render_refinement(summary)]
        click.echo("\n\n".join(part for part in parts if part))
        if output:
            click.echo(f"\nAll {len(rows)} results are in {output}.")
    if any(r.get("error") for r in rows):
        sys.exit(1)

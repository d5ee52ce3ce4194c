"""The ``match journal`` commands: record applications, follow them, learn from them.

A thin layer over ``matcher.journal``: it parses arguments, opens the journal, calls the
library and prints. The journal file is ``--journal PATH``, else
``$STRENGTHS_MATCHER_JOURNAL``, else ``journal.sqlite3`` in the per-user data directory.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from matcher.cli.main import format_option, profile_kind_options, read_input, reports_errors

if TYPE_CHECKING:
    from matcher.journal.records import Application
    from matcher.journal.store import Journal

F = TypeVar("F", bound=Callable[..., Any])
_PATH_KEY = "matcher.journal.path"
_OUTCOMES = ("applied", "interview", "rejected", "offer", "withdrawn")
_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _remember_path(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.find_root().meta[_PATH_KEY] = value


def journal_option(command: F) -> F:
    """``--journal PATH``, accepted on the group and on every subcommand."""
    return click.option(
        "--journal",
        "journal_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        expose_value=False,
        callback=_remember_path,
        help="The journal file (default: $STRENGTHS_MATCHER_JOURNAL, else the user data dir).",
    )(command)


def _open() -> Journal:
    from matcher.journal.store import Journal

    return Journal(click.get_current_context().find_root().meta.get(_PATH_KEY))


def _day(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


@click.group("journal")
@journal_option
def journal() -> None:
    """Keep a journal of your applications and learn from how they went.

    'match journal add CV POSTING' scores a posting and records the application;
    'update' records what happened; 'reflect' finds patterns across them all.
    """


@journal.command("add")
@click.argument("cv", metavar="CV")
@click.argument("posting", metavar="POSTING")
@click.option("--title", help="Job title (default: the posting's first line).")
@click.option("--company", help="Employer.")
@click.option("--url", help="Where the posting is.")
@click.option("--date", "applied_on", type=_DATE, help="When you applied (default: today).")
@click.option("--outcome", type=click.Choice(_OUTCOMES), default="applied", show_default=True)
@click.option("--notes", help="Free-text notes.")
@journal_option
@profile_kind_options
@reports_errors
def add(
    cv: str,
    posting: str,
    title: str | None,
    company: str | None,
    url: str | None,
    applied_on: datetime | None,
    outcome: Any,
    notes: str | None,
    profile_kind: Literal["cv", "list"] | None = None,
) -> None:
    """Score POSTING against your CV (files, or - for stdin) and record the application."""
    from matcher.understand.documents import load_posting, load_profile

    if cv == "-" and posting == "-":
        raise click.UsageError("only one of CV and POSTING can be read from stdin (-)")
    cv_name, cv_text = read_input(cv)
    posting_name, posting_text = read_input(posting)
    profile = load_profile(text=cv_text, name=cv_name, kind=profile_kind)
    job = load_posting(text=posting_text, name=posting_name)
    with _open() as opened:
        app = opened.add(
            profile,
            job,
            title=title,
            company=company,
            url=url,
            applied_on=_day(applied_on),
            outcome=outcome,
            notes=notes,
        )
    gaps = len(app.gaps)
    click.echo(f"Recorded application {app.label()} ({app.applied_on}).")
    click.echo(f"Fit {app.fit:.0f}/100 ({app.verdict}); {gaps} gap{'s' * (gaps != 1)}.")
    click.echo(f"When you hear back: match journal update {app.id} --outcome interview")


@journal.command("update")
@click.argument("app_id", metavar="ID", type=int)
@click.option("--outcome", type=click.Choice(_OUTCOMES), help="What happened.")
@click.option("--date", "on", type=_DATE, help="When it happened (default: today).")
@click.option("--feedback", help="Feedback you received.")
@click.option("--notes", help="Free-text notes (replaces the old notes; '' clears them).")
@click.option("--title", help="Correct the job title.")
@click.option("--company", help="Correct the employer.")
@click.option("--url", help="Correct the posting's address.")
@journal_option
@reports_errors
def update(
    app_id: int,
    outcome: Any,
    on: datetime | None,
    feedback: str | None,
    notes: str | None,
    title: str | None,
    company: str | None,
    url: str | None,
) -> None:
    """Record how application ID developed: its outcome, feedback, notes."""
    if all(v is None for v in (outcome, feedback, notes, title, company, url)):
        raise click.UsageError(
            "nothing to update: give --outcome, --feedback, --notes, --title, --company or --url"
        )
    with _open() as opened:
        app = opened.update(
            app_id,
            outcome=outcome,
            on=_day(on),
            feedback=feedback,
            notes=notes,
            title=title,
            company=company,
            url=url,
        )
    click.echo(f"Updated {app.label()}: {app.outcome}.")


@journal.command("list")
@click.option(
    "--outcome", "outcomes", type=click.Choice(_OUTCOMES), multiple=True, help="Repeatable."
)
@click.option("--since", type=_DATE, help="Applied on or after this date.")
@click.option("--until", type=_DATE, help="Applied on or before this date.")
@click.option("--field", "fields", multiple=True, help="Field of work, e.g. software. Repeatable.")
@format_option("text", "csv", "json")
@journal_option
@reports_errors
def list_(
    outcomes: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    fields: tuple[str, ...],
    output_format: str,
) -> None:
    """List your applications, oldest first."""
    with _open() as opened:
        apps = opened.select(
            outcome=outcomes or None,
            since=_day(since),
            until=_day(until),
            field=fields or None,
        )
    rows = [
        {
            "id": a.id,
            "applied_on": a.applied_on,
            "outcome": a.outcome,
            "fit": a.fit,
            "verdict": a.verdict,
            "field": a.field,
            "title": a.title,
            "company": a.company,
        }
        for a in apps
    ]
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if output_format == "csv":
        import csv
        import io

        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["id"])
        writer.writeheader()
        from matcher.report.csv_cells import safe_row

        writer.writerows(safe_row(row) for row in rows)  # no live spreadsheet formulas
        click.echo(out.getvalue(), nl=False)
        return
    if not rows:
        click.echo("No applications recorded yet: match journal add CV POSTING")
        return
    click.echo(f"{'ID':>4}  {'APPLIED':10}  {'OUTCOME':9}  {'FIT':>3}  {'VERDICT':7}  TITLE")
    for a in apps:
        at = f" at {a.company}" if a.company else ""
        field = f" [{a.field}]" if a.field else ""
        click.echo(
            f"{a.id:>4}  {a.applied_on:10}  {a.outcome:9}  {a.fit:>3.0f}  {a.verdict:7}"
            f"  {a.title}{at}{field}"
        )


def _show_text(a: Application) -> str:
    lines = [a.label()]
    for label, value in (
        ("URL", a.url),
        ("Applied", a.applied_on),
        ("Field", a.field),
        ("CV", f"{a.cv_name} (version {a.cv_version})"),
        ("Posting", a.posting_name),
        ("Fit", f"{a.fit:.0f}/100 ({a.verdict}) when recorded"),
        ("Outcome", a.outcome),
    ):
        if value:
            lines.append(f"{label + ':':9}{value}")
    lines += ["", "History:"]
    lines += [f"  {e.on}  {e.outcome}" for e in a.events]
    lines += ["", "Lead with:"]
    lines += [f"  {m['requirement']} ({m['score']:.0f})" for m in a.lead_with] or ["  (nothing)"]
    lines += ["", "Gaps:"]
    lines += [
        f"  {g['skill']} [{g['importance']}]: {g['kind']}"
        + (f"; closest: {g['closest']}" if g.get("closest") else "")
        for g in a.gaps
    ] or ["  (none)"]
    for label, text in (("Feedback", a.feedback), ("Notes", a.notes)):
        if text:
            lines += ["", f"{label}:", *(f"  {line}" for line in text.splitlines())]
    return "\n".join(lines)


@journal.command("show")
@click.argument("app_id", metavar="ID", type=int)
@format_option(
    "text",
    "json",
    help="json: the whole record, with the posting, the CV and the report as scored.",
)
@journal_option
@reports_errors
def show(app_id: int, output_format: str) -> None:
    """Show application ID: the match as scored then, its history, feedback and notes."""
    with _open() as opened:
        app = opened.get(app_id)
    if output_format == "json":
        click.echo(json.dumps(app.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(_show_text(app))


@journal.command("export")
@click.argument("file", metavar="FILE")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "jsonl", "parquet"]),
    help="Default: from FILE's suffix (.csv, .jsonl, .parquet).",
)
@journal_option
@reports_errors
def export(file: str, file_format: str | None) -> None:
    """Write every application to FILE (CSV, JSONL or Parquet; - for stdout)."""
    from matcher.journal.exchange import dump_records

    with _open() as opened:
        if file == "-":
            click.echo(dump_records(opened.records(), file_format or "jsonl"), nl=False)
            return
        count = opened.export(file, format=file_format)
    click.echo(f"Exported {count} application{'s' * (count != 1)} to {file}.", err=True)


@journal.command("import")
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "jsonl", "parquet"]),
    help="Default: from FILE's suffix.",
)
@journal_option
@reports_errors
def import_(file: str, file_format: str | None) -> None:
    """Add the applications in FILE (written by 'match journal export').

    Applications already in the journal are skipped, so importing twice is harmless.
    """
    with _open() as opened:
        result = opened.import_from(file, format=file_format)
    added = len(result.added)
    click.echo(
        f"Imported {added} application{'s' * (added != 1)}"
        + (f"; {result.skipped} already in the journal." if result.skipped else ".")
    )


@journal.command("remove")
@click.argument("app_id", metavar="ID", type=int)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@journal_option
@reports_errors
def remove(app_id: int, yes: bool) -> None:
    """Delete application ID and its history, after asking."""
    with _open() as opened:
        app = opened.get(app_id)
        if not yes:
            click.confirm(
                f"Remove {app.label()} (applied on {app.applied_on}, now {app.outcome})"
                " and its history? This cannot be undone",
                abort=True,
            )
        opened.remove(app_id)
    click.echo(f"Removed {app.label()}.")


@journal.command("reflect")
@format_option("text", "json")
@click.option(
    "--min-support",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Applications a comparison must rest on before it is called a pattern.",
)
@journal_option
@reports_errors
def reflect(output_format: str, min_support: int) -> None:
    """Patterns across your applications, each with the applications behind it."""
    with _open() as opened:
        found = opened.reflect(min_support=min_support)
    if output_format == "json":
        click.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(found.text())


@journal.command("feedback-request")
@click.argument("app_id", metavar="ID", type=int)
@click.option("--name", help="Your name, to sign the email.")
@click.option("--to", "recipient", help="Whom to address (default: Hiring team).")
@journal_option
@reports_errors
def feedback_request(app_id: int, name: str | None, recipient: str | None) -> None:
    """Draft a short, polite email asking for feedback on application ID."""
    with _open() as opened:
        click.echo(opened.feedback_request(app_id, name=name, recipient=recipient))

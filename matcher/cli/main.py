"""The ``match`` command: parses arguments, calls the core, renders results.

``match CV POSTING`` is the main job; subcommands (``match skills FILE``, ...) sit
beside it. Expected failures print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import importlib
import json
import os
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal, TypeVar

import click

from matcher.errors import MatcherError

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_COMMAND = "compare"

try:
    __version__ = version("strengths-matcher")
except PackageNotFoundError:  # a checkout that was not installed
    __version__ = "0.0.0+checkout"


# Subcommands in their own modules, imported only when used: ``match CV POSTING`` does
# not pay for loading batch, journal and taxonomy code it never runs.
LAZY_COMMANDS = {
    "batch": ("matcher.cli.batch", "batch"),
    "journal": ("matcher.cli.journal", "journal"),
    "taxonomy": ("matcher.cli.taxonomy", "taxonomy"),
    "link": ("matcher.cli.taxonomy", "link_command"),
}


class DefaultGroup(click.Group):
    """A group whose first argument, if it is not a subcommand, goes to ``compare``;
    the subcommands of ``LAZY_COMMANDS`` are imported when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, attribute = LAZY_COMMANDS[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        names = self.list_commands(ctx)
        if args and args[0] not in names and args[0] not in ("-h", "--help", "--version"):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


# Set by commands that only read files and print a result (``compare``, ``skills``):
# once their output is out, nothing is left to do but free memory.
_read_only_command = False


def run() -> None:
    """The ``match`` console script: the CLI, then a quick exit after read-only commands.

    Freeing two loaded spaCy pipelines at interpreter exit takes about a quarter of a
    second of every cold ``match CV POSTING``. After a read-only command has
    printed everything, the process ends without that clean-up (``os._exit``); every
    other command, which may own files, databases or worker processes, exits normally.
    Output that cannot be written (a full disk) is one line on stderr, not a traceback.
    """
    try:
        main()
    except SystemExit as done:
        if not _read_only_command:
            raise
        code = done.code
        if isinstance(code, str):
            print(code, file=sys.stderr)
            code = 1
        try:
            sys.stdout.flush()
        except OSError:  # the reader went away or the disk is full: the output is lost
            code = code or 1
        with contextlib.suppress(OSError):
            sys.stderr.flush()
        os._exit(code or 0)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
            raise
        print(f"Error: cannot write the output ({error.strerror})", file=sys.stderr)
        sys.exit(1)


def _mark_read_only() -> None:
    global _read_only_command
    _read_only_command = True


def reports_errors(command: F) -> F:
    """Turn expected failures into one line on stderr and the error's exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except MatcherError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def format_option(*choices: str, help: str | None = None) -> Callable[[F], F]:
    """The ``--format`` option every command shares; the first choice is the default."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )


def read_input(path: str) -> tuple[str, str]:
    """The text of a file argument, ``-`` reading stdin (size-limited); returns (name, text)."""
    from matcher.read import read_document
    from matcher.read.document import display_name

    # The name shows in reports: valid UTF-8 even when the path's bytes are not.
    return ("<stdin>" if path == "-" else display_name(path)), read_document(path)


@click.group(
    cls=DefaultGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Run 'match CV POSTING' to score one posting; 'match COMMAND -h' for each command.",
)
@click.version_option(__version__, prog_name="match")
def main() -> None:
    """Hold your strengths against job postings: fit, what to lead with, what to prepare."""


taxonomy_option = click.option(
    "--taxonomy",
    metavar="NAME",
    help="Also use this imported taxonomy (see 'match taxonomy list').",
)


def profile_kind_options(command: F) -> F:
    """``--cv`` / ``--list``: how to read the CV argument, overriding the guess."""
    command = click.option(
        "--list",
        "profile_kind",
        flag_value="list",
        help="Read CV as a plain list of strengths (one per line or comma-separated).",
    )(command)
    return click.option(
        "--cv",
        "profile_kind",
        flag_value="cv",
        default=None,
        help="Read CV as a whole CV, whatever the shape of its lines (default: guess).",
    )(command)


@main.command(DEFAULT_COMMAND)
@click.argument("cv", metavar="CV")
@click.argument("posting", metavar="POSTING")
@format_option(
    "text",
    "json",
    "markdown",
    "html",
    help="How to print the report (html: one self-contained page).",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="Write the report to FILE instead of stdout.",
)
@taxonomy_option
@profile_kind_options
@reports_errors
def compare(
    cv: str,
    posting: str,
    output_format: str,
    output: str,
    taxonomy: str | None,
    profile_kind: Literal["cv", "list"] | None = None,
) -> None:
    """Score one POSTING against your CV or strengths list (files, or - for stdin).

    This is what plain 'match CV POSTING' runs.
    """
    _mark_read_only()
    from matcher.fit.core import match
    from matcher.report.renderers import RENDERERS
    from matcher.understand.documents import load_posting, load_profile

    if cv == "-" and posting == "-":
        raise click.UsageError("only one of CV and POSTING can be read from stdin (-)")
    cv_name, cv_text = read_input(cv)
    posting_name, posting_text = read_input(posting)
    if taxonomy is not None:
        from matcher.understand.taxonomy.store import load_taxonomy

        load_taxonomy(taxonomy)  # an unknown name fails here, in one line
    profile = load_profile(
        text=cv_text,
        name=cv_name,
        taxonomy=taxonomy,
        kind=profile_kind,
    )
    job = load_posting(text=posting_text, name=posting_name, taxonomy=taxonomy)
    rendered = RENDERERS[output_format](match(profile, job, taxonomy=taxonomy))
    if output == "-":
        click.echo(rendered)
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(rendered if rendered.endswith("\n") else rendered + "\n")
    except OSError as error:
        raise MatcherError(
            f"cannot write the report to {output} ({error.strerror}); choose a file you can write"
        ) from None
    # The report went to a file, so stdout stays empty; say where it is, on stderr.
    click.echo(f"Wrote the report to {output}.", err=True)


@main.command("skills")
@click.argument("file", metavar="FILE")
@format_option("text", "json")
@click.option("--cv", "read_as", flag_value="cv", help="Read FILE as a CV (default: a posting).")
@click.option(
    "--list", "read_as", flag_value="list", help="Read FILE as a plain list of strengths."
)
@reports_errors
def skills(file: str, output_format: str, read_as: str | None) -> None:
    """List the skills found in FILE, with character offsets into its text."""
    _mark_read_only()
    from matcher.understand.mentions import SkillMention, extract_skills

    name, text = read_input(file)
    if read_as == "list":
        from matcher.understand.documents import load_profile

        profile = load_profile(text=text, name=name, kind="list")
        mentions = [
            SkillMention(
                text=s.text,
                start=s.evidence.start,
                end=s.evidence.end,
                skill=s.canonical,
                section="skills",
                importance=None,
                line=s.evidence.line,
                source="list",
                years=s.years,
            )
            for s in profile.strengths
        ] + list(profile.not_evidence)
        mentions.sort(key=lambda m: m.start)
    else:
        mentions = extract_skills(text, kind="cv" if read_as == "cv" else "posting")
    if output_format == "json":
        keys = (
            "text",
            "start",
            "end",
            "skill",
            "section",
            "importance",
            "source",
            "years",
            "gate",
            "negated",
        )
        click.echo(
            json.dumps(
                [{k: getattr(m, k) for k in keys} for m in mentions], indent=2, ensure_ascii=False
            )
        )
        return
    if not mentions:
        click.echo(f"No skills found in {name}.")
    for m in mentions:
        asked = f" [{m.importance}]" if m.importance else ""
        linked = f" -> {m.skill}" if m.skill and m.skill != m.text else ""
        negated = " (not evidence: denied or hedged)" if m.negated else ""
        click.echo(f"{m.start}-{m.end} {m.section}{asked}: {m.text}{linked}{negated}")

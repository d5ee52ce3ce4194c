"""The ``match taxonomy`` commands (import, list, remove) and ``match link``."""

from __future__ import annotations

import json
import sys

import click

from matcher.cli.main import format_option, reports_errors


@click.group("taxonomy", context_settings={"help_option_names": ["-h", "--help"]})
def taxonomy() -> None:
    """Import, list and remove skill taxonomies (ESCO, O*NET) used beside the vocabulary."""


@taxonomy.command("import")
@click.argument("kind", type=click.Choice(["esco", "onet"]))
@click.argument("path", metavar="PATH")
@click.option("--name", help="Store it under this name (default: the kind, e.g. esco).")
@format_option("text", "json")
@reports_errors
def import_command(kind: str, path: str, name: str | None, output_format: str) -> None:
    """Read an ESCO skills CSV or O*NET's Technology Skills.txt and store it compiled.

    ESCO: the skills CSV as published (preferredLabel, altLabels, skillType; conceptUri
    and broaderRelations where present). O*NET: 'Technology Skills.txt', tab-separated.
    An import of the same name replaces the earlier one only once it has succeeded.
    """
    from matcher.understand.taxonomy.store import import_taxonomy

    if sys.stderr.isatty():
        click.echo(f"Importing {path} ...", err=True)
    info = import_taxonomy(kind, path, name=name)
    if output_format == "json":
        click.echo(json.dumps(info.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(
        f"Imported {info.name}: {info.skills:,} skills, {info.aliases:,} aliases"
        f" from {info.source_file} in {info.import_seconds:.1f} s."
    )
    click.echo(f"Use it with --taxonomy {info.name}. Attribution: {info.attribution}")


@taxonomy.command("list")
@format_option("text", "json")
@reports_errors
def list_command(output_format: str) -> None:
    """Show the imported taxonomies, their size and the attribution each requires."""
    from matcher.understand.taxonomy.store import list_taxonomies

    found = list_taxonomies()
    if output_format == "json":
        click.echo(json.dumps([info.to_dict() for info in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("No taxonomies imported. Import one with: match taxonomy import esco|onet PATH")
        return
    for info in found:
        click.echo(
            f"{info.name} ({info.kind}): {info.skills:,} skills, {info.aliases:,} aliases,"
            f" {info.size_bytes / 1e6:.1f} MB, imported {info.imported_at} from {info.source_file}"
        )
        click.echo(f"  Attribution: {info.attribution}")
        if info.notice:
            click.echo("  Notice from the source:")
            for line in info.notice.splitlines():
                click.echo(f"    {line}".rstrip())


@taxonomy.command("remove")
@click.argument("name", metavar="NAME")
@reports_errors
def remove_command(name: str) -> None:
    """Delete the imported taxonomy NAME."""
    from matcher.understand.taxonomy.store import remove_taxonomy

    info = remove_taxonomy(name)
    click.echo(f"Removed taxonomy {info.name} ({info.skills:,} skills).")


@click.command("link", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("phrase", metavar="PHRASE", nargs=-1, required=True)
@click.option(
    "--taxonomy",
    "taxonomy_name",
    metavar="NAME",
    help="An imported taxonomy (see 'match taxonomy list'); default: the shipped vocabulary.",
)
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True)
@format_option("text", "json")
@reports_errors
def link_command(
    phrase: tuple[str, ...], taxonomy_name: str | None, top: int, output_format: str
) -> None:
    """The canonical skills closest to PHRASE (a skill phrase or a sentence), best first.

    The words of PHRASE are joined; '-' reads one phrase a line from stdin.
    """
    from matcher.understand.taxonomy.store import link_many

    if phrase == ("-",):
        texts = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
        if not texts:
            raise click.UsageError("no phrases on stdin")
    else:
        texts = [" ".join(phrase)]
    results = link_many(texts, taxonomy=taxonomy_name, top=top)
    if output_format == "json":
        data = [[found.to_dict() for found in links] for links in results]
        click.echo(json.dumps(data[0] if len(texts) == 1 else data, indent=2, ensure_ascii=False))
        return
    for text, links in zip(texts, results):
        if len(texts) > 1:
            click.echo(f"{text}:")
        if not links:
            click.echo("  no skill found" if len(texts) > 1 else "No skill found.")
        for found in links:
            click.echo(f"{'  ' if len(texts) > 1 else ''}{found.score:5.1f}  {found.skill}")

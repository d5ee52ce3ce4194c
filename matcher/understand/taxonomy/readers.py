"""Read published taxonomies (ESCO's skills CSV, O*NET's Technology Skills) into vocabulary skills.

Every error names the file, the line and what was expected.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.errors import TaxonomyError
from matcher.understand.vocabulary import Skill, alias_key

if TYPE_CHECKING:
    pass


FORMAT_VERSION = 1
KINDS = ("esco", "onet")
SHIPPED = "shipped"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

ESCO_ATTRIBUTION = (
    "This service uses the ESCO classification of the European Commission. "
    "ESCO © European Union, https://esco.ec.europa.eu, used under CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/). Strengths Matcher has compiled "
    "(indexed and normalised) the labels; the European Commission has not endorsed this use."
)
ONET_ATTRIBUTION = (
    "This includes information from the {database} by the U.S. Department of Labor, "
    "Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license. "
    "O*NET® is a trademark of USDOL/ETA. Strengths Matcher has modified all or some of this "
    "information. USDOL/ETA has not approved, endorsed, or tested these modifications."
)

ESCO_CATEGORIES = {"skill/competence": "hard_skill", "knowledge": "knowledge", "": "hard_skill"}
ESCO_REQUIRED = ("preferredLabel", "altLabels")
ESCO_OPTIONAL = ("skillType", "conceptUri", "broaderRelations", "hiddenLabels", "status")
ONET_REQUIRED = ("Example", "Commodity Title")
ONET_COLUMNS = (
    "O*NET-SOC Code",
    "Example",
    "Commodity Code",
    "Commodity Title",
    "Hot Technology",
    "In Demand",
)

# Linking: candidates kept from the TF-IDF ranking for the rapidfuzz rerank, and the
# TF-IDF cosine's share of the reranked score (the rest is rapidfuzz's).

# ---------------------------------------------------------------------------------------
# Reading the published files. Every error names the file, the line and what was expected.


def _read_text(path: Path, what: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TaxonomyError(f"{path}: no such file; expected {what}") from None
    except IsADirectoryError:
        raise TaxonomyError(f"{path}: is a folder; expected {what}") from None
    except OSError as error:
        raise TaxonomyError(f"{path}: cannot be read ({error.strerror}); expected {what}") from None
    if not data.strip():
        raise TaxonomyError(f"{path}:1: the file is empty; expected {what}")
    if b"\x00" in data[:4096]:
        raise TaxonomyError(f"{path}:1: binary data, not text; expected {what}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TaxonomyError(
            f"{path}:{line}: not UTF-8 text (byte {error.start}); expected {what} in UTF-8"
        ) from None


def _records(path: Path, text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """CSV/TSV records with the line each starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise TaxonomyError(f"{path}:{start}: malformed CSV ({error})") from None
        yield start, row
        start = reader.line_num + 1


def _header(path: Path, row: list[str], required: Sequence[str], what: str) -> dict[str, int]:
    """Column positions by canonical name, matched without case; missing ones are an error."""
    found = {cell.strip().casefold(): i for i, cell in enumerate(row)}
    missing = [name for name in required if name.casefold() not in found]
    if missing:
        got = ", ".join(cell.strip() for cell in row)[:120] or "an empty line"
        raise TaxonomyError(
            f"{path}:1: expected {what} with the columns {', '.join(required)};"
            f" missing {', '.join(missing)} (got: {got})"
        )
    return found


def _split_labels(cell: str) -> list[str]:
    """ESCO keeps alternative labels one a line in a cell; some exports use " | "."""
    parts = cell.splitlines() if "\n" in cell or "\r" in cell else cell.split("|")
    return [" ".join(part.split()) for part in parts if part.strip()]


def _short(text: str) -> bool:
    return len(alias_key(text)) < MIN_FOLDED_LENGTH or alias_key(text).isdigit()


def _forms(name: str, candidates: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A skill's aliases, deduplicated by key: (folded aliases, exact-case aliases)."""
    seen = {alias_key(name)}
    folded: list[str] = []
    exact: list[str] = []
    for form in candidates:
        key = alias_key(form)
        if not key or key in seen:
            continue
        seen.add(key)
        (exact if _short(form) else folded).append(form)
    return tuple(folded), tuple(exact)


def read_esco(path: str | os.PathLike[str], *, name: str = "esco") -> list[Skill]:
    """The skills of an ESCO skills CSV, as published or as a column subset.

    Needs ``preferredLabel`` and ``altLabels``; uses ``skillType``, ``hiddenLabels``, and
    ``conceptUri`` with ``broaderRelations`` (URIs or labels of broader skills) where the
    file has them. Obsolete concepts (``status``) are skipped; a preferred label given
    twice is one skill with the aliases of both.
    """
    path = Path(path)
    what = "an ESCO skills CSV (comma-separated, with a header line)"
    records = _records(path, _read_text(path, what), ",")
    first = next(records, None)
    if first is None:
        raise TaxonomyError(f"{path}:1: the file is empty; expected {what}")
    columns = _header(path, first[1], ESCO_REQUIRED, what)
    width = len(first[1])

    def cell(row: list[str], column: str) -> str:
        index = columns.get(column.casefold())
        return row[index].strip() if index is not None else ""

    entries: dict[str, dict[str, Any]] = {}
    uris: dict[str, str] = {}
    for line, row in records:
        if not any(c.strip() for c in row):
            continue
        if len(row) != width:
            raise TaxonomyError(
                f"{path}:{line}: expected {width} comma-separated columns as in the header,"
                f" got {len(row)}"
            )
        label = " ".join(cell(row, "preferredLabel").split())
        if not label:
            raise TaxonomyError(f"{path}:{line}: expected a preferredLabel, got an empty cell")
        if cell(row, "status").casefold() == "obsolete":
            continue
        skill_type = cell(row, "skillType").casefold()
        if skill_type not in ESCO_CATEGORIES:
            raise TaxonomyError(
                f"{path}:{line}: expected skillType 'skill/competence' or 'knowledge',"
                f" got {cell(row, 'skillType')!r}"
            )
        uri = cell(row, "conceptUri")
        if uri:
            uris[uri] = label
        entry = entries.setdefault(
            label,
            {"category": ESCO_CATEGORIES[skill_type], "aliases": [], "broader": [], "line": line},
        )
        entry["aliases"] += _split_labels(cell(row, "altLabels"))
        entry["aliases"] += _split_labels(cell(row, "hiddenLabels"))
        entry["broader"] += _split_labels(cell(row, "broaderRelations"))
    if not entries:
        raise TaxonomyError(f"{path}: no skills found after the header; expected {what}")

    skills = []
    for label, entry in entries.items():
        # Broader concepts that are skill groups, not skills in this file, are left out.
        broader = next(
            (
                target
                for ref in entry["broader"]
                if (target := uris.get(ref, ref if ref in entries else None)) and target != label
            ),
            None,
        )
        folded, exact = _forms(label, entry["aliases"])
        skills.append(
            Skill(
                name=label,
                category=entry["category"],
                field=name,
                broader=broader,
                aliases=folded,
                exact_aliases=exact,
                source=name,
            )
        )
    return skills


_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]{1,7}$")
# Words too common to stand alone as an alias once a vendor's name is taken off
# ("Microsoft Word" -> "Word" would be found in every other sentence).
_COMMON_REMAINDERS = frozenset(
    {
        "access",
        "analytics",
        "assistant",
        "bridge",
        "builder",
        "calendar",
        "chat",
        "cloud",
        "connect",
        "designer",
        "desktop",
        "docs",
        "drive",
        "dynamics",
        "editor",
        "explorer",
        "flow",
        "forms",
        "groups",
        "keep",
        "mail",
        "manager",
        "maps",
        "meet",
        "money",
        "notes",
        "office",
        "outlook",
        "paint",
        "photos",
        "player",
        "project",
        "publisher",
        "reader",
        "search",
        "server",
        "share",
        "sheets",
        "sites",
        "studio",
        "suite",
        "teams",
        "viewer",
        "word",
        "works",
    }
)


def _onet_aliases(name: str, vendors: set[str]) -> tuple[list[str], list[str]]:
    """Short forms O*NET's long names imply: (folded aliases, exact-case aliases).

    The acronym a name spells out ("Hypertext markup language HTML" -> "HTML" and
    "Hypertext markup language"), and the name without a vendor that names several
    products ("ESRI ArcGIS software" -> "ArcGIS software"; "Microsoft Visual Basic for
    Applications VBA" -> "Microsoft VBA" -> "VBA"). A vendor-less single word
    counts only with its case ("Excel", not "excel at"), and not if it is a common word.
    """
    folded: list[str] = []
    exact: list[str] = []
    tokens = name.split()
    for at in range(len(tokens) - 1, 1, -1):
        acronym = tokens[at]
        if not _ACRONYM.match(acronym):
            continue
        for size in range(at, 1, -1):
            initials = "".join(w[0] for w in tokens[at - size : at]).upper()
            if initials[0] == acronym[0] and initials[-1] == acronym[-1]:
                folded.append(" ".join((*tokens[: at - size], acronym, *tokens[at + 1 :])))
                folded.append(" ".join((*tokens[:at], *tokens[at + 1 :])))
                break
        if folded:
            break
    for form in (name, *folded):
        first, _, rest = form.partition(" ")
        if first in vendors and len(rest) >= 3 and rest.casefold() not in _COMMON_REMAINDERS:
            (folded if " " in rest else exact).append(rest)
    return folded, exact


def onet_database_name(path: Path) -> str:
    """'O*NET 29.2 Database' from the ``Read Me.txt`` beside the file, if it is there."""
    readme = path.with_name("Read Me.txt")
    try:
        head = readme.read_text(encoding="utf-8", errors="replace")[:400]
    except OSError:
        head = ""
    found = re.search(r"O\*NET\s+(\d+(?:\.\d+)?)\s+Database", head)
    return f"O*NET {found[1]} Database" if found else "O*NET Database"


def read_onet(path: str | os.PathLike[str], *, name: str = "onet") -> list[Skill]:
    """The technologies of O*NET's ``Technology Skills.txt`` (tab-separated, as published).

    Each technology name (``Example``) is a tool skill whose broader skill is its
    commodity ("Microsoft Excel" under "Spreadsheet software"); commodity titles are
    skills too, so siblings relate. Acronyms and vendor-less names become aliases.
    """
    path = Path(path)
    what = "O*NET's Technology Skills.txt (tab-separated, with a header line)"
    records = _records(path, _read_text(path, what), "\t")
    first = next(records, None)
    if first is None:
        raise TaxonomyError(f"{path}:1: the file is empty; expected {what}")
    columns = _header(path, first[1], ONET_REQUIRED, what)
    width = len(first[1])
    example_at, commodity_at = columns["example"], columns["commodity title"]
    commodities: dict[str, dict[str, int]] = {}
    for line, row in records:
        if not any(c.strip() for c in row):
            continue
        if len(row) != width:
            raise TaxonomyError(
                f"{path}:{line}: expected {width} tab-separated columns as in the header,"
                f" got {len(row)}"
            )
        example = " ".join(row[example_at].split())
        commodity = " ".join(row[commodity_at].split())
        if not example or not commodity:
            raise TaxonomyError(
                f"{path}:{line}: expected an Example and a Commodity Title, got an empty cell"
            )
        counts = commodities.setdefault(example, {})
        counts[commodity] = counts.get(commodity, 0) + 1
    if not commodities:
        raise TaxonomyError(f"{path}: no technologies found after the header; expected {what}")

    first_words: dict[str, int] = {}
    for example in commodities:
        word = example.partition(" ")[0]
        first_words[word] = first_words.get(word, 0) + 1
    vendors = {w for w, n in first_words.items() if n >= 3 and w[:1].isupper()}
    titles = sorted({c for counts in commodities.values() for c in counts} - set(commodities))
    skills = [
        Skill(name=title, category="tool", field=name, source=name, aliases=(), broader=None)
        for title in titles
    ]
    for example, counts in commodities.items():
        broader = max(counts, key=lambda c: (counts[c], c))
        implied, implied_exact = _onet_aliases(example, vendors)
        folded, exact = _forms(example, implied)
        exact = tuple(dict.fromkeys((*exact, *implied_exact)))
        skills.append(
            Skill(
                name=example,
                category="tool",
                field=name,
                broader=broader if broader != example else None,
                aliases=folded,
                exact_aliases=exact,
                source=name,
            )
        )
    return skills


READERS = {"esco": read_esco, "onet": read_onet}


# Forms shorter than this (after folding) are matched in text only with their exact case
# ("R", "Go"), as the shipped vocabulary does with its "=" aliases.
MIN_FOLDED_LENGTH = 3

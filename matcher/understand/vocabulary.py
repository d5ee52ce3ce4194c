"""The skill vocabulary: canonical skills, their aliases, categories and hierarchy.

The shipped vocabulary is read from ``corpora/skills/*.tsv`` (schema in
``corpora/README.md``); imported taxonomies are turned into the same ``Skill`` records,
so everything downstream works on one kind of vocabulary.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from matcher.errors import VocabularyError
from matcher.paths import cache_dir, corpora_dir, read_cache, write_cache

CATEGORIES = frozenset(
    {"hard_skill", "tool", "knowledge", "soft_skill", "language", "certification"}
)
HEADER = ["skill", "category", "broader", "aliases"]

_KEY_SEPARATORS = re.compile(r"[\s\-_]+")


def alias_key(text: str) -> str:
    """The form in which two names count as the same: no case, hyphens or extra spaces."""
    return _KEY_SEPARATORS.sub(" ", text.strip().lstrip("=").casefold()).strip()


@dataclass(frozen=True)
class Skill:
    """One canonical skill and the ways people write it."""

    name: str
    category: str
    field: str
    broader: str | None = None
    aliases: tuple[str, ...] = ()
    exact_aliases: tuple[str, ...] = ()
    source: str = "shipped"

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """Every case-insensitive form: the name and its ordinary aliases."""
        return (self.name, *self.aliases)


@dataclass
class Vocabulary:
    """Skills indexed by name and alias, with their broader/narrower relations."""

    skills: dict[str, Skill]
    source: str = "shipped"
    _by_key: dict[str, str] = field(init=False, repr=False)
    _children: dict[str, list[str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key = {}
        for skill in self.skills.values():
            for form in (*skill.surface_forms, *skill.exact_aliases):
                self._by_key.setdefault(alias_key(form), skill.name)
        self._children = {}
        for skill in self.skills.values():
            if skill.broader:
                self._children.setdefault(skill.broader, []).append(skill.name)

    def __len__(self) -> int:
        return len(self.skills)

    def __iter__(self) -> Iterator[Skill]:
        return iter(self.skills.values())

    def __contains__(self, name: object) -> bool:
        return name in self.skills

    def __getitem__(self, name: str) -> Skill:
        return self.skills[name]

    def lookup(self, text: str) -> Skill | None:
        """The skill whose name or alias is ``text`` (ignoring case and hyphens)."""
        name = self._by_key.get(alias_key(text))
        return self.skills[name] if name else None

    def ancestors(self, name: str) -> list[str]:
        """Broader skills from the nearest up; stops on a cycle rather than looping."""
        found: list[str] = []
        current = self.skills[name].broader if name in self.skills else None
        while current and current in self.skills and current not in found and current != name:
            found.append(current)
            current = self.skills[current].broader
        return found

    def children(self, name: str) -> list[str]:
        """Skills whose broader skill is ``name``."""
        return list(self._children.get(name, ()))

    def relation(self, required: str, offered: str) -> str | None:
        """How a strength ``offered`` relates to a ``required`` skill, if at all.

        ``same``; ``narrower`` (offered is a kind of required: PostgreSQL for SQL
        databases); ``broader`` (offered is more general); ``sibling`` (same parent);
        ``cousin`` (same grandparent); else None.
        """
        if required == offered:
            return "same"
        offered_up = self.ancestors(offered)
        if required in offered_up:
            return "narrower"
        required_up = self.ancestors(required)
        if offered in required_up:
            return "broader"
        if offered_up and required_up and offered_up[0] == required_up[0]:
            return "sibling"
        if offered_up[:2] and required_up[:2] and set(offered_up[:2]) & set(required_up[:2]):
            return "cousin"
        return None

    def fields(self) -> list[str]:
        """The fields of work covered, sorted."""
        return sorted({skill.field for skill in self.skills.values()})

    def merged(self, other: Vocabulary) -> Vocabulary:
        """This vocabulary plus the skills of ``other`` that it does not already know."""
        skills = dict(self.skills)
        known = set(self._by_key)
        for skill in other:
            if skill.name in skills or alias_key(skill.name) in known:
                continue
            forms = [a for a in skill.aliases if alias_key(a) not in known]
            skills[skill.name] = Skill(
                name=skill.name,
                category=skill.category,
                field=skill.field,
                broader=skill.broader if skill.broader in other else None,
                aliases=tuple(forms),
                exact_aliases=skill.exact_aliases,
                source=skill.source,
            )
        return Vocabulary(skills, source=f"{self.source}+{other.source}")


def parse_vocabulary_file(path: Path) -> list[Skill]:
    """Read one ``corpora/skills/FIELD.tsv`` file; errors name the file and line."""
    field_name = path.stem
    skills: list[Skill] = []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(
            (line for line in handle if not line.startswith("#")),
            delimiter="\t",
            quoting=csv.QUOTE_NONE,
        )
        for line_number, row in enumerate(rows, start=1):
            if line_number == 1:
                if [cell.strip() for cell in row] != HEADER:
                    raise VocabularyError(
                        f"{path}:1: expected the header {'<TAB>'.join(HEADER)}, got {row!r}"
                    )
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != 4:
                raise VocabularyError(
                    f"{path}:{line_number}: expected 4 tab-separated columns, got {len(row)}"
                )
            name, category, broader, aliases = (cell.strip() for cell in row)
            if category not in CATEGORIES:
                raise VocabularyError(
                    f"{path}:{line_number}: unknown category {category!r};"
                    f" expected one of {', '.join(sorted(CATEGORIES))}"
                )
            forms = [a.strip() for a in aliases.split("|") if a.strip()]
            skills.append(
                Skill(
                    name=name,
                    category=category,
                    field=field_name,
                    broader=broader or None,
                    aliases=tuple(a for a in forms if not a.startswith("=")),
                    exact_aliases=tuple(a[1:] for a in forms if a.startswith("=")),
                )
            )
    return skills


def build_vocabulary(skills: Iterable[Skill], *, source: str = "shipped") -> Vocabulary:
    """Index skills; a later duplicate name is an error, not a silent overwrite."""
    by_name: dict[str, Skill] = {}
    for skill in skills:
        if skill.name in by_name:
            raise VocabularyError(f"skill {skill.name!r} is defined twice ({skill.field})")
        by_name[skill.name] = skill
    return Vocabulary(by_name, source=source)


def vocabulary_files(directory: Path | None = None) -> list[Path]:
    """The shipped vocabulary files, in a stable order."""
    return sorted((directory or corpora_dir() / "skills").glob("*.tsv"))


@cache
def shipped_vocabulary() -> Vocabulary:
    """The vocabulary shipped in ``corpora/skills``, read once per process.

    Kept in the user cache, keyed by the files' content and this module's code:
    loading it is a quarter of the time of reading and indexing the files again.
    """
    files = vocabulary_files()
    if not files:
        raise VocabularyError(
            f"no skill vocabulary found in {corpora_dir() / 'skills'}; reinstall strengths-matcher"
        )
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    cached = cache_dir() / f"vocabulary-shipped-{digest.hexdigest()[:16]}.pickle"
    vocabulary = read_cache(cached)
    if not isinstance(vocabulary, Vocabulary):
        vocabulary = build_vocabulary(
            skill for path in files for skill in parse_vocabulary_file(path)
        )
        write_cache(cached, vocabulary)
    return vocabulary

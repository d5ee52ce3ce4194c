"""The shipped skill vocabulary: its schema, its size and its relations."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from matcher.errors import VocabularyError
from matcher.understand.vocabulary import (
    CATEGORIES,
    alias_key,
    parse_vocabulary_file,
    shipped_vocabulary,
    vocabulary_files,
)


def test_every_file_parses_with_known_categories():
    for path in vocabulary_files():
        for skill in parse_vocabulary_file(path):
            assert skill.category in CATEGORIES, (path, skill.name)
            assert skill.name.strip() == skill.name and skill.name


def test_it_is_large_and_broad():
    vocabulary = shipped_vocabulary()
    assert len(vocabulary) >= 2000
    assert len(vocabulary.fields()) >= 12
    categories = {skill.category for skill in vocabulary}
    assert categories == set(CATEGORIES)


def test_no_name_or_alias_belongs_to_two_skills():
    owners: dict[str, set[str]] = defaultdict(set)
    for path in vocabulary_files():
        for skill in parse_vocabulary_file(path):
            for form in (skill.name, *skill.aliases, *skill.exact_aliases):
                owners[alias_key(form)].add(skill.name)
    clashes = {key: names for key, names in owners.items() if len(names) > 1}
    assert not clashes


def test_every_broader_skill_exists_and_there_are_no_cycles():
    vocabulary = shipped_vocabulary()
    for skill in vocabulary:
        if skill.broader:
            assert skill.broader in vocabulary, f"{skill.name}: broader {skill.broader!r} missing"
        assert skill.name not in vocabulary.ancestors(skill.name)


def test_aliases_and_abbreviations_resolve():
    vocabulary = shipped_vocabulary()
    for alias, name in [
        ("k8s", "Kubernetes"),
        ("NodeJS", "Node.js"),
        ("node.js", "Node.js"),
        ("A/B testing", "Online experimentation"),
        ("adaptive teaching", "Differentiated instruction"),  # England's term since 2019
    ]:
        found = vocabulary.lookup(alias)
        assert found is not None and found.name == name


def test_relations_follow_the_hierarchy():
    vocabulary = shipped_vocabulary()
    postgres = vocabulary.lookup("PostgreSQL")
    assert postgres is not None and postgres.broader
    assert vocabulary.relation(postgres.broader, "PostgreSQL") == "narrower"
    assert vocabulary.relation("PostgreSQL", postgres.broader) == "broader"
    sibling = next(name for name in vocabulary.children(postgres.broader) if name != "PostgreSQL")
    assert vocabulary.relation("PostgreSQL", sibling) == "sibling"


def test_malformed_file_names_file_and_line(tmp_path: Path):
    path = tmp_path / "broken.tsv"
    path.write_text("skill\tcategory\tbroader\taliases\nPython\tsnake\t\t\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"broken.tsv:2: unknown category 'snake'"):
        parse_vocabulary_file(path)
    path.write_text("skill\tcategory\nPython\ttool\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"broken.tsv:1: expected the header"):
        parse_vocabulary_file(path)


def test_public_api_lists_every_lazy_name():
    import matcher

    assert sorted(matcher.__all__) == sorted(matcher._WHERE)
    for name in matcher.__all__:
        assert getattr(matcher, name) is not None

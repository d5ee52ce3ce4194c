"""Tests for matcher.understand.abbreviations: an acronym and its expansion are one thing."""

from __future__ import annotations

import pytest
import spacy

from matcher import load_posting
from matcher.understand.abbreviations import find_abbreviations
from matcher.understand.nlp import load_pipeline

NLP = spacy.blank("en")


@pytest.mark.parametrize(
    ("text", "long_form", "short_form"),
    [
        (
            "Knowledge of the Design Manual for Roads and Bridges (DMRB).",
            "Design Manual for Roads and Bridges",
            "DMRB",
        ),
        (
            "Advanced Cardiovascular Life Support (ACLS) certification",
            "Advanced Cardiovascular Life Support",
            "ACLS",
        ),
        ("A Bachelor of Science (BSc) in Computing.", "Bachelor of Science", "BSc"),
        ("Use of CAD (computer-aided design) tools", "computer-aided design", "CAD"),
    ],
)
def test_definitions_are_found_either_way_round(text: str, long_form: str, short_form: str) -> None:
    found = find_abbreviations(NLP(text))
    assert [(a.long_form.text, a.short_form.text) for a in found] == [(long_form, short_form)]


@pytest.mark.parametrize(
    "text",
    ["Experience in Python (3+ years).", "Working with SQL (PostgreSQL or MySQL).", "Ruby (or Go)"],
)
def test_brackets_that_define_nothing_are_left_alone(text: str) -> None:
    assert find_abbreviations(NLP(text)) == []


def test_the_component_is_in_the_shared_pipeline() -> None:
    nlp = load_pipeline()
    assert "matcher_abbreviations" in nlp.pipe_names
    doc = nlp("Experience with Continuous Integration (CI).")
    assert [a.short_form.text for a in doc._.abbreviations] == ["CI"]


def test_an_acronym_with_its_expansion_is_one_requirement() -> None:
    posting = load_posting(
        text="Requirements:\n- Knowledge of the Design Manual for Roads and Bridges (DMRB).\n"
    )
    assert [r.skill for r in posting.requirements] == ["Design Manual for Roads and Bridges (DMRB)"]

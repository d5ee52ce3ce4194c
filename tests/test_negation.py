"""Tests for matcher.understand.negation: denials scoped by the parse, on CV sentences."""

from __future__ import annotations

import pytest

from matcher import load_profile
from matcher.understand.negation import denial
from matcher.understand.nlp import parse


def _denial(text: str, words: str) -> str | None:
    doc = next(parse([text]))
    start = text.index(words)
    span = doc.char_span(start, start + len(words), alignment_mode="expand")
    assert span is not None
    return denial(span)


@pytest.mark.parametrize(
    ("text", "words", "why"),
    [
        ("I haven't used Git in a team setting.", "Git", "negated"),
        ("No experience with Kubernetes or Docker yet.", "Docker", "negated"),
        ("I have used scikit-learn only on online courses.", "scikit-learn", "training only"),
        (
            "I'm looking for a role where I can move closer to predictive modelling.",
            "predictive modelling",
            "aspiration",
        ),
        ("Currently learning Rust.", "Rust", "aspiration"),
        ("Would like to learn Terraform.", "Terraform", "aspiration"),
    ],
)
def test_natural_denials_are_not_evidence(text: str, words: str, why: str) -> None:
    assert _denial(text, words) == why


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # The negation governs the first clause only.
        ("I have never missed a deadline and use Git daily.", "Git"),
        ("Learned Rust in 2019 and used it for CLI tools.", "Rust"),
        ("Built dashboards in Power BI for the sales team.", "Power BI"),
        ("Delivered training courses on Excel to 40 staff.", "Excel"),
    ],
)
def test_claims_stay_claims(text: str, words: str) -> None:
    assert _denial(text, words) is None


def test_a_cv_sentence_that_denies_a_skill_gives_no_strength() -> None:
    profile = load_profile(
        text="Summary\nData analyst with four years in retail reporting and forecasting.\n\n"
        "Experience\n"
        "Data Analyst, Northwind Retail (2021 - present)\n"
        "- Built Power BI dashboards and wrote SQL for the sales director every week.\n"
        "- I haven't used Git in a team setting, and I have used scikit-learn only on"
        " online courses.\n"
    )
    skills = {s.canonical or s.skill for s in profile.strengths}
    assert "Power BI" in skills
    assert not {"Git", "scikit-learn"} & skills

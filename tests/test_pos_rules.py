"""The table-lookup POS rules set exactly what en_core_web_sm's attribute ruler sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from matcher.understand.nlp import PIPELINE_NAMES, UNUSED_COMPONENTS, load_pipeline
from matcher.understand.pos_rules import PosRules
from matcher.understand.sections import segment


@pytest.fixture(scope="module")
def stock() -> spacy.language.Language:
    for name in PIPELINE_NAMES:
        try:
            return spacy.load(name, exclude=list(UNUSED_COMPONENTS))
        except OSError:
            continue
    pytest.fail("no English pipeline installed")


def annotations(nlp: spacy.language.Language, texts: list[str]) -> list[tuple[str, ...]]:
    return [
        (token.text, token.pos_, token.tag_, token.dep_) for doc in nlp.pipe(texts) for token in doc
    ]


def example_items(examples: Path) -> list[str]:
    texts = []
    for path in sorted(examples.rglob("*.txt")):
        kind = "cv" if path.parent.name == "profiles" else "posting"
        texts += [item.text for item in segment(path.read_text(encoding="utf-8"), kind=kind)]
    return texts


def test_the_pipeline_uses_the_lookup_rules():
    assert isinstance(load_pipeline().get_pipe("attribute_ruler"), PosRules)


def test_same_pos_tag_and_dep_as_the_attribute_ruler_on_the_examples(stock, examples: Path):
    texts = example_items(examples) + [
        "There is a need for SQL.",  # the two-token rule: "expl" then a form of "be"
        "Do you have it?\n\n  Then  do it , but don't.",  # spaces, auxiliaries, "but"
        "That which we call a rose; those that apply.",
    ]
    expected = annotations(stock, texts)
    assert len(expected) > 10_000
    assert annotations(load_pipeline(), texts) == expected


def test_same_as_the_attribute_ruler_on_job_ad_sentences(stock, shared_data: Path):
    with (shared_data / "skillspan" / "dev.json").open(encoding="utf-8") as handle:
        texts = [" ".join(json.loads(line)["tokens"]) for line in handle]
    assert annotations(load_pipeline(), texts) == annotations(stock, texts)

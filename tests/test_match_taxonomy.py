"""`match --taxonomy NAME`: an imported taxonomy's skills count beside the vocabulary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from matcher import extract_skills, load_posting, load_profile, match
from matcher.cli.main import main
from matcher.understand.taxonomy import store as taxonomy_store

ESCO = """preferredLabel,altLabels,skillType
quantum annealing scheduling,"quantum annealing schedulers
annealing schedule design",skill/competence
"""
POSTING = "Requirements:\n- Python\n- Quantum annealing schedulers\n"
CV = "Skills\n- Python, quantum annealing scheduling\n"


@pytest.fixture
def imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("STRENGTHS_MATCHER_HOME", str(tmp_path / "home"))
    taxonomy_store._LOADED.clear()
    taxonomy_store._VOCABULARIES.clear()
    source = tmp_path / "skills_en.csv"
    source.write_text(ESCO, encoding="utf-8")
    taxonomy_store.import_taxonomy("esco", source, name="tiny")
    yield "tiny"
    taxonomy_store._LOADED.clear()
    taxonomy_store._VOCABULARIES.clear()


def test_taxonomy_skills_become_canonical_requirements(imported: str):
    plain = load_posting(text=POSTING)
    assert any(r.canonical is None and "annealing" in r.text for r in plain.requirements)
    linked = load_posting(text=POSTING, taxonomy=imported)
    assert "quantum annealing scheduling" in {r.canonical for r in linked.requirements}


def test_taxonomy_skills_are_matched_through_their_aliases(imported: str):
    report = match(
        load_profile(text=CV, taxonomy=imported),
        load_posting(text=POSTING, taxonomy=imported),
        taxonomy=imported,
    )
    found = {m.requirement.canonical: m for m in report.matches}
    assert found["quantum annealing scheduling"].status == "match"
    assert found["quantum annealing scheduling"].method == "vocabulary"
    assert report.verdict == "strong"


def test_cli_taxonomy_option(imported: str, tmp_path: Path):
    cv, job = tmp_path / "cv.txt", tmp_path / "job.txt"
    cv.write_text(CV, encoding="utf-8")
    job.write_text(POSTING, encoding="utf-8")
    result = CliRunner().invoke(
        main, [str(cv), str(job), "--taxonomy", imported, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    skills = {r["canonical"] for r in json.loads(result.stdout)["requirements"]}
    assert "quantum annealing scheduling" in skills
    unknown = CliRunner().invoke(main, [str(cv), str(job), "--taxonomy", "nope"])
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
    assert unknown.stderr.count("\n") == 1 and "nope" in unknown.stderr


def test_taxonomy_skills_are_found_inside_sentences(imported: str):
    # Neither a short item nor after a cue phrase: only the taxonomy's names find it.
    text = "Requirements:\n- You will tune our quantum annealing schedulers every week.\n"
    plain = extract_skills(text, use_model=False)
    assert "quantum annealing scheduling" not in {m.skill for m in plain}
    found = [m for m in extract_skills(text, use_model=False, taxonomy=imported) if m.skill]
    linked = [m for m in found if m.skill == "quantum annealing scheduling"]
    assert linked and linked[0].source == "taxonomy"
    assert text[linked[0].start : linked[0].end] == "quantum annealing schedulers"

"""Reading a profile: a CV is never taken for a list because its lines are short, and
``--cv`` / ``--list`` (``kind=``) override the guess."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from matcher import MatcherError, load_profile
from matcher.cli.main import main
from matcher.paths import corpora_dir
from matcher.read import read_document
from matcher.understand.documents import profile_kind

CVS = corpora_dir() / "cvs"
LISTS = sorted((corpora_dir() / "examples" / "profiles").glob("*-strengths.txt"))

SHORT_LINED_CV = """Priya Shah
Customer Service Advisor
Leeds | priya.shah@example.com | 07700 900123
Experience
Customer Service Advisor, Northwind Energy
2021 - present
Handled 60+ inbound calls a day
Resolved billing complaints
Education
BTEC Business, Leeds City College
2019 - 2021
Skills
Zendesk
Complaint handling
"""


def _cvs() -> list[tuple[str, str]]:
    with (CVS / "cvs.tsv").open(encoding="utf-8") as handle:
        return [(row["id"], row["file"]) for row in csv.DictReader(handle, delimiter="\t")]


@pytest.mark.parametrize(("cv_id", "file"), _cvs())
def test_every_realistic_cv_is_read_as_a_cv(cv_id: str, file: str) -> None:
    assert profile_kind(read_document(CVS / file)) == "cv", cv_id


@pytest.mark.parametrize("path", LISTS, ids=lambda p: p.name)
def test_strength_lists_stay_lists(path: Path) -> None:
    assert profile_kind(path.read_text(encoding="utf-8")) == "list"


def test_the_name_and_headings_of_a_short_lined_cv_are_no_strengths() -> None:
    profile = load_profile(text=SHORT_LINED_CV)
    assert profile.kind == "cv"
    names = {s.skill for s in profile.strengths}
    assert not names & {"Priya Shah", "Experience", "Education", "Skills", "Leeds"}


def test_kind_overrides_the_guess() -> None:
    as_list = load_profile(text=SHORT_LINED_CV, kind="list")
    assert as_list.kind == "list"
    assert "Priya Shah" in {s.skill for s in as_list.strengths}
    assert load_profile(text="Python\nSQL\nExcel", kind="cv").kind == "cv"
    with pytest.raises(MatcherError, match="kind must be"):
        load_profile(text="Python", kind="resume")  # type: ignore[arg-type]


@pytest.mark.parametrize(("flag", "kind"), [("--cv", "cv"), ("--list", "list"), (None, None)])
@pytest.mark.parametrize("command", [[], ["batch"], ["journal", "add"]])
def test_cli_flags_override_the_guess(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: str | None,
    kind: str | None,
    command: list[str],
) -> None:
    import matcher.understand.documents as documents

    seen: list[object] = []
    real = documents.load_profile

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(kwargs.get("kind"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(documents, "load_profile", spy)
    monkeypatch.setenv("STRENGTHS_MATCHER_HOME", str(tmp_path / "home"))
    cv = tmp_path / "cv.txt"
    cv.write_text(SHORT_LINED_CV, encoding="utf-8")
    posting = corpora_dir() / "examples" / "postings" / "hr-generalist-recruiter.txt"
    extra = ["--workers", "1", "-o", str(tmp_path / "out.csv")] if command == ["batch"] else []
    args = [*command, str(cv), str(posting), *extra] + ([flag] if flag else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert seen and seen[0] == kind


def test_skills_list_reads_the_entries_of_a_list(tmp_path: Path) -> None:
    strengths = tmp_path / "strengths.txt"
    strengths.write_text("Priya Shah\nZendesk\nno experience with Kubernetes\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["skills", str(strengths), "--list", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["text"] for r in rows if not r["negated"]] == ["Priya Shah", "Zendesk"]
    assert [r["skill"] for r in rows if r["negated"]] == ["Kubernetes"]


CHEF_CV = """Alex Morgan
alex.morgan@example.com | 07700 900123 | Bristol

Summary
Head chef who builds seasonal menus around local suppliers and keeps GP on target.

Experience
Head Chef, The Anchor Inn, Bristol (2019 - present)
- Co-write the seasonal menus with the owners each quarter
- Brought in allergen systems that passed every EHO visit
- Trained four commis chefs in butchery and sauce work

Skills
- Menu costing
- Food hygiene
- Sous vide cooking
- Fermentation
"""


def test_a_cv_claims_unknown_phrases_only_in_its_skills_list():
    # The tagger finds "keeps GP on target" and "allergen systems" in the summary and a
    # bullet; only the skills list's own entries are claims of a skill.
    strengths = load_profile(text=CHEF_CV, kind="cv").strengths
    names = {s.skill for s in strengths}
    assert {"Butchery", "Sous vide cooking", "Fermentation"} <= names
    unknown = [s for s in strengths if s.canonical is None]
    assert unknown and all(
        s.evidence.line.lstrip("- ") in CHEF_CV.split("Skills")[1] for s in unknown
    )
    assert not names & {"keeps GP on target", "allergen systems"}

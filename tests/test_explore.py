"""Tables for notebooks: the match matrix agrees with the core, gap and group counts are right."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import posting, profile

from matcher.batch.frames import requirements_frame, score_postings
from matcher.batch.refine import title_family
from matcher.fit.core import match
from matcher.report.explore import (
    REQUIREMENT_TABLE_COLUMNS,
    coverage,
    fit_groups,
    gap_counts,
    match_matrix,
    nearest_skills,
    requirements_table,
    vocabulary_frame,
)
from matcher.understand.documents import load_posting, load_profile
from matcher.understand.vocabulary import Skill, shipped_vocabulary

PAIRS = [
    ("junior-frontend-strengths", "junior-frontend-developer"),
    ("data-analyst-cv", "data-analyst"),
    ("nurse-strengths", "registered-nurse-med-surg"),
]


@pytest.fixture(scope="module", params=PAIRS, ids=[p for _, p in PAIRS])
def pair(request):
    who, job = request.param
    person, ad = load_profile(profile(who)), load_posting(posting(job))
    return person, ad, match(person, ad)


def test_the_matrix_holds_every_requirement_against_every_strength(pair):
    person, ad, _ = pair
    matrix = match_matrix(person, ad)
    assert matrix.shape == (len(ad.requirements), len(person.strengths))
    assert matrix.index.names == ["requirement", "importance"]
    assert matrix.columns.name == "strength"
    assert matrix.index.is_unique and matrix.columns.is_unique
    assert list(matrix.index.get_level_values("importance")) == [
        r.importance for r in ad.requirements
    ]
    assert ((matrix >= 0) & (matrix <= 100)).all().all()


def test_the_report_picks_each_rows_best_score(pair):
    # Gates, stated authorisation and words found verbatim in the CV are decided beside
    # the scores; every other requirement takes its best strength's score from exactly
    # this matrix.
    person, ad, report = pair
    matrix = match_matrix(person, ad)
    rows = {r.skill: i for i, r in enumerate(ad.requirements)}
    checked = 0
    for m in report.matches:
        if m.requirement.gate is None and m.method not in ("statement", "cv text"):
            row = matrix.iloc[rows[m.requirement.skill]]
            assert m.score == pytest.approx(row.max(), abs=0.05)
            assert m.strength is not None
            assert row[m.strength.skill] == pytest.approx(row.max(), abs=0.05)
            checked += 1
    assert checked


def test_requirements_table_is_the_reports_requirements(pair):
    _, _, report = pair
    table = requirements_table(report)
    assert list(table.columns) == list(REQUIREMENT_TABLE_COLUMNS)
    assert list(table["skill"]) == [m.requirement.skill for m in report.matches]
    assert list(table["status"]) == [m.status for m in report.matches]


def _requirement_rows(rows):
    columns = ["id", "skill", "importance", "status", "gain"]
    return pd.DataFrame(rows, columns=columns)


def test_gap_counts_count_each_posting_once_and_required_first():
    frame = _requirement_rows(
        [
            ("a", "SQL", "required", "missing", 5.0),
            ("a", "SQL", "preferred", "prepare", 1.0),  # asked twice by one posting
            ("b", "SQL", "preferred", "prepare", 2.0),
            ("a", "Excel", "required", "match", 0.0),  # met: not a gap
            ("b", "Tableau", "required", "missing", 4.0),
            ("c", "Python", "preferred", "missing", None),
        ]
    )
    table = gap_counts(frame, top=None)
    assert list(table.index) == ["SQL", "Tableau", "Python"]
    assert table.loc["SQL"].to_dict() == {
        "required": 1,
        "preferred": 1,
        "postings": 2,
        "prepare": 1,
        "mean_gain": 3.5,
    }
    assert table.loc["Python", "mean_gain"] == 0.0
    assert list(gap_counts(frame, top=1).index) == ["SQL"]
    assert all(table["required"] + table["preferred"] == table["postings"])


def test_gap_counts_of_nothing_missing_is_empty():
    table = gap_counts(_requirement_rows([("a", "SQL", "required", "match", 0.0)]))
    assert table.empty
    assert list(table.columns) == ["required", "preferred", "postings", "prepare", "mean_gain"]


@pytest.fixture(scope="module")
def batch():
    jobs = [posting(p) for p in ("data-analyst", "data-scientist", "ux-designer")]
    cv = profile("data-analyst-cv")
    return score_postings(cv, jobs), requirements_frame(cv, jobs)


def test_gap_counts_on_a_real_batch_agree_with_the_long_form(batch):
    _, requirements = batch
    table = gap_counts(requirements, top=None)
    unmet = requirements[requirements["status"] != "match"]
    assert set(table.index) == set(unmet["skill"])
    for skill, row in table.iterrows():
        assert row["postings"] == unmet.loc[unmet["skill"] == skill, "id"].nunique()


def test_fit_groups_by_field_and_by_title(batch):
    postings, _ = batch
    by_field = fit_groups(postings)
    assert list(by_field.columns) == ["group", "fit", "verdict", "id"]
    assert list(by_field["fit"]) == list(postings["fit"])
    by_title = fit_groups(postings, by="title")
    assert list(by_title["group"]) == [title_family(t) for t in postings["title"]]
    with pytest.raises(ValueError, match="by must be"):
        fit_groups(postings, by="company")


def test_fit_groups_leave_out_failed_postings():
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "title": ["Data Analyst", None, "Nurse"],
            "fit": [50.0, None, 20.0],
            "verdict": ["stretch", None, "poor"],
            "field": ["data", None, None],
        }
    )
    assert list(fit_groups(frame)["id"]) == ["a"]
    assert list(fit_groups(frame, by="title")["group"]) == ["data analyst", "nurse"]


def test_vocabulary_frame_and_coverage_count_every_skill():
    vocabulary = shipped_vocabulary()
    frame = vocabulary_frame(vocabulary)
    assert len(frame) == len(vocabulary)
    table = coverage(vocabulary)
    assert table["total"].sum() == len(vocabulary)
    assert sorted(table.index) == vocabulary.fields()
    assert list(table["total"]) == sorted(table["total"], reverse=True)
    assert (table.drop(columns="total").sum(axis=1) == table["total"]).all()


def test_vocabulary_frame_counts_exact_aliases_too():
    skills = [Skill("R (programming language)", "hard_skill", "data", None, ("GNU R",), ("R",))]
    assert vocabulary_frame(skills).loc[0, "aliases"] == 2


def test_nearest_skills_rank_best_first():
    table = nearest_skills(["kubernetes clusters", "Postgres"], top=3)
    assert list(table["rank"]) == [1, 2, 3, 1, 2, 3]
    first = table[table["rank"] == 1].set_index("phrase")["skill"]
    assert first["kubernetes clusters"] == "Kubernetes"
    assert first["Postgres"] == "PostgreSQL"
    for _, group in table.groupby("phrase"):
        assert list(group["score"]) == sorted(group["score"], reverse=True)
    assert set(table["taxonomy"]) == {"shipped"}


def test_fit_groups_of_no_postings_is_an_empty_table():
    empty = pd.DataFrame(columns=["id", "title", "fit", "verdict", "field"])
    assert list(fit_groups(empty).columns) == ["group", "fit", "verdict", "id"]
    assert fit_groups(empty, by="title").empty

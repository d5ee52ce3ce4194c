"""Scorers: the 0-100 range, the TF-IDF runtime against scikit-learn, the hierarchy."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from matcher.score.scoring import (
    SCORERS,
    Side,
    combined_score,
    fuzzy_score,
    score_pairs,
    tfidf_for,
)
from matcher.understand.lexical import TfidfSimilarity
from matcher.understand.vocabulary import Skill, build_vocabulary, shipped_vocabulary

phrases = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=60, deadline=None)
@given(phrases, phrases)
def test_every_scorer_stays_in_range(a: str, b: str):
    for scorer in SCORERS.values():
        assert 0 <= scorer(a, b) <= 100


def test_subset_alone_does_not_max_out_fuzzy():
    assert fuzzy_score("Python", "Python web frameworks") < 75
    assert fuzzy_score("web frameworks Python", "Python web frameworks") == 100


@functools.cache
def fitted_pair(kind: str) -> tuple[TfidfSimilarity, TfidfVectorizer]:
    corpus = sorted({form for skill in shipped_vocabulary() for form in skill.surface_forms})
    model = TfidfSimilarity().fit(corpus)
    return model, TfidfVectorizer(**model.vectorizer_params(kind)).fit(corpus)


@settings(max_examples=40, deadline=None)
@given(st.lists(phrases, min_size=1, max_size=5))
def test_runtime_tfidf_equals_scikit_learn(texts: list[str]):
    for kind in ("char", "word"):
        model, reference = fitted_pair(kind)
        expected = reference.transform(texts).toarray()
        assert np.allclose(model.transform(texts, kind).toarray(), expected, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(st.lists(phrases, min_size=1, max_size=5), st.lists(phrases, min_size=1, max_size=5))
def test_similarity_is_the_weighted_cosine_of_the_tfidf_rows(left: list[str], right: list[str]):
    model = tfidf_for(shipped_vocabulary())
    expected = sum(
        share * (model.transform(left, kind) @ model.transform(right, kind).T).toarray()
        for kind, share in (("char", 1 - model.word_share), ("word", model.word_share))
    )
    assert np.allclose(model.similarity(left, right), np.clip(expected * 100, 0, 100), atol=1e-3)


def test_fitted_model_is_cached_per_vocabulary():
    vocabulary = shipped_vocabulary()
    assert tfidf_for(vocabulary) is tfidf_for(vocabulary)


def test_hierarchy_counts_partly():
    vocabulary = shipped_vocabulary()
    postgres = vocabulary["PostgreSQL"]
    scores, methods = score_pairs(
        [Side(postgres.broader, postgres.broader), Side("MySQL", "MySQL")],
        [Side("PostgreSQL", "PostgreSQL"), Side("PostgreSQL", "PostgreSQL")],
        vocabulary,
    )
    assert 75 <= scores[0, 0] < 100 and methods[0][0] == "taxonomy:narrower"
    assert 50 <= scores[1, 1] < 75 and methods[1][1] == "taxonomy:sibling"


# Look-alikes a recruiter calls unrelated: the combined scorer keeps them apart (< 50).
LOOK_ALIKES = [
    ("JavaScript", "Java"),
    ("Java", "JavaScript"),
    ("Excel", "excellent"),
    ("Excellent written English", "Excel"),
    ("R", "Go"),
    ("C", "R"),
    ("Go", "C"),
]


@pytest.mark.parametrize(("need", "have"), LOOK_ALIKES)
def test_look_alikes_stay_apart(need: str, have: str):
    assert combined_score(need, have) < 50


# A shared word in another sense: the static model alone put each of these near or
# matched (52-77 with the calibration fitted on skill names only).
OTHER_SENSES = [
    ("Data warehousing", "Warehouse stock rotation"),
    ("Node.js", "Lymph node biopsy"),
    ("Docker", "Dock scheduling for inbound lorries"),
    ("Cloud infrastructure", "Cloud-based payroll in Sage"),
    ("Patient care", "Patient with angry callers"),
    ("Data pipelines", "Gas pipeline welding"),
]


@pytest.mark.parametrize(("need", "have"), OTHER_SENSES)
def test_a_word_shared_in_another_sense_keeps_them_apart(need: str, have: str):
    assert combined_score(need, have) < 50


def test_a_word_shared_in_the_same_sense_still_matches():
    assert combined_score("Data warehousing", "Built a Snowflake data warehouse") >= 75


def test_sense_features_compare_the_words_besides_the_shared_one():
    from matcher.understand.embeddings import load_embeddings, sense_features

    model = load_embeddings()
    assert model is not None
    shared, residual = sense_features(
        model, ["Docker", "Java", "Python"], ["Loading dock work", "JavaScript", "Excel"]
    )
    assert shared[0, 0] and shared[1, 1] and not shared[2, 2]
    assert residual[1, 1] == 0.0  # nothing besides the shared word on either side
    assert residual[0, 0] != 0.0 and residual[2, 2] == 0.0


def test_members_of_a_broad_family_are_not_siblings_by_that_alone():
    # Both are programming languages; the lexical scorer alone called them siblings (62).
    vocabulary = shipped_vocabulary()
    need, have = [Side("JavaScript", "JavaScript")], [Side("Java", "Java")]
    assert score_pairs(need, have, vocabulary, semantic=False)[0][0, 0] >= 50
    scores, methods = score_pairs(need, have, vocabulary)
    assert scores[0, 0] < 50 and not methods[0][0].startswith("taxonomy:")


@pytest.mark.parametrize(
    ("need", "have"),
    [
        ("Financial reporting", "Prepared monthly financial statements"),
        ("Experience building dashboards", "Power BI dashboards"),
    ],
)
def test_a_paraphrase_missed_by_spelling_now_matches(need: str, have: str):
    assert combined_score(need, have, semantic=False) < 75
    assert combined_score(need, have) >= 75


def test_a_paraphrase_records_that_the_embedding_found_it():
    vocabulary = shipped_vocabulary()
    scores, methods = score_pairs(
        [Side("Financial reporting", "Financial reporting")],
        [Side("Prepared monthly financial statements", None)],
        vocabulary,
    )
    assert scores[0, 0] >= 75 and methods[0][0] == "embedding"


def test_the_same_text_is_a_full_match_whichever_signal_sees_it():
    for text in ("Handled 60+ inbound calls a day", "Zorblax quantum ledgers"):
        assert combined_score(text, text) == 100.0


def test_spelling_alone_cannot_join_two_distinct_known_skills():
    vocabulary = build_vocabulary(
        [Skill("Java", "hard_skill", "software"), Skill("JavaScript", "hard_skill", "software")]
    )
    scores, methods = score_pairs(
        [Side("Java", "Java")], [Side("JavaScript", "JavaScript")], vocabulary
    )
    assert scores[0, 0] < 50


def test_same_skill_through_an_alias_scores_full():
    vocabulary = shipped_vocabulary()
    scores, methods = score_pairs(
        [Side("k8s", "Kubernetes")], [Side("Kubernetes", "Kubernetes")], vocabulary
    )
    assert scores[0, 0] == 100 and methods[0][0] == "vocabulary"


def test_a_qualified_form_of_the_skill_asked_for_answers_it():
    # The vocabulary reads "stakeholder communication" as Stakeholder management, a
    # different skill from Communication; its words still say it is communication.
    vocabulary = shipped_vocabulary()
    need = [Side("Strong communication skills", "Communication")]
    have = [Side("stakeholder communication", "Stakeholder management")]
    assert score_pairs(need, have, vocabulary, semantic=False)[0][0, 0] < 50
    scores, methods = score_pairs(need, have, vocabulary)
    assert scores[0, 0] >= 75 and methods[0][0] == "words:narrower"
    # Never by a name of one or two letters: "Programming in R" is not C.
    c = [Side("C", "C (programming language)")]
    assert score_pairs(c, [Side("Programming in R", None)], vocabulary)[0][0, 0] < 50


def test_a_line_about_the_work_never_answers_a_certification():
    vocabulary = shipped_vocabulary()
    need = [Side("CMSRN", "CMSRN")]
    have = [Side("4 years acute care on a med-surg unit", None)]
    assert vocabulary["CMSRN"].category == "certification"
    assert score_pairs(need, have, vocabulary)[0][0, 0] < 75

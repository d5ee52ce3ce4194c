"""Reading real text (issue 13): rebuilt SkillSpan ads, the item classifier, its benchmark."""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
from pathlib import Path

import pytest

from matcher.train import postings
from matcher.train.postings import Ad, detokenise, reassemble
from matcher.understand import item_classifier
from matcher.understand.item_classifier import (
    InputSettings,
    Transitions,
    classify_items,
    default_model_path,
    document_inputs,
    load_item_classifier,
    masked,
    model_input,
)

REPO = Path(__file__).resolve().parents[1]
SKILLSPAN = REPO.parent / "shared" / "data" / "skillspan"


@pytest.fixture(autouse=True)
def _fresh_cache():
    item_classifier.clear_cache()
    yield
    item_classifier.clear_cache()


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_reading", REPO / "benchmarks" / "bench_reading.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_reading"] = module
    spec.loader.exec_module(module)
    return module


# --- detokenising (no data needed) --------------------------------------------------------


@pytest.mark.parametrize(
    ("tokens", "text"),
    [
        ("I 'm sure we do n't ca n't".split(), "I'm sure we don't can't"),
        ("You ' ll join what ' s next".split(), "You'll join what's next"),
        ("Senior QA Engineer ( m/f/d ) .".split(), "Senior QA Engineer (m/f/d)."),
        (
            'a " quoted phrase " here , too ; yes : 5 %'.split(),
            'a "quoted phrase" here, too; yes: 5%',
        ),
    ],
)
def test_detokenise_writes_as_a_job_board_does(tokens, text):
    written, spans = detokenise(tokens)
    assert written == text
    assert len(spans) == len(tokens)
    assert all(written[s:e] == t for (s, e), t in zip(spans, tokens) if t not in ("'",))


def test_a_run_of_one_placeholder_becomes_one_stand_in_every_token_maps_onto():
    tokens = ["at", "<ADDRESS>", "<ADDRESS>", "<ADDRESS>", "<LOCATION>", "."]
    written, spans = detokenise(tokens, "train-tech-1")
    assert "<" not in written and written.endswith(".")
    assert spans[1] == spans[2] == spans[3]
    assert spans[4][0] > spans[3][1]
    assert written[spans[4][0] : spans[4][1]] in postings._STAND_INS["LOCATION"]


def test_run_on_glues_some_headings_and_keeps_every_sentence_span():
    sentences = [("Data", "Analyst")] + [
        (f"Heading{i}",) if i % 2 == 0 else ("Some", "duty", str(i), ".") for i in range(60)
    ]
    labels = {0: "title"} | {i + 1: "heading" for i in range(0, 60, 2)}
    ad = Ad("train-tech-999", tuple(sentences))
    rebuilt = reassemble(ad, "run_on", labels=labels)
    texts = [rebuilt.sentence_text(i) for i in range(len(sentences))]
    assert texts == [detokenise(s)[0] for s in sentences]
    assert re.search(r"Heading\d+Some", rebuilt.text), "no heading glued to the next word"
    broken = reassemble(ad, "line_broken", labels=labels)
    assert broken.text.split("\n") == texts


# --- the rebuilt corpus (needs ../shared/data) --------------------------------------------


def _rendered(token: str) -> set[str]:
    kind = re.fullmatch(r"<([A-Z]+)>", token)
    if kind:
        return set(postings._STAND_INS[kind.group(1)])
    return {postings._TOKEN_FIXES.get(token, token)}


@pytest.mark.shared_data
@pytest.mark.parametrize("form", postings.FORMS)
def test_every_labelled_sentence_and_requirement_maps_onto_the_text_exactly(shared_data, form):
    ads = postings.read_ads(shared_data / "skillspan")
    for which in ("train", "eval"):
        labels = postings.read_sentence_labels(which)
        for ad_id, ad_labels in labels.items():
            ad = ads[ad_id]
            rebuilt = reassemble(ad, form, labels=ad_labels)
            assert set(ad_labels) == set(range(len(ad.sentences))), ad_id
            previous_end = 0
            for sent, tokens in enumerate(ad.sentences):
                start, end = rebuilt.sentence_spans[sent]
                assert previous_end <= start <= end, (ad_id, sent)
                previous_end = end
                spans = rebuilt.token_spans[sent]
                assert (spans[0][0], spans[-1][1]) == (start, end), (ad_id, sent)
                for token, (s, e) in zip(tokens, spans):
                    if token not in ("'", "’"):  # a split clitic's apostrophe stays as is
                        assert rebuilt.text[s:e] in _rendered(token), (ad_id, sent, token)
            assert "<ORGANIZATION>" not in rebuilt.text
            if form == "line_broken":
                lines = rebuilt.text.split("\n")
                assert lines == [rebuilt.sentence_text(i) for i in range(len(ad.sentences))]
    for ad_id, gold in postings.read_requirements().items():
        rebuilt = reassemble(ads[ad_id], form, labels=postings.read_sentence_labels("eval")[ad_id])
        for g in gold:
            tokens = ads[ad_id].sentences[g.sent]
            assert 0 <= g.start < g.end <= len(tokens), g
            start, end = rebuilt.char_span(g.sent, g.start, g.end)
            covered = rebuilt.text[start:end]
            s_start, s_end = rebuilt.sentence_spans[g.sent]
            assert s_start <= start < end <= s_end
            assert any(covered.startswith(x) for x in _rendered(tokens[g.start])), g
            assert any(covered.endswith(x) for x in _rendered(tokens[g.end - 1])), g


@pytest.mark.shared_data
def test_the_split_is_the_documented_one(shared_data):
    evaluation = postings.evaluation_ads()
    training = postings.training_ads()
    assert (len(evaluation), len(training)) == (64, 134)
    assert not set(evaluation) & set(training)
    assert set(postings.HELD_OUT_TRAIN) <= set(evaluation)


# --- the classifier -----------------------------------------------------------------------


def test_model_input_puts_the_end_of_the_item_before_first():
    assert model_input("Python  3 years", None) == "Python 0 years"
    joined = model_input("Python", "one two three four five six seven eight nine ten")
    assert joined.startswith("three four") and joined.endswith("⟩ Python")


def test_inputs_mask_one_off_tokens_and_carry_place_and_heading():
    assert masked("jane@example.com | +44 20 7946 0958 | linkedin.com/in/jane") == (
        "emailaddress | phonenumber | webaddress"
    )
    assert masked("Sep 2019 - Present, 5+ years") == "Sep yearnumber - Present, 0+ years"
    texts = ["Data Analyst", "Requirements:", "SQL.", "Python.", "Nice to have:", "Tableau."]
    inputs = document_inputs(texts, InputSettings(context=True, position=True, heading=True))
    assert inputs[0] == "posfirst ⟩ Data Analyst"
    assert inputs[3].startswith("pos2 Requirements: ⟫ SQL. ⟩ Python.")
    assert inputs[5] == "pos4 Nice to have: ⟩ Tableau."
    bare = document_inputs(texts, InputSettings(context=False, position=False, heading=False))
    assert bare == texts


def test_transitions_keep_a_run_of_items_in_one_section():
    import numpy as np

    transitions = Transitions.fit([["h", "n", "n", "n"], ["h", "r", "r"]] * 5, ["h", "r", "n"])
    probabilities = np.array([[0.9, 0.05, 0.05], [0.1, 0.3, 0.6], [0.1, 0.5, 0.4]])
    assert transitions.decode(probabilities) == [0, 2, 2]
    alone = Transitions(transitions.labels, transitions.start, transitions.matrix, 0.0)
    assert alone.decode(probabilities) == [0, 2, 1]


def test_the_shipped_classifier_labels_obvious_items():
    nlp = load_item_classifier()
    assert nlp is not None, f"no usable model at {default_model_path()}"
    posting = classify_items(
        ["Requirements", "5+ years of experience with Java and Spring.", "Apply now!"],
        "posting",
    )
    assert posting is not None and posting[1][0] in ("requirement", "nice_to_have")
    assert all(0.0 <= p <= 1.0 for _, p in posting)
    cv = classify_items(["Jane Doe", "jane@example.com", "EXPERIENCE"], "cv")
    assert cv is not None and cv[1][0] == "contact"
    assert load_item_classifier() is load_item_classifier()
    assert classify_items([], "posting") == []
    assert len(classify_items(["", "   ", "x" * 5000], "cv") or []) == 3


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "matcher" and r.levelno == logging.WARNING]


def test_a_missing_model_falls_back_with_one_warning(tmp_path, caplog, monkeypatch):
    caplog.set_level(logging.WARNING, logger="matcher")
    monkeypatch.setattr(item_classifier, "default_model_path", lambda: tmp_path / "nothing")
    assert classify_items(["Experience with SQL."], "posting") is None
    assert classify_items(["Jane Doe"], "cv") is None
    [record] = _warnings(caplog)
    assert "item classifier not available" in record.getMessage()


def test_a_broken_model_falls_back_with_one_warning(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="matcher")
    (tmp_path / "config.cfg").write_text("[nlp\nnot a config", "utf-8")
    assert load_item_classifier(tmp_path) is None
    assert load_item_classifier(tmp_path) is None
    assert len(_warnings(caplog)) == 1


def test_classify_items_checks_its_arguments():
    with pytest.raises(ValueError, match="kind"):
        classify_items(["x"], "letter")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="contexts"):
        classify_items(["x", "y"], "cv", contexts=[None])


@pytest.mark.shared_data
def test_the_classifier_beats_the_commonest_label_on_held_out_ads(shared_data):
    bench = _bench()
    ads = postings.evaluation_ads()[::8]  # eight held-out ads, both sources
    for form in postings.FORMS:
        majority = bench.majority_baseline(form, ads)
        learned = bench.evaluate_sentences(bench.gold_items_labeller, form, ads)
        assert learned.accuracy > majority.accuracy + 0.3, form
        assert learned.macro_f1 > majority.macro_f1 + 0.3, form


def test_the_classifier_beats_the_commonest_label_on_held_out_cvs():
    bench = _bench()
    from matcher.train.sections import cv_ids

    ids = cv_ids("eval")[::4]
    learned = bench.evaluate_cv_lines(bench.classifier_cv_labeller, ids)
    majority = bench.evaluate_cv_lines(lambda lines: ["achievement"] * len(lines), ids)
    assert learned.accuracy > majority.accuracy + 0.2


# --- the benchmark's scoring --------------------------------------------------------------


def test_label_scores_and_kappa_on_a_small_case():
    bench = _bench()
    scores = bench.label_scores(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert scores.accuracy == 0.75
    assert scores.per_class["a"]["recall"] == 0.5
    assert bench.cohen_kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == 1.0
    assert bench.cohen_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == 0.0


def test_names_and_strengths_match_as_documented():
    bench = _bench()
    assert bench.names_match("CI/CD", "ci-cd")
    assert not bench.names_match("Java", "JavaScript")
    assert bench.strength_matches("Excel", "Microsoft Excel")
    assert not bench.strength_matches("Galway", "Power BI")


@pytest.mark.shared_data
def test_requirements_of_the_gold_spans_themselves_score_full_marks(shared_data):
    """An extractor that returns the gold requirements finds every group, all correct."""
    bench = _bench()
    ads = postings.evaluation_ads()[:6]
    gold = postings.read_requirements()
    texts = {}
    for rebuilt in postings.reassemble_many(ads, "run_on"):
        texts[rebuilt.text] = [
            bench.PredictedRequirement(
                g.name, g.importance, *rebuilt.char_span(g.sent, g.start, g.end)
            )
            for g in gold.get(rebuilt.ad, [])
        ]
    scores = bench.evaluate_requirements(lambda text: texts[text], "run_on", ads)
    assert scores.n_groups > 20
    assert scores.precision == scores.recall == scores.importance_accuracy == 1.0
    nothing = bench.evaluate_requirements(lambda text: [], "run_on", ads)
    assert nothing.recall == 0.0

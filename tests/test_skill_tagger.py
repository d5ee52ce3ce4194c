"""The trained skill tagger: SkillSpan conversion, scoring, loading, fallback and training."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from matcher.train.skillspan import parse_record, read_split, span_scores
from matcher.understand import skill_tagger
from matcher.understand.skill_tagger import default_model_path, load_skill_tagger, tag_spans
from matcher.understand.spans import (
    KNOWLEDGE,
    SKILL,
    bio_to_spans,
    joint_tags,
    spans_from_joint_tags,
    spans_to_bio,
)

SHARED_SKILLSPAN = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "skillspan"


@pytest.fixture(autouse=True)
def _fresh_cache():
    skill_tagger.clear_cache()
    yield
    skill_tagger.clear_cache()


# --- conversion -------------------------------------------------------------------------


def test_bio_to_spans_reads_begin_inside_outside():
    tags = ["B", "I", "O", "B", "B", "I", "I"]
    assert bio_to_spans(tags, SKILL) == [(0, 2, SKILL), (3, 4, SKILL), (4, 7, SKILL)]


def test_bio_to_spans_opens_a_span_on_a_stray_inside_tag():
    assert bio_to_spans(["O", "I", "I", "O", "I"], KNOWLEDGE) == [
        (1, 3, KNOWLEDGE),
        (4, 5, KNOWLEDGE),
    ]


def test_bio_to_spans_accepts_typed_conll_tags():
    assert bio_to_spans(["B-Skill", "I-Skill", "O"], SKILL) == [(0, 2, SKILL)]


def test_spans_to_bio_inverts_bio_to_spans():
    tags = ["O", "B", "I", "B", "O", "B"]
    assert spans_to_bio(len(tags), bio_to_spans(tags, SKILL), SKILL) == tags


def test_parse_record_keeps_both_layers_and_their_nesting():
    record = {
        "idx": 3,
        "source": "tech",
        "tokens": ["thrive", "working", "in", "a", "Dev/Sec", "Ops", "culture", "."],
        "tags_skill": ["O", "B", "I", "I", "I", "I", "I", "O"],
        "tags_knowledge": ["O", "O", "O", "O", "B", "I", "O", "O"],
    }
    sentence = parse_record(record)
    assert sentence.tokens[4] == "Dev/Sec"
    assert sentence.spans == ((1, 7, SKILL), (4, 6, KNOWLEDGE))
    assert (sentence.source, sentence.idx) == ("tech", 3)


def test_parse_record_rejects_misaligned_tags():
    with pytest.raises(ValueError, match="tags_skill"):
        parse_record({"tokens": ["a", "b"], "tags_skill": ["O"], "tags_knowledge": ["O", "O"]})


def test_joint_tags_round_trip_nested_spans():
    spans = [(0, 5, SKILL), (2, 4, KNOWLEDGE), (6, 7, KNOWLEDGE)]
    tags = joint_tags(8, spans)
    assert tags[:3] == ["BO", "IO", "IB"]
    assert spans_from_joint_tags(tags) == sorted(spans)


# --- scoring ----------------------------------------------------------------------------


def test_span_scores_strict_and_overlap():
    gold = [[(0, 3, SKILL), (5, 6, KNOWLEDGE)], [(1, 2, KNOWLEDGE)]]
    pred = [[(0, 3, SKILL), (4, 6, KNOWLEDGE)], [(1, 2, SKILL)]]
    scores = span_scores(gold, pred)
    assert scores[SKILL]["strict"].precision == 0.5
    assert scores[SKILL]["strict"].recall == 1.0
    assert scores[KNOWLEDGE]["strict"].f1 == 0.0
    assert scores[KNOWLEDGE]["overlap"].precision == 1.0
    assert scores[KNOWLEDGE]["overlap"].recall == 0.5


def test_span_scores_of_gold_against_itself_is_perfect():
    gold = [[(0, 3, SKILL), (1, 2, KNOWLEDGE)], []]
    scores = span_scores(gold, gold)
    assert all(prf.f1 == 1.0 for kinds in scores.values() for prf in kinds.values())


def test_resolver_keeps_the_best_of_overlapping_same_label_spans():
    import spacy

    from matcher.understand.skill_tagger import SpanResolver

    nlp = spacy.blank("en")
    doc = nlp("strong skills in machine learning and Python")
    doc.spans["skills"] = [
        spacy.tokens.Span(doc, 0, 2, SKILL),
        spacy.tokens.Span(doc, 3, 5, KNOWLEDGE),
        spacy.tokens.Span(doc, 3, 4, KNOWLEDGE),
        spacy.tokens.Span(doc, 0, 5, SKILL),
    ]
    doc.spans["skills"].attrs["scores"] = [0.4, 0.9, 0.5, 0.7]
    SpanResolver("resolver", spans_key="skills")(doc)
    kept = [(s.start, s.end, s.label_) for s in doc.spans["skills"]]
    assert kept == [(0, 5, SKILL), (3, 5, KNOWLEDGE)]


# --- the shipped model and the fallback -------------------------------------------------


def test_shipped_model_tags_an_obvious_sentence():
    nlp = load_skill_tagger()
    assert nlp is not None, f"no usable model at {default_model_path()}"
    [spans] = tag_spans(["Experience with Python and strong communication skills"])
    assert spans
    text = "Experience with Python and strong communication skills"
    assert all(0 <= s < e <= len(text) and label in {SKILL, KNOWLEDGE} for s, e, label in spans)


def test_shipped_model_is_loaded_once():
    assert load_skill_tagger() is load_skill_tagger()


def test_the_quick_load_tags_exactly_as_a_stock_load(examples: Path):
    import spacy

    texts = [path.read_text(encoding="utf-8") for path in sorted(examples.rglob("*.txt"))]
    if SHARED_SKILLSPAN.is_dir():
        with (SHARED_SKILLSPAN / "dev.json").open(encoding="utf-8") as handle:
            texts += [" ".join(json.loads(line)["tokens"]) for line in handle]
    stock = spacy.load(default_model_path())
    assert tag_spans(texts) == tag_spans(texts, nlp=stock)
    assert sum(map(len, tag_spans(texts))) > 100


def _shipped_strings() -> list[str]:
    return json.loads((default_model_path() / "vocab" / "strings.json").read_text("utf-8"))


def test_the_shipped_tagger_keeps_few_strings_and_needs_no_more(examples: Path):
    """Training keeps a blank pipeline's strings and the labels; the 84,000 strings of the
    English pipeline it was sourced from, added back, change no span."""
    import spacy

    from matcher.understand.nlp import load_pipeline

    assert len(_shipped_strings()) < 1500
    texts = [path.read_text(encoding="utf-8") for path in sorted(examples.rglob("*.txt"))]
    if SHARED_SKILLSPAN.is_dir():
        with (SHARED_SKILLSPAN / "dev.json").open(encoding="utf-8") as handle:
            texts += [" ".join(json.loads(line)["tokens"]) for line in handle][:1000]
    every_string = spacy.load(default_model_path())
    for string in load_pipeline().vocab.strings:
        every_string.vocab.strings.add(string)
    assert len(every_string.vocab.strings) > 80_000
    assert tag_spans(texts, nlp=every_string) == tag_spans(texts)


def test_tag_spans_handles_empty_and_many_texts():
    texts = ["", "Knowledge of SQL.", "  ", "We need Java and Kubernetes experience."] * 5
    out = tag_spans(texts)
    assert len(out) == len(texts)
    assert out[0] == [] and out[2] == []


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "matcher" and r.levelno == logging.WARNING]


def test_missing_model_falls_back_with_one_warning(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="matcher")
    missing = tmp_path / "no_such_model"
    assert load_skill_tagger(missing) is None
    assert load_skill_tagger(missing) is None
    [record] = _warnings(caplog)
    assert "vocabulary-only" in record.getMessage()
    assert "\n" not in record.getMessage()


def test_corrupt_config_falls_back_with_one_warning(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="matcher")
    (tmp_path / "config.cfg").write_text("[nlp\nthis is not a config", "utf-8")
    assert load_skill_tagger(tmp_path) is None
    assert len(_warnings(caplog)) == 1


def test_corrupt_weights_fall_back_with_one_warning(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="matcher")
    broken = tmp_path / "skill_tagger"
    shutil.copytree(default_model_path(), broken)
    for weights in broken.rglob("model"):
        weights.write_bytes(weights.read_bytes()[:100])
    assert load_skill_tagger(broken) is None
    [record] = _warnings(caplog)
    assert "\n" not in record.getMessage()


# --- training, on a handful of made-up sentences ----------------------------------------


def _write_tiny_skillspan(folder: Path) -> None:
    folder.mkdir()
    rows = []
    for i in range(20):
        rows.append(
            {
                "idx": i,
                "source": "tech",
                "tokens": ["Experience", "with", "Python", "and", "team", "work", "."],
                "tags_skill": ["O", "O", "O", "O", "B", "I", "O"],
                "tags_knowledge": ["O", "O", "B", "O", "O", "O", "O"],
            }
        )
    text = "".join(json.dumps(row) + "\n" for row in rows)
    (folder / "train.json").write_text(text, "utf-8")
    (folder / "dev.json").write_text(text, "utf-8")


@pytest.mark.slow
def test_training_runs_end_to_end_on_tiny_data(tmp_path):
    from matcher.train.skill_tagger import train

    data = tmp_path / "skillspan"
    _write_tiny_skillspan(data)
    result = train(
        data,
        tmp_path / "model",
        max_minutes=2,
        overrides={"training.max_steps": 2, "training.eval_frequency": 1},
        log=lambda line: None,
    )
    assert (tmp_path / "model" / "config.cfg").is_file()
    assert not (tmp_path / "model" / "model-last").exists()
    assert set(result.dev_scores) == {SKILL, KNOWLEDGE}
    assert load_skill_tagger(tmp_path / "model") is not None
    # The string store keeps a blank pipeline's strings and the labels, not the words.
    import spacy

    strings = json.loads((tmp_path / "model" / "vocab" / "strings.json").read_text("utf-8"))
    meta = json.loads((tmp_path / "model" / "meta.json").read_text("utf-8"))
    labels = {label for names in meta["labels"].values() for label in names}
    assert set(strings) <= set(spacy.blank("en").vocab.strings) | labels
    assert "Python" not in strings


# --- the real corpus (opt-in: needs ../shared/data beside the repo) ---------------------


@pytest.mark.shared_data
def test_converter_reads_the_real_skillspan_files():
    if not (SHARED_SKILLSPAN / "train.json").is_file():
        pytest.skip(f"SkillSpan not found at {SHARED_SKILLSPAN} (../shared/data beside the repo)")
    train = read_split(SHARED_SKILLSPAN / "train.json")
    dev = read_split(SHARED_SKILLSPAN / "dev.json")
    assert (len(train), len(dev)) == (4800, 3174)
    labels = {label for sentence in train for _, _, label in sentence.spans}
    assert labels == {SKILL, KNOWLEDGE}
    assert all(0 <= s < e <= len(x.tokens) for x in dev for s, e, _ in x.spans)

"""The trained sentence splitter for run-on postings, and where segment() uses it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from matcher.understand import run_on
from matcher.understand import sections as sections_module
from matcher.understand.sections import RUN_ON_LINE_CHARS, is_run_on, segment

REPO = Path(__file__).resolve().parent.parent

# One line, as job boards deliver it: headings glued to the next word ("Job
# descriptionWe..."), sections run together.
RUN_ON = (
    "Senior QA Engineer (m/f/d) at Northwind Systems in Leeds. Job descriptionWe are "
    "looking for a Senior QA Engineer to join our engineering department in Leeds and help "
    "us ship quality software every day. ResponsibilitiesDesign and implement complex "
    "end-to-end tests. Work hands-on with the other engineers in the team. "
    "RequirementsAt least 5 years of experience in Java or Kotlin. Good understanding of "
    "Agile methodologies. BenefitsWe offer 30 days of holiday and a learning budget. "
    "To apply send your CV to jobs@example.com."
)
LINE_BROKEN = """Data Engineer

Requirements
- 3+ years of experience with Python and SQL
- Knowledge of Airflow or dbt

Northwind Systems builds route planning software for 300 logistics firms across Europe, \
and we are growing fast across the continent with offices in Leeds, Rotterdam and Dublin. \
We are proud of our engineering culture. Our teams own their services end to end and \
we deploy many times a day.
"""


@pytest.fixture(scope="module")
def splitter():
    nlp = run_on.load_splitter()
    if nlp is None:
        pytest.fail("the shipped sentence splitter in models/sentence_splitter did not load")
    return nlp


def test_glue_points_are_capitals_glued_to_a_word() -> None:
    assert run_on.glue_points("QualificationsThe") == [14]
    assert run_on.glue_points("(m/f/d)Job") == [7]
    assert run_on.glue_points("python") == []
    assert run_on.glue_points("Python") == []


def test_tokenizer_cuts_glued_words_without_a_space(splitter) -> None:
    doc = splitter.make_doc("QualificationsThe ideal candidate")
    assert [t.text for t in doc] == ["Qualifications", "The", "ideal", "candidate"]
    assert doc[0].whitespace_ == "" and doc.text == "QualificationsThe ideal candidate"


def test_is_run_on_reads_line_lengths() -> None:
    assert is_run_on(RUN_ON)
    assert not is_run_on(LINE_BROKEN)
    assert not is_run_on("")
    assert is_run_on("Title\n" + "word " * RUN_ON_LINE_CHARS + "\n" + "more " * RUN_ON_LINE_CHARS)


def test_run_on_posting_with_glued_headings_gets_its_items(splitter) -> None:
    items = segment(RUN_ON, kind="posting", classify=False)
    texts = [item.text for item in items]
    # The glued heading is cut off the sentence it was glued to.
    assert not any("descriptionWe" in t for t in texts)
    assert "Job description" in texts
    assert any(t.startswith("We are looking for a Senior QA Engineer") for t in texts)
    assert "Good understanding of Agile methodologies." in texts
    for item in items:
        assert RUN_ON[item.start : item.end] == item.text


def test_glued_headings_are_cut_by_the_glue_model(splitter) -> None:
    text = (
        "QualificationsYou have 3+ years of experience with Python and SQL. "
        "BenefitsFlexible hours and a learning budget. What we offer:Competitive salary"
    )
    pieces = [text[s:e] for s, e in run_on.run_on_sentences(text, splitter) or []]
    assert pieces[:2] == ["Qualifications", "You have 3+ years of experience with Python and SQL."]
    assert "Benefits" in pieces and "Flexible hours and a learning budget." in pieces
    assert "What we offer:" in pieces and "Competitive salary" in pieces


def test_glued_headings_become_the_items_headings(splitter) -> None:
    text = (
        "Data Engineer at Northwind Systems in Leeds. QualificationsYou have 3+ years of "
        "experience with Python and SQL. You know Airflow or dbt well. "
        "BenefitsFlexible hours, a learning budget and 30 days of holiday. "
        "To apply send your CV to jobs@example.com with a short note about a project."
    )
    items = segment(text, kind="posting", classify=False)
    requirement = next(i for i in items if i.text.startswith("You have 3+"))
    assert requirement.heading == "Qualifications" and requirement.section == "requirements"
    assert requirement.importance == "required"
    benefit = next(i for i in items if i.text.startswith("Flexible hours"))
    assert benefit.heading == "Benefits" and benefit.section == "benefits"
    assert not any(i.text.startswith(("Qualifications", "Benefits")) for i in items)


def test_product_names_are_not_cut(splitter) -> None:
    text = "Experience with JavaScript TypeScript and GitHub Actions on iPhone apps."
    assert run_on.run_on_sentences(text, splitter) == [(0, len(text))]


def test_without_the_splitter_run_on_text_is_cut_by_the_rule(monkeypatch) -> None:
    monkeypatch.setattr(run_on, "load_splitter", lambda path=None: None)
    texts = [i.text for i in segment(RUN_ON, kind="posting", classify=False)]
    assert any(t.startswith("Job descriptionWe are") for t in texts)


def test_line_broken_postings_and_cvs_never_meet_the_splitter(monkeypatch) -> None:
    def refuse(text: str, nlp=None):
        raise AssertionError("the splitter ran on text that is not run-on")

    monkeypatch.setattr(run_on, "run_on_sentences", refuse)
    items = segment(LINE_BROKEN, kind="posting", classify=False)
    assert [i.text for i in items][1:3] == [
        "3+ years of experience with Python and SQL",
        "Knowledge of Airflow or dbt",
    ]
    # A CV is never cut by the model, however long its lines.
    segment(RUN_ON, kind="cv", classify=False)


def test_line_broken_posting_reads_as_the_rule_cuts_it() -> None:
    items = segment(LINE_BROKEN, kind="posting", classify=False)
    units = [(o, ln, False) for o, ln in sections_module._lines(LINE_BROKEN)]
    assert sections_module._run_on_units(list(sections_module._lines(LINE_BROKEN))) == units
    prose = [i.text for i in items if i.start >= LINE_BROKEN.index("Northwind")]
    assert prose[0].startswith("Northwind Systems builds") and prose[-1].startswith("Our teams")
    assert len(prose) == 3


def test_the_splitter_is_loaded_only_for_run_on_text(tmp_path: Path) -> None:
    code = (
        "import sys, matcher\n"
        "matcher.load_posting(text=open(sys.argv[1]).read())\n"
        "print('matcher.understand.run_on' in sys.modules)\n"
    )
    ordinary = REPO / "corpora" / "examples" / "postings" / "backend-python-developer.txt"
    one_line = tmp_path / "run_on.txt"
    one_line.write_text(RUN_ON, encoding="utf-8")
    seen = {}
    for name, path in (("ordinary", ordinary), ("run_on", one_line)):
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
        )
        seen[name] = done.stdout.strip().splitlines()[-1]
    assert seen == {"ordinary": "False", "run_on": "True"}


def test_boundary_scorer_counts_starts_inside_a_doc(splitter) -> None:
    from spacy.training import Example

    doc = splitter.make_doc("Experience with Python Knowledge of SQL")
    gold = Example.from_dict(doc, {"sent_starts": [1, -1, -1, 1, -1, -1]})
    predicted = splitter.make_doc(doc.text)
    for token, start in zip(predicted, [1, -1, 1, 1, -1, -1]):
        token.is_sent_start = start == 1
    scores = run_on.score_boundaries([Example(predicted, gold.reference)])
    assert scores["boundary_p"] == pytest.approx(0.5)
    assert scores["boundary_r"] == pytest.approx(1.0)


def test_missing_model_falls_back_with_one_warning(tmp_path: Path, caplog) -> None:
    run_on.clear_cache()
    try:
        assert run_on.load_splitter(tmp_path / "absent") is None
        assert run_on.load_splitter(tmp_path / "absent") is None
        assert sum("sentence splitter" in r.getMessage() for r in caplog.records) == 1
    finally:
        run_on.clear_cache()


def test_training_paragraphs_know_every_sentence_start(shared_data: Path) -> None:
    from matcher.train.postings import read_ads
    from matcher.train.senter import paragraphs, renderings, split_ads

    ads = read_ads(shared_data / "skillspan")
    fit, holdout = split_ads("fit"), split_ads("holdout")
    assert len(fit) + len(holdout) == 134 and not set(fit) & set(holdout)
    evaluation = {"train-tech-20", "train-house-90"}
    assert not evaluation & set(fit + holdout)
    rebuilt = renderings(fit[:5], 2, shared_data / "skillspan")
    glued = 0
    for r in rebuilt:
        found = paragraphs(r, ads[r.ad])
        starts = {s for s, e in r.sentence_spans if e > s}
        offsets, offset = [], 0
        for line in r.text.split("\n"):
            if line.strip():
                offsets.append(offset)
            offset += len(line) + 1
        for line_start, paragraph in zip(offsets, found):
            for start in paragraph.starts:
                assert line_start + start in starts or start == 0
            glued += sum(s > 0 and not paragraph.text[s - 1].isspace() for s in paragraph.starts)
    assert glued > 0  # some headings are glued to the next word

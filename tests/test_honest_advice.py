"""Honest advice (issue 15): every sentence the tool says is backed by the texts.

The golden suite judges every lead-with and closest sentence of the reports for the
team's labelled CV x posting pairs (and the messy pairs of tests/data/honest_pairs.tsv),
and every journal sentence of a journal made from them, by the rules stated in
``tests/honest_rules.py``. The tests after it pin each item of the issue on a small case.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, posting, profile
from honest_rules import (
    build_journal,
    check_feedback_email,
    check_reflection,
    check_report,
    golden_pairs,
    read_tsv,
)

from matcher.batch.company import company_named
from matcher.batch.records import PostingRecord
from matcher.batch.refine import Refinement, SkillAdvice
from matcher.batch.scoring import scored_from_report
from matcher.cli.main import main
from matcher.fit.core import SkillMatch, match
from matcher.journal import Journal
from matcher.report.batch_text import render_refinement
from matcher.report.html import render_html
from matcher.report.text import render_markdown, render_text
from matcher.understand.documents import (
    Evidence,
    Requirement,
    Strength,
    load_posting,
    load_profile,
)
from matcher.understand.vocabulary import shipped_vocabulary

PAIRS = golden_pairs()
VOCABULARY = shipped_vocabulary()


@functools.cache
def _profile(path: str):
    return load_profile(REPO / path)


@functools.cache
def _posting(path: str):
    try:
        return load_posting(REPO / path)
    except Exception:  # a posting with no requirements gives no advice to judge
        return None


def _report(cv: str, job: str):
    return match(_profile(cv), _posting(job))


# --------------------------------------------------------------------------- golden suite


def test_the_golden_suite_is_broad_and_messy():
    assert len(PAIRS) >= 30
    fields = {Path(job).name.split("-")[0] for _, job in PAIRS if "corpora/postings" in job}
    assert len(fields) >= 12
    assert any(cv.endswith((".pdf", ".docx", ".html", ".md")) for cv, _ in PAIRS)


@pytest.mark.parametrize(
    ("cv", "job"), PAIRS, ids=[f"{Path(c).stem}|{Path(j).stem}" for c, j in PAIRS]
)
def test_every_lead_with_and_closest_sentence_is_backed_by_the_texts(cv, job):
    if _posting(job) is None:
        pytest.skip(f"{job} has no requirements to advise on")
    data = _report(cv, job).to_dict()
    unsupported = [
        (v.sentence, v.broken)
        for v in check_report(data, _profile(cv).text, _posting(job).text, VOCABULARY)
        if not v.supported
    ]
    assert unsupported == []


@pytest.fixture(scope="module")
def golden_journal(tmp_path_factory):
    journal = build_journal(tmp_path_factory.mktemp("journal") / "journal.sqlite3", PAIRS)
    yield journal
    journal.close()


def test_every_journal_sentence_is_backed_by_the_texts(golden_journal):
    apps = golden_journal.select()
    reflection = golden_journal.reflect()
    judged = list(check_reflection(apps, reflection, VOCABULARY))
    assert any(v.sentence.startswith("feedback on") for v in judged)
    assert any(v.sentence.startswith("you led with") for v in judged)
    assert [(v.sentence, v.broken) for v in judged if not v.supported] == []


def test_every_feedback_question_is_backed_by_the_cv(golden_journal):
    unsupported, asked = [], 0
    for app in golden_journal.select():
        if app.outcome == "rejected":
            email = golden_journal.feedback_request(app.id)
            for verdict in check_feedback_email(app, email, VOCABULARY):
                asked += 1
                if not verdict.supported:
                    unsupported.append((app.id, verdict.sentence, verdict.broken))
    assert asked > 20 and unsupported == []


# --------------------------------------------------------------------------- lead with


def test_a_contact_line_is_never_the_cv_quote():
    # The CV's first line, "Data Analyst | Manchester | hannah...@example.com", names
    # the job: it was quoted as the evidence of Data analysis.
    report = _report(
        "corpora/examples/profiles/data-analyst-cv.txt",
        "corpora/examples/postings/data-analyst.txt",
    )
    assert report.lead_with
    for m in report.lead_with:
        assert "@" not in m.strength.evidence.line, m.strength
    quoted = {m.requirement.skill: m.strength.evidence.line for m in report.lead_with}
    assert "Data analyst with three and a half years" in quoted["Data analysis"]


def test_a_degree_is_answered_by_the_cvs_degree_line_not_by_what_scored_best():
    # "Queensland" scored best against "degree" and was led with for Degrees.
    report = _report(
        "corpora/cvs/eval-cloud_operations-junior.txt",
        "corpora/postings/cloud_operations-junior-cloud-support-associate-vancouver.txt",
    )
    (degree,) = [m for m in report.lead_with if m.requirement.gate == "degree"]
    assert "Queensland" not in degree.strength.skill
    assert re.search(r"Cert|Diploma|degree|Bachelor", degree.strength.evidence.line, re.I)


@pytest.mark.parametrize(
    ("asked", "canonical", "shown", "line", "lead"),
    [
        # by spelling alone, and the CV never says it deployed one
        (
            "web application deployment",
            None,
            "web application",
            "I built a web application.",
            False,
        ),
        (
            "web application deployment",
            None,
            "web application",
            "Owned web application deployment.",
            True,
        ),
        # the CV line names a kind of what is asked (GitHub Actions is a kind of CI/CD)
        ("CI/CD pipeline", "CI/CD", "CI pipeline", "Built the GitHub Actions CI pipeline.", True),
        ("CI/CD pipeline", "CI/CD", "CI pipeline", "Kept the CI pipeline green.", False),
    ],
)
def test_a_look_alike_is_led_with_only_if_the_cv_line_says_what_is_asked(
    asked, canonical, shown, line, lead
):
    from matcher.fit.advice import answers

    need = Requirement(asked, asked, canonical, "required", "requirements", Evidence(asked, 0, 1))
    have = Strength(shown, shown, None, Evidence(line, 0, 1))
    assert answers(SkillMatch(need, have, 84.0, "fuzzy", "match"), VOCABULARY) is lead


# --------------------------------------------------------------------------- closest


@pytest.mark.parametrize(
    ("strengths", "asked"),
    [("Driving licence", "Chartered Engineer (CEng) status"), ("Python", "Git")],
)
def test_a_cousin_is_not_named_as_something_to_build_on(strengths, asked):
    report = match(
        load_profile(text=f"- {strengths}\n- Teamwork\n"),
        load_posting(text=f"Engineer\n\nRequirements:\n- Experience with {asked} is essential.\n"),
    )
    (gap,) = [g for g in report.gaps if g.requirement.skill != "Teamwork"]
    assert gap.kind == "missing" and gap.closest is None
    assert "nearest" not in render_text(report) and "closest" not in render_text(report)


@pytest.mark.parametrize(
    ("asked", "shown", "score", "method", "named"),
    [
        ("Chartered Engineer", "Driving licence", 50.0, "taxonomy:cousin", False),
        ("Git", "Python", 50.0, "taxonomy:cousin", False),
        ("PostgreSQL", "MySQL", 62.0, "taxonomy:sibling", True),
        ("web application deployment", "web application", 60.0, "fuzzy", True),
    ],
)
def test_only_a_near_relative_is_something_to_build_on(asked, shown, score, method, named):
    from matcher.fit.advice import builds_on

    def known(name):
        skill = VOCABULARY.lookup(name)
        return skill.name if skill else None

    need = Requirement(
        asked, asked, known(asked), "required", "requirements", Evidence(asked, 0, 1)
    )
    have = Strength(shown, shown, known(shown), Evidence(f"I use {shown}.", 0, 1))
    assert builds_on(SkillMatch(need, have, score, method, "prepare"), VOCABULARY) is named


def test_a_gap_names_a_near_relative_when_the_best_score_is_none():
    # Scored by likeness, "Cloud computing" came nearest to Kubernetes; the CV also
    # shows Amazon ECS, its sibling in the vocabulary: that is the one to build on.
    from matcher.fit.advice import builds_on, nearest_relative

    person = load_profile(text="- Cloud computing\n- Amazon ECS\n")
    cloud = next(s for s in person.strengths if s.canonical == "Cloud computing")
    need = Requirement(
        "Kubernetes", "Kubernetes", "Kubernetes", "preferred", "nice_to_have", Evidence("K", 0, 1)
    )
    found = SkillMatch(need, cloud, 66.1, "embedding", "prepare")
    assert not builds_on(found, VOCABULARY)
    named = nearest_relative(found, person, VOCABULARY)
    assert (named.strength.skill, named.score, named.method) == (
        "Amazon ECS",
        62.0,
        "taxonomy:sibling",
    )
    assert builds_on(named, VOCABULARY)


def test_a_sibling_is_named_as_the_nearest_strength():
    report = match(
        load_profile(text="- MySQL\n- Teamwork\n"),
        load_posting(
            text="Engineer\n\nRequirements:\n- Experience with PostgreSQL is essential.\n"
        ),
    )
    (gap,) = report.gaps
    assert gap.kind == "prepare" and gap.closest.skill == "MySQL"
    assert "PostgreSQL [required]: prepare; nearest in your CV: MySQL (62)" in render_text(report)
    cell = re.search(r'data-label="Nearest in your CV">([^<]*)<', render_html(report))
    assert cell and cell.group(1) == "MySQL (62)"


# --------------------------------------------------------------------------- wording


def test_every_format_says_which_is_asked_and_which_is_shown():
    report = _report(
        "corpora/examples/profiles/python-backend-developer-cv.txt",
        "corpora/examples/postings/devops-cloud-engineer.txt",
    )
    text, markdown, page = render_text(report), render_markdown(report), render_html(report)
    assert "->" not in text and "->" not in markdown
    assert "The posting asks for Python (required); your CV shows it (score 100)" in text
    # a different strength answering the ask: both named, each in its place
    assert re.search(r"The posting asks for CI/CD \(required\); your CV shows \w", text)
    assert "| The posting asks for | Your CV shows |" in markdown
    assert "<th>The posting asks for</th>" in page and "<th>Your CV shows</th>" in page
    assert "nice_to_have" not in re.sub(r"<[^>]+>", " ", page)


def test_match_dash_o_says_where_it_wrote(tmp_path):
    out = tmp_path / "report.md"
    result = CliRunner().invoke(
        main,
        [
            str(profile("nurse-strengths")),
            str(posting("registered-nurse-med-surg")),
            "--format",
            "markdown",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == f"Wrote the report to {out}.\n"
    assert out.read_text(encoding="utf-8").startswith("# ")


def test_every_command_in_the_help_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = CliRunner().invoke(main, ["--help"]).stdout.split("Commands:")[1]
    listed = re.findall(r"^  ([a-z][\w-]*)\s{2,}", commands, re.M)
    assert "compare" in listed
    assert [name for name in listed if f"match {name}" not in readme] == []


def test_the_readme_gives_a_prepare_gap_the_credit_the_code_gives():
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    need = Requirement("SQL", "SQL", "SQL", "required", "requirements", Evidence("SQL", 0, 3))
    have = Strength("MySQL", "MySQL", "MySQL", Evidence("MySQL", 0, 5))
    prepare = SkillMatch(need, have, 62.0, "taxonomy:sibling", "prepare")
    assert prepare.credit == 0.0
    assert "half of that for a *prepare* gap" not in readme
    assert re.search(r"nothing (?:for|when it is) a gap,? \(?\*prepare\* or \*missing\*", readme)


# --------------------------------------------------------------------------- batch summary


def _summary(**changes):
    learn = (SkillAdvice("Terraform", 3, 7.5, 22.5), SkillAdvice("Helm", 1, 4.0, 4.0))
    fields = dict(
        scored=10, failed=0, plausible=4, lacking=learn, learn=learn, fields=(), titles=(),
        mean_fit=30.0, fit_after_learning=70.0, plausible_mean_fit=60.0,
    )  # fmt: skip
    return Refinement(**{**fields, **changes})


def test_refine_says_per_posting_and_in_total_and_where_from():
    text = render_refinement(_summary())
    assert "in the 4 postings where you are a plausible candidate (stretch or strong)" in text
    assert "Terraform: +7.5 fit on average in each of the 3 postings that ask for it" in text
    assert "(22.5 in total)" in text
    assert "Helm: +4.0 fit in the one posting that asks for it" in text
    assert "from 60 to 70" in text


def test_refine_suggests_nothing_from_postings_the_person_is_far_from():
    text = render_refinement(
        _summary(
            plausible=0, lacking=(), learn=(), fit_after_learning=None, plausible_mean_fit=None
        )
    )
    assert "None of these postings is a plausible fit yet" in text
    assert "Would raise your fit" not in text


def _row(job: Path, record_company: str | None = None):
    report = match(load_profile(text="- Python\n- SQL\n"), load_posting(job))
    record = PostingRecord(
        id=str(job), source=str(job), text=job.read_text(), company=record_company
    )
    return scored_from_report(report, record, VOCABULARY, posting=load_posting(job))


@pytest.mark.parametrize(
    ("job", "field"),
    [
        (posting("electrician-commercial"), "trades_manufacturing"),
        (posting("registered-nurse-med-surg"), "healthcare_nursing"),
        # Software (Agile, Scrum and the tool shown of "Microsoft Project, Jira or
        # Smartsheet") ties with cloud operations (Windows 11, Azure, VMware): either is
        # this posting's field of work; its four certifications are not.
        (posting("it-project-manager"), {"software", "cloud_operations"}),
    ],
)
def test_the_field_is_a_field_of_work_not_certifications(job, field):
    assert _row(job).field in ({field} if isinstance(field, str) else field)


def test_the_field_agrees_with_the_teams_labels_on_most_postings():
    gold = read_tsv("corpora/postings/postings.tsv")
    rows = [(REPO / "corpora/postings" / r["posting"], r["field"]) for r in gold]
    judged = [
        (_row(path).field, field) for path, field in rows if _posting(str(path.relative_to(REPO)))
    ]
    assert not any(found in ("certifications", "transferable", "languages") for found, _ in judged)
    # measured, not tuned: the field rule has no threshold (84 of 95 when written)
    assert sum(found == field for found, field in judged) / len(judged) >= 0.8


@pytest.mark.parametrize(
    ("name", "company"),
    [
        ("examples/postings/it-project-manager.txt", "Dunmore County Council"),
        ("postings/cloud_operations-devops-engineer-melbourne.txt", "Wombat Analytics"),
        ("postings/logistics-supply-chain-planner-atlanta.txt", "Magnolia Home Goods"),
        ("postings/marketing-head-of-brand-sydney.txt", "Harbourline Health Insurance"),
        (
            "postings/legal_administration-executive-assistant-ceo-san-francisco.txt",
            "Tidewater Biosciences",
        ),
        ("postings/finance_accounting-head-of-finance-charity-london.txt", "The Rowan Tree Trust"),
    ],
)
def test_the_company_is_read_from_the_posting_where_it_states_one(name, company):
    assert company_named((REPO / "corpora" / name).read_text(encoding="utf-8")) == company


def test_no_company_is_made_up():
    assert company_named("Data Analyst\nRequirements:\n- SQL\n- Python is a must.\n") is None
    assert (
        company_named("About the role\nWe are looking for an analyst.\nAbout you\n- SQL\n") is None
    )


def test_a_batch_row_takes_the_company_from_the_text_unless_the_table_gives_one():
    job = posting("it-project-manager")
    assert _row(job).company == "Dunmore County Council"
    assert _row(job, "Given Ltd").company == "Given Ltd"


# --------------------------------------------------------------------------- journal


def _journal(tmp_path):
    return Journal(tmp_path / "journal.sqlite3")


def test_reflect_reads_the_feedback_the_employer_gave(tmp_path):
    with _journal(tmp_path) as journal:
        cv = load_profile(profile("python-backend-developer-cv"))
        ops = journal.add(
            cv, load_posting(posting("devops-cloud-engineer")), applied_on="2026-01-12"
        )
        assert "Terraform" in {g["skill"] for g in ops.gaps}
        journal.update(ops.id, outcome="rejected", feedback="More hands-on Terraform")
        found = journal.reflect()
    (said,) = found.of_kind("feedback")
    assert '"More hands-on Terraform"' in said.summary and "Terraform" in said.details["gaps"]
    prepare = found.text().split("What to prepare:")[1]
    first = prepare.strip().splitlines()[0]
    assert "Terraform" in first and "feedback" in first


def test_reflect_names_only_real_strengths_led_with(tmp_path):
    with _journal(tmp_path) as journal:
        cv = load_profile(profile("python-backend-developer-cv"))
        job = load_posting(text="Developer\nRequirements:\n- Python\n- A bachelor's degree\n")
        app = journal.add(cv, job, applied_on="2026-01-12")
        gates = {r["skill"]: r["gate"] for r in app.report["requirements"]}
        degree = [m["skill"] for m in app.lead_with if gates[m["requirement"]] == "degree"]
        assert degree  # the report leads with the degree, a gate it answers
        journal.update(app.id, outcome="interview")
        (led,) = journal.reflect().of_kind("interview_strength")
    assert "Python" in led.details["led_with"]
    assert not set(degree) & set(led.details["led_with"])
    assert not re.search(r"Degree|BSc|Bachelor", led.summary)


def test_what_to_prepare_names_each_skill_once(golden_journal):
    lifts = golden_journal.reflect().of_kind("lift")
    assert lifts
    named = [s for p in lifts for s in p.details["skills"]]
    assert len(named) == len(set(named))
    for p in lifts:
        # after its own skills, a line names no other (they have lines of their own)
        said = p.summary.split(": ", 1)[1]
        others = {s for q in lifts if q is not p for s in q.details["skills"]}
        assert not [s for s in others if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", said)]


def test_feedback_request_claims_nothing_the_cv_does_not_show(tmp_path):
    # The data analyst's CV only hopes to "move closer to predictive modelling".
    with _journal(tmp_path) as journal:
        cv = load_profile(profile("data-analyst-cv"))
        app = journal.add(cv, load_posting(posting("data-scientist")), applied_on="2026-01-12")
        journal.update(app.id, outcome="rejected")
        email = journal.feedback_request(app.id)
    assert "Predictive modelling" not in email
    assert "I have experience with" not in email and "did that come across" not in email
    assert [v.broken for v in check_feedback_email(app, email, VOCABULARY) if not v.supported] == []


def test_feedback_request_never_asks_about_a_skill_inside_one_already_asked(tmp_path):
    from matcher.journal.feedback import feedback_questions

    def gap(skill):
        return {"skill": skill, "importance": "required", "kind": "missing", "gate": None}

    with _journal(tmp_path) as journal:
        rep = _report(
            "corpora/examples/profiles/data-analyst-cv.txt",
            "corpora/examples/postings/data-analyst.txt",
        ).to_dict()
        rep["gaps"] = [
            gap("margin and operating expenses"),
            gap("operating expenses"),
            gap("NetSuite"),
        ]
        app = journal.record(rep, posting_text="Analyst", cv_text="Jo\nSQL", title="Analyst")
        questions = feedback_questions(app, vocabulary=VOCABULARY)
    assert len(questions) == 2
    assert "margin and operating expenses" in questions[0] and "NetSuite" in questions[1]


def test_feedback_request_asks_each_required_gap_once(tmp_path):
    with _journal(tmp_path) as journal:
        cv = load_profile(profile("python-backend-developer-cv"))
        app = journal.add(
            cv, load_posting(posting("devops-cloud-engineer")), applied_on="2026-01-12"
        )
        journal.update(app.id, outcome="rejected")
        email = journal.feedback_request(app.id)
    questions = [line for line in email.splitlines() if re.match(r"\d\. ", line)]
    assert len(questions) == len(set(questions)) == 3
    required = {g["skill"] for g in app.gaps if g["importance"] == "required"}
    asked = [s for s in required if any(s in q for q in questions)]
    assert asked and len(asked) == len(set(asked))
    preferred = {g["skill"] for g in app.gaps if g["importance"] != "required"} - required
    assert not [
        s for s in preferred if any(re.search(rf"\b{re.escape(s)}\b", q) for q in questions)
    ]

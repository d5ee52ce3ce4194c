"""Reading postings and CVs: sections, importance, years, gates, negation, offsets."""

from __future__ import annotations

import pytest

from matcher import extract_skills, load_posting
from matcher.understand.sections import segment

POSTING = """Senior Backend Engineer

About us
We are a fintech company. Our platform is built on React and Salesforce.

Requirements:
- 5+ years of experience with Python
- Good knowledge of PostgreSQL
- Experience with Kubernetes is a plus
- Must be authorised to work in the UK

Nice to have
* Terraform
* Experience with quantum annealing schedulers

What we offer
- Gym membership and a learning budget for AWS certifications

How to apply
Send your CV to jobs@example.com.
"""


def by_skill(mentions):
    """Mentions by canonical skill and by the words as written."""
    return {**{m.text: m for m in mentions}, **{m.skill: m for m in mentions if m.skill}}


def test_sections_are_classified():
    sections = {item.text: item.section for item in segment(POSTING)}
    assert sections["5+ years of experience with Python"] == "requirements"
    assert sections["Terraform"] == "nice_to_have"
    assert sections["We are a fintech company."] == "company"
    assert sections["Gym membership and a learning budget for AWS certifications"] == "benefits"
    assert sections["Send your CV to jobs@example.com."] == "logistics"


def test_importance_and_years():
    found = by_skill(extract_skills(POSTING))
    assert found["Python"].importance == "required"
    assert found["Python"].years == 5
    assert found["PostgreSQL"].importance == "required"
    assert found["Kubernetes"].importance == "preferred"
    assert found["Terraform"].importance == "preferred"


def test_company_and_benefit_skills_are_not_requirements():
    found = by_skill(extract_skills(POSTING))
    assert found["React"].importance is None and found["React"].section == "company"
    aws = [m for m in extract_skills(POSTING) if m.section == "benefits"]
    assert aws and all(m.importance is None for m in aws)


def test_open_vocabulary_phrases_are_kept_unlinked():
    found = by_skill(extract_skills(POSTING))
    # The cue phrase or the trained tagger finds it, whole or its core.
    unknown = [m for m in found.values() if "quantum annealing" in m.text]
    assert unknown and all(m.skill is None for m in unknown)
    assert all(m.importance == "preferred" and m.source in ("phrase", "model") for m in unknown)


def test_work_authorisation_is_a_gate():
    gates = {m.gate for m in extract_skills(POSTING) if m.gate}
    assert "work_authorisation" in gates
    assert "years" in gates


def test_a_skill_named_with_gate_words_is_a_skill_not_a_gate():
    text = (
        "Requirements:\n- Right to work checks and payroll\n"
        "- You must have the right to work in the UK"
    )
    mentions = extract_skills(text)
    checks = [m for m in mentions if m.skill == "Right to work checks"]
    assert checks and all(m.gate is None for m in checks)
    assert [m.gate for m in mentions if m.line.startswith("You must")] == ["work_authorisation"]


def test_offsets_point_into_the_text():
    for mention in extract_skills(POSTING):
        if mention.source != "gate":
            assert POSTING[mention.start : mention.end] == mention.text


def test_spelling_and_inflection_variants_match():
    text = "Requirements:\n- NodeJS and Node.js services\n- K8S clusters\n- Relational Databases"
    skills = [m.skill for m in extract_skills(text)]
    assert skills.count("Node.js") == 2
    assert "Kubernetes" in skills
    assert any(s and "database" in s.lower() for s in skills)


def test_ab_testing_is_one_skill_not_its_last_letter():
    text = "Requirements:\n- Designing A/B tests\n- A/B testing and split testing"
    mentions = extract_skills(text)
    assert [(m.text, m.skill) for m in mentions] == [
        ("A/B tests", "Online experimentation"),
        ("A/B testing", "Online experimentation"),
        ("split testing", "Online experimentation"),
    ]


def test_team_leadership_phrasings():
    for phrase in ("team leader", "leading teams", "team leadership"):
        skills = {m.skill for m in extract_skills(f"Requirements:\n- Experience {phrase}")}
        assert "Team leadership" in skills, phrase


def test_bare_job_ad_sentences_without_headings():
    mentions = extract_skills("Strong knowledge of Java and Spring is essential .")
    assert {"Java", "Spring"} <= {m.text for m in mentions if m.skill}
    assert all(m.importance == "required" for m in mentions if m.skill)


def test_negated_and_hedged_cv_statements_are_marked():
    cv = (
        "Skills\n"
        "- Python, SQL\n"
        "- No experience with Kubernetes\n"
        "- Not yet familiar with Terraform\n"
        "- Would like to learn Go\n"
    )
    found = by_skill(extract_skills(cv, kind="cv"))
    assert not found["Python"].negated and not found["SQL"].negated
    assert found["Kubernetes"].negated
    assert found["Terraform"].negated


def test_lazily_added_patterns_find_what_all_patterns_find(examples):
    from matcher.understand.nlp import compile_vocabulary, load_pipeline, parse
    from matcher.understand.vocabulary import shipped_vocabulary

    nlp, vocabulary = load_pipeline(), shipped_vocabulary()
    lazy, eager = compile_vocabulary(vocabulary, nlp), compile_vocabulary(vocabulary, nlp)
    eager.fill()
    assert not eager.pending_folded and not eager.pending_exact
    texts = [p.read_text(encoding="utf-8") for p in sorted(examples.glob("*/*.txt"))]
    for doc in parse(texts):
        found = [(s.start, s.end, s.label_) for s in lazy.find(doc)]
        assert found == [(s.start, s.end, s.label_) for s in eager.find(doc)]
        assert found


CV_WITH_HEADERS = """Jordan Smith
Leeds, UK | jordan.smith@example.com | linkedin.com/in/jordan-smith-example

Experience
Data Analyst | Hartley Widgets Ltd, Harrogate | May 2021 – Present
- Prepare weekly sales reports in Tableau and SQL for the Kestrel Bay team
- Built a demand forecasting model in Python; experience with Quillmate

Store Supervisor, Amberline Retail, Ripon (2017 - 2021)
- Trained new starters on stock control

Education
BSc Economics, University of York, 2017
"""


def test_cv_headers_give_no_employers_or_towns_as_skills():
    mentions = extract_skills(CV_WITH_HEADERS, kind="cv")
    found = {m.text for m in mentions}
    assert {"Tableau", "SQL", "Python"} <= found
    assert "Quillmate" in found  # a product named in a bullet is still offered
    assert not found & {
        "Leeds",
        "Hartley Widgets",
        "Harrogate",
        "Amberline Retail",
        "Ripon",
        "York",
        "Prepare",
    }, sorted(found)
    headers = [m for m in mentions if "Ltd" in m.line or "University" in m.line]
    assert all(m.source == "vocabulary" for m in headers)


def test_team_and_post_names_are_not_skills():
    text = (
        "## The role\n"
        "You'll report to the Engineering Lead and partner with our compliance team.\n"
        "## Requirements\n"
        "- Experience in engineering and regulatory compliance\n"
    )
    mentions = extract_skills(text)
    found = [(m.text, m.section) for m in mentions]
    assert ("engineering", "requirements") in found
    assert ("regulatory compliance", "requirements") in found
    assert not [m for m in mentions if m.section == "responsibilities"], found


def test_the_subject_of_some_data_is_not_a_skill():
    text = (
        "Responsibilities:\n"
        "- Turn sales, stock and customer data into clear answers\n"
        "- Keep food safety records\n"
        "- Own budget management and financial reporting\n"
    )
    skills = {m.skill for m in extract_skills(text)}
    assert "Sales" not in skills
    assert {"Food safety", "Budgeting"} <= skills


def test_a_high_degree_of_something_is_no_degree_requirement() -> None:
    posting = load_posting(
        text="Requirements:\n- You work with a high degree of cooperation and independence.\n"
        "- A degree in Computer Science.\n"
    )
    degrees = [r for r in posting.requirements if r.gate == "degree"]
    assert [r.evidence.line for r in degrees] == ["A degree in Computer Science."]


def test_degree_letters_inside_words_are_no_degree() -> None:
    from matcher.understand.documents import _DEGREE

    assert not _DEGREE.search("solving hard problems in clean rooms with teams")
    assert [m.group(0) for m in _DEGREE.finditer("MSc or BSc; Master's; M.Sc")] == [
        "MSc",
        "BSc",
        "Master's",
        "M.Sc",
    ]


def test_open_phrases_end_on_whole_words_and_keep_their_modifiers() -> None:
    posting = load_posting(
        text="Requirements:\n- Ability to explain a technical trade-off to non-technical clients.\n"
        "- Able to write the weekly newsletter and answer ad hoc questions from customers.\n"
    )
    skills = [r.skill for r in posting.requirements]
    assert "explain a technical trade-off" in skills
    assert "ad hoc questions" in skills
    assert not [s for s in skills if s.endswith(" trade") or s.startswith("hoc ")]


@pytest.mark.parametrize(
    ("line", "required", "preferred"),
    [
        ("Strong SQL skills; knowledge of dbt is a plus.", "SQL", "dbt (data build tool)"),
        ("Python is required and Go is a plus.", "Python", "Go (programming language)"),
        ("Java, ideally with Spring Boot.", "Java", "Spring Boot"),
    ],
)
def test_an_optional_cue_governs_only_its_own_clause(
    line: str, required: str, preferred: str
) -> None:
    posting = load_posting(text=f"Requirements:\n- {line}\n")
    importance = {r.skill: r.importance for r in posting.requirements}
    assert importance[required] == "required"
    assert importance[preferred] == "preferred"


def test_an_optional_cue_over_the_whole_item_still_makes_it_all_optional() -> None:
    posting = load_posting(text="Requirements:\n- Knowledge of Docker, Kubernetes preferred.\n")
    assert {r.importance for r in posting.requirements} == {"preferred"}


DUTIES_AND_ASKS = """Finance Assistant

What you'll do
- Prepare and post journal entries
- Chase overdue invoices and support the month-end close

What we're looking for
- 2+ years in accounts payable
- Strong Excel skills
"""


def test_duties_are_what_the_job_does_not_what_it_asks():
    posting = load_posting(text=DUTIES_AND_ASKS)
    asked = {r.skill for r in posting.requirements}
    assert {"Accounts payable", "Microsoft Excel"} <= asked
    assert "Journal entries" not in asked
    # The duty's skill is still read: the fit's role relevance and core use it.
    assert "Journal entries" in {m.skill for m in posting.mentions}


def test_a_posting_of_duties_alone_is_read_by_their_known_skills():
    only_duties = DUTIES_AND_ASKS.split("What we're looking for")[0]
    asked = {r.skill for r in load_posting(text=only_duties).requirements}
    assert "Journal entries" in asked

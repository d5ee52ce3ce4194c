"""The two-sided fit: a prior on few requirements, eligibility apart, role relevance."""

from __future__ import annotations

import json
from functools import cache

from conftest import EXAMPLES, posting, profile

from matcher import load_posting, load_profile, match
from matcher.fit import two_sided
from matcher.report.text import render_text
from matcher.understand.documents import Profile


@cache
def cv(name: str) -> Profile:
    return load_profile(profile(name))


def test_one_extracted_requirement_cannot_give_a_full_score():
    job = load_posting(text="Marketing Administrator\n\nRequirements:\n- Experience with HTML\n")
    assert len(job.requirements) == 1
    report = match(load_profile(text="HTML\nCSS\nJavaScript"), job)
    assert report.matches[0].status == "match"
    assert report.fit < 100 and report.parts is not None and report.parts.coverage <= 50
    # Nor does it outrank a developer's own posting for a developer.
    developer = cv("python-backend-developer-cv")
    own = match(developer, load_posting(posting("backend-python-developer")))
    assert match(developer, job).fit < own.fit


def test_years_a_strengths_list_does_not_state_are_not_shown_not_unmet():
    text = posting("junior-frontend-developer").read_text(encoding="utf-8")
    text = text.replace(
        "* Solid fundamentals in HTML",
        "* 5+ years of Vue in production\n* Solid fundamentals in HTML",
    )
    strengths = profile("junior-frontend-strengths").read_text(encoding="utf-8") + "\n- Vue.js\n"
    report = match(load_profile(text=strengths), load_posting(text=text))
    vue = next(m for m in report.matches if m.requirement.canonical == "Vue.js")
    assert vue.requirement.gate == "years" and vue.requirement.years == 5
    assert vue.status == "match" and vue.gate_status == "not_shown"
    assert not report.eligibility.blocked and report.verdict != "poor"
    shown = report.eligibility.of("not_shown")
    assert [g.skill for g in shown if g.gate == "years"] == ["Vue.js"]
    assert "say how many you have" in shown[0].note
    assert all(g.requirement.canonical != "Vue.js" for g in report.gaps)
    said = "make explicit: the posting asks for 5+ years of Vue.js; say how many you have"
    assert said in render_text(report)


def test_fewer_years_stated_are_unmet():
    job = load_posting(text="Requirements:\n- 5+ years of Python\n- SQL\n")
    report = match(load_profile(text="Python (2 years)\nSQL"), job)
    python = next(m for m in report.matches if m.requirement.canonical == "Python")
    assert python.gate_status == "unmet" and report.eligibility.blocked
    assert report.verdict != "strong"


def test_role_relevance_ranks_own_field_above_marketing():
    developer = cv("python-backend-developer-cv")
    own = match(developer, load_posting(posting("backend-python-developer")))
    other = match(developer, load_posting(posting("digital-marketing-manager")))
    assert own.parts is not None and other.parts is not None
    assert own.parts.relevance is not None and other.parts.relevance is not None
    assert own.parts.relevance > other.parts.relevance + 20
    assert own.fit > other.fit


def test_a_strengths_list_has_no_text_relevance_but_a_field_one():
    report = match(cv("python-backend-developer-cv"), load_posting(posting("data-analyst")))
    listed = match(
        load_profile(text="Python\nSQL\nPostgreSQL"), load_posting(posting("data-analyst"))
    )
    assert report.parts is not None and report.parts.similarity is not None
    assert listed.parts is not None and listed.parts.similarity is None
    assert listed.parts.field is not None and listed.parts.relevance is not None


def test_a_posting_against_itself_is_a_full_match():
    for path in sorted((EXAMPLES / "postings").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        report = match(load_profile(text=text), load_posting(text=text))
        parts = report.parts
        assert parts is not None and parts.relevance is not None, path.name
        assert report.verdict != "poor", path.name
        assert parts.similarity is not None, path.name
        # The role's own words are the CV's: the text part counts in full.
        assert parts.similarity >= two_sided.calibration(parts.similarity_by).full, path.name
        # Most of what it asks is met (a few open phrases read from the posting as a CV
        # are not the same phrases read as requirements).
        assert parts.met >= 0.6 * parts.counted, path.name


def test_report_json_carries_relevance_and_eligibility():
    report = match(
        cv("python-backend-developer-cv"), load_posting(posting("backend-python-developer"))
    )
    data = json.loads(json.dumps(report.to_dict()))
    assert data["role_relevance"] == report.parts.relevance  # type: ignore[union-attr]
    assert set(data["fit_parts"]) >= {"coverage", "relevance", "core"}
    assert set(data["eligibility"]) == {"blocked", "met", "not_shown", "unmet"}
    assert all(
        r["gate_status"] in (None, "met", "not_shown", "unmet") for r in data["requirements"]
    )


def test_the_fit_is_its_parts_combined_with_the_shipped_weights():
    report = match(cv("data-analyst-cv"), load_posting(posting("data-analyst")))
    assert report.parts is not None
    assert abs(two_sided.combine_parts(report.parts.to_dict()) - report.fit) <= 0.15


def test_refine_suggests_skills_only_from_jobs_the_person_could_get():
    from matcher import score_postings
    from matcher.batch.refine import refine
    from matcher.understand.vocabulary import shipped_vocabulary

    frame = score_postings(cv("data-analyst-cv"), EXAMPLES / "postings", workers=1)
    verdicts = dict(zip(frame["id"].map(lambda i: i.rsplit("/", 1)[-1]), frame["verdict"]))
    assert verdicts["data-analyst.txt"] == "strong"
    assert verdicts["registered-nurse-med-surg.txt"] == "poor"
    skills = shipped_vocabulary().skills
    for advice in (*refine(frame).learn, *refine(frame).lacking):
        known = skills.get(advice.skill)
        assert known is None or known.field not in ("healthcare_nursing", "education"), advice


FINANCE_ASSISTANT = """Finance Assistant

What you'll do
- Prepare and post journal entries
- Reconcile bank accounts and support the month-end close

What we're looking for
- 2+ years in accounts payable
- Strong Excel skills
"""


def test_duties_count_in_the_fit_but_are_never_asked_for():
    from matcher.journal.reflect import _rescore

    posting = load_posting(text=FINANCE_ASSISTANT)
    doing = load_profile(text="- Accounts payable\n- Excel\n- Journal entries\n- Month-end close\n")
    not_doing = load_profile(text="- Accounts payable\n- Excel\n- Cold calling\n- Forklift\n")
    shown, unshown = match(doing, posting), match(not_doing, posting)
    assert {m.requirement.skill for m in shown.duties} >= {"Journal entries", "Month-end close"}
    assert not {m.requirement.skill for m in shown.matches} & {"Journal entries", "Month-end close"}
    assert all(g.requirement.section != "responsibilities" for g in unshown.gaps)
    assert shown.fit > unshown.fit  # the job does what the first person has done
    data = json.loads(json.dumps(shown.to_dict()))
    assert [d["skill"] for d in data["duties"]] == [m.requirement.skill for m in shown.duties]
    # The journal's what-if rescoring counts them too: nothing prepared, the same fit.
    assert _rescore(data, frozenset()) == (shown.fit, shown.verdict)

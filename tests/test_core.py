"""Invariants of the core: ranges, self-match, monotonicity, alternatives, gates."""

from __future__ import annotations

from functools import cache

from conftest import posting, profile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher import load_posting, load_profile, match
from matcher.fit.core import STRONG_FIT
from matcher.understand.vocabulary import shipped_vocabulary

POSTINGS = ["backend-python-developer", "registered-nurse-med-surg", "data-analyst", "ux-designer"]
PROFILES = ["python-backend-developer-cv", "nurse-strengths", "data-analyst-cv", "chef-strengths"]
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def posting_text(name: str) -> str:
    return posting(name).read_text(encoding="utf-8")


@cache
def profile_text(name: str) -> str:
    return profile(name).read_text(encoding="utf-8")


@cache
def fit(cv_text: str, job_text: str) -> float:
    return match(load_profile(text=cv_text), load_posting(text=job_text)).fit


def test_scores_and_fit_stay_in_range():
    for job in POSTINGS:
        for cv in PROFILES:
            report = match(
                load_profile(text=profile_text(cv)), load_posting(text=posting_text(job))
            )
            assert 0 <= report.fit <= 100
            assert report.parts is not None
            for part in (report.parts.coverage, report.parts.relevance, report.parts.core):
                assert part is None or 0 <= part <= 100
            assert all(0 <= m.score <= 100 for m in report.matches)
            assert {m.status for m in report.lead_with} <= {"match"}
            # every gap is listed; a match is led with only where the texts back it
            assert len(report.gaps) == sum(m.status != "match" for m in report.matches)
            assert len(report.lead_with) <= sum(m.status == "match" for m in report.matches)


def test_a_list_of_the_postings_own_skills_matches_every_skill():
    for job in POSTINGS:
        wanted = load_posting(text=posting_text(job))
        names = sorted({r.canonical for r in wanted.requirements if r.canonical})
        report = match(load_profile(text="\n".join(names)), wanted)
        for m in report.matches:
            if m.requirement.canonical and m.requirement.gate is None:
                assert m.status == "match" and m.score == 100, m.requirement.skill


@SETTINGS
@given(
    job=st.sampled_from(POSTINGS),
    cv=st.sampled_from(PROFILES),
    skill=st.sampled_from(sorted(shipped_vocabulary().skills)),
)
def test_asking_for_a_skill_the_person_lacks_never_raises_the_fit(job: str, cv: str, skill: str):
    original = load_posting(text=posting_text(job))
    if any(r.canonical == skill for r in original.requirements):
        return  # already asked for: the extra line changes nothing
    extended = posting_text(job) + f"\n\nRequirements:\n- {skill}\n"
    report = match(load_profile(text=profile_text(cv)), load_posting(text=extended))
    added = [m for m in report.matches if m.requirement.canonical == skill]
    assert added, f"{skill!r} was not read as a requirement"
    if added[0].status == "match":
        return  # the person has it (perhaps through a narrower skill)
    assert report.fit <= fit(profile_text(cv), posting_text(job)) + 1e-6
    before = match(load_profile(text=profile_text(cv)), original).parts
    assert report.parts is not None and before is not None
    # Asking for more is not more of the person's kind of work, nor more of their core.
    assert report.parts.relevance == before.relevance and report.parts.core == before.core


@SETTINGS
@given(
    cv=st.sampled_from(PROFILES),
    skill=st.sampled_from(sorted(shipped_vocabulary().skills)),
    years=st.integers(min_value=1, max_value=15),
)
def test_years_a_cv_does_not_state_are_not_shown_never_unmet(cv: str, skill: str, years: int):
    person = load_profile(text=profile_text(cv) + f"\n{skill}\n")
    job = load_posting(text=f"Requirements:\n- {years}+ years of {skill}\n- {skill}\n")
    asked = [m for m in match(person, job).matches if m.requirement.gate == "years"]
    for m in asked:
        career = person.years_experience
        stated = m.strength.years if m.strength is not None else None
        if m.status == "match" and stated is None and (career is None or career >= years):
            assert m.gate_status == "not_shown", (skill, m)


@SETTINGS
@given(
    job=st.sampled_from(POSTINGS),
    cv=st.sampled_from(PROFILES),
    skill=st.sampled_from(sorted(shipped_vocabulary().skills)),
)
def test_adding_a_strength_never_lowers_the_fit(job: str, cv: str, skill: str):
    plain = "\n".join(s.skill for s in load_profile(text=profile_text(cv)).strengths)
    before = fit(plain, posting_text(job))
    after = fit(plain + f"\n{skill}", posting_text(job))
    assert after >= before - 1e-6


def test_alternatives_need_only_one():
    job = load_posting(text="Requirements:\n- REST APIs with Django or FastAPI\n")
    report = match(load_profile(text="REST APIs\nDjango"), job)
    # No gap; not "strong" since issue 14: two requirements say too little for that.
    assert report.gaps == () and report.verdict != "poor"
    report = match(load_profile(text="REST APIs"), job)
    assert [g.requirement.skill for g in report.gaps] in (["Django"], ["FastAPI"])


def test_unmet_required_gate_is_first_and_blocks_strong():
    text = posting_text("backend-python-developer").replace(
        "You must be authorised", "You must hold an active CPA license.\nYou must be authorised"
    )
    job = load_posting(text=text)
    cv = profile_text("python-backend-developer-cv")
    # The CV contradicts the licence (a candidate, not licensed): unmet, so not strong.
    report = match(load_profile(text=cv + "\nCPA exam candidate, not yet licensed.\n"), job)
    assert report.fit >= STRONG_FIT and report.verdict == "stretch"
    assert report.eligibility.blocked
    first = report.gaps[0]
    assert first.requirement.gate == "licence" and first.requirement.importance == "required"
    # Not mentioned at all is not shown: something to make explicit, not a block.
    report = match(load_profile(text=cv), job)
    licence = [g for g in report.eligibility.gates if g.gate == "licence"]
    assert [g.status for g in licence] == ["not_shown"]
    assert report.verdict == "strong"


def test_negated_cv_statements_are_not_evidence():
    job = load_posting(text="Requirements:\n- Kubernetes\n- Terraform\n- Python\n")
    cv = load_profile(
        text="I have built Python services for five years and deployed them on AWS every day.\n"
        "I have no experience with Kubernetes and I am not yet familiar with Terraform."
    )
    statuses = {m.requirement.skill: m.status for m in match(cv, job).matches}
    assert statuses["Python"] == "match"
    assert statuses["Kubernetes"] != "match" and statuses["Terraform"] != "match"
    assert {m.skill for m in cv.not_evidence} >= {"Kubernetes", "Terraform"}


def test_open_phrase_written_in_the_cv_is_evidence_unless_denied():
    job = load_posting(text="Requirements:\n- Familiarity with quantum annealing schedulers\n")
    asked = next(r for r in job.requirements if r.canonical is None)
    shown = load_profile(text=f"Python developer. Built {asked.text} for a lab, 2019 to 2023.")
    found = next(m for m in match(shown, job).matches if m.requirement == asked)
    assert found.status == "match" and found.method == "cv text"
    assert found.strength is not None and asked.text in found.strength.evidence.line
    denied = load_profile(text=f"Python developer; I have no experience with {asked.text}.")
    found = next(m for m in match(denied, job).matches if m.requirement == asked)
    assert found.status != "match"

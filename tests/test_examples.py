"""Golden reports: the shipped examples, with the verdicts, matches and gaps a careful
reader names for them (see corpora/examples/README.md)."""

from __future__ import annotations

from functools import cache

import pytest
from conftest import posting, profile

from matcher import MatchReport, load_posting, load_profile, match


@cache
def report(cv: str, job: str) -> MatchReport:
    return match(load_profile(profile(cv)), load_posting(posting(job)))


def lead(cv: str, job: str) -> set[str]:
    return {m.requirement.skill for m in report(cv, job).lead_with}


def gaps(cv: str, job: str) -> dict[str, str]:
    return {g.requirement.skill: g.kind for g in report(cv, job).gaps}


@pytest.mark.parametrize(
    "cv, job, verdict",
    [
        ("python-backend-developer-cv", "backend-python-developer", "strong"),
        ("python-backend-developer-cv", "devops-cloud-engineer", "stretch"),
        ("data-analyst-cv", "data-scientist", "stretch"),
        ("data-analyst-cv", "backend-python-developer", "poor"),
        ("junior-frontend-strengths", "junior-frontend-developer", "strong"),
        ("junior-frontend-strengths", "ux-designer", "poor"),
        ("nurse-strengths", "registered-nurse-med-surg", "strong"),
        ("nurse-strengths", "devops-cloud-engineer", "poor"),
        ("chef-strengths", "staff-accountant-cpa", "poor"),
        ("teacher-to-ld-cv", "hr-generalist-recruiter", "poor"),
        ("retail-to-logistics-cv", "warehouse-logistics-coordinator", "stretch"),
        ("accountant-cpa-candidate-cv", "staff-accountant-cpa", "stretch"),
        ("marketing-manager-strengths", "digital-marketing-manager", "strong"),
        ("marketing-manager-strengths", "b2b-account-executive", "poor"),
        ("electrician-cv", "electrician-commercial", "strong"),
        ("electrician-cv", "it-project-manager", "poor"),
    ],
)
def test_verdicts(cv: str, job: str, verdict: str):
    assert report(cv, job).verdict == verdict


def test_backend_developer_leads_with_the_core_stack_and_prepares_kubernetes():
    cv, job = "python-backend-developer-cv", "backend-python-developer"
    assert {"Python", "Django", "PostgreSQL", "REST APIs", "pytest", "Docker", "Git"} <= lead(
        cv, job
    )
    # The CV says "No commercial experience with Kubernetes yet": not evidence, only near.
    kubernetes = next(g for g in report(cv, job).gaps if g.requirement.skill == "Kubernetes")
    assert kubernetes.requirement.importance == "preferred" and kubernetes.kind == "prepare"
    assert kubernetes.closest is not None and kubernetes.closest.skill != "Kubernetes"
    # Skills only in the company blurb (React, Swift) or the benefits are not asked for.
    asked = {m.requirement.skill for m in report(cv, job).matches}
    assert not asked & {"React (JavaScript library)", "Swift (programming language)", "Kotlin"}


def test_evidence_lines_come_from_the_texts():
    cv, job = "python-backend-developer-cv", "backend-python-developer"
    cv_text = profile(cv).read_text(encoding="utf-8")
    job_text = posting(job).read_text(encoding="utf-8")
    for m in report(cv, job).lead_with:
        assert m.requirement.evidence.line in job_text
        assert m.strength is not None and m.strength.evidence.line in cv_text


def test_devops_gaps_name_what_the_cv_denies():
    cv, job = "python-backend-developer-cv", "devops-cloud-engineer"
    found = gaps(cv, job)
    assert "Terraform" in found and "Kubernetes" in found
    assert {"Amazon Web Services", "Python", "CI/CD"} <= lead(cv, job)


def test_missing_cpa_licence_is_the_first_gap_and_keeps_the_verdict_from_strong():
    cv, job = "accountant-cpa-candidate-cv", "staff-accountant-cpa"
    first = report(cv, job).gaps[0]
    assert first.requirement.skill == "Certified Public Accountant"
    assert first.requirement.gate == "licence" and first.match.gate_met is False
    assert "Certified Public Accountant" not in lead(cv, job)
    # Journal entries are a duty of the role ("Prepare and post journal entries"), not
    # something it asks of the candidate, so they are not among the matches led with.
    assert {"General ledger", "US GAAP"} <= lead(cv, job)


def test_nurse_licences_and_alternative_degrees():
    cv, job = "nurse-strengths", "registered-nurse-med-surg"
    assert {"Registered Nurse licence", "BLS certification", "ACLS certification"} <= lead(cv, job)
    # "ADN or BSN": holding the BSN answers it; the ADN is not a gap.
    assert "Associate Degree in Nursing" not in gaps(cv, job)
    assert gaps(cv, job).get("CMSRN") in ("prepare", "missing")


def test_poor_fit_has_most_required_skills_missing():
    result = report("nurse-strengths", "devops-cloud-engineer")
    required = [m for m in result.matches if m.requirement.importance == "required"]
    missing = [m for m in required if m.status == "missing"]
    assert len(missing) > len(required) / 2 and result.fit < 20
    assert {"Amazon Web Services", "Kubernetes", "Terraform"} <= set(
        gaps("nurse-strengths", "devops-cloud-engineer")
    )


def test_career_changer_warehouse_gaps():
    cv, job = "retail-to-logistics-cv", "warehouse-logistics-coordinator"
    assert "Inventory management" in lead(cv, job)
    # "Forklift course booked, not yet licensed" is not a licence held.
    assert "Forklift licence" in gaps(cv, job)

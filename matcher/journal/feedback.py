"""A short, polite email asking an employer for feedback on one application."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from matcher.journal.records import Application

if TYPE_CHECKING:
    pass

# -- asking for feedback ---------------------------------------------------------------

_GATE_WORDS = {"licence": "licence", "certification": "certification", "degree": "degree"}


def _question(gap: Mapping[str, Any], related: bool) -> str | None:
    """The question a gap raises; ``related``: its closest strength is a known relative
    in the vocabulary (a fuzzy look-alike may be a coincidence, so it is not named)."""
    skill, gate = gap["skill"], gap.get("gate")
    if gate in ("work_authorisation", "clearance"):
        return None
    if gate == "years" and gap.get("years"):
        return (
            f"The role asked for {gap['years']}+ years of {skill}. How much did the years weigh"
            " against the rest of my experience?"
        )
    if gate in _GATE_WORDS:
        return (
            f"Was the {skill} {_GATE_WORDS[gate]} a firm requirement, or would you consider"
            " someone who is working towards it?"
        )
    if gap.get("kind") == "prepare" and gap.get("closest") and related:
        return (
            f"I have experience with {gap['closest']}; did that come across as relevant to"
            f" {skill}, or were you looking for {skill} itself?"
        )
    return (
        f"How important was {skill} in your decision, and what level of experience with it"
        " would have made a difference?"
    )


def _question_order(gap: Mapping[str, Any]) -> tuple[bool, int]:
    """Required gaps first; among them a missing licence or degree, then something near
    (a concrete question), then plain missing skills, and years last: a question about
    years can only be asked once without sounding defensive."""
    gate, kind = gap.get("gate"), gap.get("kind")
    rank = 0 if gate in _GATE_WORDS else 3 if gate == "years" else 1 if kind == "prepare" else 2
    return gap.get("importance") != "required", rank


def feedback_questions(application: Application, *, most: int = 2) -> list[str]:
    """Up to ``most`` questions about an application's gaps, most telling first."""
    methods = {r["skill"]: r.get("method") or "" for r in application.report["requirements"]}
    questions: list[str] = []
    asked_years = False
    for gap in sorted(application.gaps, key=_question_order):
        method = methods.get(gap["skill"], "")
        question = _question(gap, method.startswith("taxonomy") or method == "vocabulary")
        if question is None or question in questions:
            continue
        if gap.get("gate") == "years":
            if asked_years:
                continue
            asked_years = True
        questions.append(question)
        if len(questions) == most:
            break
    return questions


def feedback_email(
    application: Application, *, name: str | None = None, recipient: str | None = None
) -> str:
    """A short, polite feedback request: two gap questions and one open question."""
    a = application
    role = f"the {a.title} role" + (f" at {a.company}" if a.company else "")
    questions = feedback_questions(a)
    if len(questions) < 2:
        questions.append("Which parts of the role did you feel my experience did not yet cover?")
    questions.append(
        "Is there anything in how I presented my experience that would have made my"
        " application stronger?"
    )
    applied = date.fromisoformat(a.applied_on)
    when = f"{applied.day} {applied:%B %Y}"
    if a.outcome == "rejected" and a.reached_interview:
        opening = (
            f"Thank you for interviewing me for {role}, and for letting me know your decision."
        )
    elif a.outcome == "rejected":
        opening = (
            f"Thank you for letting me know your decision on my application for {role},"
            f" which I sent on {when}."
        )
    else:
        opening = f"Thank you for considering my application for {role}, sent on {when}."
    body = [
        f"Subject: Feedback on my application for {a.title}",
        "",
        f"Dear {recipient or 'Hiring team'},",
        "",
        opening,
        "",
        "If you have a few minutes, I would be grateful for brief feedback to help me with"
        " future applications. In particular:",
        "",
        *(f"{n}. {q}" for n, q in enumerate(questions, 1)),
        "",
        "Even a short answer would help a great deal. Thank you again for your time.",
        "",
        "Kind regards,",
        name or "[Your name]",
    ]
    return "\n".join(body)

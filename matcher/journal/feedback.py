"""A short, polite email asking an employer for feedback on one application."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from matcher.journal.records import Application
from matcher.understand.vocabulary import alias_key

if TYPE_CHECKING:
    from matcher.understand.vocabulary import Vocabulary

# -- asking for feedback ---------------------------------------------------------------

_GATE_WORDS = {"licence": "licence", "certification": "certification", "degree": "degree"}


def _question(gap: Mapping[str, Any], near: bool) -> str | None:
    """The question a required gap raises, in plain words.

    ``near``: the CV shows the gap's closest strength and it is a near relative of the
    skill, so the question may name it; otherwise it claims nothing about the person.
    """
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
    if gap.get("kind") == "prepare" and gap.get("closest") and near:
        return (
            f"My experience is with {gap['closest']} rather than {skill}. Would experience"
            f" with {skill} itself have made the difference?"
        )
    return (
        f"How much did {skill} weigh in your decision, and what experience with it would have"
        " made the difference?"
    )


def _question_order(gap: Mapping[str, Any]) -> tuple[int, int]:
    """A missing licence or degree first, then something near (a concrete question),
    then plain missing skills, and years last: a question about years can only be asked
    once without sounding defensive."""
    gate, kind = gap.get("gate"), gap.get("kind")
    return (
        0 if gate in _GATE_WORDS else 3 if gate == "years" else 1 if kind == "prepare" else 2
    ), 0


def _near(gap: Mapping[str, Any], method: str, cv_text: str, vocabulary: Vocabulary) -> bool:
    """Whether the CV shows the gap's closest strength and it is a near relative of the
    skill in the vocabulary: the same skill, narrower, sibling or broader as scored
    (``method``). A cousin, or a phrase alike only in its words, is no ground to name
    it in a letter ("my experience is with explaining numbers to non-technical")."""
    from matcher.fit.advice import BUILDS_ON, is_contact_line, showing_line
    from matcher.understand.documents import Strength
    from matcher.understand.evidence import Evidence

    closest = gap.get("closest")
    if not closest:
        return False
    relation = "same" if method == "vocabulary" else method.removeprefix("taxonomy:")
    if relation not in BUILDS_ON:
        return False
    have = vocabulary.lookup(closest)
    strength = Strength(closest, closest, have.name if have else None, Evidence("", 0, 0))
    line = showing_line(strength, cv_text, vocabulary)
    return line is not None and not is_contact_line(line.line)


def _overlaps(key: str, asked: set[str]) -> bool:
    """Whether a skill was asked about already, under its name or inside a longer one
    ("operating expenses" after "margin and operating expenses")."""

    def within(short: str, long: str) -> bool:
        return re.search(rf"(?<!\w){re.escape(short)}(?!\w)", long) is not None

    return any(within(key, other) or within(other, key) for other in asked)


def feedback_questions(
    application: Application, *, most: int = 2, vocabulary: Vocabulary | None = None
) -> list[str]:
    """Up to ``most`` questions about an application's required gaps, most telling first.

    Each skill is asked about once, and so is each strength named as near one; a
    question never says the person has experience their CV does not show.
    """
    if vocabulary is None:
        from matcher.understand.vocabulary import shipped_vocabulary

        vocabulary = shipped_vocabulary()
    methods = {r["skill"]: r.get("method") or "" for r in application.report["requirements"]}
    questions: list[str] = []
    asked: set[str] = set()
    asked_years = False
    required = [g for g in application.gaps if g.get("importance") == "required"]
    for gap in sorted(required, key=_question_order):
        key = alias_key(gap["skill"])
        near = _near(gap, methods.get(gap["skill"], ""), application.cv_text, vocabulary)
        closest = alias_key(gap["closest"]) if near and gap.get("closest") else None
        if _overlaps(key, asked) or (closest is not None and closest in asked):
            continue
        question = _question(gap, near)
        if question is None or question in questions:
            continue
        if gap.get("gate") == "years":
            if asked_years:
                continue
            asked_years = True
        questions.append(question)
        asked.update(k for k in (key, closest) if k)
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

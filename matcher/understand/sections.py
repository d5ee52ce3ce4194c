"""Cutting a text into items under section headings, and classifying each item.

A text is cut into items (a bullet, or a sentence of prose) under section headings;
each item is classified (requirements, nice to have, responsibilities, company,
benefits, logistics; or the CV sections), and a requirement's importance is read from
its words and its section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    pass


Importance = Literal["required", "preferred"]

POSTING_SECTIONS = (
    "requirements",
    "nice_to_have",
    "responsibilities",
    "company",
    "benefits",
    "logistics",
    "other",
)
CV_SECTIONS = ("summary", "experience", "education", "skills", "certifications", "other")

# Heading words, checked in order: the first kind whose pattern the heading matches wins.
POSTING_HEADINGS: tuple[tuple[str, str], ...] = (
    ("nice_to_have", r"nice|bonus|plus|preferred|desirable|ideal|advantage|extra|optional"),
    ("benefits", r"benefit|perks?\b|offer|compensation|salary|package|why (join|work)|rewards?"),
    ("logistics", r"apply|application|process|interview|next steps|contact|equal opportunit"),
    ("company", r"about (us|the company|the team|[A-Z]\w+)|who we are|our (company|story|mission)"),
    (
        "responsibilities",
        r"responsib|what you.?ll do|you will|duties|the role|day.to.day|your (role|mission|impact)"
        r"|what you.?ll be doing|key tasks|the job|in this role",
    ),
    (
        "requirements",
        r"require|qualifi|what you.?ll (need|bring)|looking for|you have|you.?ll have|must|skills"
        r"|experience|about you|who you are|you are|essential|what we need|profile|competenc",
    ),
)
CV_HEADINGS: tuple[tuple[str, str], ...] = (
    ("certifications", r"certif|licen[cs]|accreditation|registration"),
    ("skills", r"skills|competenc|technolog|tools|expertise|strengths|languages"),
    ("education", r"education|qualification|academic|training|degree"),
    ("experience", r"experience|employment|work history|career|projects|positions?"),
    ("summary", r"summary|profile|about me|objective|personal statement"),
)

_PREFERRED = re.compile(
    r"\b(nice[- ]to[- ]have|a plus|plus\b|bonus|preferred|preferably|desirable|ideally|"
    r"advantage(ous)?|good to have|beneficial|would be great|is welcome|not required|optional)",
    re.IGNORECASE,
)
_REQUIRED_CUE = re.compile(
    r"\b(experience|knowledge|ability|able to|proficien|familiar|understanding|skill|expert|"
    r"must|required|need|essential|qualifi|degree|certif|licen[cs]|years?|background in|"
    r"competen|comfortable|fluent|you have|you.ll have|we.re looking|we are looking|strong)",
    re.IGNORECASE,
)
_BENEFIT_CUE = re.compile(
    r"\b(we offer|benefits?|salary|pension|holiday|annual leave|bonus scheme|gym|discount|"
    r"health insurance|perks?|paid time off|pto|equity|stock options|wellbeing|learning budget)\b",
    re.IGNORECASE,
)
_COMPANY_CUE = re.compile(
    r"\b(we are a|we're a|our (company|mission|platform|team|customers)|founded|headquartered|"
    r"is a leading|we build|we help)\b",
    re.IGNORECASE,
)
# A sentence about "we/our" and not about "you" describes the employer, not the job.
_ABOUT_US = re.compile(r"\b(we|we're|our|us)\b", re.IGNORECASE)
_ABOUT_YOU = re.compile(r"\b(you|your|you'll|you're|candidates?|applicants?)\b", re.IGNORECASE)
_LOGISTICS_CUE = re.compile(
    r"\b(to apply|apply (now|by|via|online)|send (your|a) (cv|resume)|closing date|"
    r"equal opportunit|cover letter|deadline)\b",
    re.IGNORECASE,
)
_RESPONSIBILITY_CUE = re.compile(
    r"^(you will|you'll|responsible for|your (role|job) (is|will))", re.IGNORECASE
)

# Whole lines that are headings even without a colon, capitals or bullets under them.
_HEADING_PHRASE = re.compile(
    r"^\W*(how to apply|apply|application process|about (us|you|the (role|company|team|job))|"
    r"benefits|perks( and benefits)?|what we offer|why (join us|work with us)|requirements|"
    r"(essential |desirable |preferred |minimum )?(qualifications|requirements|skills)|"
    r"responsibilities|key responsibilities|duties|nice to haves?|bonus( points)?|the role|"
    r"who you are|what you.?ll (do|need|bring)|what we.?re looking for|"
    r"(work )?experience|education|skills|certifications?|summary|profile|employment history)"
    r"\W*$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•●▪◦–·‣○■□➢➤>]|\d{1,2}[.)]|[a-z][.)])\s+")
_MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s*(.+?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“])")
_INLINE_HEADING = re.compile(r"^\s*([A-Za-z][A-Za-z '’/&-]{2,40}):\s+(\S.*)$")


@dataclass(frozen=True)
class Item:
    """One bullet or sentence of a text, with the section it sits in."""

    text: str
    start: int
    end: int
    line: str  # the item's own text: the evidence shown to the user
    section: str
    heading: str | None
    importance: Importance | None
    #: What the trained item classifier read it as (``requirement``, ``company``,
    #: ``contact``, ``role_line``...), or None without the classifier.
    label: str | None = None


def classify_heading(heading: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for kind, pattern in table:
        if re.search(pattern, heading, re.IGNORECASE):
            return kind
    return None


def heading_text(line: str, next_line: str) -> str | None:
    """The heading a line is, if it is one: markdown, "Title:", CAPS, or a short title."""
    stripped = line.strip()
    markdown = _MARKDOWN_HEADING.match(stripped)
    if markdown:
        return markdown.group(1).strip(" :*")
    stripped = stripped.strip("*_ ")
    words = stripped.split()
    if not words or len(words) > 8 or _BULLET.match(line):
        return None
    if stripped.endswith(":") or _HEADING_PHRASE.match(stripped):
        return stripped.rstrip(":").strip()
    letters = [c for c in stripped if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters):
        return stripped
    if stripped[-1] not in ".!?,;" and next_line and _BULLET.match(next_line) and len(words) <= 5:
        return stripped
    return None


def _section_for_item(text: str, section: str) -> str:
    """Items outside a recognised section are classified by their own words."""
    if section != "other":
        return section
    if _LOGISTICS_CUE.search(text):
        return "logistics"
    if _BENEFIT_CUE.search(text):
        return "benefits"
    if _COMPANY_CUE.search(text) or (_ABOUT_US.search(text) and not _ABOUT_YOU.search(text)):
        return "company"
    if _PREFERRED.search(text) and _REQUIRED_CUE.search(text):
        return "nice_to_have"
    if _RESPONSIBILITY_CUE.search(text.strip()):
        return "responsibilities"
    if _REQUIRED_CUE.search(text):
        return "requirements"
    return "other"


def _importance(text: str, section: str) -> Importance | None:
    if section == "nice_to_have":
        return "preferred"
    if section in ("requirements", "responsibilities"):
        return "preferred" if _PREFERRED.search(text) else "required"
    return None


def _lines(text: str) -> Iterable[tuple[int, str]]:
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line.rstrip("\r\n")
        offset += len(line)


#: A posting is run-on text (whole sections or the whole ad in one line) when half its
#: lines are at least this long: more than twice a typical sentence (the median of
#: SkillSpan's training-ad sentences is 83 characters; 9 in 10 are under 225). Its
#: lines that long are cut by the trained splitter (:mod:`matcher.understand.run_on`);
#: every other line, and every line of a CV, by :func:`rule_sentences` as before.
RUN_ON_LINE_CHARS = 200


def is_run_on(text: str) -> bool:
    """Whether the median non-empty line of ``text`` is ``RUN_ON_LINE_CHARS`` or longer."""
    lengths = sorted(len(line.strip()) for line in text.splitlines() if line.strip())
    return bool(lengths) and lengths[(len(lengths) - 1) // 2] >= RUN_ON_LINE_CHARS


def _run_on_units(lines: list[tuple[int, str]]) -> list[tuple[int, str, bool]]:
    """The lines, each long line of a run-on text replaced by the sentences the splitter
    finds in it (offset, text, True); other lines, or all without the model, as they are."""
    if not is_run_on("\n".join(line for _, line in lines)):
        return [(offset, line, False) for offset, line in lines]
    from matcher.understand.run_on import run_on_sentences  # loads the model lazily

    units: list[tuple[int, str, bool]] = []
    for offset, line in lines:
        spans = run_on_sentences(line) if len(line.strip()) >= RUN_ON_LINE_CHARS else None
        if spans is None:
            units.append((offset, line, False))
        else:
            units.extend((offset + start, line[start:end], True) for start, end in spans)
    return units


def _whole(start: int, body: str) -> Iterable[tuple[int, str]]:
    if body.strip():
        yield start + len(body) - len(body.lstrip()), body.strip()


def segment(
    text: str, *, kind: Literal["posting", "cv"] = "posting", classify: bool = True
) -> list[Item]:
    """Cut a text into items (bullets and sentences) under classified sections.

    With ``classify`` (and the shipped item classifier), each item's section is what the
    classifier reads it as (:func:`classified`); otherwise headings and cue words decide.
    In a run-on posting (:func:`is_run_on`) the long lines are cut by the trained
    sentence splitter, loaded the first time such a text is met; every other line is
    cut after ``.``, ``!`` or ``?`` before a capital (:func:`rule_sentences`).
    """
    table = POSTING_HEADINGS if kind == "posting" else CV_HEADINGS
    lines = list(_lines(text))
    items: list[Item] = []
    section, heading = "other", None
    # Whether each item's heading stands on a line of its own (it governs the items
    # below it) rather than inline ("Nice to have: Kafka. You must hold a licence.").
    own_heading: list[bool] = []
    heading_alone = False

    def add(start: int, body: str, cut: bool = True) -> None:
        pieces = rule_sentences(start, body) if cut else _whole(start, body)
        for piece_start, piece in pieces:
            own_heading.append(heading_alone)
            item_section = _section_for_item(piece, section) if kind == "posting" else section
            items.append(
                Item(
                    text=piece,
                    start=piece_start,
                    end=piece_start + len(piece),
                    line=piece,
                    section=item_section,
                    heading=heading,
                    importance=_importance(piece, item_section) if kind == "posting" else None,
                )
            )

    # A posting's run-on lines are cut into sentences by the trained splitter first;
    # each sentence is then read as a line is (a glued heading becomes a heading).
    units = _run_on_units(lines) if kind == "posting" else [(o, ln, False) for o, ln in lines]
    for index, (offset, line, from_model) in enumerate(units):
        if not line.strip():
            continue
        next_line = next((ln for _, ln, _ in units[index + 1 :] if ln.strip()), "")
        title = heading_text(line, next_line)
        if title is not None:
            found = classify_heading(title, table)
            if from_model:
                # A sentence the splitter cut out is a heading only when it names a
                # section or ends in a colon, not for being short or in capitals ("SQL").
                is_heading = found is not None or line.rstrip().endswith(":")
            else:
                is_heading = found is not None or kind == "cv" or len(title.split()) <= 4
            if is_heading:
                # Only a heading on a line of its own governs the items below it (see
                # classified()); one cut out of run-on text is context for the classifier.
                section, heading, heading_alone = found or "other", title, not from_model
                continue
        inline = _INLINE_HEADING.match(line)
        if inline and classify_heading(inline.group(1), table) and not _BULLET.match(line):
            section = classify_heading(inline.group(1), table) or section
            heading, heading_alone = inline.group(1), False
            add(offset + inline.start(2), inline.group(2), cut=not from_model)
            continue
        bullet = _BULLET.match(line)
        body_start = bullet.end() if bullet else len(line) - len(line.lstrip())
        add(offset + body_start, line[body_start:].rstrip(), cut=not from_model)
    return classified(items, kind, own_heading) if classify else items


#: What each label of the item classifier makes of an item: its section.
POSTING_SECTION_OF_LABEL = {
    "requirement": "requirements",
    "nice_to_have": "nice_to_have",
    "responsibility": "responsibilities",
    "role": "responsibilities",
    "company": "company",
    "benefits": "benefits",
    "legal": "logistics",
    "apply": "logistics",
    "title": "other",
    "meta": "other",
    "heading": "other",
    "other": "other",
}
# Labels of lines that stand above content, which a line under a heading cannot be.
_HEADER_LABELS = frozenset({"contact", "heading", "title"})
CV_SECTION_OF_LABEL = {
    "contact": "other",
    "heading": "other",
    "role_line": "experience",
    "summary": "summary",
    "achievement": "experience",
    "skills": "skills",
    "education": "education",
    "certification": "certifications",
    "other": "other",
}


def classified(
    items: list[Item], kind: Literal["posting", "cv"], own_heading: Sequence[bool] | None = None
) -> list[Item]:
    """``items`` with the sections the trained item classifier reads from their words.

    Headings and cue words cannot place a sentence whose heading is missing, glued to it
    ("QualificationsThe ideal candidate...") or inline in a run-on paragraph ("Nice to
    have: Kafka. You must hold a licence."); there the classifier decides, reading each
    item with the heading-like line above it and the item before it. Under a recognised
    heading on a line of its own (``own_heading``) the heading still decides, as a
    recruiter reads a bulleted list under "Requirements". The classifier's label is kept
    on the item (``Item.label``): a CV's name, contact and heading lines give no
    strengths. Without the model the items are returned as they are.
    """
    from matcher.understand.item_classifier import classify_items

    if not items:
        return items
    texts: list[str] = []
    where: list[int] = []
    heading: str | None = None
    for item in items:
        if item.heading is not None and item.heading != heading:
            texts.append(item.heading)
        heading = item.heading
        where.append(len(texts))
        texts.append(item.text)
    labels = classify_items(texts, kind)
    if labels is None:
        return items
    table = POSTING_SECTION_OF_LABEL if kind == "posting" else CV_SECTION_OF_LABEL
    result = []
    owned = list(own_heading) if own_heading is not None else [False] * len(items)
    headings = POSTING_HEADINGS if kind == "posting" else CV_HEADINGS
    for item, position, heading_owns in zip(items, where, owned):
        label: str | None = labels[position][0]
        under_heading = (
            heading_owns
            and item.heading is not None
            and classify_heading(item.heading, headings) is not None
        )
        if under_heading:
            # The heading decides; a line under "Skills" is no name or heading, whatever
            # its shape.
            section = item.section
            if label in _HEADER_LABELS:
                label = None
        else:
            section = table.get(label or "other", "other")
        importance = _importance(item.text, section) if kind == "posting" else None
        result.append(replace(item, section=section, importance=importance, label=label))
    return result


def rule_sentences(start: int, body: str) -> Iterable[tuple[int, str]]:
    """The sentences of ``body`` (at ``start`` in its text): cut after ``.``, ``!`` or
    ``?`` before a capital, a bracket or a quote."""
    position = 0
    for piece in _SENTENCE_END.split(body):
        found = body.find(piece, position)
        position = found + len(piece)
        if piece.strip():
            yield start + found, piece.strip()

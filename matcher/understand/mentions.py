"""Skill mentions in items: the vocabulary's matches, open phrases from the parse, the
tagger's spans; with importance, years, gates, alternatives and negation.

Skills are found by the vocabulary matcher and by open-vocabulary phrases from the parse
("experience with X", "knowledge of Y", "ability to Z", noun chunks of requirement items).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Literal

from spacy.tokens import Doc, Span, Token

from matcher.understand.abbreviations import Abbreviation, set_abbreviations
from matcher.understand.bounds import bounded_items, checked_text
from matcher.understand.item_classifier import heading_like
from matcher.understand.negation import DENIAL_CUE, denial
from matcher.understand.nlp import CompiledVocabulary, compiled_vocabulary, parse, tokenise
from matcher.understand.sections import (
    POSTING_HEADINGS,
    Importance,
    Item,
    classify_heading,
    segment,
)
from matcher.understand.vocabulary import Skill, Vocabulary, shipped_vocabulary

if TYPE_CHECKING:
    from matcher.understand.taxonomy.index import TaxonomyIndex


_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15,
}  # fmt: skip
_YEARS = re.compile(
    r"\b(?:(?P<num>\d{1,2})|(?P<word>" + "|".join(_WORD_NUMBERS) + r"))"
    r"\s*(?:\+|plus)?\s*(?:(?:-|–|to)\s*\d{1,2}\s*)?(?:\+\s*)?(?:years?|yrs?)\b",
    re.IGNORECASE,
)

_GATES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "work_authorisation",
        re.compile(
            r"\b(authori[sz]ed to work|authori[sz]ation to work|right to work|eligible to work|"
            r"eligibility to work|work (permit|authori[sz]ation)|visa|citizen(ship)?|"
            r"permanent resident)",
            re.IGNORECASE,
        ),
    ),
    (
        "clearance",
        re.compile(r"\b(clearance|vetting|DBS|background check|PVG)\b", re.IGNORECASE),
    ),
    (
        "licence",
        re.compile(r"\b(licen[cs]e[ds]?|registered|registration|chartered)\b", re.IGNORECASE),
    ),
    (
        "certification",
        re.compile(r"\b(certifi(ed|cation|cate)s?|accredit\w*)\b", re.IGNORECASE),
    ),
    (
        "degree",
        re.compile(
            r"\b(degree|bachelor|master'?s|BSc|B\.Sc|MSc|M\.Sc|BA|BEng|MEng|MBA|PhD|Ph\.D|"
            r"doctorate|diploma|graduate)\b",
            re.IGNORECASE,
        ),
    ),
)

_NEGATION = re.compile(
    r"^\s*(currently\s+)?learning\b|"
    r"\b(no|not|never|without|lack(ing)?|limited|little|yet to|not yet|"
    r"(would|'d) like to (learn|develop|gain|get)|(want|hope|keen|eager|plan|planning|aim) to "
    r"(learn|develop|gain|get)|(currently|now|still|started|starting) (learning|studying)|"
    r"learning (about|the basics)|studying (for|towards)|working towards|preparing for|"
    r"interested in learning)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[.;!?]|\b(but|however|although|though|whereas|while)\b", re.IGNORECASE)

_OPEN_CUES = re.compile(
    r"\b(experience (?:with|in|of|using|building|developing|managing|working with)|"
    r"knowledge of|understanding of|familiarity with|familiar with|proficiency (?:in|with)|"
    r"proficient (?:in|with|at)|skilled (?:in|at)|skills in|expertise in|background in|"
    r"competence in|comfortable (?:with|using)|hands-on (?:with|experience)|"
    r"ability to|able to|capable of)\s+",
    re.IGNORECASE,
)
_PHRASE_STOP = re.compile(
    r"[,;:()\[\].!?]|\b(and|or|as well as|including|such as|e\.g|etc|to ensure|in order|"
    r"who|which|that|while|with a|within|across|for|is|are|would|will|preferred|a plus|"
    r"(in|at|on|from|of) (a|an|the|our|your))\b",
    re.IGNORECASE,
)
_FILLER = frozenset(
    [
        "a",
        "an",
        "the",
        "any",
        "some",
        "your",
        "our",
        "their",
        "its",
        "this",
        "that",
        "these",
        "those",
        "strong",
        "good",
        "excellent",
        "solid",
        "proven",
        "deep",
        "basic",
        "working",
        "demonstrable",
        "demonstrated",
        "extensive",
        "relevant",
        "related",
        "similar",
        "previous",
        "prior",
        "professional",
        "sound",
        "great",
        "thorough",
        "advanced",
        "practical",
        "hands-on",
        "commercial",
        "considerable",
        "significant",
        "clear",
        "real",
        "high",
        "very",
        "highly",
        "well",
        "other",
        "overall",
        "general",
        "broad",
        "must",
        "essential",
        "required",
        "preferred",
        "ideally",
    ]
)
_GENERIC = frozenset(
    [
        "experience",
        "years",
        "year",
        "knowledge",
        "ability",
        "abilities",
        "skill",
        "skills",
        "understanding",
        "candidate",
        "candidates",
        "you",
        "we",
        "us",
        "role",
        "team",
        "teams",
        "plus",
        "bonus",
        "opportunity",
        "opportunities",
        "company",
        "work",
        "job",
        "position",
        "environment",
        "salary",
        "thing",
        "things",
        "way",
        "lot",
        "people",
        "time",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "part",
        "level",
        "range",
        "area",
        "areas",
        "field",
        "fields",
        "need",
        "needs",
        "interest",
        "passion",
        "desire",
        "attitude",
        "mindset",
        "requirement",
        "requirements",
        "qualification",
        "qualifications",
        "responsibility",
        "responsibilities",
        "duty",
        "duties",
        "task",
        "tasks",
        "something",
        "anything",
        "everything",
        "one",
        "others",
        "benefit",
        "benefits",
        "perk",
        "perks",
        "office",
        "business",
        "industry",
        "background",
        "degree",
        "member",
        "members",
        "colleague",
        "colleagues",
        "client",
        "clients",
        "customer",
        "customers",
        "basis",
        "hour",
        "hours",
    ]
)
_MAX_PHRASE_TOKENS = 6
# A short bullet with a verb of its own ("Build APIs") is a task, not a skill's name;
# participles inside names ("annealing schedulers", "applied statistics") are fine.
_FINITE_VERB_TAGS = frozenset({"VB", "VBD", "VBP", "VBZ", "MD"})

# A CV line that says where and when rather than what: a contact line, or the header of
# a job or a qualification ("Staff Accountant | Buckeye Supply, Columbus, OH | May 2022 –
# Present"). Its names are employers, schools and towns, which the tagger and the noun
# chunks would otherwise offer as skills; the vocabulary still reads it ("PGCE", "BSc").
_CV_HEADER = re.compile(
    r"\S@\S|https?://|\bwww\.|\b(?:github|gitlab|linkedin)\.com\b"
    r"|\b(?:19|20)\d\d\s*(?:-|–|—|to)\s*(?:[A-Z][a-z]{2,8}\.?\s+)?"
    r"(?:(?:19|20)\d\d|(?i:present|now|current|date|today))\b"
    r"|\b(?:Ltd|Limited|Inc|LLC|LLP|PLC|GmbH|University|College)\b"
)


@dataclass(frozen=True)
class SkillMention:
    """A skill found in a text, with where it is and what the text says about it.

    ``skill`` is the canonical vocabulary name, or None for an open-vocabulary phrase.
    ``source`` says what found it: ``vocabulary`` (the shipped skills), ``taxonomy``
    (an imported taxonomy's names), ``model`` (the trained tagger), ``phrase`` (a cue
    such as "experience with" or a short skill-like item) or ``gate`` (a generic work
    authorisation or clearance requirement).
    ``importance`` is set only where the text asks for the skill (a posting's
    requirements). ``negated`` marks CV statements that are not evidence ("no
    experience with X", "would like to learn Y").
    """

    text: str
    start: int
    end: int
    skill: str | None
    section: str
    importance: Importance | None
    line: str
    source: str = "vocabulary"
    years: int | None = None
    gate: str | None = None
    negated: bool = False
    alternatives: int | None = None

    def to_dict(self) -> dict[str, object]:
        """The mention as plain data (``match skills --format json``)."""
        return asdict(self)


def _years(text: str) -> int | None:
    values = []
    for found in _YEARS.finditer(text):
        values.append(int(found["num"]) if found["num"] else _WORD_NUMBERS[found["word"].lower()])
    return max(values) if values else None


def _gate(text: str, years: int | None, category: str | None) -> str | None:
    """The kind of hard gate an item's skill is, if the item makes it one."""
    for kind, pattern in _GATES:
        if not pattern.search(text):
            continue
        if kind in ("work_authorisation", "clearance"):
            return kind
        if category == "certification":
            return kind
    if category == "certification":
        return "certification"
    return "years" if years else None


_HEDGE_AFTER = re.compile(
    r"\W{0,3}(candidate|exam|student|trainee|apprentice|\(?(learning|basic|beginner|"
    r"studying|in progress|expected|pending|part[- ]qualified|not (yet )?(held|licensed)))\b",
    re.IGNORECASE,
)


def is_negated(item_text: str, mention_start: int, mention_end: int | None = None) -> bool:
    """Whether a CV statement denies or hedges a skill instead of showing it.

    Before the mention, in its clause: "no experience with X", "would like to learn Y".
    Right after it: "CPA candidate", "Terraform (learning)", "CIPD (in progress)".
    """
    before = item_text[:mention_start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    clause = before[breaks[-1].end() :] if breaks else before
    after = item_text[mention_end:] if mention_end is not None else ""
    return bool(_NEGATION.search(clause)) or bool(after and _HEDGE_AFTER.match(after))


_BEFORE_A_TEAM_OR_ROLE = re.compile(r"\b(?:the|our|your|their)(?:\s+[\w&-]+){0,2}\s+$", re.I)
_TEAM_OR_ROLE = re.compile(
    r"\s+(?:lead|manager|director|head|officer|team|squad|department)s?\b", re.IGNORECASE
)


# "sales, stock and customer data": lower-case words listed before "data" name its subject.
# (Not before "records" or "reporting": "food safety records", "budget management and
# financial reporting" ask for the skill.)
_SUBJECT_OF_DATA = re.compile(r"(?:\s*,\s*[a-z]+)*(?:\s*,?\s+(?:and|or|&)\s+[a-z]+)?\s+data\b")


def _names_a_team_role_or_data(item_text: str, start: int, end: int) -> bool:
    """A skill word naming a team or a post, or the subject of some data, not a skill:
    "report to the Engineering Lead", "partner with our compliance team", "turn sales,
    stock and customer data into answers"."""
    if _TEAM_OR_ROLE.match(item_text, end) and _BEFORE_A_TEAM_OR_ROLE.search(item_text[:start]):
        return True
    return item_text[start:end].islower() and bool(_SUBJECT_OF_DATA.match(item_text, end))


def _names_people(text: str, skill: Skill | None) -> bool:
    """A credential in the plural names people or firms ("Marlow & Finch CPAs"), not a
    credential held."""
    return bool(
        skill is not None
        and skill.category == "certification"
        and len(text) > 2
        and text.endswith("s")
        and text[:-1].isupper()
    )


def _open_phrases(doc: Doc, taken: list[Span], want_chunks: bool) -> list[Span]:
    """Skill phrases the vocabulary does not know.

    Phrases after cue words ("experience with X", "knowledge of Y", "ability to Z")
    always; with ``want_chunks``, also a short item that is a skill on its own
    ("- Stakeholder management") and noun chunks naming a product or method (a proper
    noun in them: "Celery", "HL7 FHIR"). Other noun chunks are mostly words about the
    job, not skills ("a matter of habit"), so they are left out.
    """
    taken_tokens = {token.i for span in taken for token in span}
    found: list[Span] = []
    for cue in _OPEN_CUES.finditer(doc.text):
        tail = doc.text[cue.end() :]
        stop = _PHRASE_STOP.search(tail)
        phrase_end = cue.end() + (stop.start() if stop else len(tail))
        span = doc.char_span(cue.end(), phrase_end, alignment_mode="contract")
        if span is not None:
            found.append(span)
    if want_chunks:
        words = [t for t in doc if not t.is_punct]
        if (
            0 < len(words) <= 4
            and not taken_tokens
            and not any(t.tag_ in _FINITE_VERB_TAGS for t in doc)
        ):
            found.append(doc[:])
        found.extend(
            chunk
            for chunk in doc.noun_chunks
            if any(t.pos_ == "PROPN" for t in chunk) and _listed_with(chunk, taken_tokens)
        )
    cleaned = [
        phrase
        for span in found
        if (phrase := _clean_phrase(span)) is not None
        and not any(t.i in taken_tokens for t in phrase)
    ]
    unique: dict[tuple[int, int], Span] = {}
    for span in sorted(cleaned, key=lambda s: (s.start, -len(s))):
        if not any(s.start <= span.start < s.end for s in unique.values()):
            unique[(span.start, span.end)] = span
    return list(unique.values())


def _listed_with(chunk: Span, skill_tokens: set[int]) -> bool:
    """Whether a noun chunk is listed with a known skill ("Celery, Redis and Python").

    Proper nouns in postings are as often places, days and company names as tools;
    one coordinated with a known skill is very likely another skill.
    """
    top = chunk.root
    while top.dep_ == "conj" and top.head.i != top.i:
        top = top.head
    group = {top.i}
    frontier = [top]
    while frontier:
        token = frontier.pop()
        for child in token.children:
            if child.dep_ in ("conj", "appos") and child.i not in group:
                group.add(child.i)
                frontier.append(child)
    return len(group) > 1 and bool(group & skill_tokens)


_YEARS_WINDOW_END = re.compile(
    r"[.;:]|,\s*and\b|\band (a|an|good|strong|solid|some)\b", re.IGNORECASE
)


def _years_by_position(text: str) -> list[tuple[int, int, int]]:
    """(start, end, years): the stretch of an item that a years figure applies to.

    "5+ years of Python and a good knowledge of PostgreSQL" asks five years of Python,
    not of PostgreSQL: the figure reaches to the end of its clause.
    """
    windows = []
    for found in _YEARS.finditer(text):
        value = int(found["num"]) if found["num"] else _WORD_NUMBERS[found["word"].lower()]
        stop = _YEARS_WINDOW_END.search(text, found.end())
        windows.append((found.start(), stop.start() if stop else len(text), value))
    return windows


GENERIC_GATE_SKILLS = {
    "work_authorisation": "Work authorisation",
    "clearance": "Security clearance",
}


def _gate_mentions(
    item: Item, gate: str, spans: list[Span], vocabulary: Vocabulary
) -> list[SkillMention]:
    """The requirement(s) of a work-authorisation or clearance item.

    A named credential ("SC clearance", "Australian citizenship") is required as such;
    otherwise the item is one generic gate ("must be authorised to work in the UK"),
    met by a CV statement such as "British citizen", whatever words either uses.
    """
    generic = GENERIC_GATE_SKILLS[gate]
    named = [
        span
        for span in spans
        if span.label_ != generic
        and (skill := vocabulary.skills.get(span.label_)) is not None
        and skill.category == "certification"
    ]
    found: list[tuple[str, str | None, int, int]] = [
        (span.text, span.label_, span.start_char, span.end_char) for span in named
    ] or [(generic, generic if generic in vocabulary else None, 0, len(item.text))]
    return [
        SkillMention(
            text=text,
            start=item.start + start,
            end=item.start + end,
            skill=skill,
            section=item.section,
            importance=item.importance,
            line=item.line,
            source="vocabulary" if named else "gate",
            gate=gate,
        )
        for text, skill, start, end in found
    ]


# The words of the generic gates (work authorisation, clearance), to look past them.
_GENERIC_GATE_WORDS = re.compile(
    "|".join(pattern.pattern for kind, pattern in _GATES if kind in GENERIC_GATE_SKILLS),
    re.IGNORECASE,
)


def _skill_gate(item: Item, years: int | None, category: str | None) -> str | None:
    """The gate a requirement item makes of one skill it names.

    Generic work-authorisation and clearance items are handled whole (``_gate_mentions``);
    here those words gate only a credential ("SC clearance"), not a skill whose name
    holds them ("Right to work checks").
    """
    if not item.importance:
        return None
    gate = _gate(item.text, years, category)
    if gate in GENERIC_GATE_SKILLS and category != "certification":
        return _gate(_GENERIC_GATE_WORDS.sub(" ", item.text), years, category)
    return gate


def _gate_words_name_a_skill(
    text: str, gate: str, spans: list[Span], vocabulary: Vocabulary
) -> bool:
    """Whether the words that make an item a gate belong to a skill's name.

    "Right to work checks" and "visa processing" are HR skills, not the applicant's
    right to work: the item asks for the skill, like any other requirement.
    """
    words = dict(_GATES)[gate].search(text)
    return words is not None and any(
        span.start_char <= words.start()
        and words.end() <= span.end_char
        and (skill := vocabulary.skills.get(span.label_)) is not None
        and skill.category != "certification"
        and skill.name != GENERIC_GATE_SKILLS[gate]
        for span in spans
    )


# CV lines the item classifier reads as a heading, and that are shaped like one, give no
# strengths; the person's name, headline and contact details, and role lines (title,
# employer, dates), give the vocabulary's skills only, as ``_CV_HEADER`` lines do: their
# other words are names, employers and towns.
_CV_LINES_WITHOUT_SKILLS = frozenset({"heading"})
_CV_LINES_OF_KNOWN_SKILLS_ONLY = frozenset({"contact", "role_line"})


def _wants_open(item: Item, kind: Literal["posting", "cv"], *, in_tasks: bool = True) -> bool:
    """Whether skills the vocabulary does not know are looked for in this item.

    ``in_tasks=False`` leaves them out of a posting's responsibilities, where they are
    tasks rather than skills asked for (``requirements_from`` drops them there).
    """
    if kind == "posting":
        return item.importance is not None and (in_tasks or item.section != "responsibilities")
    return (
        item.section in ("skills", "experience", "summary", "other")
        and item.label not in _CV_LINES_WITHOUT_SKILLS
        and item.label not in _CV_LINES_OF_KNOWN_SKILLS_ONLY
        and not _CV_HEADER.search(item.text)
    )


def _ends_a_compound(token: Token) -> bool:
    """The last word of a hyphenated word ("off" in "trade-off"), which is no stop word."""
    doc = token.doc
    return token.i >= 2 and doc[token.i - 1].text == "-" and not doc[token.i - 1].whitespace_


def _clean_phrase(span: Span) -> Span | None:
    """A candidate skill phrase without its wrapping, or None if nothing skill-like is left.

    Leading fillers ("strong", "the"), edge punctuation and stop words go; a phrase whose
    head is a generic word ("experience", "team") or a number, or a lone common noun
    ("state", "modules"), or the verb a bullet starts with, is not a skill's name.
    """
    tokens = [t for t in span if not t.is_space]
    while tokens and (tokens[0].lower_ in _FILLER or tokens[0].is_punct or tokens[0].is_stop):
        tokens = tokens[1:]
    while tokens and (
        tokens[-1].is_punct or (tokens[-1].is_stop and not _ends_a_compound(tokens[-1]))
    ):
        tokens = tokens[:-1]
    if not tokens or len(tokens) > _MAX_PHRASE_TOKENS:
        return None
    head = tokens[-1]
    if head.lower_ in _GENERIC or head.like_num or head.pos_ in ("PRON", "NUM"):
        return None
    if all(t.lower_ in _GENERIC or t.is_stop or t.like_num for t in tokens):
        return None
    if len(tokens) == 1 and head.pos_ in ("NOUN", "VERB", "ADJ") and head.text.islower():
        return None
    if len(tokens) == 1 and head.pos_ == "VERB" and head.i == 0:
        return None  # the capital of a bullet's first word: "Prepare and post journals"
    phrase = span.doc[tokens[0].i : tokens[-1].i + 1]
    if len(phrase.text) < 2 or not any(c.isalpha() for c in phrase.text):
        return None
    return phrase


def _without_overlap(spans: list[Span], taken: list[Span]) -> list[Span]:
    """Spans that share no token with ``taken`` (the shipped vocabulary wins)."""
    taken_tokens = {token.i for span in taken for token in span}
    return [span for span in spans if not any(token.i in taken_tokens for token in span)]


_MODIFIER_DEPS = frozenset({"amod", "compound", "nmod"})


def _whole_phrase(span: Span) -> Span:
    """``span`` grown to whole words and to the modifiers its nouns take on their left.

    The tagger's tokens are not spaCy's: its spans can end inside a hyphenated word
    ("explain a technical trade" of "trade-off") or drop the first word of a modifier
    ("hoc questions" of "ad hoc questions").
    """
    doc, start, end = span.doc, span.start, span.end
    while end < len(doc) and not doc[end - 1].whitespace_ and _joins(doc[end - 1], doc[end]):
        end += 1
    while start > 0 and not doc[start - 1].whitespace_ and _joins(doc[start - 1], doc[start]):
        start -= 1
    if doc.has_annotation("DEP"):
        while (
            start > 0
            and doc[start - 1].dep_ in _MODIFIER_DEPS
            and start <= doc[start - 1].head.i < end
        ):
            start -= 1
    return doc[start:end] if (start, end) != (span.start, span.end) else span


def _joins(left: Token, right: Token) -> bool:
    """Two tokens with no space between them that make one word ("trade", "-", "off")."""
    return left.text == "-" or right.text == "-" or (left.is_alpha and right.is_alpha)


def _model_spans(doc: Doc, found: list[tuple[int, int, str]], taken: list[Span]) -> list[Span]:
    """The tagger's spans as Doc spans, except where the vocabulary already found a skill."""
    taken_tokens = {token.i for span in taken for token in span}
    spans = []
    for start, end, label in found:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        phrase = _clean_phrase(_whole_phrase(span)) if span is not None else None
        if phrase is not None and not any(token.i in taken_tokens for token in phrase):
            spans.append(Span(doc, phrase.start, phrase.end, label=label))
    return spans


def _mentions_in_item(
    item: Item,
    doc: Doc,
    compiled: CompiledVocabulary,
    *,
    kind: Literal["posting", "cv"],
    want_open: bool,
    tagged: Sequence[tuple[int, int, str]] = (),
    taxonomy: TaxonomyIndex | None = None,
    lookup: Vocabulary | None = None,
) -> list[SkillMention]:
    vocabulary = lookup or compiled.vocabulary
    if kind == "cv" and item.label in _CV_LINES_WITHOUT_SKILLS and heading_like(item.text):
        return []
    vocab_spans = compiled.find(doc)
    taxonomy_spans = (
        _without_overlap(taxonomy.find_in_doc(doc), vocab_spans) if taxonomy is not None else []
    )
    vocab_spans = sorted(vocab_spans + taxonomy_spans, key=lambda span: span.start)
    if kind == "posting" and item.importance is not None:
        gate = _gate(item.text, None, None)
        if gate in GENERIC_GATE_SKILLS and not _gate_words_name_a_skill(
            item.text, gate, vocab_spans, vocabulary
        ):
            return _gate_mentions(item, gate, vocab_spans, vocabulary)
    windows = _years_by_position(item.text)
    if kind == "posting":
        want_chunks = want_open and item.section in ("requirements", "nice_to_have")
    else:
        want_chunks = item.section == "skills"
    model_spans = _model_spans(doc, list(tagged), vocab_spans) if want_open else []
    open_spans = _open_phrases(doc, vocab_spans + model_spans, want_chunks) if want_open else []
    # Names of teams and posts stayed in the spans above, so that the tagger's spans and
    # the open phrases do not claim their words; they are not mentions themselves.
    vocab_spans = [
        s
        for s in vocab_spans
        if not _names_a_team_role_or_data(item.text, s.start_char, s.end_char)
        and not _degree_of_extent(s)
    ]
    mentions: list[SkillMention] = []
    for span, source in (
        [(s, "taxonomy" if s in taxonomy_spans else "vocabulary") for s in vocab_spans]
        + [(s, "model") for s in model_spans]
        + [(s, "phrase") for s in open_spans]
    ):
        if source == "vocabulary":
            skill = vocabulary.skills.get(span.label_)
        elif source == "taxonomy":
            skill = vocabulary.skills.get(span.label_) or vocabulary.lookup(span.label_)
        else:
            skill = vocabulary.lookup(span.text)
        category = skill.category if skill else None
        years = max(
            (value for start, end, value in windows if start <= span.start_char < end), default=None
        )
        mentions.append(
            SkillMention(
                text=span.text,
                start=item.start + span.start_char,
                end=item.start + span.end_char,
                skill=skill.name if skill else None,
                section=item.section,
                importance=_importance_of(item, doc, span.start_char),
                line=item.line,
                source=source,
                years=years,
                gate=_skill_gate(item, years, category),
                negated=kind == "cv"
                and (
                    is_negated(item.text, span.start_char, span.end_char)
                    or denial(span) is not None
                    or _names_people(span.text, skill)
                ),
            )
        )
    mentions = _merge_abbreviations(mentions, item, set_abbreviations(doc)._.abbreviations)
    mentions = _mark_alternatives(sorted(mentions, key=lambda m: m.start), item)
    if any(m.gate == "degree" for m in mentions):
        # "Degree in a numerate subject (maths, economics, statistics)": any one subject.
        subjects = [m for m in mentions if m.gate != "degree" and m.alternatives is None]
        if len(subjects) > 1:
            mentions = [
                replace(m, alternatives=item.start) if m in subjects else m for m in mentions
            ]
    return mentions


_ACADEMIC_TITLES = frozenset({"bachelor", "master", "doctor", "science", "arts", "philosophy"})


def _degree_of_extent(span: Span) -> bool:
    """ "A high degree of cooperation" measures an extent; it is no academic degree.

    English marks the extent sense by "degree of" + a noun; the academic sense takes "in"
    ("a degree in Computer Science") or a title ("degree of Master of Science").
    """
    doc, end = span.doc, span.end
    return (
        span[-1].lower_ in ("degree", "degrees")
        and end + 1 < len(doc)
        and doc[end].lower_ == "of"
        and doc[end + 1].lower_ not in _ACADEMIC_TITLES
    )


_PREFERRED_CUE = re.compile(
    r"\b(?:nice[- ]to[- ]have|a plus|bonus|preferred|preferably|desirable|ideally|"
    r"advantage(?:ous)?|good to have|beneficial|would be great|is welcome|optional)\b",
    re.IGNORECASE,
)
# A separator that opens an optional afterthought: "Java, ideally with Spring Boot".
_AFTERTHOUGHT = re.compile(
    r"\s*[,–—-]\s*(?=(?:ideally|preferably|bonus|nice[- ]to[- ]have|and ideally)\b)", re.I
)


def _clauses(text: str, doc: Doc) -> list[tuple[int, int]]:
    """Where the clauses of an item start and end: at semicolons, before an optional
    afterthought, and, in a parsed item, before a conjoined clause with a subject of its
    own ("Python is required and Go is a plus")."""
    cuts = {m.end() for m in re.finditer(";", text)}
    cuts |= {m.start() for m in _AFTERTHOUGHT.finditer(text)}
    if doc.has_annotation("DEP"):
        for token in doc:
            if (
                token.dep_ == "conj"
                and token.pos_ in ("VERB", "AUX")
                and any(c.dep_ in ("nsubj", "nsubjpass", "csubj") for c in token.children)
            ):
                left = token.left_edge
                cc = [c for c in token.head.children if c.dep_ == "cc" and c.i < left.i]
                cuts.add((cc[-1] if cc else left).idx)
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(text)), len(text)]
    return list(zip(bounds, bounds[1:]))


def _importance_of(item: Item, doc: Doc, start: int) -> Importance | None:
    """The importance of the skill at ``start`` in ``item``: a cue such as "is a plus"
    makes optional only the clause it stands in ("Strong SQL; knowledge of dbt is a plus":
    SQL stays required), whether the cue or the classifier made the item optional. Under
    a nice-to-have heading everything is optional."""
    if item.importance != "preferred" or (
        item.heading is not None
        and classify_heading(item.heading, POSTING_HEADINGS) == "nice_to_have"
    ):
        return item.importance
    clauses = _clauses(item.text, doc)
    cued = [bool(_PREFERRED_CUE.search(item.text[begin:end])) for begin, end in clauses]
    if len(clauses) == 1 or not any(cued):
        return item.importance
    for (begin, end), optional in zip(clauses, cued):
        if begin <= start < end:
            return "preferred" if optional else "required"
    return item.importance


def _merge_abbreviations(
    mentions: list[SkillMention], item: Item, abbreviations: Sequence[Abbreviation]
) -> list[SkillMention]:
    """One mention for an acronym and its expansion ("Design Manual for Roads and Bridges
    (DMRB)"), where the words of either had given several.

    The merged mention names the canonical skill that the short form, or the whole long
    form, is known as; otherwise it is an open phrase of both forms.
    """
    for abbreviation in abbreviations:
        whole = abbreviation.span
        start, end = item.start + whole.start_char, item.start + whole.end_char
        inside = [m for m in mentions if start <= m.start and m.end <= end]
        if not inside:
            continue
        forms = (abbreviation.short_form, abbreviation.long_form)
        named = [
            m
            for form in forms
            for m in inside
            if m.skill
            and (m.start, m.end) == (item.start + form.start_char, item.start + form.end_char)
        ]
        first = named[0] if named else inside[0]
        merged = replace(
            first,
            text=whole.text,
            start=start,
            end=end,
            skill=first.skill if named else None,
            source=first.source if named else "phrase",
            years=max((m.years for m in inside if m.years), default=None),
            gate=next((m.gate for m in inside if m.gate), None),
            negated=any(m.negated for m in inside),
        )
        mentions = [m for m in mentions if m not in inside] + [merged]
    return sorted(mentions, key=lambda m: m.start)


# "RN license in Oregon (or a multistate compact license)": an alternative in brackets.
_OR_ASIDE = re.compile(r"\(\s*or\b[^()]*$|\bor equivalent\b", re.IGNORECASE)
_JOINER = re.compile(r"[\s,/]*(\b(or|and)\b[\s,]*(an?\s+|any\s+|other\s+)?)?[\s,/]*", re.IGNORECASE)


def _mark_alternatives(mentions: list[SkillMention], item: Item) -> list[SkillMention]:
    """Mark mentions offered as alternatives ("Django or FastAPI", "BSN, ADN or RN").

    A run of mentions separated only by commas, slashes and one final "or" is a set of
    alternatives: any one of them answers the posting. With "and" each is required.
    """
    runs: list[list[int]] = []
    for index, mention in enumerate(mentions):
        if index and runs:
            previous = mentions[index - 1]
            between = item.text[previous.end - item.start : mention.start - item.start]
            if _JOINER.fullmatch(between) or _OR_ASIDE.search(between):
                runs[-1].append(index)
                continue
        runs.append([index])
    marked = list(mentions)
    for run in runs:
        if len(run) < 2:
            continue
        first, last = mentions[run[0]], mentions[run[-1]]
        joined = item.text[first.start - item.start : last.end - item.start + 12]
        if re.search(r"\bor\b|/", joined, re.IGNORECASE) and not re.search(
            r"\band\b", joined, re.IGNORECASE
        ):
            for index in run:
                marked[index] = replace(mentions[index], alternatives=first.start)
    return marked


def extract_mentions(
    text: str,
    *,
    kind: Literal["posting", "cv"] = "posting",
    vocabulary: Vocabulary | None = None,
    use_model: bool = True,
    taxonomy: str | None = None,
) -> tuple[list[Item], list[SkillMention]]:
    """Items and skill mentions of one text; positions are offsets into ``text``."""
    found = extract_many(
        [text], kind=kind, vocabulary=vocabulary, use_model=use_model, taxonomy=taxonomy
    )
    return next(found)


def extract_many(
    texts: Iterable[str],
    *,
    kind: Literal["posting", "cv"] = "posting",
    vocabulary: Vocabulary | None = None,
    use_model: bool = True,
    taxonomy: str | None = None,
    texts_per_batch: int = 16,
    open_in_tasks: bool = True,
) -> Iterator[tuple[list[Item], list[SkillMention]]]:
    """``extract_mentions`` for many texts, in order, parsing their items in one stream.

    Items of several texts go through ``nlp.pipe`` together, which is what makes batch
    scoring fast; results come out text by text, as soon as each group is done. With
    ``use_model`` the trained tagger in ``models/`` adds the skill phrases it finds
    where the vocabulary found none (vocabulary-only if the model is missing). With
    ``taxonomy`` (the name of an imported one), its skills are found too, where the
    shipped vocabulary found none, and mentions link to its canonical names. With
    ``open_in_tasks=False`` a posting's responsibilities give known skills only, which
    is all its requirements use, and are not parsed: a batch runs about a fifth faster.
    """
    compiled = compiled_vocabulary(vocabulary or shipped_vocabulary())
    index, lookup = _taxonomy(taxonomy)
    for group in _groups(texts, texts_per_batch):
        # Checked and bounded here, for every caller (limits: matcher/understand/bounds.py).
        segmented = [bounded_items(segment(checked_text(text), kind=kind)) for text in group]
        flat = [item for items in segmented for item in items]
        wanted = [_wants_open(item, kind, in_tasks=open_in_tasks) for item in flat]
        # A CV sentence that may deny a skill is parsed, so the parse can decide.
        parsed = [
            want or (kind == "cv" and DENIAL_CUE.search(item.text) is not None)
            for item, want in zip(flat, wanted)
        ]
        docs = _docs(flat, parsed)
        tagged = iter(_tag(flat, wanted) if use_model else [[] for _ in flat])
        want_open = iter(wanted)
        for items in segmented:
            mentions: list[SkillMention] = []
            for item in items:
                mentions.extend(
                    _mentions_in_item(
                        item,
                        next(docs),
                        compiled,
                        kind=kind,
                        want_open=next(want_open),
                        tagged=next(tagged),
                        taxonomy=index,
                        lookup=lookup,
                    )
                )
            yield items, mentions


def _docs(items: list[Item], wanted: list[bool]) -> Iterator[Doc]:
    """A Doc per item: parsed where ``wanted`` (unknown skills are looked for, or a CV
    sentence may deny a skill), else only tokenised.

    Vocabulary matching needs tokens alone; the parse (most of the time spent on a
    posting) serves the open phrases, which company, benefits and application
    sections never give. Skipping it there parses about a third of a posting's words.
    """
    parsed = parse(item.text for item, want in zip(items, wanted) if want)
    for item, want in zip(items, wanted):
        yield next(parsed) if want else tokenise(item.text)


def _taxonomy(name: str | None) -> tuple[TaxonomyIndex | None, Vocabulary | None]:
    """An imported taxonomy's index and the shipped+taxonomy vocabulary (or Nones)."""
    if name is None:
        return None, None
    from matcher.understand.taxonomy.store import load_taxonomy, taxonomy_vocabulary

    return load_taxonomy(name), taxonomy_vocabulary(name)


def _tag(items: list[Item], wanted: list[bool]) -> list[list[tuple[int, int, str]]]:
    """The trained tagger's spans for the items where unknown skills are looked for."""
    from matcher.understand.skill_tagger import tag_spans

    indices = [index for index, want in enumerate(wanted) if want]
    found: list[list[tuple[int, int, str]]] = [[] for _ in items]
    for index, spans in zip(indices, tag_spans(items[i].text for i in indices)):
        found[index] = spans
    return found


def _groups(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    group: list[str] = []
    for text in texts:
        group.append(text)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def extract_skills(
    text: str,
    *,
    kind: Literal["posting", "cv"] = "posting",
    vocabulary: Vocabulary | None = None,
    use_model: bool = True,
    taxonomy: str | None = None,
) -> list[SkillMention]:
    """The skills mentioned in any English text, postings and CVs alike.

    Works on whole postings with headings and on bare job-ad sentences: without
    headings, each sentence is classified by its own words.
    """
    return extract_mentions(
        text, kind=kind, vocabulary=vocabulary, use_model=use_model, taxonomy=taxonomy
    )[1]


def without_negated(mentions: Iterable[SkillMention]) -> list[SkillMention]:
    """Mentions that are evidence (denied or hedged CV statements are dropped)."""
    return [m for m in mentions if not m.negated]

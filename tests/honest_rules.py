"""The rules by which a sentence of advice counts as backed by the texts (issue 15).

Shared by ``tests/test_honest_advice.py`` and ``benchmarks/bench_advice.py``, and kept
independent of the code it judges: it reads only the report's plain data (``to_dict()``),
the CV and posting texts, and the shipped vocabulary's names and aliases.

Lead-with item (one sentence: "lead with X for the posting's Y"):
  L1 the posting quote is a line of the posting and shows the requirement: it contains
     the requirement's words, or a name or alias of its canonical skill;
  L2 the CV quote is a line of the CV, is not a contact line (e-mail, web address,
     phone number), and shows the strength the same way (or the first word, of five
     letters or more, of its name or an alias: "disciplinary ... cases"); a work
     authorisation or clearance is shown by a line that states it;
  L3 the strength answers the requirement: the same canonical skill, a narrower one
     (PostgreSQL for SQL databases), or the CV quote shows the requirement itself or a
     narrower skill of it ("GitHub Actions" for CI/CD); for a degree the CV quote names
     a degree.
Closest strength named for a gap ("nearest you show: X"):
  C1 its score is in the prepare band (50 to under 75), or the gap is an unmet gate
     (years, level) of a skill the person shows: then the closest is that skill;
  C2 it is related to the requirement: narrower, sibling or broader in the vocabulary
     (a cousin, two steps apart, is not something to build on), or the two names share
     a content word;
  C3 its CV quote shows it and is not a contact line.
Journal sentences are judged in the test file itself (they need a journal).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from matcher.understand.vocabulary import Vocabulary, alias_key, shipped_vocabulary

NEAR, MATCH = 50.0, 75.0
_CONTACT = re.compile(
    r"\S@\S|https?://|\bwww\.|\b(?:linkedin|github)\.com\b|(?:\+?\d[\d ()-]{8,}\d)", re.I
)
_DEGREE = re.compile(
    r"\b(bachelor|master|degree|bsc|ba|beng|msc|ma|meng|mba|phd|doctorate|diploma|hnd|"
    r"b\.sc|m\.sc|bs|ms|bed|llb|llm|pgce|mbbs|associate)\b",
    re.I,
)
_STATED = re.compile(
    r"authori[sz]ed to work|right to work|eligible to work|work permit|permanent resident|"
    r"citizen|settled status|green card|visa|sponsorship|clearance|cleared|vetted|\bDBS\b|PVG",
    re.I,
)
_STOP = {
    "and", "or", "of", "the", "a", "an", "in", "for", "to", "with", "on", "skills", "skill",
    "experience", "management", "knowledge", "systems", "system", "basic", "advanced",
}  # fmt: skip


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w+#./']+", " ", text.casefold()).split())


def _contains(line: str, phrase: str) -> bool:
    """Whether ``phrase`` is written in ``line`` as whole words (a plural 's' allowed)."""
    phrase = _norm(phrase)
    if len(phrase) < 2:
        return False
    pattern = rf"(?<![\w]){re.escape(phrase)}(?:s|es)?(?![\w])"
    if re.search(pattern, _norm(line)):
        return True
    # "Databases" in the vocabulary written "database" in a line
    if phrase.endswith("s") and len(phrase) > 3:
        return re.search(rf"(?<![\w]){re.escape(phrase[:-1])}(?![\w])", _norm(line)) is not None
    return False


def forms(name: str | None, vocabulary: Vocabulary) -> list[str]:
    """The ways a skill can be written: its own words and, if known, every alias."""
    if not name:
        return []
    found = [name]
    skill = vocabulary.lookup(name)
    if skill is not None:
        found += [skill.name, *skill.aliases]
        found += [a.lstrip("=") for a in skill.exact_aliases]
    return found


def shows(line: str | None, names: list[str | None], vocabulary: Vocabulary) -> bool:
    """Whether ``line`` shows any of ``names`` (or an alias of their canonical skill)."""
    if not line:
        return False
    return any(_contains(line, form) for name in names for form in forms(name, vocabulary))


def shows_start(line: str | None, names: list[str | None], vocabulary: Vocabulary) -> bool:
    """Whether ``line`` has the first word (5+ letters) of a name or alias as a word start."""
    words = _norm(line or "").split()
    for name in names:
        for form in forms(name, vocabulary):
            first = _norm(form).split()[:1]
            if first and len(first[0]) >= 5 and any(w.startswith(first[0][:-1]) for w in words):
                return True
    return False


def is_contact(line: str | None) -> bool:
    return bool(line) and _CONTACT.search(line or "") is not None


def _in_text(quote: str | None, text: str) -> bool:
    return bool(quote) and " ".join((quote or "").split()) in " ".join(text.split())


def _canonical(name: str | None, vocabulary: Vocabulary) -> str | None:
    skill = vocabulary.lookup(name) if name else None
    return skill.name if skill else None


def _words(name: str) -> set[str]:
    return {w[:6] for w in _norm(name).split() if w not in _STOP and len(w) > 1}


@dataclass(frozen=True)
class Verdict:
    """One sentence of advice and, if it is not backed by the texts, the rule it breaks."""

    kind: str
    sentence: str
    broken: str | None

    @property
    def supported(self) -> bool:
        return self.broken is None


def check_report(
    data: dict[str, Any], cv_text: str, posting_text: str, vocabulary: Vocabulary | None = None
) -> Iterator[Verdict]:
    """Every lead-with and closest sentence of one report, judged by the rules above."""
    vocabulary = vocabulary or shipped_vocabulary()
    rows = {r["skill"]: r for r in data["requirements"]}
    for item in data["lead_with"]:
        need = rows.get(item["requirement"], {})
        asked = [item["requirement"], need.get("text"), need.get("canonical")]
        offered = [item["skill"]]
        sentence = f"lead with {item['skill']} for {item['requirement']}"
        broken = None
        posting_quote, cv_quote = item["posting_evidence"], item["cv_evidence"]
        if not _in_text(posting_quote, posting_text) or not shows(posting_quote, asked, vocabulary):
            broken = "L1: the posting quote does not show the requirement"
        elif not _in_text(cv_quote, cv_text) or is_contact(cv_quote):
            broken = "L2: the CV quote is not a line of the CV, or is a contact line"
        elif item.get("method") == "statement":
            if not _STATED.search(cv_quote or ""):
                broken = "L2: the CV quote does not state the authorisation or clearance"
        elif not shows(cv_quote, offered, vocabulary) and not shows_start(
            cv_quote, offered, vocabulary
        ):
            broken = "L2: the CV quote does not show the strength"
        else:
            need_c = need.get("canonical") or _canonical(item["requirement"], vocabulary)
            have_c = _canonical(item["skill"], vocabulary)
            related = bool(need_c and have_c) and (
                need_c == have_c
                or (need_c in vocabulary and need_c in vocabulary.ancestors(have_c or ""))
            )
            if need.get("gate") == "degree" and _DEGREE.search(cv_quote or ""):
                related = True
            kinds = [c for c in vocabulary.skills if need_c and need_c in vocabulary.ancestors(c)]
            if not related and not shows(cv_quote, [*asked, *kinds], vocabulary):
                broken = "L3: the strength is not the requirement nor a kind of it"
        yield Verdict("lead", sentence, broken)
    for gap in data["gaps"]:
        if not gap.get("closest"):
            continue
        sentence = f"{gap['skill']}: nearest you show is {gap['closest']}"
        score = float(gap.get("closest_score") or 0)
        broken = None
        need_c = _canonical(gap["skill"], vocabulary)
        have_c = _canonical(gap["closest"], vocabulary)
        relation = (
            vocabulary.relation(need_c, have_c)
            if need_c in vocabulary and have_c in vocabulary
            else None
        )
        shared = bool(_words(gap["skill"]) & _words(gap["closest"]))
        same = need_c is not None and need_c == have_c
        if not NEAR <= score < MATCH and not (gap.get("gate") and same):
            broken = "C1: the score is outside the prepare band"
        elif relation not in ("narrower", "sibling", "broader") and not shared:
            broken = f"C2: not something to build on (relation: {relation or 'none'})"
        elif gap.get("closest_evidence") and (
            is_contact(gap["closest_evidence"])
            or not (
                shows(gap["closest_evidence"], [gap["closest"]], vocabulary)
                or shows_start(gap["closest_evidence"], [gap["closest"]], vocabulary)
            )
        ):
            broken = "C3: the closest strength's CV quote does not show it"
        yield Verdict("closest", sentence, broken)


def alias_equal(a: str, b: str) -> bool:
    return alias_key(a) == alias_key(b)

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
  C1 its score is in the prepare band (50 to under 75), or higher where the gap is an
     unmet gate (years, level): the strength would answer the skill, not the gate;
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
    "certification", "certifications", "certificate", "licence", "license", "licences",
    "licenses", "qualification", "qualifications",
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
        if not (NEAR <= score < MATCH or (score >= MATCH and gap.get("gate"))):
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


# --------------------------------------------------------------------------- journal
#
# Strengths "led with" (reflect):
#   J1 a strength the reflection says the person led with is a strength: not a degree
#      (a gate answered, "Degrees"), and a CV line of every application it names shows it;
# What to prepare (reflect):
#   J2 each skill is named in one line only;
# Feedback (reflect):
#   J3 an employer's recorded feedback is quoted, and a gap it names is among what to
#      prepare or the feedback section says so;
# Questions of a feedback request:
#   F1 "I have / my experience is with X" only where a CV line shows X, not hedged
#      ("looking to move closer to X", "would like to learn X");
#   F2 no question is asked twice and no skill is asked about twice;
#   F3 a question about a gap asks about a required gap.

_HEDGE = re.compile(
    r"would like|looking (?:for|to)|hope to|want to|learning|studying|aspir|move closer|"
    r"not yet|no experience|keen to|interested in",
    re.I,
)
_CLAIM = re.compile(
    r"(?:I have experience with|My experience is with) (?P<x>.+?)(?:;| rather than)"
)
_ACADEMIC = {"Degrees", "Academic qualifications"}


def cv_shows(text: str, name: str, vocabulary: Vocabulary, *, hedged_ok: bool = True) -> bool:
    """Whether some non-contact line of a CV shows ``name`` (and, if asked, unhedged)."""
    return any(
        shows(line, [name], vocabulary)
        and not is_contact(line)
        and (hedged_ok or not _HEDGE.search(line))
        for line in text.splitlines()
    )


def _is_degree(name: str, vocabulary: Vocabulary) -> bool:
    skill = vocabulary.lookup(name)
    if skill is None:
        return bool(_DEGREE.fullmatch(name.strip()))
    return skill.name in _ACADEMIC or bool(set(vocabulary.ancestors(skill.name)) & _ACADEMIC)


def check_reflection(
    apps: list[Any], reflection: Any, vocabulary: Vocabulary | None = None
) -> Iterator[Verdict]:
    """Every strength-led-with, what-to-prepare and feedback sentence of a reflection."""
    vocabulary = vocabulary or shipped_vocabulary()
    by_id = {a.id: a for a in apps}
    for p in reflection.patterns:
        if p.kind != "interview_strength":
            continue
        names = p.details.get("led_with", []) if p.subject.startswith("(") else [p.subject]
        ids = [i for i in p.applications if by_id[i].reached_interview]
        if not p.subject.startswith("("):
            ids = [i for i in ids if any(alias_key(x["skill"]) == alias_key(p.subject)
                                         or alias_key(x["requirement"]) == alias_key(p.subject)
                                         for x in by_id[i].lead_with)]  # fmt: skip
        for name in names:
            broken = None
            if _is_degree(name, vocabulary):
                broken = "J1: a degree is a gate answered, not a strength to lead with"
            elif not all(cv_shows(by_id[i].cv_text, name, vocabulary) for i in ids):
                broken = "J1: a CV it names does not show it"
            yield Verdict("journal", f"you led with {name}", broken)
    seen: dict[str, str] = {}
    lifts = [p for p in reflection.patterns if p.kind == "lift"]
    everything = {alias_key(s) for p in lifts for s in p.details.get("skills", [p.subject])}
    for p in lifts:
        broken = None
        own = {alias_key(s) for s in p.details.get("skills", [p.subject])}
        for key in own:
            if key in seen:
                broken = f"J2: {key} is named in two lines"
            seen[key] = p.summary
        words = alias_key(p.summary.split(":", 1)[1]) if ":" in p.summary else ""
        others = [k for k in everything - own if re.search(rf"(?<!\w){re.escape(k)}(?!\w)", words)]
        if others and broken is None:
            broken = f"J2: names {others[0]} again, which has a line of its own"
        yield Verdict("journal", p.summary[:80], broken)
    text = reflection.text()
    prepare = text.split("What to prepare:", 1)[1] if "What to prepare:" in text else ""
    feedback_part = text.split("What employers told you:", 1)[1] if "What employers" in text else ""
    for a in apps:
        if not a.feedback:
            continue
        named = [g["skill"] for g in a.gaps if shows(a.feedback, [g["skill"]], vocabulary)]
        broken = None
        if " ".join(a.feedback.split()) not in " ".join(text.split()):
            broken = "J3: the employer's feedback is not read"
        else:
            unused = [n for n in named if n not in prepare and n not in feedback_part]
            if unused:
                broken = f"J3: the feedback names the gap {unused[0]}, and nothing says so"
        yield Verdict("journal", f"feedback on #{a.id}: {a.feedback}", broken)


def check_feedback_email(
    app: Any, email: str, vocabulary: Vocabulary | None = None
) -> Iterator[Verdict]:
    """Every question of a feedback request, judged by F1-F3."""
    vocabulary = vocabulary or shipped_vocabulary()
    questions = [line[3:] for line in email.splitlines() if re.match(r"\d\. ", line)]
    asked_q: set[str] = set()
    asked_skills: set[str] = set()
    for q in questions:
        broken = None
        for claim in _CLAIM.finditer(q):
            if not cv_shows(app.cv_text, claim["x"], vocabulary, hedged_ok=False):
                broken = f"F1: claims experience with {claim['x']}, which the CV does not show"
        named = [g for g in app.gaps if re.search(rf"(?<!\w){re.escape(g['skill'])}(?!\w)", q)]
        if broken is None and (
            q in asked_q or any(alias_key(g["skill"]) in asked_skills for g in named)
        ):
            broken = "F2: asked again"
        if broken is None and named and not any(g.get("importance") == "required" for g in named):
            broken = "F3: asks about a gap that is not required"
        asked_q.add(q)
        asked_skills.update(alias_key(g["skill"]) for g in named)
        yield Verdict("feedback", q, broken)


# --------------------------------------------------------------------------- the pairs

REPO = __import__("pathlib").Path(__file__).resolve().parent.parent


def read_tsv(path: Any) -> list[dict[str, str]]:
    """The rows of a tab-separated file with a header line."""
    import csv

    return list(
        csv.DictReader((REPO / path).read_text(encoding="utf-8").splitlines(), delimiter="\t")
    )


def golden_pairs() -> list[tuple[str, str]]:
    """The CV x posting pairs the golden suite judges: every labelled pair of the team's
    CVs with the team's postings (corpora/labels/pairs.tsv), and tests/data's pairs of
    the shipped examples and messy inputs; paths relative to the repository."""
    files = {row["id"]: row["file"] for row in read_tsv("corpora/cvs/cvs.tsv")}
    pairs = [
        (f"corpora/cvs/{files[row['cv']]}", row["posting"])
        for row in read_tsv("corpora/labels/pairs.tsv")
        if row["posting"].startswith("corpora/")
    ]
    pairs += [(row["cv"], row["posting"]) for row in read_tsv("tests/data/honest_pairs.tsv")]
    return list(dict.fromkeys(pairs))


def journal_outcomes(pairs: list[tuple[str, str]]) -> list[tuple[str, str, str, bool]]:
    """A journal's worth of applications: every fourth labelled pair and the pairs of
    tests/data/honest_pairs.tsv, each with an outcome from the recruiter's label
    (strong: interview; stretch: interview or rejected in turn; poor: rejected), and
    feedback on some rejections."""
    labels = {
        (row["cv"], row["posting"]): row["label"] for row in read_tsv("corpora/labels/pairs.tsv")
    }
    ids = {f"corpora/cvs/{row['file']}": row["id"] for row in read_tsv("corpora/cvs/cvs.tsv")}
    picked = pairs[::4] + [
        (row["cv"], row["posting"]) for row in read_tsv("tests/data/honest_pairs.tsv")
    ]
    chosen = []
    for n, (cv, posting) in enumerate(dict.fromkeys(picked)):
        label = labels.get((ids.get(cv, ""), posting), "stretch")
        outcome = {"strong": "interview", "poor": "rejected"}.get(
            label, "rejected" if n % 2 else "interview"
        )
        chosen.append((cv, posting, outcome, outcome == "rejected" and n % 3 == 0))
    return chosen


def build_journal(path: Any, pairs: list[tuple[str, str]]) -> Any:
    """A journal at ``path`` of the applications ``journal_outcomes`` picks; feedback
    names the application's first required gap ("More hands-on Terraform")."""
    from matcher.journal import Journal
    from matcher.understand.documents import load_posting, load_profile

    journal = Journal(path)
    profiles: dict[str, Any] = {}
    for n, (cv, posting, outcome, feedback) in enumerate(journal_outcomes(pairs)):
        try:
            job = load_posting(REPO / posting)
        except Exception:  # a posting with no requirements is not applied to
            continue
        if cv not in profiles:
            profiles[cv] = load_profile(REPO / cv)
        app = journal.add(profiles[cv], job, applied_on=f"2026-02-{1 + n % 28:02d}")
        said = None
        required = [g for g in app.gaps if g["importance"] == "required"]
        if feedback and required:
            said = f"We were looking for more hands-on {required[0]['skill']} experience."
        journal.update(app.id, outcome=outcome, feedback=said)
    return journal

"""The employer a posting names, for the batch table's ``company`` column.

Job ads state their employer in a few conventional places: a labelled line
("Company: Oakline Foods", "Employer: ..."), the board's title line ("Head of Brand |
Harbourline Health Insurance | Sydney"), an "About Tidewater" heading, or a sentence
that introduces the organisation ("Wombat Analytics is an Australian SaaS company",
"At Quillbridge, we ..."). Only those conventions are read, so an ad that names no
employer (a recruiter's "our client") gets none rather than a guess. A name that is a
skill in the vocabulary ("Python is a must") is never an employer.
"""

from __future__ import annotations

import re

from matcher.understand.vocabulary import Vocabulary, shipped_vocabulary

_NAME = r"[A-Z][\w&'’.-]*(?:[ \t]+(?:&[ \t]+)?(?:[A-Z][\w&'’.-]*|of|and|de|du|the))*"
_LABELLED = re.compile(
    r"^\s*(?:company|employer|organi[sz]ation|hiring (?:company|organi[sz]ation)|business"
    r"|department)\s*[:–-]\s*(?P<value>.+)$",
    re.IGNORECASE | re.MULTILINE,
)
_INTRO_VERBS = (
    r"(?:is|are|was|has|have|provides|runs|operates|builds|employs|helps|makes|serves|"
    r"designs|delivers|owns|manages|supports|offers)"
)
_ABOUT = re.compile(
    r"\bAbout[ \t]+(?:(?i:us|the[ \t]+(?:firm|company|practice|organi[sz]ation|business|group))"
    r"[ \t]*[:.]?[ \t]*)?"
    rf"(?P<name>{_NAME})(?:\s+{_INTRO_VERBS}\b|\s*$)",
    re.MULTILINE,
)
_INTRODUCED = re.compile(
    rf"(?:^|(?<=[.!?]\s))(?P<name>{_NAME})\s+(?:is|are)\s+(?:a|an|one of|the)\b"
    r"(?P<rest>[^.]{0,80})",
    re.MULTILINE,
)
_AT_WE = re.compile(rf"\bAt\s+(?P<name>{_NAME}),\s+(?:we|our)\b")
_HIRING = re.compile(
    rf"(?:^|(?<=[.!?]\s))(?P<name>{_NAME})\s+(?:is|are)\s+"
    r"(?:hiring|recruiting|seeking|looking for)\b",
    re.MULTILINE,
)
# The nouns an introduction uses for an organisation: "... is a clinical-stage
# biotechnology company", "... is one of Australia's largest insurers".
_ORGANISATION = re.compile(
    r"\b(?:compan(?:y|ies)|business|firm|group|provider|agency|organi[sz]ation|charity|"
    r"start-?up|practice|school|college|university|hospital|clinic|trust|council|retailer|"
    r"manufacturer|bank|building society|insurer|studio|consultancy|employer|operator|"
    r"distributor|brand|restaurant|hotel|caf[eé]|dealership|chain|network|society|"
    r"platform|fund|mutual|bakeries|bakery|producer|supplier|marketplace|lab|laboratory|"
    r"community|communities|service|services|not-for-profit|nonprofit|non-profit|"
    r"(?:[A-Z]\w+\s+)?(?:SaaS|fintech|insurtech|healthtech|edtech|biotech\w*))\b",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset(
    "we our you your this that it they he she job role team position about us"
    " requirements responsibilities salary location benefits opportunity company".split()
)
_TITLE_NOISE = re.compile(
    r"\d|[$€£]|\b(?:remote|hybrid|on-?site|full[- ]time|part[- ]time|contract|permanent|"
    r"temporary|fixed[- ]term|ref|salary|per)\b",
    re.IGNORECASE,
)


def company_named(text: str, vocabulary: Vocabulary | None = None) -> str | None:
    """The employer the posting's text names by one of the conventions above, or None."""
    vocabulary = vocabulary or shipped_vocabulary()
    for candidate in _candidates(text):
        name = _clean(candidate)
        if name and _plausible(name, vocabulary):
            return name
    return None


def _candidates(text: str) -> list[str]:
    found: list[str] = []
    for m in _LABELLED.finditer(text):
        parts = [p.strip() for p in re.split(r"\s*[,|]\s*", m["value"]) if p.strip()]
        # "Department: Digital & ICT Services, Dunmore County Council": the body, last.
        found += reversed(parts) if m.group(0).lstrip().lower().startswith("dep") else parts[:1]
    first = next((line for line in text.splitlines() if line.strip()), "")
    fields = [f.strip() for f in first.split("|")]
    if len(fields) >= 3 and fields[1] and not _TITLE_NOISE.search(fields[1]):
        found.append(fields[1])
    found += [m["name"] for m in _ABOUT.finditer(text)]
    found += [m["name"] for m in _AT_WE.finditer(text)]
    found += [m["name"] for m in _HIRING.finditer(text)]
    found += [m["name"] for m in _INTRODUCED.finditer(text) if _ORGANISATION.search(m["rest"])]
    return found


# Headings that job boards glue to the next words ("Company Overview Garden State ...").
_GLUED_HEADING = re.compile(
    r"^(?:Company Overview|Overview|Who We Are|About ?Us|About)(?:[ \t]+|(?=[A-Z]))"
)


def _clean(name: str) -> str:
    name = re.split(r"\s+[-–—(]\s*|\s{2,}|[;:]", name.strip())[0]
    name = _GLUED_HEADING.sub("", name)
    # "About the PositionLone Star Staffing Partners is ...": the heading glued on.
    heading = re.search(r"\b(?:Role|Position|Us|Firm|Company|Overview|Opportunity)(?=[A-Z])", name)
    if heading:
        name = name[heading.end() :]
    # A heading glued to the sentence that repeats it: "Magnolia Home GoodsMagnolia ...".
    glued = re.search(r"(?<=[a-z])(?=[A-Z])", name)
    if glued and name[glued.start() :].startswith(name.split()[0]):
        name = name[: glued.start()]
    return name.strip(" .,'’-")


def _plausible(name: str, vocabulary: Vocabulary) -> bool:
    words = name.split()
    if not words or len(name) < 3 or len(words) > 6:
        return False
    if any(word.lower() in _NOT_NAMES for word in words[:2]):
        return False
    return vocabulary.lookup(name) is None

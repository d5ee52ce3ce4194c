"""Strengths Matcher: hold your strengths against job postings, honestly and with evidence.

Public names are imported on first use, so ``match --help`` and ``import matcher.errors``
do not pay for loading spaCy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from matcher.understand import spacy_import

spacy_import.install()

if TYPE_CHECKING:
    from matcher.batch.frames import requirements_frame, score_postings
    from matcher.errors import MatcherError
    from matcher.fit.core import Gap, MatchReport, SkillMatch, match
    from matcher.journal.store import Journal
    from matcher.understand.documents import (
        Posting,
        Profile,
        Requirement,
        Strength,
        load_posting,
        load_profile,
    )
    from matcher.understand.evidence import Evidence
    from matcher.understand.mentions import SkillMention, extract_skills
    from matcher.understand.taxonomy.store import link

_WHERE = {
    "requirements_frame": "matcher.batch.frames",
    "score_postings": "matcher.batch.frames",
    "Gap": "matcher.fit.core",
    "MatchReport": "matcher.fit.core",
    "SkillMatch": "matcher.fit.core",
    "match": "matcher.fit.core",
    "Evidence": "matcher.understand.evidence",
    "Posting": "matcher.understand.documents",
    "Profile": "matcher.understand.documents",
    "Requirement": "matcher.understand.documents",
    "Strength": "matcher.understand.documents",
    "load_posting": "matcher.understand.documents",
    "load_profile": "matcher.understand.documents",
    "MatcherError": "matcher.errors",
    "SkillMention": "matcher.understand.mentions",
    "extract_skills": "matcher.understand.mentions",
    "Journal": "matcher.journal.store",
    "link": "matcher.understand.taxonomy.store",
}
__all__ = [
    "Evidence",
    "Gap",
    "Journal",
    "MatchReport",
    "MatcherError",
    "Posting",
    "Profile",
    "Requirement",
    "SkillMatch",
    "SkillMention",
    "Strength",
    "extract_skills",
    "link",
    "load_posting",
    "load_profile",
    "match",
    "requirements_frame",
    "score_postings",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'matcher' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""Strengths Matcher: hold your strengths against job postings, honestly and with evidence.

Public names are imported on first use, so ``match --help`` and ``import matcher.errors``
do not pay for loading spaCy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from matcher import spacy_import

spacy_import.install()

if TYPE_CHECKING:
    from matcher.batch import requirements_frame, score_postings
    from matcher.core import Gap, MatchReport, SkillMatch, match
    from matcher.documents import (
        Evidence,
        Posting,
        Profile,
        Requirement,
        Strength,
        load_posting,
        load_profile,
    )
    from matcher.errors import MatcherError
    from matcher.extraction import SkillMention, extract_skills
    from matcher.journal import Journal
    from matcher.taxonomy import link

_WHERE = {
    "requirements_frame": "matcher.batch",
    "score_postings": "matcher.batch",
    "Gap": "matcher.core",
    "MatchReport": "matcher.core",
    "SkillMatch": "matcher.core",
    "match": "matcher.core",
    "Evidence": "matcher.documents",
    "Posting": "matcher.documents",
    "Profile": "matcher.documents",
    "Requirement": "matcher.documents",
    "Strength": "matcher.documents",
    "load_posting": "matcher.documents",
    "load_profile": "matcher.documents",
    "MatcherError": "matcher.errors",
    "SkillMention": "matcher.extraction",
    "extract_skills": "matcher.extraction",
    "Journal": "matcher.journal",
    "link": "matcher.taxonomy",
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

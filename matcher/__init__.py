"""Strengths Matcher: hold your strengths against job postings, honestly and with evidence."""

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

__all__ = [
    "Evidence",
    "Gap",
    "MatchReport",
    "MatcherError",
    "Posting",
    "Profile",
    "Requirement",
    "SkillMatch",
    "SkillMention",
    "Strength",
    "extract_skills",
    "load_posting",
    "load_profile",
    "match",
]

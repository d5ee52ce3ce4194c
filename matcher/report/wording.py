"""Words the reports share: what each verdict advises and how gates are named."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matcher.understand.vocabulary import alias_key

VERDICT_ADVICE = {
    "strong": "a strong fit: apply, and lead with your matches",
    "stretch": "a stretch: worth applying if you prepare the gaps",
    "poor": "a poor fit: most required skills have nothing near them; likely the wrong role",
}
GATE_NAMES = {
    "licence": "licence",
    "certification": "certification",
    "degree": "degree",
    "work_authorisation": "work authorisation",
    "clearance": "clearance",
    "years": "years of experience",
}
#: Posting sections as a reader names them (the reports never show the keys).
SECTION_NAMES = {
    "requirements": "requirements",
    "nice_to_have": "nice to have",
    "responsibilities": "responsibilities",
    "company": "about the company",
    "benefits": "benefits",
    "logistics": "how to apply",
    "other": "other",
}


def section_name(key: str | None) -> str:
    """A section's name in words: ``nice_to_have`` is "nice to have"."""
    if not key:
        return ""
    return SECTION_NAMES.get(key, key.replace("_", " "))


def lead_sentence(item: Mapping[str, Any]) -> str:
    """One lead-with item in words that say which is asked and which is shown.

    "The posting asks for SQL databases (required); your CV shows PostgreSQL (score 82)".
    """
    asked, shown = item["requirement"], item["skill"]
    what = "it" if alias_key(asked) == alias_key(shown or "") else shown
    return (
        f"The posting asks for {asked} ({item['importance']}); your CV shows {what}"
        f" (score {float(item['score']):.0f})"
    )


def nearest(gap: Mapping[str, Any], *, labelled: bool = True) -> str:
    """What a *prepare* gap has to build on, in words (``labelled=False`` under a
    column headed "Nearest in your CV")."""
    closest, skill = gap.get("closest"), gap["skill"]
    if closest and alias_key(closest) == alias_key(skill) and gap.get("gate"):
        if gap["gate"] == "years" and gap.get("years"):
            return f"your CV shows {closest}, but not {gap['years']}+ years of it"
        return f"your CV shows {closest}, but not the {GATE_NAMES.get(gap['gate'], 'level')} asked"
    named = f"{closest} ({float(gap.get('closest_score') or 0):.0f})"
    return f"nearest in your CV: {named}" if labelled else named

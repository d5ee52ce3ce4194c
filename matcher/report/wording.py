"""Words the reports share: what each verdict advises and how gates are named."""

from __future__ import annotations

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

"""Renderings of a ``MatchReport`` as terminal text, Markdown and JSON.

Every format is drawn from ``MatchReport.to_dict()``, so they never disagree.
"""

from __future__ import annotations

import json
from typing import Any

from matcher.fit.core import MatchReport
from matcher.report.wording import GATE_NAMES, VERDICT_ADVICE, lead_sentence, nearest

LEAD_LIMIT = 8
GAP_LIMIT = 12


def render_json(report: MatchReport) -> str:
    """The report as indented JSON."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


def _gap_line(gap: dict[str, Any]) -> str:
    need = gap["skill"]
    if gap["years"] and gap["gate"] == "years":
        need = f"{need} ({gap['years']}+ years)"
    label = f"[{gap['importance']}"
    if gap["gate"]:
        label += f", {GATE_NAMES.get(gap['gate'], gap['gate'])} gate"
    label += "]"
    if gap["kind"] == "prepare":
        return f"{need} {label}: prepare; {nearest(gap)}"
    return f"{need} {label}: missing; nothing near in your strengths"


def render_text(report: MatchReport) -> str:
    """A plain report for the terminal: fit, verdict, what to lead with, the gaps."""
    data = report.to_dict()
    lines = [
        f"{data['title'] or data['posting']}",
        f"Fit {data['fit']:.0f}/100: {VERDICT_ADVICE[data['verdict']]}.",
        "",
        "Lead with:",
    ]
    if not data["lead_with"]:
        lines.append("  (nothing in your strengths clearly answers a requirement)")
    for item in data["lead_with"][:LEAD_LIMIT]:
        lines.append(f"  {lead_sentence(item)}")
        lines.append(f"      posting: {item['posting_evidence']}")
        lines.append(f"      you:     {item['cv_evidence']}")
    more = len(data["lead_with"]) - LEAD_LIMIT
    if more > 0:
        lines.append(f"  ... and {more} more matches (--format json lists all)")
    lines += ["", "Gaps:"]
    if not data["gaps"]:
        lines.append("  (none)")
    for gap in data["gaps"][:GAP_LIMIT]:
        lines.append(f"  {_gap_line(gap)}")
        lines.append(f"      posting: {gap['posting_evidence']}")
    more = len(data["gaps"]) - GAP_LIMIT
    if more > 0:
        lines.append(f"  ... and {more} more gaps (--format json lists all)")
    # Gates the CV contradicts, then those it leaves unsaid (issue 14's eligibility).
    gates = data["eligibility"]["unmet"] + data["eligibility"]["not_shown"]
    if gates:
        lines += ["", "Eligibility:"]
        for gate in gates:
            label = "unmet" if gate["status"] == "unmet" else "make explicit"
            lines.append(f"  {label}: {gate['note']}")
    return "\n".join(lines)


# Text from a posting or CV is data, never markup: a Markdown renderer must not run its
# HTML (<script>, onerror=...) or make its links ([x](javascript:...)) live.
_MARKDOWN_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "\\": "\\\\",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "`": "\\`",
        "\n": " ",
    }
)


def _cell(text: Any) -> str:
    """Text for a Markdown table cell or heading: escaped, on one line."""
    return str(text).translate(_MARKDOWN_ESCAPES) if text is not None else ""


def render_markdown(report: MatchReport) -> str:
    """The report as Markdown, for notes and applications trackers."""
    data = report.to_dict()
    lines = [
        f"# {_cell(data['title'] or data['posting'])}",
        "",
        f"**Fit {data['fit']:.0f}/100**: {VERDICT_ADVICE[data['verdict']]}.",
        "",
        "## Lead with",
        "",
        "| The posting asks for | Your CV shows | Score | The posting says | Your CV says |",
        "|---|---|---|---|---|",
    ]
    for item in data["lead_with"]:
        lines.append(
            f"| {_cell(item['requirement'])} ({item['importance']}) | {_cell(item['skill'])}"
            f" | {item['score']:.0f}"
            f" | {_cell(item['posting_evidence'])} | {_cell(item['cv_evidence'])} |"
        )
    lines += [
        "",
        "## Gaps",
        "",
        "| The posting asks for | Importance | Kind | Nearest in your CV | The posting says |",
        "|---|---|---|---|---|",
    ]
    for gap in data["gaps"]:
        kind = gap["kind"] + (
            f" ({GATE_NAMES.get(gap['gate'], gap['gate'])} gate)" if gap["gate"] else ""
        )
        lines.append(
            f"| {_cell(gap['skill'])} | {gap['importance']} | {kind}"
            f" | {_cell(gap['closest'])} | {_cell(gap['posting_evidence'])} |"
        )
    return "\n".join(lines) + "\n"

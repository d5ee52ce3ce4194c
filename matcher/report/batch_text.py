"""Batch results as text: the ranked table, the postings that failed, and refine your search."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from matcher.batch.frames import rank_key
from matcher.batch.refine import Refinement

#: Failed postings listed under the table; the rest are in the output file.
ERRORS_SHOWN = 10


def _cut(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _label(row: dict[str, Any]) -> str:
    title = row.get("title") or Path(str(row.get("source") or row["id"])).name
    return f"{title} ({row['company']})" if row.get("company") else title


def _joined(value: str | None) -> str:
    return ", ".join(part for part in (value or "").split("; ") if part)


def render_table(rows: list[dict[str, Any]], *, top: int, width: int | None = None) -> str:
    """The ranked table: best fit first, with verdict, top matches and top gaps."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    scored = [r for r in sorted(rows, key=rank_key) if r.get("fit") is not None]
    shown = scored if top <= 0 else scored[:top]
    rest = max(width - 20, 45)
    posting_w = max(rest * 34 // 100, 16)
    match_w = max(rest * 33 // 100, 14)
    gap_w = max(rest - posting_w - match_w - 2, 14)
    lines = [
        f"{'#':>3} {'Fit':>4} {'Verdict':<8} {'Posting':<{posting_w}} "
        f"{'Lead with':<{match_w}} {'Gaps':<{gap_w}}".rstrip()
    ]
    for rank, row in enumerate(shown, start=1):
        lines.append(
            f"{rank:>3} {row['fit']:>4.0f} {row['verdict']:<8} "
            f"{_cut(_label(row), posting_w):<{posting_w}} "
            f"{_cut(_joined(row['top_matches']) or '-', match_w):<{match_w}} "
            f"{_cut(_joined(row['top_gaps']) or '-', gap_w)}".rstrip()
        )
    if not shown:
        lines.append("    (no posting could be scored)")
    if len(scored) > len(shown):
        lines.append(f"    ... and {len(scored) - len(shown)} more (--top 0 shows all)")
    return "\n".join(lines)


def render_errors(rows: list[dict[str, Any]]) -> str:
    failed = [r for r in rows if r.get("error")]
    if not failed:
        return ""
    lines = [f"Could not score {len(failed)} posting{'s' if len(failed) != 1 else ''}:"]
    lines += [f"  {_cut(str(r['error']), 300)}" for r in failed[:ERRORS_SHOWN]]
    if len(failed) > ERRORS_SHOWN:
        lines.append(f"  ... and {len(failed) - ERRORS_SHOWN} more (see the error column)")
    return "\n".join(lines)


def render_refinement(summary: Refinement) -> str:
    """'Refine your search': skills to learn and where the person fits best."""
    if not summary.scored:
        return ""
    plural = "s" if summary.scored != 1 else ""
    lines = [f"Refine your search ({summary.scored} posting{plural} scored)"]
    if not summary.plausible:
        lines.append(
            "  None of these postings is a plausible fit yet (every verdict is poor), so no"
            " skill to learn is suggested from them; the fields and titles below show where"
            " you come closest."
        )
    else:
        where = (
            f"the {summary.plausible} postings where you are a plausible candidate"
            if summary.plausible != 1
            else "the one posting where you are a plausible candidate"
        )
        where += " (stretch or strong)"
        if summary.lacking:
            lines.append(f"  Most asked for, and you lack, in {where}:")
            lines += [
                f"    {s.skill}: in {s.postings} of them"
                if summary.plausible != 1
                else f"    {s.skill}"
                for s in summary.lacking
            ]
        if summary.learn:
            lines.append(f"  Would raise your fit the most, in {where}:")
            lines += [
                f"    {s.skill}: +{s.mean_gain:.1f} fit in the one posting that asks for it"
                if s.postings == 1
                else f"    {s.skill}: +{s.mean_gain:.1f} fit on average in each of the"
                f" {s.postings} postings that ask for it ({s.total_gain:.1f} in total)"
                for s in summary.learn
            ]
            if summary.fit_after_learning is not None and summary.plausible_mean_fit is not None:
                lines.append(
                    f"    (all {len(summary.learn)} would lift your mean fit in these postings"
                    f" from {summary.plausible_mean_fit:.0f} to {summary.fit_after_learning:.0f})"
                )
    for heading, groups in (("fields", summary.fields), ("job titles", summary.titles)):
        if groups:
            lines.append(f"  Where you fit best, by {heading}:")
            lines += [
                f"    {g.name.replace('_', ' ')}: mean fit {g.mean_fit:.0f}, best {g.best_fit:.0f}"
                f" ({g.postings} posting{'s' if g.postings != 1 else ''}"
                f"{f', {g.strong} strong' if g.strong else ''})"
                for g in groups
            ]
    return "\n".join(line for line in lines if line)

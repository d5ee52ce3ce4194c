"""A ``MatchReport`` as one self-contained HTML page: no scripts, no network, inline chart.

Drawn from ``MatchReport.to_dict()`` like every other format. Every string that comes
from the inputs (titles, skills, evidence lines, file names) goes through
``html.escape``, so a posting that contains markup shows it as text; a Content Security
Policy that allows no scripts and no fetches backs that up in the browser.
"""

from __future__ import annotations

from html import escape
from typing import Any

from matcher.fit.core import MATCH_SCORE, NEAR_SCORE, POOR_FIT, STRONG_FIT, MatchReport

#: Colours shared with ``matcher.plot``, so the page and the charts read alike.
STATUS_COLORS = {"match": "#2e7d32", "prepare": "#ef9f00", "missing": "#c62828"}
VERDICT_COLORS = {"strong": "#2e7d32", "stretch": "#ef9f00", "poor": "#c62828"}
#: Requirements drawn in the chart; the table below it lists every one.
CHART_LIMIT = 40
_LABEL_CHARS = 34

_CSS = """
:root { color-scheme: light; --ink: #1d2329; --muted: #5b6670; --rule: #d9dee3; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #f6f7f8; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; overflow-wrap: break-word; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--rule); }
.meta, .note, footer { color: var(--muted); font-size: .875rem; overflow-wrap: break-word; }
.summary { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: center;
  margin: 1rem 0; padding: 1rem; border-left: .4rem solid var(--verdict); background: #fafbfc; }
.fit { font-size: 2rem; font-weight: 700; margin: 0; white-space: nowrap; }
.verdict { margin: 0; font-size: 1.05rem; flex: 1 1 18rem; }
.verdict strong { color: var(--verdict); }
table { width: 100%; border-collapse: collapse; font-size: .9rem; }
/* Words wrap whole: 'break-word' splits a word only if it alone is wider than the
   column, and (unlike 'anywhere') never lets a column shrink below its longest word,
   so "Kubernetes" is never cut into "Kubernet/es". */
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem;
  border-bottom: 1px solid var(--rule); overflow-wrap: break-word; word-break: normal;
  hyphens: manual; }
th { background: #f0f2f4; font-weight: 600; }
td.word { white-space: nowrap; }
td.quote { min-width: 12rem; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.tag { display: inline-block; padding: 0 .4rem; border-radius: .6rem; font-size: .8rem;
  color: #fff; white-space: nowrap; }
.match { background: #2e7d32; } .prepare { background: #a86f00; } .missing { background: #c62828; }
svg.chart { display: block; max-width: 42rem; margin: .5rem 0 1rem; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: #1d2329; }
@media print { body { background: #fff; } main { padding: 0; } }
/* On a phone each row becomes a card whose cells are labelled, instead of columns
   too narrow for a word. */
@media (max-width: 40rem) {
  main { padding: 1rem .75rem; }
  table, tbody, tr, td { display: block; width: 100%; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  tr { border-bottom: 1px solid var(--rule); padding: .4rem 0; }
  td { border: 0; padding: .15rem 0; min-width: 0; }
  td.word { white-space: normal; }
  td.num { text-align: left; }
  td[data-label]::before { content: attr(data-label) ": "; color: var(--muted);
    font-weight: 600; }
}
"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"


def _e(value: Any) -> str:
    """Escape any value taken from the inputs for text and attribute positions alike."""
    return escape("" if value is None else str(value), quote=True)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _short(text: str, limit: int = _LABEL_CHARS) -> str:
    # Cut before escaping, so an entity is never cut in half.
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fit_gauge(fit: float, verdict: str) -> str:
    """A 0-100 bar with the poor and strong thresholds marked and the fit filled in."""
    width, left, bar = 320, 10, 300
    x = left + bar * max(0.0, min(fit, 100.0)) / 100
    marks = "".join(
        f'<line x1="{left + bar * t / 100:.1f}" x2="{left + bar * t / 100:.1f}" y1="4" y2="30"'
        f' stroke="#5b6670" stroke-dasharray="3 2"/>'
        f'<text x="{left + bar * t / 100:.1f}" y="44" text-anchor="middle">{t:.0f}</text>'
        for t in (POOR_FIT, STRONG_FIT)
    )
    return (
        f'<svg class="gauge" width="{width}" height="48" viewBox="0 0 {width} 48"'
        f' role="img" aria-label="Fit {fit:.0f} out of 100">'
        f'<rect x="{left}" y="8" width="{bar}" height="18" rx="3" fill="#e6e9ec"/>'
        f'<rect x="{left}" y="8" width="{x - left:.1f}" height="18" rx="3"'
        f' fill="{VERDICT_COLORS[verdict]}"/>{marks}</svg>'
    )


def _requirement_chart(requirements: list[dict[str, Any]]) -> str:
    """Each requirement's best score as a bar coloured by status, thresholds marked."""
    shown = requirements[:CHART_LIMIT]
    label_w, bar_w, row_h, top = 250, 330, 20, 24
    width, height = label_w + bar_w + 50, top + row_h * len(shown) + 10

    def at(score: float) -> float:
        return label_w + bar_w * max(0.0, min(score, 100.0)) / 100

    parts = [
        f'<svg class="chart" width="100%" viewBox="0 0 {width} {height}"'
        f' preserveAspectRatio="xMinYMin meet" role="img"'
        f' aria-label="Best score of each requirement, 0 to 100">'
    ]
    for threshold, name in ((NEAR_SCORE, "near"), (MATCH_SCORE, "match")):
        parts.append(
            f'<line x1="{at(threshold):.1f}" x2="{at(threshold):.1f}" y1="{top - 6}"'
            f' y2="{height - 6}" stroke="#5b6670" stroke-dasharray="3 2"/>'
            f'<text x="{at(threshold):.1f}" y="{top - 10}" text-anchor="middle">'
            f"{name} {threshold:.0f}</text>"
        )
    for row, item in enumerate(shown):
        y = top + row * row_h
        importance = "" if item["importance"] == "required" else " (preferred)"
        label = _short(f"{item['skill']}{importance}")
        score = float(item["score"] or 0.0)
        parts.append(
            f"<g><title>{_e(item['skill'])}: {score:.0f} ({_e(item['status'])})</title>"
            f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end">{_e(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{max(at(score) - label_w, 1.5):.1f}"'
            f' height="{row_h - 6}" fill="{STATUS_COLORS.get(item["status"], "#888")}"/>'
            f'<text x="{at(score) + 4:.1f}" y="{y + 14}">{score:.0f}</text></g>'
        )
    parts.append("</svg>")
    more = len(requirements) - len(shown)
    note = (
        f'<p class="note">{_count(more, "more requirement")} in the table below.</p>'
        if more
        else ""
    )
    return "".join(parts) + note


def _table(headers: list[str], rows: list[list[str]], classes: dict[int, str]) -> str:
    """A table of cells already escaped; ``classes`` styles columns (``num``, ``word``,
    ``quote``). Each cell carries its header, which labels it when rows stack on a phone."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{_e(headers[i])}"'
            + (f' class="{classes[i]}"' if i in classes else "")
            + f">{cell}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _gap_kind(gap: dict[str, Any]) -> str:
    from matcher.report.wording import GATE_NAMES

    kind = f'<span class="tag {_e(gap["kind"])}">{_e(gap["kind"])}</span>'
    if gap["gate"]:
        kind += f" {_e(GATE_NAMES.get(gap['gate'], gap['gate']))} gate"
    if gap["years"] and gap["gate"] == "years":
        kind += f" ({_e(gap['years'])}+ years)"
    return kind


def render_html(report: MatchReport) -> str:
    """The report as a complete HTML page (UTF-8) that needs nothing else to display."""
    # Imported here: matcher.report registers this renderer, so it imports this module.
    from matcher.report.wording import VERDICT_ADVICE, nearest, section_name

    data = report.to_dict()
    title = data["title"] or data["posting"] or "Job posting"
    fit, verdict = float(data["fit"]), data["verdict"]
    advice = VERDICT_ADVICE[verdict]
    verdict_words, _, rest = advice.partition(": ")
    lead_rows = [
        [
            _e(item["requirement"]),
            _e(item["importance"]),
            _e(item["skill"]),
            f"{item['score']:.0f}",
            _e(item["posting_evidence"]),
            _e(item["cv_evidence"]),
        ]
        for item in data["lead_with"]
    ]
    gap_rows = [
        [
            _e(gap["skill"]),
            _e(gap["importance"]),
            _gap_kind(gap),
            _e(nearest(gap, labelled=False)) if gap["kind"] == "prepare" else "nothing near",
            _e(gap["posting_evidence"]),
        ]
        for gap in data["gaps"]
    ]
    # A gap's kind says whether its nearest strength is worth naming; the table agrees
    # with the gaps above and names no strength that is nothing to build on.
    kinds = {gap["skill"]: gap["kind"] for gap in data["gaps"]}
    shown = [
        item["status"] if item["status"] == "match" else kinds.get(item["skill"], "missing")
        for item in data["requirements"]
    ]
    requirement_rows = [
        [
            _e(item["skill"]),
            _e(item["importance"]),
            _e(section_name(item["section"])),
            f'<span class="tag {_e(status)}">{_e(status)}</span>',
            f"{float(item['score'] or 0):.0f}",
            _e(item["best_strength"]) if status != "missing" else "nothing near",
        ]
        for item, status in zip(data["requirements"], shown)
    ]
    lead = (
        _table(
            [
                "The posting asks for",
                "Importance",
                "Your CV shows",
                "Score",
                "The posting says",
                "Your CV says",
            ],
            lead_rows,
            {1: "word", 3: "num", 4: "quote", 5: "quote"},
        )
        if lead_rows
        else '<p class="note">Nothing in your strengths clearly answers a requirement.</p>'
    )
    gaps = (
        _table(
            [
                "The posting asks for",
                "Importance",
                "Kind",
                "Nearest in your CV",
                "The posting says",
            ],
            gap_rows,
            {1: "word", 4: "quote"},
        )
        if gap_rows
        else '<p class="note">No gaps: every requirement is answered.</p>'
    )
    every = _table(
        ["Requirement", "Importance", "Section", "Status", "Score", "Best strength"],
        requirement_rows,
        {1: "word", 2: "word", 4: "num"},
    )
    matched = sum(item["status"] == "match" for item in data["requirements"])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Strengths Matcher">
<title>Fit {fit:.0f}/100: {_e(_short(title, 80))}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<header>
<h1>{_e(title)}</h1>
<p class="meta">{_e(data["profile"])} against {_e(data["posting"])}</p>
</header>
<section class="summary" style="--verdict: {VERDICT_COLORS[verdict]}" aria-label="Fit">
<p class="fit" id="fit">Fit {fit:.0f}/100</p>
<p class="verdict" id="verdict">This is <strong>{_e(verdict_words)}</strong>: {_e(rest)}.</p>
{_fit_gauge(fit, verdict)}
</section>
<p class="note">{matched} of {_count(len(data["requirements"]), "requirement")} answered;
{_count(len(data["gaps"]), "gap")}. Scores are 0-100: {MATCH_SCORE:.0f} or more answers a
requirement, {NEAR_SCORE:.0f} or more is something near to build on.</p>
<section id="lead-with">
<h2>Lead with</h2>
{lead}
</section>
<section id="gaps">
<h2>Gaps</h2>
{gaps}
</section>
<section id="requirements">
<h2>Every requirement</h2>
{_requirement_chart([{**item, "status": st} for item, st in zip(data["requirements"], shown)])}
{every}
</section>
<footer><p>Made offline by Strengths Matcher; nothing on this page was fetched from
the network.</p></footer>
</main>
</body>
</html>
"""

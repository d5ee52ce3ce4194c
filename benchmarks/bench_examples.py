"""How often the verdict agrees with the team's intended verdict for the shipped pairs.

The pairs and intended verdicts are the table in corpora/examples/README.md, written
before the matcher was tuned. Usage: python benchmarks/bench_examples.py
Prints a Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import re
from pathlib import Path

from matcher import load_posting, load_profile, match

EXAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "examples"
ROW = re.compile(r"^\| `([\w-]+)` \| `([\w-]+)` \| (strong|stretch|poor) \|")


def intended_pairs() -> list[tuple[str, str, str]]:
    """(profile, posting, verdict) rows of the examples README's pairs table."""
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    return [found.groups() for line in text.splitlines() if (found := ROW.match(line))]


def main() -> None:
    rows, agree = [], 0
    for cv, job, intended in intended_pairs():
        report = match(
            load_profile(EXAMPLES / "profiles" / f"{cv}.txt"),
            load_posting(EXAMPLES / "postings" / f"{job}.txt"),
        )
        agree += report.verdict == intended
        mark = "yes" if report.verdict == intended else "**no**"
        rows.append(f"| {cv} | {job} | {intended} | {report.verdict} | {report.fit:.0f} | {mark} |")
    print("| profile | posting | intended | got | fit | agrees |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nAgreement: {agree} of {len(rows)} pairs.")


if __name__ == "__main__":
    main()

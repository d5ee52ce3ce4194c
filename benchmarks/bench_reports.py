"""Speed of the visual reports: HTML pages, PNG charts, and the notebooks run end to end.

Usage: python benchmarks/bench_reports.py [--runs 5] [--no-notebooks]
Prints Markdown tables for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "corpora" / "examples"
NOTEBOOKS = REPO / "notebooks"


def _best(call: Callable[[], object], runs: int) -> float:
    """The median wall time of ``runs`` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def renderings(runs: int) -> list[tuple[str, float, str]]:
    from matcher import load_posting, load_profile, match, plot, requirements_frame, score_postings
    from matcher.report.explore import match_matrix
    from matcher.report.html import render_html

    cv = EXAMPLES / "profiles" / "data-analyst-cv.txt"
    person = load_profile(cv)
    job = load_posting(EXAMPLES / "postings" / "data-analyst.txt")
    report = match(person, job)
    postings = score_postings(cv, EXAMPLES / "postings")
    requirements = requirements_frame(cv, EXAMPLES / "postings")
    folder = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    page = render_html(report)
    rows = [
        ("render_html (one report)", _best(lambda: render_html(report), runs), f"{len(page)} B"),
        ("match_matrix", _best(lambda: match_matrix(person, job), runs), ""),
    ]
    charts: dict[str, Callable[[Path], object]] = {
        "match_heatmap": lambda p: plot.match_heatmap(match_matrix(person, job), path=p),
        "requirement_scores": lambda p: plot.requirement_scores(report, path=p),
        "fit_distribution": lambda p: plot.fit_distribution(postings, path=p),
        "top_gaps": lambda p: plot.top_gaps(requirements, path=p),
        "fit_by_group": lambda p: plot.fit_by_group(postings, path=p),
    }
    for name, draw in charts.items():
        target = folder / f"{name}.png"
        draw(target)  # the first draw loads fonts
        ms = _best(lambda draw=draw, target=target: draw(target), runs)
        rows.append((f"plot.{name} + PNG", ms, f"{target.stat().st_size // 1024} KB"))
    return rows


def notebooks() -> list[tuple[str, float]]:
    import nbformat
    from nbclient import NotebookClient

    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    # 03 imports ESCO when this file exists (the notebooks' own default is relative).
    os.environ.setdefault("ESCO_SKILLS_CSV", str(REPO.parent / "shared/data/esco/skills_en.csv"))
    times = []
    for path in sorted(NOTEBOOKS.glob("0[1-3]-*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as cwd:
            NotebookClient(notebook, timeout=600, resources={"metadata": {"path": cwd}}).execute()
        times.append((path.name, time.perf_counter() - start))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-notebooks", action="store_true")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
    print("| what | median ms | output |")
    print("|---|---|---|")
    for name, ms, size in renderings(args.runs):
        print(f"| {name} | {ms:.1f} | {size} |")
    if not args.no_notebooks:
        print("\n| notebook | seconds (kernel start to last cell) |")
        print("|---|---|")
        for name, seconds in notebooks():
            print(f"| {name} | {seconds:.1f} |")


if __name__ == "__main__":
    main()

"""Speed and size of the application journal as it grows: record, list, reflect, move.

The reports are real: the shipped example CVs matched against the shipped example
postings (10 x 18 pairs), recorded over and over with outcomes drawn at random, into a
journal in a temporary folder. Times are wall-clock seconds on this machine.

    python benchmarks/bench_journal.py --counts 100 1000 5000

Prints one Markdown table row per journal size.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from matcher import load_posting, load_profile, match
from matcher.journal.store import Journal
from matcher.paths import examples_dir


def real_reports() -> list[tuple[str, str, dict]]:
    examples = examples_dir()
    postings = [load_posting(p) for p in sorted((examples / "postings").glob("*.txt"))]
    rows = []
    for path in sorted((examples / "profiles").glob("*.txt")):
        profile = load_profile(path)
        for posting in postings:
            rows.append((posting.text, profile.text, match(profile, posting).to_dict()))
    return rows


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def run(count: int, reports: list[tuple[str, str, dict]], folder: Path) -> dict[str, float]:
    rng = random.Random(count)
    path = folder / f"journal-{count}.sqlite3"
    figures: dict[str, float] = {"count": count}
    with Journal(path) as journal:
        start = time.perf_counter()
        for n in range(count):
            posting_text, cv_text, report = reports[n % len(reports)]
            app = journal.record(report, posting_text=posting_text, cv_text=cv_text)
            outcome = rng.choice(["applied", "interview", "rejected", "rejected", "withdrawn"])
            if outcome != "applied":
                journal.update(app.id, outcome=outcome)
        figures["record_ms"] = 1000 * (time.perf_counter() - start) / count
        figures["list_s"], _ = timed(journal.select)
        figures["frame_s"], _ = timed(journal.applications)
        figures["reflect_s"], _ = timed(journal.reflect)
        for kind in ("csv", "jsonl", "parquet"):
            target = folder / f"export-{count}.{kind}"
            figures[f"export_{kind}_s"], _ = timed(lambda t=target: journal.export(t))
            figures[f"{kind}_mb"] = target.stat().st_size / 1e6
            with Journal(folder / f"import-{count}-{kind}.sqlite3") as other:
                figures[f"import_{kind}_s"], _ = timed(lambda o=other, t=target: o.import_from(t))
    figures["journal_mb"] = path.stat().st_size / 1e6
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    reports = real_reports()
    print(
        "| applications | record+update (ms each) | list (s) | DataFrame (s) | reflect (s) |"
        " export csv/jsonl/parquet (s) | import csv/jsonl/parquet (s) | journal (MB) |"
        " csv/jsonl/parquet (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for count in args.counts:
            f = run(count, reports, Path(folder))
            kinds = ("csv", "jsonl", "parquet")
            exports = "/".join(f"{f['export_' + k + '_s']:.2f}" for k in kinds)
            imports = "/".join(f"{f['import_' + k + '_s']:.2f}" for k in kinds)
            sizes = "/".join(f"{f[k + '_mb']:.1f}" for k in kinds)
            print(
                f"| {count} | {f['record_ms']:.1f} | {f['list_s']:.2f} | {f['frame_s']:.2f} |"
                f" {f['reflect_s']:.1f} | {exports} | {imports} | {f['journal_mb']:.1f} |"
                f" {sizes} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

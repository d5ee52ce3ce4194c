"""Speed of one match: the cold CLI as a whole process, and match() calls once loaded.

Usage: python benchmarks/bench_match.py [--runs 7]
Prints a Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "examples"
PAIRS = [
    ("python-backend-developer-cv", "backend-python-developer"),
    ("nurse-strengths", "registered-nurse-med-surg"),
    ("teacher-to-ld-cv", "learning-development-specialist"),
]


def reference_loop() -> float:
    """Seconds for a fixed pure-Python loop: how fast the machine is right now.

    The development machine is a shared VM whose speed drifts by up to half from
    minute to minute; timing this beside each cold run shows the state it ran in.
    """
    start = time.perf_counter()
    total = 0
    for i in range(1_000_000):
        total += i * i
    return time.perf_counter() - start


def cold_cli(profile: Path, posting: Path, runs: int) -> tuple[list[float], list[float]]:
    """Wall times of whole `match CV POSTING` processes (caches already built), and the
    reference loop's time just before each."""
    command = [sys.executable, "-m", "matcher", str(profile), str(posting)]
    subprocess.run(command, check=True, capture_output=True)  # builds the user caches once
    times, references = [], []
    for _ in range(runs):
        references.append(reference_loop())
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times, references


def warm_calls(seconds: float = 5.0) -> tuple[float, float]:
    """(load+match per second, match() alone per second) once everything is loaded."""
    from matcher import load_posting, load_profile, match

    pairs = [
        (EXAMPLES / "profiles" / f"{p}.txt", EXAMPLES / "postings" / f"{j}.txt") for p, j in PAIRS
    ]
    texts = [(p.read_text(encoding="utf-8"), j.read_text(encoding="utf-8")) for p, j in pairs]
    loaded = [(load_profile(text=p), load_posting(text=j)) for p, j in texts]
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        cv, job = texts[count % len(texts)]
        match(load_profile(text=cv), load_posting(text=job))
        count += 1
    full = count / (time.perf_counter() - start)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        match(*loaded[count % len(loaded)])
        count += 1
    return full, count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print("| pair | cold CLI median (s) | min | max | reference loop median (ms) |")
    print("|---|---|---|---|---|")
    for profile, posting in PAIRS:
        times, references = cold_cli(
            EXAMPLES / "profiles" / f"{profile}.txt",
            EXAMPLES / "postings" / f"{posting}.txt",
            args.runs,
        )
        print(
            f"| {profile} x {posting} | {statistics.median(times):.2f} | {min(times):.2f}"
            f" | {max(times):.2f} | {1000 * statistics.median(references):.0f} |",
            flush=True,
        )
    full, core = warm_calls()
    print()
    print(f"Once loaded: {full:.1f} load_profile+load_posting+match per second;")
    print(f"{core:.0f} match() calls per second on already-read documents.")


if __name__ == "__main__":
    main()

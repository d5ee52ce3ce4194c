"""Time and peak memory of the largest input the limits accept, and of refusing larger ones.

Each case is a whole cold ``match CV POSTING`` process (the shipped example CV against a
generated posting, or a generated CV against the shipped example posting), its peak
resident memory from the operating system (``wait4``). Inputs are shaped the way
hostile input is: prose, many bullets, one run-on line, a cue phrase repeated, dashes,
one huge word, tiny lines, and a saved web page; each just under the limit, then over it.

Usage: python benchmarks/bench_limits.py [--only NAME ...]
Prints a Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "corpora" / "examples"
CV = EXAMPLES / "profiles" / "python-backend-developer-cv.txt"
JOB = EXAMPLES / "postings" / "backend-python-developer.txt"
sys.path.insert(0, str(REPO))

from matcher.read.limits import CHARS_PER_LINE, DEFAULT_MAX_CHARS, MAX_HTML_BYTES  # noqa: E402

MOST_LINES = DEFAULT_MAX_CHARS // CHARS_PER_LINE

HEAD = "Backend Developer\nRequirements:\n"


def _fill(unit: str, size: int, head: str = HEAD) -> str:
    """``unit`` repeated to ``size`` characters; under the limits, no more lines than
    they accept (the largest accepted input of that shape)."""
    body = unit * ((size - len(head)) // len(unit) + 1)
    text = head + body[: size - len(head)]
    if size <= DEFAULT_MAX_CHARS and text.count("\n") >= MOST_LINES:
        text = "\n".join(text.split("\n")[: MOST_LINES - 5])
    return text


SHAPES: dict[str, Callable[[int], str]] = {
    "prose": lambda n: _fill(
        "We need strong experience in Python, SQL and cloud platforms such as AWS. ", n
    ),
    "bullets": lambda n: _fill("- Experience with Python and PostgreSQL\n", n),
    "run-on line": lambda n: _fill("Python and SQL and Docker, ", n, HEAD + "- "),
    "cue repeated": lambda n: _fill("experience with ", n),
    "dashes": lambda n: _fill("- ", n, ""),
    "one word": lambda n: _fill("a", n, HEAD + "- Python\n"),
    "tiny lines": lambda n: _fill("- a\n", n),
}


def html_page(size: int) -> str:
    item = "<li>Experience with Python and SQL in production systems</li>"
    head, tail = "<html><body><main><h1>Developer</h1><h2>Requirements</h2><ul>", "</ul></main>"
    count = (size - len(head) - len(tail)) // len(item)
    return head + item * count + tail


def run(cv: Path, posting: Path) -> tuple[float, float, int, str]:
    """(seconds, peak MB, exit code, last stderr line) of one cold ``match`` process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "matcher", str(cv), str(posting)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=REPO,
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = [line for line in err.read().decode("utf-8", "replace").splitlines() if line]
    return seconds, usage.ru_maxrss / 1024, process.returncode, lines[-1] if lines else ""


def overhead(repeats: int = 2000) -> None:
    """CPU time the checks add to reading one shipped posting or CV (happy path)."""
    from matcher.read import read_document
    from matcher.understand.bounds import bounded_items, checked_text
    from matcher.understand.sections import segment

    files = sorted((EXAMPLES / "postings").glob("*.txt")) + sorted(
        (EXAMPLES / "profiles").glob("*.txt")
    )
    texts = [read_document(path) for path in files]
    items = [segment(text) for text in texts]
    start = time.process_time()
    for _ in range(repeats):
        for text, found in zip(texts, items):
            bounded_items(found)
            checked_text(text)
    per_text = (time.process_time() - start) / (repeats * len(texts))
    start = time.process_time()
    for _ in range(repeats // 10):
        for path in files:
            read_document(path)
    per_read = (time.process_time() - start) / (repeats // 10 * len(files))
    print(
        f"Checks per text (checked_text + bounded_items): {per_text * 1e6:.0f} us CPU;"
        f" a whole read_document of a shipped example: {per_read * 1e3:.2f} ms CPU"
        f" ({len(files)} files)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="shapes to run (default: all)")
    parser.add_argument("--overhead", action="store_true", help="only the happy-path cost")
    args = parser.parse_args()
    if args.overhead:
        overhead()
        return
    under, over = DEFAULT_MAX_CHARS - 100, DEFAULT_MAX_CHARS * 4
    print("| input | characters | as | exit | time (s) | peak memory (MB) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        base = run(CV, JOB)
        print(f"| the shipped example pair | {len(JOB.read_text()):,} | posting | {base[2]}"
              f" | {base[0]:.1f} | {base[1]:.0f} |")  # fmt: skip
        for name, make in SHAPES.items():
            if args.only and name not in args.only:
                continue
            for size in (under, over):
                path = Path(folder) / f"{name.replace(' ', '-')}-{size}.txt"
                text = make(size)
                path.write_text(text, encoding="utf-8")
                shown = f"{len(text):,}" + (
                    f" ({text.count(chr(10)) + 1:,} lines)" if text.count("\n") > 100 else ""
                )
                for role, pair in (("posting", (CV, path)), ("CV", (path, JOB))):
                    if size == over and role == "CV":
                        continue  # refused the same way either side
                    seconds, peak, code, _ = run(*pair)
                    print(f"| {name} | {shown} | {role} | {code} | {seconds:.1f} | {peak:.0f} |")
        if not args.only or "html" in args.only:
            for size in (MAX_HTML_BYTES - 1000, MAX_HTML_BYTES * 2):
                path = Path(folder) / f"page-{size}.html"
                path.write_text(html_page(size), encoding="utf-8")
                seconds, peak, code, _ = run(CV, path)
                print(f"| web page ({size / 2**20:.1f} MB) | {size:,} bytes | posting | {code}"
                      f" | {seconds:.1f} | {peak:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()

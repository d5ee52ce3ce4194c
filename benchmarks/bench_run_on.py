"""Cutting run-on postings into sentences: the trained splitter against the rule.

    python benchmarks/bench_run_on.py                 # boundaries on the evaluation ads
    python benchmarks/bench_run_on.py --model DIR     # another trained splitter
    python benchmarks/bench_run_on.py --speed         # also its load time and speed

Boundary precision and recall of sentence starts inside a paragraph (a line's own start
is not counted) on the run-on renderings (seed 0) of the 64 evaluation ads, which no
model or setting was trained or chosen on (``corpora/labels/README.md``); the gold
starts are SkillSpan's sentence boundaries. ``glued`` counts only the starts with no
space before them (a heading glued to the next word: "QualificationsThe ideal...").
The rule is ``segment()``'s cut after ``.``, ``!`` or ``?`` before a capital.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from matcher.train.postings import FORMS, evaluation_ads, reassemble_many  # noqa: E402
from matcher.train.senter import (  # noqa: E402
    BoundaryScores,
    Paragraph,
    boundary_scores,
    model_spans,
    paragraphs,
    rule_spans,
)
from matcher.understand.run_on import load_splitter  # noqa: E402
from matcher.understand.sections import is_run_on, segment  # noqa: E402


def glued_only(paragraphs_: Sequence[Paragraph]) -> list[Paragraph]:
    """The paragraphs with only their starts that follow no space (the line start kept)."""
    kept = []
    for p in paragraphs_:
        glued = {s for s in p.starts if s > 0 and not p.text[s - 1].isspace()}
        kept.append(Paragraph(p.ad, p.text, frozenset(glued | {0})))
    return kept


def glued_recall(
    paragraphs_: Sequence[Paragraph], predicted: Sequence[list[tuple[int, int]]]
) -> tuple[int, int]:
    """(found, all) of the gold starts glued to the word before them."""
    found = total = 0
    for p, spans in zip(paragraphs_, predicted):
        starts = {s for s, _ in spans}
        for s in p.starts:
            if s > 0 and not p.text[s - 1].isspace():
                total += 1
                found += s in starts
    return found, total


def segment_starts(form: str, ads: Sequence[str]) -> tuple[BoundaryScores, int, int]:
    """Boundaries of ``segment()``'s items (as the reader cuts the whole text), and how
    many of the ads it reads as run-on text."""
    all_paragraphs: list[Paragraph] = []
    predicted: list[list[tuple[int, int]]] = []
    run_on = 0
    rebuilt_all = reassemble_many(ads, form, which="eval")  # type: ignore[arg-type]
    for rebuilt in rebuilt_all:
        run_on += is_run_on(rebuilt.text)
        items = segment(rebuilt.text, kind="posting", classify=False)
        offset = 0
        for line in rebuilt.text.split("\n"):
            end = offset + len(line)
            if line.strip():
                spans = [
                    (i.start - offset, i.end - offset) for i in items if offset <= i.start < end
                ]
                predicted.append(spans)
            offset = end + 1
        all_paragraphs.extend(paragraphs(rebuilt))
    return boundary_scores(all_paragraphs, predicted), run_on, len(rebuilt_all)


def run(model: Path | None) -> dict[str, Any]:
    nlp = load_splitter(model)
    if nlp is None:
        raise SystemExit("no sentence splitter: train it with python -m matcher.train.senter")
    ads = evaluation_ads()
    rebuilt = reassemble_many(ads, "run_on", which="eval")
    paras = [p for r in rebuilt for p in paragraphs(r)]
    texts = [p.text for p in paras]
    splitters: dict[str, Callable[[], list[list[tuple[int, int]]]]] = {
        "rule": lambda: [rule_spans(t) for t in texts],
        "splitter": lambda: model_spans(nlp, texts),
    }
    out: dict[str, Any] = {"ads": len(ads), "paragraphs": len(paras)}
    for name, split in splitters.items():
        started = time.perf_counter()
        spans = split()
        seconds = time.perf_counter() - started
        found, total = glued_recall(paras, spans)
        out[name] = {
            "all": boundary_scores(paras, spans).to_dict(),
            "glued_found": found,
            "glued": total,
            "seconds": seconds,
        }
    for form in FORMS:
        scores, run_on, n = segment_starts(form, ads)
        out[f"segment_{form}"] = {"scores": scores.to_dict(), "read_as_run_on": run_on, "ads": n}
    return out


def load_seconds(model: Path | None, runs: int = 5) -> list[float]:
    """Seconds to import the splitter module and load the model, in fresh processes."""
    code = (
        "import time; t=time.perf_counter(); from pathlib import Path; "
        "from matcher.understand.run_on import load_splitter; "
        f"m=load_splitter({repr(str(model)) if model else None} and Path({repr(str(model))})); "
        "assert m is not None; print(time.perf_counter()-t)"
    )
    times = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        times.append(float(done.stdout.strip()))
    return times


def render(results: dict[str, Any]) -> str:
    lines = [
        f"Boundaries on the run-on renderings of the {results['ads']} evaluation ads "
        f"({results['paragraphs']} paragraphs; starts inside a paragraph):",
        "",
        "| splitter | precision | recall | F1 | gold starts | predicted | glued starts found |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("rule", "splitter"):
        r = results[name]
        a = r["all"]
        lines.append(
            f"| {name} | {100 * a['precision']:.1f}% | {100 * a['recall']:.1f}% | "
            f"{a['f1']:.3f} | {a['n_gold']} | {a['n_predicted']} | "
            f"{r['glued_found']} of {r['glued']} |"
        )
    lines += [
        "",
        "`segment()` as the reader runs it (the splitter only on text it reads as run-on):",
        "",
        "| form | precision | recall | F1 | ads read as run-on |",
        "|---|---|---|---|---|",
    ]
    for form in FORMS:
        s = results[f"segment_{form}"]
        a = s["scores"]
        lines.append(
            f"| {form} | {100 * a['precision']:.1f}% | {100 * a['recall']:.1f}% | "
            f"{a['f1']:.3f} | {s['read_as_run_on']} of {s['ads']} |"
        )
    if "load_seconds" in results:
        times = sorted(results["load_seconds"])
        lines += [
            "",
            f"Loading the splitter (import and load, fresh process, {len(times)} runs): "
            f"median {times[len(times) // 2]:.2f} s (min {times[0]:.2f}, max {times[-1]:.2f}); "
            f"splitting the {results['paragraphs']} paragraphs: "
            f"{results['splitter']['seconds']:.2f} s.",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="splitter to measure")
    parser.add_argument("--speed", action="store_true", help="also time loading the model")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.model)
    if args.speed:
        results["load_seconds"] = load_seconds(args.model)
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

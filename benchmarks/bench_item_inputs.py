"""Which inputs and architecture the item classifier should have: cross-validated on the
training documents only (134 SkillSpan ads in 5 folds, 16 CVs in 4 folds).

    python benchmarks/bench_item_inputs.py                 # every variant, both kinds
    python benchmarks/bench_item_inputs.py --variants none,all --kinds posting

Each fold trains a model on the other folds (checkpoint and label-transition weight
chosen on the fold itself, the same for every variant) and scores the fold's accuracy.
The evaluation ads and CVs are never read, so the choice it supports is not tuned on
the figures ``bench_reading.py`` reports.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from matcher.train.sections import train  # noqa: E402

CONFIGS = ROOT / "matcher" / "configs"
FOLDS = {"posting": 5, "cv": 4}


def _inputs(context: bool, position: bool, heading: bool) -> dict[str, Any]:
    return {"paths.context": context, "paths.position": position, "paths.heading": heading}


#: name -> (config file, overrides)
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "none": ("item_classifier.cfg", _inputs(False, False, False)),
    "position": ("item_classifier.cfg", _inputs(False, True, False)),
    "context": ("item_classifier.cfg", _inputs(True, False, False)),
    "all": ("item_classifier.cfg", _inputs(True, True, True)),
    "ensemble-all": ("item_classifier_ensemble.cfg", _inputs(True, True, True)),
}


def cross_validate(variant: str, kind: str, log: Any = None) -> dict[str, Any]:
    """Mean and per-fold holdout accuracy of one variant for one kind."""
    config, overrides = VARIANTS[variant]
    folds = FOLDS[kind]
    accuracies: list[float] = []
    seconds = 0.0
    for fold in range(folds):
        with tempfile.TemporaryDirectory(prefix="items_cv_") as tmp:
            started = time.monotonic()
            result = train(
                Path(tmp) / "model",
                config_path=CONFIGS / config,
                overrides=overrides,
                kinds=(kind,),
                holdout_every=folds,
                holdout_fold=fold,
                log=log or (lambda line: None),
            )
            seconds += time.monotonic() - started
            accuracies.append(result.holdout_accuracy[kind])
    return {
        "variant": variant,
        "kind": kind,
        "mean_accuracy": statistics.mean(accuracies),
        "folds": accuracies,
        "minutes": seconds / 60,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--kinds", default="posting,cv")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = []
    for variant in args.variants.split(","):
        for kind in args.kinds.split(","):
            row = cross_validate(variant, kind)
            rows.append(row)
            folds = " ".join(f"{x:.3f}" for x in row["folds"])
            print(
                f"{variant:<14} {kind:<8} mean accuracy {row['mean_accuracy']:.3f} "
                f"(folds {folds}; {row['minutes']:.1f} min)",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

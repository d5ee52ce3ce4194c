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

import spacy  # noqa: E402
from spacy.training import Example  # noqa: E402
from spacy.training.initialize import init_nlp  # noqa: E402
from spacy.util import registry  # noqa: E402
from thinc.api import fix_random_seed  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from matcher.train.postings import default_data_dir  # noqa: E402
from matcher.train.sections import (  # noqa: E402
    _train_loop,
    load_training_config,
    train,
    training_documents,
)
from matcher.understand.item_classifier import LABELS, InputSettings, document_inputs  # noqa: E402

CONFIGS = ROOT / "matcher" / "configs"
#: What the shipped classifiers read (the config's defaults).
SHIPPED_INPUTS = InputSettings(context=False, position=True, heading=False)
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
    parser.add_argument(
        "--joint", action="store_true", help="only: one joint model's holdout accuracy"
    )
    args = parser.parse_args(argv)
    if args.joint:
        print(f"joint model, holdout accuracy (no transitions): {joint_holdout_accuracy()}")
        return 0
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


# ---------------------------------------------------------------------------------------
# One joint model for both kinds, against the shipped one model per kind


JOINT_LABELS = tuple(dict.fromkeys((*LABELS["posting"], *LABELS["cv"])))


@registry.readers("matcher.JointItemCorpus.v1")
def create_joint_reader(part: str = "fit") -> Any:
    """Both kinds' documents, each item prefixed by its kind, labels from the union."""

    def read(nlp: Any) -> Any:
        for kind in ("posting", "cv"):
            for document in training_documents(kind, part):
                inputs = document_inputs(document.texts, SHIPPED_INPUTS)
                for text, gold in zip(inputs, document.labels):
                    doc = nlp.make_doc(f"kind{kind} {text}")
                    cats = {x: float(x == gold) for x in JOINT_LABELS}
                    yield Example.from_dict(doc, {"cats": cats})

    return read


def joint_holdout_accuracy() -> dict[str, float]:
    """Holdout accuracy per kind of one joint model (labels restricted to the kind's)."""
    overrides = {
        "corpora.train": {"@readers": "matcher.JointItemCorpus.v1", "part": "fit"},
        "corpora.dev": {"@readers": "matcher.JointItemCorpus.v1", "part": "holdout"},
    }
    config = load_training_config(None, "posting", default_data_dir(), 0, {})
    for corpus in ("train", "dev"):
        config["corpora"][corpus] = overrides[f"corpora.{corpus}"]
    accuracy: dict[str, float] = {}
    with threadpool_limits(limits=1), tempfile.TemporaryDirectory(prefix="joint_") as tmp:
        fix_random_seed(0)
        nlp = init_nlp(config, use_gpu=-1)
        _train_loop(nlp, Path(tmp) / "best", time.monotonic() + 20 * 60, lambda line: None)
        best = spacy.load(Path(tmp) / "best")
        for kind in ("posting", "cv"):
            labels = LABELS[kind]
            right = total = 0
            for document in training_documents(kind, "holdout"):
                inputs = document_inputs(document.texts, SHIPPED_INPUTS)
                docs = best.pipe(f"kind{kind} {x}" for x in inputs)
                for doc, gold in zip(docs, document.labels):
                    right += max(labels, key=lambda x: doc.cats.get(x, 0.0)) == gold
                    total += 1
            accuracy[kind] = right / total
    return accuracy


if __name__ == "__main__":
    sys.exit(main())

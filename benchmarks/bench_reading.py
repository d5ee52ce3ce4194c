"""Reading real postings and CVs (issue 13): sentence labels, requirements, strengths.

    python benchmarks/bench_reading.py                  # print every figure
    python benchmarks/bench_reading.py --write-results  # (re)write our RESULTS.md section
    python benchmarks/bench_reading.py --only sentences,cv_lines,agreement

Every figure is on data no model or rule was tuned on: the 64 evaluation ads of
SkillSpan (dev and six held-out train ads, ``corpora/labels/README.md``), rebuilt as
job-board text in two forms (:mod:`matcher.train.postings`), and the 28 evaluation CVs
of ``corpora/cvs``. The functions are importable so that later versions of reading can
be measured the same way ("after" figures): pass another predictor or extractor.

- :func:`evaluate_sentences` scores a sentence labeller (``Reassembled -> labels``);
  :func:`segment_labeller` is today's heading/cue rules, :func:`classifier_labeller`
  the trained classifier on today's items, :func:`gold_items_labeller` the classifier
  on the gold sentences (its ceiling given perfect segmentation).
- :func:`evaluate_requirements` scores an extractor (``text -> [PredictedRequirement]``);
  :func:`todays_requirements` is ``matcher.load_posting(text=...).requirements``.
- :func:`evaluate_strengths` scores a profile reader (``path -> [str]``);
  :func:`todays_strengths` is ``matcher.load_profile(path).strengths``.
- :func:`evaluate_cv_lines` scores a CV line labeller; :func:`agreement` is the two
  independent labellings of the six held-out train ads (the ceiling).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from matcher.train.postings import (  # noqa: E402
    FORMS,
    HELD_OUT_TRAIN,
    Form,
    GoldRequirement,
    Reassembled,
    evaluation_ads,
    read_requirements,
    read_sentence_labels,
    reassemble_many,
)
from matcher.train.sections import cv_ids, cv_lines  # noqa: E402
from matcher.understand.item_classifier import (  # noqa: E402
    Kind,
    classify_items,
    load_item_classifier,
)
from matcher.understand.sections import segment  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Reading real postings and CVs (issue 13)"
CV_DIR = ROOT / "corpora" / "cvs"

#: How today's posting sections (``segment``) are read as sentence labels. ``logistics``
#: holds both how-to-apply and equal-opportunity text; it is scored as ``apply``. A
#: sentence no item covers was taken for a heading by ``segment`` (it drops heading lines).
SECTION_TO_LABEL = {
    "requirements": "requirement",
    "nice_to_have": "nice_to_have",
    "responsibilities": "responsibility",
    "company": "company",
    "benefits": "benefits",
    "logistics": "apply",
    "other": "other",
}
CV_SECTION_TO_LABEL = {
    "summary": "summary",
    "experience": "achievement",
    "education": "education",
    "skills": "skills",
    "certifications": "certification",
    "other": "other",
}
UNCOVERED = "heading"
#: Whose requirement labels are measured (``--requirements dev``: the training ads labelled
#: for development, to study errors on; ``eval``, the default, is the reported set).
REQUIREMENT_SET: Literal["eval", "dev"] = "eval"
#: The item classifier measured (``--model``; default: the shipped one).
MODEL_PATH: Path | None = None
#: The classes whose mix-ups change what a posting asks for.
IMPORTANT = ("requirement", "nice_to_have", "responsibility", "company", "benefits", "legal")

Labeller = Callable[[Reassembled], list[str]]


def _classify(texts: list[str], kind: Kind) -> list[str]:
    model = load_item_classifier(MODEL_PATH)
    predicted = classify_items(texts, kind, nlp=model) if model is not None else None
    if predicted is None:
        raise RuntimeError("no item classifier: train it with python -m matcher.train.sections")
    return [label for label, _ in predicted]


Span = tuple[int, int]


# ---------------------------------------------------------------------------------------
# Label scores


@dataclass(frozen=True)
class LabelScores:
    """Accuracy, macro F1 and per-class figures of one labelling against the gold one."""

    n: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    confusion: dict[str, dict[str, int]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class": self.per_class,
            "confusion": self.confusion,
        }


def label_scores(gold: Sequence[str], predicted: Sequence[str]) -> LabelScores:
    """Accuracy, and F1 per gold class averaged over the classes present in gold."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predicted")
    pairs = Counter(zip(gold, predicted))
    classes = sorted(set(gold))
    per_class: dict[str, dict[str, float]] = {}
    for name in classes:
        tp = pairs[(name, name)]
        n_pred = sum(v for (_, p), v in pairs.items() if p == name)
        n_gold = sum(v for (g, _), v in pairs.items() if g == name)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {"precision": precision, "recall": recall, "f1": f1, "n": n_gold}
    confusion: dict[str, dict[str, int]] = {}
    for (g, p), v in pairs.items():
        confusion.setdefault(g, {})[p] = v
    n = len(gold)
    accuracy = sum(v for (g, p), v in pairs.items() if g == p) / n if n else 0.0
    macro = sum(c["f1"] for c in per_class.values()) / len(per_class) if per_class else 0.0
    return LabelScores(n, accuracy, macro, per_class, confusion)


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """Cohen's kappa of two labellings of the same items."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second)) / n
    a_counts, b_counts = Counter(first), Counter(second)
    expected = sum(a_counts[x] * b_counts[x] for x in a_counts) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


# ---------------------------------------------------------------------------------------
# Sentence labels of postings


def labels_from_items(
    reassembled: Reassembled, items: Iterable[tuple[int, int, str]], uncovered: str = UNCOVERED
) -> list[str]:
    """Each gold sentence takes the label of the predicted item that overlaps it most.

    Items are (start, end, label) character spans of the same text; a sentence no item
    overlaps gets ``uncovered`` (today's reader drops heading lines from its items).
    """
    items = sorted(items)
    labels: list[str] = []
    for start, end in reassembled.sentence_spans:
        best, best_overlap = uncovered, 0
        for i_start, i_end, label in items:
            if i_start >= end:
                break
            overlap = min(end, i_end) - max(start, i_start)
            if overlap > best_overlap:
                best, best_overlap = label, overlap
        labels.append(best)
    return labels


def segment_labeller(reassembled: Reassembled) -> list[str]:
    """Today's reading: ``segment()``'s heading and cue rules, sections read as labels."""
    items = segment(reassembled.text, kind="posting")
    return labels_from_items(
        reassembled, ((i.start, i.end, SECTION_TO_LABEL[i.section]) for i in items)
    )


def classifier_labeller(reassembled: Reassembled) -> list[str]:
    """The trained classifier over today's items (``segment()``'s bullets and sentences).

    This is what the runtime sees: on run-on text an item can span several gold
    sentences or start with a glued heading. Headings ``segment`` drops stay headings.
    """
    items = segment(reassembled.text, kind="posting")
    predicted = _classify([i.text for i in items], "posting")
    return labels_from_items(
        reassembled, ((i.start, i.end, label) for i, label in zip(items, predicted))
    )


def gold_items_labeller(reassembled: Reassembled) -> list[str]:
    """The classifier on the gold sentences themselves (segmentation taken as perfect)."""
    texts = [reassembled.text[s:e] for s, e in reassembled.sentence_spans]
    return _classify(texts, "posting")


def evaluate_sentences(
    labeller: Labeller, form: Form, ads: Sequence[str] | None = None
) -> LabelScores:
    """Sentence-label scores of ``labeller`` on the evaluation ads in ``form``."""
    ads = list(ads) if ads is not None else evaluation_ads()
    gold_labels = read_sentence_labels("eval")
    gold: list[str] = []
    predicted: list[str] = []
    for rebuilt in reassemble_many(ads, form, which="eval"):
        labels = gold_labels[rebuilt.ad]
        got = labeller(rebuilt)
        for sent in range(len(rebuilt.sentence_spans)):
            if sent in labels:
                gold.append(labels[sent])
                predicted.append(got[sent])
    return label_scores(gold, predicted)


def majority_baseline(form: Form, ads: Sequence[str] | None = None) -> LabelScores:
    """Every sentence labelled with the commonest label of the training ads."""
    train = read_sentence_labels("train")
    held = set(HELD_OUT_TRAIN)
    common = Counter(
        label for ad, labels in train.items() if ad not in held for label in labels.values()
    ).most_common(1)[0][0]
    return evaluate_sentences(lambda r: [common] * len(r.sentence_spans), form, ads)


# ---------------------------------------------------------------------------------------
# CV lines


def segment_cv_labeller(lines: Sequence[str]) -> list[str]:
    """Today's CV sections from ``segment(kind="cv")`` over the lines, read as labels."""
    text = "\n".join(lines)
    items = segment(text, kind="cv")
    starts = []
    offset = 0
    for line in lines:
        starts.append((offset, offset + len(line)))
        offset += len(line) + 1
    spans = ((i.start, i.end, CV_SECTION_TO_LABEL[i.section]) for i in items)
    fake = Reassembled("cv", "line_broken", text, tuple(starts), ())
    return labels_from_items(fake, spans)


def classifier_cv_labeller(lines: Sequence[str]) -> list[str]:
    return _classify(list(lines), "cv")


def evaluate_cv_lines(
    labeller: Callable[[Sequence[str]], list[str]], ids: Sequence[str] | None = None
) -> LabelScores:
    """Line-label scores on the evaluation CVs (lines as a person reads them)."""
    gold: list[str] = []
    predicted: list[str] = []
    for cv_id in ids if ids is not None else cv_ids("eval"):
        rows = cv_lines(cv_id)
        gold.extend(label for label, _ in rows)
        predicted.extend(labeller([line for _, line in rows]))
    return label_scores(gold, predicted)


# ---------------------------------------------------------------------------------------
# Agreement


def agreement() -> dict[str, Any]:
    """The two independent labellings of the six held-out train ads: accuracy and kappa."""
    first, second = read_sentence_labels("train"), read_sentence_labels("eval")
    a: list[str] = []
    b: list[str] = []
    for ad in HELD_OUT_TRAIN:
        for sent, label in sorted(first[ad].items()):
            if sent in second[ad]:
                a.append(label)
                b.append(second[ad][sent])
    disagreements = Counter((x, y) for x, y in zip(a, b) if x != y)
    return {
        "n": len(a),
        "accuracy": sum(x == y for x, y in zip(a, b)) / len(a),
        "kappa": cohen_kappa(a, b),
        "disagreements": [f"{x}/{y}: {n}" for (x, y), n in disagreements.most_common(6)],
    }


# ---------------------------------------------------------------------------------------
# Requirements


@dataclass(frozen=True)
class PredictedRequirement:
    """What an extractor says a posting asks for: a name, its importance, where it is."""

    name: str
    importance: str
    start: int
    end: int


def todays_requirements(text: str) -> list[PredictedRequirement]:
    """``matcher.load_posting(text=...).requirements`` (none when it finds none)."""
    import matcher
    from matcher.errors import MatcherError

    try:
        posting = matcher.load_posting(text=text)
    except MatcherError:
        return []
    return [
        PredictedRequirement(r.skill, r.importance, r.evidence.start, r.evidence.end)
        for r in posting.requirements
    ]


_NON_WORD = re.compile(r"[^a-z0-9+#]+")


def normalise(name: str) -> str:
    """Case, punctuation and ``&``/``and`` folded away: "CI/CD" ~ "ci cd"."""
    return " ".join(_NON_WORD.sub(" ", name.casefold().replace("&", " and ")).split())


def names_match(predicted: str, gold: str) -> bool:
    """Same name once normalised, or nearly (rapidfuzz ``ratio`` >= 90)."""
    from rapidfuzz import fuzz

    a, b = normalise(predicted), normalise(gold)
    return bool(a) and (a == b or fuzz.ratio(a, b) >= 90)


@dataclass
class RequirementScores:
    """Precision, recall and importance accuracy of an extractor on one form."""

    form: str
    n_predicted: int = 0
    n_correct: int = 0
    n_groups: int = 0
    n_found: int = 0
    n_importance: int = 0
    n_importance_right: int = 0
    gold_required: int = 0
    wrong_examples: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.n_correct / self.n_predicted if self.n_predicted else 0.0

    @property
    def recall(self) -> float:
        return self.n_found / self.n_groups if self.n_groups else 0.0

    @property
    def importance_accuracy(self) -> float:
        return self.n_importance_right / self.n_importance if self.n_importance else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "precision": self.precision,
            "recall": self.recall,
            "importance_accuracy": self.importance_accuracy,
            "n_predicted": self.n_predicted,
            "n_correct": self.n_correct,
            "n_groups": self.n_groups,
            "n_found": self.n_found,
            "n_importance": self.n_importance,
            "gold_required_share": self.gold_required / self.n_groups if self.n_groups else 0.0,
        }


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate_requirements(
    extract_fn: Callable[[str], list[PredictedRequirement]] = todays_requirements,
    form: Form = "line_broken",
    ads: Sequence[str] | None = None,
) -> RequirementScores:
    """Requirement precision, recall and importance accuracy of ``extract_fn``.

    Matching rule: a predicted requirement matches a gold one when their character
    spans overlap in the rebuilt text, or when their names match (:func:`names_match`;
    an extractor keeps one requirement per skill, so its evidence may be another
    occurrence than the one labelled). Alternatives (one ``group``) count once: the
    group is found when any member is matched. Precision: the share of predicted
    requirements that match some gold one. Importance accuracy: over found groups, the
    share where the matching prediction (a span match first) has the gold importance.
    """
    gold_by_ad = read_requirements(REQUIREMENT_SET)
    if ads is None:
        ads = evaluation_ads() if REQUIREMENT_SET == "eval" else sorted(gold_by_ad)
    scores = RequirementScores(form)
    labels_of: Literal["train", "eval"] = "eval" if REQUIREMENT_SET == "eval" else "train"
    for rebuilt in reassemble_many(ads, form, which=labels_of):
        gold = gold_by_ad.get(rebuilt.ad, [])
        predicted = extract_fn(rebuilt.text)
        spans = [rebuilt.char_span(g.sent, g.start, g.end) for g in gold]
        groups: dict[str, list[int]] = {}
        for index, g in enumerate(gold):
            groups.setdefault(g.group or f"#{index}", []).append(index)
        matched_by: dict[int, list[tuple[int, PredictedRequirement]]] = {}
        for p in predicted:
            scores.n_predicted += 1
            hit = False
            for index, g in enumerate(gold):
                by_span = _overlaps((p.start, p.end), spans[index])
                if by_span or names_match(p.name, g.name):
                    matched_by.setdefault(index, []).append((0 if by_span else 1, p))
                    hit = True
            if hit:
                scores.n_correct += 1
            elif len(scores.wrong_examples) < 400:
                scores.wrong_examples.append(f"{rebuilt.ad}: {p.name}")
        for members in groups.values():
            scores.n_groups += 1
            scores.gold_required += gold[members[0]].importance == "required"
            candidates = sorted(
                ((rank, i, p) for i in members for rank, p in matched_by.get(i, [])),
                key=lambda c: (c[0], c[1]),
            )
            if not candidates:
                continue
            scores.n_found += 1
            scores.n_importance += 1
            _, index, p = candidates[0]
            scores.n_importance_right += p.importance == gold[index].importance
    return scores


def gold_requirement_texts(form: Form = "line_broken") -> list[tuple[GoldRequirement, str]]:
    """Each gold requirement with the text its span covers (for inspection and tests)."""
    gold_by_ad = read_requirements()
    out: list[tuple[GoldRequirement, str]] = []
    for rebuilt in reassemble_many(evaluation_ads(), form, which="eval"):
        for g in gold_by_ad.get(rebuilt.ad, []):
            start, end = rebuilt.char_span(g.sent, g.start, g.end)
            out.append((g, rebuilt.text[start:end]))
    return out


# ---------------------------------------------------------------------------------------
# Strengths


def todays_strengths(path: Path) -> list[str]:
    """``matcher.load_profile(path).strengths``, by name."""
    import matcher

    return [s.skill for s in matcher.load_profile(path).strengths]


def _words(name: str) -> set[str]:
    return set(normalise(name).split())


def strength_matches(predicted: str, gold: str) -> bool:
    """Lenient: same normalised name, ``ratio`` >= 85, or one's words all in the other's."""
    from rapidfuzz import fuzz

    a, b = normalise(predicted), normalise(gold)
    if not a or not b:
        return False
    if a == b or fuzz.ratio(a, b) >= 85:
        return True
    wa, wb = set(a.split()), set(b.split())
    return wa <= wb or wb <= wa


@dataclass
class StrengthScores:
    n_predicted: int = 0
    n_correct: int = 0
    n_exact: int = 0
    n_not_strength: int = 0
    n_not_claimed: int = 0
    n_same_skill: int = 0
    n_gold: int = 0
    n_gold_found: int = 0
    not_strength_kinds: Counter[str] = field(default_factory=Counter)
    read_as_list: int = 0
    n_cvs: int = 0
    wrong_examples: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.n_correct / self.n_predicted if self.n_predicted else 0.0

    @property
    def exact_precision(self) -> float:
        return self.n_exact / self.n_predicted if self.n_predicted else 0.0

    @property
    def same_skill_precision(self) -> float:
        """Also crediting a strength that is the vocabulary skill a gold name is an alias
        of ("Bachelor of Science" for gold "BSc Computer Science" only if it is one)."""
        return self.n_same_skill / self.n_predicted if self.n_predicted else 0.0

    @property
    def recall(self) -> float:
        """The share of gold strengths some predicted strength matches (either way)."""
        return self.n_gold_found / self.n_gold if self.n_gold else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "exact_precision": self.exact_precision,
            "same_skill_precision": self.same_skill_precision,
            "recall": self.recall,
            "n_predicted": self.n_predicted,
            "n_correct": self.n_correct,
            "n_not_strength": self.n_not_strength,
            "not_strength_kinds": dict(self.not_strength_kinds),
            "n_not_claimed": self.n_not_claimed,
            "read_as_list": self.read_as_list,
            "n_cvs": self.n_cvs,
        }


_LINE_KIND = {
    "contact": "name or contact",
    "heading": "heading",
    "role_line": "employer, title, town or date",
    "education": "school",
}


def _not_strength_kind(name: str, cv_id: str) -> str:
    """Which kind of CV line the wrong strength comes from, by the line labels."""
    key = normalise(name)
    for label, line in cv_lines(cv_id):
        if key and key in normalise(line):
            return _LINE_KIND.get(label, label)
    return "other"


def _vocabulary_name(name: str) -> str | None:
    """The shipped vocabulary's skill a gold name is a name or alias of, if any."""
    from matcher.understand.vocabulary import shipped_vocabulary

    skill = shipped_vocabulary().lookup(name)
    return skill.name if skill else None


def evaluate_strengths(
    read_fn: Callable[[Path], list[str]] = todays_strengths, ids: Sequence[str] | None = None
) -> StrengthScores:
    """Strength precision on the evaluation CVs against ``corpora/cvs/gold.jsonl``.

    A predicted strength is correct when it matches a gold strength
    (:func:`strength_matches`); ``exact`` counts only equal normalised names. A wrong
    one is counted as a gold ``not_strengths`` entry (name, heading, employer, town,
    title: exact or near name) or a ``not_claimed`` one (negated or hedged) where it is.
    """
    import csv

    gold = {
        row["id"]: row
        for row in map(json.loads, (CV_DIR / "gold.jsonl").read_text("utf-8").splitlines())
    }
    with (CV_DIR / "cvs.tsv").open(encoding="utf-8", newline="") as handle:
        files = {r["id"]: r["file"] for r in csv.DictReader(handle, delimiter="\t")}
    scores = StrengthScores()
    for cv_id in ids if ids is not None else cv_ids("eval"):
        entry = gold[cv_id]
        predicted = read_fn(CV_DIR / files[cv_id])
        scores.n_cvs += 1
        same_skill = {_vocabulary_name(g) for g in entry["strengths"]} - {None}
        for gold_name in entry["strengths"]:
            scores.n_gold += 1
            known = _vocabulary_name(gold_name)
            if any(strength_matches(name, gold_name) or name == known for name in predicted):
                scores.n_gold_found += 1
        for name in predicted:
            scores.n_predicted += 1
            if any(normalise(name) == normalise(g) for g in entry["strengths"]):
                scores.n_exact += 1
            if any(strength_matches(name, g) for g in entry["strengths"]):
                scores.n_correct += 1
                scores.n_same_skill += 1
                continue
            if name in same_skill:
                scores.n_same_skill += 1
                continue
            if any(names_match(name, g) for g in entry["not_strengths"]):
                scores.n_not_strength += 1
                scores.not_strength_kinds[_not_strength_kind(name, cv_id)] += 1
            elif any(names_match(name, g) for g in entry["not_claimed"]):
                scores.n_not_claimed += 1
            scores.wrong_examples.append(f"{cv_id}: {name}")
    return scores


def cvs_read_as_list(ids: Sequence[str] | None = None) -> tuple[int, int]:
    """How many evaluation CVs today's reader takes for a plain list of strengths."""
    import csv

    import matcher

    with (CV_DIR / "cvs.tsv").open(encoding="utf-8", newline="") as handle:
        files = {r["id"]: r["file"] for r in csv.DictReader(handle, delimiter="\t")}
    ids = list(ids) if ids is not None else cv_ids("eval")
    as_list = sum(matcher.load_profile(CV_DIR / files[i]).kind == "list" for i in ids)
    return as_list, len(ids)


# ---------------------------------------------------------------------------------------
# Running it all


def run(only: set[str] | None = None) -> dict[str, Any]:
    """Every figure, as a JSON-able dict (``only`` picks parts by name)."""

    def want(name: str) -> bool:
        return only is None or name in only

    out: dict[str, Any] = {}
    have_model = load_item_classifier(MODEL_PATH) is not None
    if want("agreement"):
        out["agreement"] = agreement()
    if want("sentences"):
        started = time.perf_counter()
        table: dict[str, Any] = {}
        for form in FORMS:
            table[form] = {
                "majority": majority_baseline(form).to_dict(),
                "segment()": evaluate_sentences(segment_labeller, form).to_dict(),
            }
            if have_model:
                table[form]["classifier on segment items"] = evaluate_sentences(
                    classifier_labeller, form
                ).to_dict()
                table[form]["classifier on gold sentences"] = evaluate_sentences(
                    gold_items_labeller, form
                ).to_dict()
        out["sentences"] = table
        out["sentences_seconds"] = time.perf_counter() - started
    if want("cv_lines"):
        table = {"segment()": evaluate_cv_lines(segment_cv_labeller).to_dict()}
        if have_model:
            table["classifier"] = evaluate_cv_lines(classifier_cv_labeller).to_dict()
        out["cv_lines"] = table
    if want("requirements"):
        out["requirements"] = {
            form: evaluate_requirements(todays_requirements, form).to_dict() for form in FORMS
        }
    if want("strengths"):
        strengths = evaluate_strengths()
        out["strengths"] = strengths.to_dict()
        out["strengths"]["read_as_list"], out["strengths"]["n_cvs"] = cvs_read_as_list()
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def render(results: dict[str, Any], notes: str = "", before: dict[str, Any] | None = None) -> str:
    """Our RESULTS.md section from :func:`run`'s figures.

    ``before`` (``reading_before.json``: the same benchmark at the commit before issue
    13's wiring) adds a "before" row to the rule-based and end-to-end figures, so a
    re-run after the wiring shows both.
    """
    runs = [("now", results)]
    if before is not None:
        same = before.get("state") == results.get("state")
        runs = [("before", results)] if same else [("before", before), ("now", results)]
    lines = [HEADING, ""]
    lines.append(
        "`python benchmarks/bench_reading.py --write-results --state TEXT` (rewrites this "
        "section; the before figures come from `benchmarks/reading_before.json`). "
        "Data: the 64 evaluation ads (58 SkillSpan dev ads and six held-out train ads; "
        "the team's labels in `corpora/labels/`), rebuilt as job-board text by "
        "`matcher.train.postings` in two forms, and the 28 evaluation CVs of "
        "`corpora/cvs` (split=eval). Nothing here was trained or tuned on them."
    )
    lines.append("")
    for name, figures in runs:
        if figures.get("state"):
            lines.append(f"- {name}: {figures['state']}.")
    lines.append("")
    if "sentences" in results:
        lines += [
            "### Sentence labels of postings (12 classes)",
            "",
            "| form | labeller | accuracy | macro F1 | sentences |",
            "|---|---|---|---|---|",
        ]
        for form in results["sentences"]:
            for when, figures in runs:
                for name, s in figures.get("sentences", {}).get(form, {}).items():
                    if when == "before" and len(runs) > 1 and name != "segment()":
                        continue
                    label = f"{name}, before" if when == "before" and len(runs) > 1 else name
                    lines.append(
                        f"| {form} | {label} | {_pct(s['accuracy'])} | {s['macro_f1']:.3f} "
                        f"| {s['n']} |"
                    )
        lines.append("")
        lines += _important_table(results["sentences"])
    if "agreement" in results:
        a = results["agreement"]
        lines += [
            f"Ceiling: the six held-out train ads were labelled twice, independently: the two "
            f"agree on {_pct(a['accuracy'])} of {a['n']} sentences, Cohen's kappa "
            f"{a['kappa']:.3f} (commonest disagreements: {', '.join(a['disagreements'])}).",
            "",
        ]
    if "cv_lines" in results:
        lines += [
            "### CV line labels (9 classes, 28 evaluation CVs)",
            "",
            "| labeller | accuracy | macro F1 | lines |",
            "|---|---|---|---|",
        ]
        for when, figures in runs:
            for name, s in figures.get("cv_lines", {}).items():
                if when == "before" and len(runs) > 1 and name != "segment()":
                    continue
                label = f"{name}, before" if when == "before" and len(runs) > 1 else name
                lines.append(
                    f"| {label} | {_pct(s['accuracy'])} | {s['macro_f1']:.3f} | {s['n']} |"
                )
        lines.append("")
        if "classifier" in results["cv_lines"]:
            per = results["cv_lines"]["classifier"]["per_class"]
            lines.append(
                "Classifier F1 per class: "
                + ", ".join(f"{k} {v['f1']:.2f} (n={int(v['n'])})" for k, v in per.items())
                + "."
            )
            lines.append("")
    if "requirements" in results:
        lines += [
            "### Requirements (`matcher.load_posting(text=...).requirements`)",
            "",
            "| measured | form | precision | recall | importance accuracy | predicted "
            "| gold groups |",
            "|---|---|---|---|---|---|---|",
        ]
        for when, figures in runs:
            for form, r in figures.get("requirements", {}).items():
                lines.append(
                    f"| {when} | {form} | {_pct(r['precision'])} | {_pct(r['recall'])} | "
                    f"{_pct(r['importance_accuracy'])} | {r['n_predicted']} | {r['n_groups']} |"
                )
        required = results["requirements"]["line_broken"]["gold_required_share"]
        lines += [
            "",
            f"{_pct(required)} of the gold groups are required: calling every one required "
            f"scores {_pct(required)} importance accuracy.",
            "",
        ]
    if "strengths" in results:
        lines += [
            "### Strengths (`matcher.load_profile(path).strengths`, 28 evaluation CVs)",
            "",
            "| measured | precision | exact-name precision | same-skill precision | recall "
            "| strengths | gold `not_strengths` among them | gold `not_claimed` "
            "| CVs read as a list |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for when, figures in runs:
            s = figures.get("strengths")
            if not s:
                continue
            kinds = ", ".join(f"{k} {v}" for k, v in sorted(s["not_strength_kinds"].items()))
            lines.append(
                f"| {when} | {_pct(s['precision'])} | {_pct(s['exact_precision'])} | "
                f"{_pct(s.get('same_skill_precision', 0))} | {_pct(s.get('recall', 0))} | "
                f"{s['n_predicted']} | {s['n_not_strength']} ({kinds}) | {s['n_not_claimed']} "
                f"| {s['read_as_list']} of {s['n_cvs']} |"
            )
        lines.append("")
    if notes:
        lines += [notes.strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def _important_table(sentences: dict[str, Any]) -> list[str]:
    lines = [
        "F1 of the classes that change what a posting asks for:",
        "",
        "| form | labeller | " + " | ".join(IMPORTANT) + " |",
        "|---|---|" + "---|" * len(IMPORTANT),
    ]
    for form, table in sentences.items():
        for name, s in table.items():
            if name == "majority":
                continue
            cells = [f"{s['per_class'].get(c, {}).get('f1', 0.0):.2f}" for c in IMPORTANT]
            lines.append(f"| {form} | {name} | " + " | ".join(cells) + " |")
    lines.append("")
    for form, table in sentences.items():
        for name in ("segment()", "classifier on segment items"):
            if name in table and form == "run_on":
                lines += _confusion_table(f"{name}, {form}", table[name]["confusion"])
    return lines


CONFUSED = ("requirement", "nice_to_have", "responsibility", "role", "company", "benefits")


def _confusion_table(title: str, confusion: dict[str, dict[str, int]]) -> list[str]:
    """Rows: gold label; columns: what was predicted (the classes easily mixed up)."""
    columns = [*CONFUSED, "heading", "rest"]
    lines = [
        f"Confusion, {title} (rows gold, columns predicted):",
        "",
        "| gold \\ predicted | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for gold in CONFUSED:
        row = confusion.get(gold, {})
        cells = [row.get(c, 0) for c in columns[:-1]]
        rest = sum(v for k, v in row.items() if k not in columns)
        lines.append(f"| {gold} | " + " | ".join(str(x) for x in [*cells, rest]) + " |")
    lines.append("")
    return lines


def write_results(section: str) -> None:
    text = RESULTS.read_text("utf-8")
    start = text.find(HEADING)
    if start < 0:
        text = text.rstrip() + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(HEADING))
        end = following + 1 if following >= 0 else len(text)
        text = text[:start] + section + ("\n" if following >= 0 else "") + text[end:]
    RESULTS.write_text(text, "utf-8")


NOTES_FILE = Path(__file__).resolve().parent / "reading_notes.md"
BEFORE_FILE = Path(__file__).resolve().parent / "reading_before.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-results", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated parts to run")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    parser.add_argument("--model", type=Path, default=None, help="item classifier to measure")
    parser.add_argument(
        "--from-json",
        type=Path,
        default=None,
        help="render figures a run wrote with --json (e.g. measured in a checkout of an "
        "older commit) instead of measuring",
    )
    parser.add_argument(
        "--state", default="", help="what was measured (commit, wiring), shown in the section"
    )
    parser.add_argument(
        "--requirements",
        choices=("eval", "dev"),
        default="eval",
        help="requirement labels to measure: the evaluation ads (reported) or the training "
        "ads labelled for development (to study errors on; never --write-results)",
    )
    args = parser.parse_args(argv)
    if args.requirements == "dev" and args.write_results:
        parser.error("development figures are not written to RESULTS.md")
    global MODEL_PATH, REQUIREMENT_SET
    MODEL_PATH = args.model
    REQUIREMENT_SET = args.requirements
    only = set(filter(None, args.only.split(","))) or None
    measured = args.from_json
    results = json.loads(measured.read_text("utf-8")) if measured else run(only)
    if args.state:
        results["state"] = args.state
    notes = NOTES_FILE.read_text("utf-8") if NOTES_FILE.is_file() else ""
    before = json.loads(BEFORE_FILE.read_text("utf-8")) if BEFORE_FILE.is_file() else None
    section = render(results, notes, before)
    print(section)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    if args.write_results:
        write_results(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())

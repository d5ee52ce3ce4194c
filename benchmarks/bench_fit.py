"""How well the fit ranks jobs and agrees with a recruiter's verdicts (issue 14).

Two benchmarks on the team's labelled data:

- **Field ranking.** The 28 evaluation CVs (``corpora/cvs/cvs.tsv``, split ``eval``; two
  per field, 14 fields) against every posting of known field: the team's 96
  (``corpora/postings/``) and the SkillSpan ads whose field the team labelled
  (``corpora/labels/skillspan_ads_*.tsv``, field ``other`` skipped; their text is rebuilt
  in memory from ``../shared/data/skillspan``). Per CV: ROC AUC of own-field postings
  against the rest, and precision@10; the mean over CVs and per field, for today's fit
  (the weighted share of requirements met, rebuilt here from each report's matches),
  the new fit (``report.fit``), and a plain TF-IDF cosine of the two whole texts
  (scikit-learn ``TfidfVectorizer()`` with its defaults, fitted on the postings).
- **Verdicts.** ``corpora/labels/pairs.tsv`` (225 CV x posting pairs labelled strong,
  stretch, poor). Verdict agreement and Spearman correlation of the fit with the labels
  (poor < stretch < strong). The new fit's weights and verdict thresholds are fitted
  by grouped 5-fold cross-validation (folds grouped by CV id, seed 14): each fold is
  scored with values fitted on the other four, and the figures are over the held-out
  folds. The weights maximise Spearman on the training folds' pairs plus the mean field
  AUC of their CVs; the thresholds then maximise verdict agreement. ``--fit`` also
  prints the values fitted on all CVs, which are what ``matcher/fit/two_sided.py``
  ships (``CALIBRATIONS``).

Every posting and profile is read once and parsed postings are kept in memory; about
7,000 ``match()`` calls in all. Re-run after any change to reading or scoring:

    python benchmarks/bench_fit.py            # figures (Markdown) for benchmarks/RESULTS.md
    python benchmarks/bench_fit.py --fit      # also the fitted weights and thresholds
    python benchmarks/bench_fit.py --json out.json   # every pair's components, for study
    python benchmarks/bench_fit.py --scored out.json # re-fit and re-report without matching
    python benchmarks/bench_fit.py --similarity embeddings --fit   # the other text similarity
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SKILLSPAN = REPO.parent / "shared" / "data" / "skillspan"
LABELS = REPO / "corpora" / "labels"
CVS = REPO / "corpora" / "cvs"
POSTINGS = REPO / "corpora" / "postings"
ORDER = {"poor": 0, "stretch": 1, "strong": 2}
SEED = 14
FOLDS = 5


# ---------------------------------------------------------------- data


_NO_SPACE_BEFORE = re.compile(r" ([.,;:!?%)\]}'’]|n't|'s|'re|'ve|'ll|'d|'m)(?=\s|$)")
_NO_SPACE_AFTER = re.compile(r"([(\[{$£€#]) ")


def detokenise(tokens: Sequence[str]) -> str:
    """A sentence's tokens as ordinary text (spaces before punctuation removed)."""
    text = " ".join(tokens)
    text = _NO_SPACE_BEFORE.sub(r"\1", text)
    return _NO_SPACE_AFTER.sub(r"\1", text)


def skillspan_texts() -> dict[str, str]:
    """Every SkillSpan ad's text by id (``SPLIT-SOURCE-IDX``), one sentence a line.

    Uses the job-board reassembly of ``matcher.train.postings`` (line-broken form) where
    it exists, else joins each sentence's detokenised tokens.
    """
    try:
        from matcher.train import postings as reassembly
    except ImportError:
        reassembly = None  # type: ignore[assignment]
    if reassembly is not None:
        ads = reassembly.read_ads(SKILLSPAN)
        return {ad: reassembly.reassemble(a, "line_broken").text for ad, a in ads.items()}
    sentences: dict[str, list[list[str]]] = defaultdict(list)
    for split in ("train", "dev"):
        with (SKILLSPAN / f"{split}.json").open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    sentences[f"{split}-{row['source']}-{row['idx']}"].append(row["tokens"])
    return {ad: "\n".join(detokenise(s) for s in sents) for ad, sents in sentences.items()}


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@dataclass
class Data:
    cvs: dict[str, Any]  # id -> Profile
    cv_field: dict[str, str]
    cv_text: dict[str, str]
    postings: dict[str, Any]  # id -> Posting
    posting_field: dict[str, str]  # only postings of known field
    posting_text: dict[str, str]
    pairs: list[dict[str, str]]


def load_data() -> Data:
    from matcher import load_profile
    from matcher.errors import MatcherError
    from matcher.understand.documents import load_postings

    cv_rows = [r for r in read_tsv(CVS / "cvs.tsv") if r["split"] == "eval"]
    cvs = {r["id"]: load_profile(CVS / r["file"], name=r["id"]) for r in cv_rows}
    cv_text = {k: p.text for k, p in cvs.items()}
    field: dict[str, str] = {}
    texts: dict[str, str] = {}
    for row in read_tsv(POSTINGS / "postings.tsv"):
        key = f"corpora/postings/{row['posting']}"
        field[key] = row["field"]
        texts[key] = (POSTINGS / row["posting"]).read_text(encoding="utf-8")
    ads = skillspan_texts()
    for path in sorted(LABELS.glob("skillspan_ads_*.tsv")):
        for row in read_tsv(path):
            if row["field"] != "other":
                field[row["ad"]] = row["field"]
    pairs = read_tsv(LABELS / "pairs.tsv")
    for key in itertools.chain(field, (p["posting"] for p in pairs)):
        if key not in texts:
            texts[key] = ads[key]
    postings: dict[str, Any] = {}
    names = sorted(texts)
    for name, posting in zip(names, load_postings([(n, texts[n]) for n in names])):
        if isinstance(posting, MatcherError):
            print(f"skipped {name}: {posting}", file=sys.stderr)
        else:
            postings[name] = posting
    return Data(
        cvs=cvs,
        cv_field={r["id"]: r["field"] for r in cv_rows},
        cv_text=cv_text,
        postings=postings,
        posting_field={k: v for k, v in field.items() if k in postings},
        posting_text=texts,
        pairs=[p for p in pairs if p["posting"] in postings and p["cv"] in cvs],
    )


# ---------------------------------------------------------------- scores


def todays_status(m: Any, profile: Any) -> tuple[str, bool | None]:
    """A match's status and gate as the fit before issue 14 had them: a years gate was
    met when the skill matched and its years, or the whole career's, reached the ask;
    an unshown gate turned a match into a gap."""
    need, gate = m.requirement, m.gate_status
    if gate is None:
        return m.status, None
    if need.gate == "years" and m.score >= 75:
        years = max(
            filter(None, ((m.strength.years if m.strength else None), profile.years_experience)),
            default=0,
        )
        met = years >= (need.years or 0)
    else:
        met = gate == "met"
    status = "match" if m.score >= 75 else "prepare" if m.score >= 50 else "missing"
    if need.gate == "degree" and met:
        status = "match"
    elif not met and status == "match":
        status = "prepare"
    return status, met


def todays_fit(report: Any, profile: Any) -> tuple[float, str]:
    """The fit and verdict before issue 14 (README of then): the weighted share of
    requirements met; poor under 35 or with most required items missing, strong from 70
    with every required gate shown."""
    total = credit = 0.0
    required = missing = unshown = 0
    # Then the duties' known skills were requirements too (weight 0.6).
    for m in (*report.matches, *getattr(report, "duties", ())):
        status, met = todays_status(m, profile)
        weight = m.requirement.weight
        total += weight
        credit += weight * (m.score / 100 if status == "match" else 0.0)
        if m.requirement.importance == "required":
            required += 1
            missing += status == "missing"
            unshown += met is False
    fit = 100 * credit / total if total else 0.0
    if fit < 35 or (required and missing > 0.5 * required):
        return fit, "poor"
    return fit, "strong" if fit >= 70 and not unshown else "stretch"


def tfidf_scores(data: Data, keys: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    names = sorted(data.postings)
    vectorizer = TfidfVectorizer().fit([data.posting_text[n] for n in names])
    posts = dict(zip(names, vectorizer.transform([data.posting_text[n] for n in names])))
    cvs = {k: vectorizer.transform([t]) for k, t in data.cv_text.items()}
    return {(c, p): float((cvs[c] @ posts[p].T).toarray()[0, 0]) for c, p in keys}


def score_all(data: Data, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Each (CV, posting) pair's report summary: today's fit and the new fit's parts."""
    from matcher import match

    tfidf = tfidf_scores(data, keys)
    out = {}
    for cv, post in keys:
        report = match(data.cvs[cv], data.postings[post])
        old, old_verdict = todays_fit(report, data.cvs[cv])
        row: dict[str, Any] = {
            "today": old,
            "today_verdict": old_verdict,
            "new": report.fit,
            "new_verdict": report.verdict,
            "tfidf": 100 * tfidf[(cv, post)],
        }
        parts = getattr(report, "parts", None)
        if parts is not None:
            row.update(parts.to_dict())
            row["blocked"] = report.eligibility.blocked
        out[(cv, post)] = row
    return out


# ---------------------------------------------------------------- metrics


def roc_auc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(positive, scores))


def precision_at(scores: Sequence[float], positive: Sequence[bool], k: int = 10) -> float:
    # Ties are broken by the posting's name (a fixed order), never in the method's favour.
    order = sorted(range(len(scores)), key=lambda i: -scores[i])[:k]
    return sum(positive[i] for i in order) / k


def field_ranking(data: Data, scored: dict, methods: Sequence[str]) -> dict[str, Any]:
    per_cv: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    names = sorted(data.posting_field)
    for cv, field in data.cv_field.items():
        positive = [data.posting_field[p] == field for p in names]
        for method in methods:
            scores = [scored[(cv, p)][method] for p in names]
            per_cv[method][cv] = (roc_auc(scores, positive), precision_at(scores, positive))
    return per_cv


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


# ---------------------------------------------------------------- fitting


def grouped_folds(groups: Sequence[str], folds: int = FOLDS, seed: int = SEED) -> dict[str, int]:
    """A fold number per group (CV id): every row of one CV lands in the same fold."""
    unique = sorted(set(groups))
    rng = np.random.default_rng(seed)
    rng.shuffle(unique)
    return {g: i % folds for i, g in enumerate(unique)}


def verdicts(fits: np.ndarray, blocked: np.ndarray, low: float, high: float) -> np.ndarray:
    """0 poor, 1 stretch, 2 strong: the rule of ``matcher.fit.core.verdict_for``."""
    return np.where(fits < low, 0, np.where((fits >= high) & ~blocked, 2, 1))


def fit_thresholds(
    fits: np.ndarray, blocked: np.ndarray, labels: np.ndarray
) -> tuple[float, float]:
    """The (poor below, strong from) thresholds that agree with most labels; ties go to
    the lowest pair found first (a fixed order)."""
    best = (-1.0, 0.0, 0.0)
    for low in np.arange(0, 101, 1.0):
        for high in np.arange(low, 101, 1.0):
            agree = float((verdicts(fits, blocked, low, high) == labels).mean())
            if agree > best[0] + 1e-12:
                best = (agree, float(low), float(high))
    return best[1], best[2]


class Table:
    """Every scored pair's parts as arrays, so that each candidate weighting is scored
    at once (the same formula as ``two_sided.combine_parts``, checked on every row)."""

    def __init__(self, data: Data, scored: dict) -> None:
        self.cvs = sorted(data.cvs)
        self.posts = sorted(data.posting_field)
        grid_keys = [(c, p) for c in self.cvs for p in self.posts]
        pair_keys = [(r["cv"], r["posting"]) for r in data.pairs]
        self.keys = grid_keys + pair_keys
        rows = [scored[k] for k in self.keys]
        self.met = np.array([r["met"] for r in rows])
        self.counted = np.array([r["counted"] for r in rows])
        self.has_sim = np.array([r["similarity"] is not None for r in rows])
        self.sim = np.array([r["similarity"] or 0.0 for r in rows])
        self.field = np.array([r["field"] for r in rows])
        self.core = np.array([(r["core"] or 0.0) / 100 for r in rows])
        self.has_core = np.array([r["core"] is not None for r in rows])
        self.blocked = np.array([bool(r["blocked"]) for r in rows])
        self.n_grid = len(grid_keys)
        self.positive = np.array(
            [[data.posting_field[p] == data.cv_field[c] for p in self.posts] for c in self.cvs]
        )
        self.labels = np.array([ORDER[r["label"]] for r in data.pairs])
        self.pair_cv = [r["cv"] for r in data.pairs]

    def fits(self, w: Any) -> np.ndarray:
        """The fit of every row under a ``two_sided.Calibration``."""
        total = w.coverage * self.met / (self.counted + w.prior) + w.field * self.field
        norm = np.full(len(self.met), w.coverage + w.field)
        text = np.clip((self.sim - w.low) / (w.full - w.low), 0.0, 1.0)
        total += np.where(self.has_sim, w.text * text, 0.0)
        norm += np.where(self.has_sim, w.text, 0.0)
        total += np.where(self.has_core, w.core * self.core, 0.0)
        norm += np.where(self.has_core, w.core, 0.0)
        return np.round(100 * total / norm, 1)

    def aucs(self, fits: np.ndarray, cv_rows: np.ndarray) -> np.ndarray:
        """ROC AUC of own-field postings per CV (rows of the CV x posting grid)."""
        from scipy.stats import rankdata

        grid = fits[: self.n_grid].reshape(len(self.cvs), len(self.posts))[cv_rows]
        pos = self.positive[cv_rows]
        ranks = rankdata(grid, axis=1)
        n_pos = pos.sum(axis=1)
        n_neg = pos.shape[1] - n_pos
        return ((ranks * pos).sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)

    def pair_fits(self, fits: np.ndarray) -> np.ndarray:
        return fits[self.n_grid :]


def objective(table: Table, fits: np.ndarray, cvs: set[str]) -> float:
    """What the weights are fitted for, on the training CVs only: Spearman of fit with
    the labelled verdicts plus the mean field-ranking AUC."""
    from scipy.stats import spearmanr

    cv_rows = np.array([c in cvs for c in table.cvs])
    pair_rows = np.array([c in cvs for c in table.pair_cv])
    rho = spearmanr(table.pair_fits(fits)[pair_rows], table.labels[pair_rows]).statistic
    return float(rho) + float(table.aucs(fits, cv_rows).mean())


def fit_on(table: Table, cvs: set[str], grid: list) -> tuple[Sequence[float], float, float]:
    """Weights (best objective) then thresholds (most agreement), on ``cvs`` only."""
    best: tuple[float, Any] = (-9.0, grid[0])
    for w in grid:
        score = objective(table, table.fits(w), cvs)
        if score > best[0] + 1e-12:
            best = (score, w)
    weights = best[1]
    rows = np.array([c in cvs for c in table.pair_cv])
    fits = table.pair_fits(table.fits(weights))
    low, high = fit_thresholds(fits[rows], table.blocked[table.n_grid :][rows], table.labels[rows])
    return weights, low, high


def cross_validate(table: Table, grid: list) -> dict[str, Any]:
    """Grouped 5-fold CV by CV id: each fold's CVs are scored with what the others fit."""
    fold_of = grouped_folds(table.cvs)
    held_fit = np.zeros(len(table.keys))
    predicted = np.zeros(len(table.labels), dtype=int)
    chosen = []
    for k in range(FOLDS):
        train = {c for c, f in fold_of.items() if f != k}
        weights, low, high = fit_on(table, train, grid)
        chosen.append((weights, low, high))
        fits = table.fits(weights)
        for i, (c, _) in enumerate(table.keys):
            if fold_of[c] == k:
                held_fit[i] = fits[i]
        rows = np.array([fold_of[c] == k for c in table.pair_cv])
        pair_fits = table.pair_fits(fits)
        predicted[rows] = verdicts(pair_fits[rows], table.blocked[table.n_grid :][rows], low, high)
    return {"fits": held_fit, "predicted": predicted, "folds": chosen}


# ---------------------------------------------------------------- report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="print fitted weights and thresholds")
    parser.add_argument("--json", type=Path, help="write every scored pair here")
    parser.add_argument(
        "--scored", type=Path, help="read the scored pairs from an earlier --json (no matching)"
    )
    parser.add_argument(
        "--similarity",
        choices=("default", "tfidf", "embeddings"),
        default="default",
        help="the document similarity of role relevance (default: what the fit uses)",
    )
    args = parser.parse_args()
    by = choose_similarity(args.similarity)

    started = time.perf_counter()
    data = load_data()
    loaded = time.perf_counter()
    keys = sorted(
        {(cv, p) for cv in data.cvs for p in data.posting_field}
        | {(r["cv"], r["posting"]) for r in data.pairs}
    )
    if args.scored:
        saved = json.loads(args.scored.read_text())
        scored = {(r.pop("cv"), r.pop("posting")): r for r in saved}
    else:
        scored = score_all(data, keys)
    done = time.perf_counter()
    print(
        f"{len(data.cvs)} CVs, {len(data.posting_field)} postings of known field "
        f"({sum(1 for p in data.posting_field if p.startswith('corpora/'))} the team's), "
        f"{len(data.pairs)} labelled pairs; {len(keys)} matches. "
        f"Reading {loaded - started:.0f} s, scoring {done - loaded:.0f} s.\n",
        file=sys.stderr,
    )
    if args.json:
        args.json.write_text(
            json.dumps([{"cv": c, "posting": p, **v} for (c, p), v in scored.items()], indent=1)
        )
    methods = ["today", "new", "tfidf"]
    held = None
    if "met" in next(iter(scored.values())):
        from matcher.fit import two_sided

        table = Table(data, scored)
        shipped = table.fits(two_sided.calibration(by))
        if args.scored:
            # Pairs scored earlier: their parts stand, the fit and verdict are recomputed
            # with the calibration in force now.
            for key, fit in zip(table.keys, shipped):
                row = scored[key]
                row["new"] = float(fit)
                blocked = np.array([bool(row["blocked"])])
                cal = two_sided.calibration(by)
                verdict = verdicts(np.array([fit]), blocked, cal.poor, cal.strong)[0]
                row["new_verdict"] = list(ORDER)[verdict]
        # The parts in a report are rounded; only a last-digit difference is allowed.
        mismatch = [k for k, f in zip(table.keys, shipped) if abs(f - scored[k]["new"]) > 0.15]
        assert not mismatch, f"the vectorised fit differs from match()'s: {mismatch[:3]}"
        held = cross_validate(table, two_sided.weight_grid(by))
        for key, fit in zip(table.keys, held["fits"]):
            scored[key]["new_cv"] = float(fit)
        methods = ["today", "new_cv", "new", "tfidf"]

    per_cv = field_ranking(data, scored, methods)
    print("Field ranking (mean over CVs): ROC AUC / precision@10\n")
    print("| method | AUC | P@10 |\n|---|---|---|")
    for m in methods:
        auc = np.mean([v[0] for v in per_cv[m].values()])
        p10 = np.mean([v[1] for v in per_cv[m].values()])
        print(f"| {NAMES[m]} | {auc:.3f} | {p10:.2f} |")
    fields = sorted(set(data.cv_field.values()))
    print("\n| field | " + " | ".join(f"{NAMES[m]}" for m in methods) + " |")
    print("|---|" + "---|" * len(methods))
    for field in fields:
        cvs = [c for c, f in data.cv_field.items() if f == field]
        cells = []
        for m in methods:
            auc = np.mean([per_cv[m][c][0] for c in cvs])
            p10 = np.mean([per_cv[m][c][1] for c in cvs])
            cells.append(f"{auc:.2f} / {p10:.2f}")
        print(f"| {field} | " + " | ".join(cells) + " |")

    rows = [{**r, **scored[(r["cv"], r["posting"])]} for r in data.pairs]
    labels = np.array([ORDER[r["label"]] for r in rows])
    print(f"\nVerdicts on {len(rows)} labelled pairs ({dict(Counter(r['label'] for r in rows))})\n")
    print("| method | agreement | Spearman |\n|---|---|---|")
    agree_today = np.mean([ORDER[r["today_verdict"]] == y for r, y in zip(rows, labels)])
    print(
        f"| {NAMES['today']}, its fixed thresholds 35/70 | {agree_today:.1%} | "
        f"{spearman([r['today'] for r in rows], labels):.3f} |"
    )
    print(f"| TF-IDF cosine | - | {spearman([r['tfidf'] for r in rows], labels):.3f} |")
    if held is None:
        return
    agree_cv = float((held["predicted"] == labels).mean())
    print(
        f"| {NAMES['new_cv']} | {agree_cv:.1%} | "
        f"{spearman(table.pair_fits(held['fits']), labels):.3f} |"
    )
    agree_new = np.mean([ORDER[r["new_verdict"]] == y for r, y in zip(rows, labels)])
    print(
        f"| {NAMES['new']} | {agree_new:.1%} | {spearman([r['new'] for r in rows], labels):.3f} |"
    )
    confusion = np.zeros((3, 3), dtype=int)
    for p, y in zip(held["predicted"], labels):
        confusion[y, p] += 1
    print("\nHeld-out verdicts (rows: label poor/stretch/strong; columns: predicted)\n")
    for name, line in zip(ORDER, confusion):
        print(f"    {name:8s} {line.tolist()}")
    if args.fit:
        print()
        for k, (w, low, high) in enumerate(held["folds"]):
            print(f"fold {k}: {w}, poor < {low}, strong >= {high}")
        weights, low, high = fit_on(table, set(table.cvs), two_sided.weight_grid(by))
        print(f"all CVs ({by}): {weights}, poor < {low}, strong >= {high}")


def choose_similarity(wanted: str) -> str:
    """Make the fit use the ``wanted`` document similarity; the representation used.

    A representation the fit has no calibration for yet is scored with the TF-IDF
    one's weights and its own similarity range (so "new, shipped" is not fitted for
    it); the cross-validated figures fit everything afresh either way.
    """
    import dataclasses

    from matcher.fit import two_sided
    from matcher.understand import similarity

    if wanted == "default":
        return two_sided.text_backend()
    if wanted == "embeddings" and similarity.backend() != "embeddings":
        sys.exit("the embedding model does not load here; cannot measure it")
    if wanted not in two_sided.CALIBRATIONS:
        base = two_sided.CALIBRATIONS["tfidf"]
        two_sided.CALIBRATIONS[wanted] = dataclasses.replace(base, low=0.5, full=0.9)
        print(
            f"note: no calibration for {wanted} yet; 'shipped' uses placeholders", file=sys.stderr
        )
    two_sided.text_backend = lambda: wanted  # type: ignore[assignment]
    return wanted


NAMES = {
    "today": "today's fit",
    "new_cv": "new fit, cross-validated (grouped 5-fold by CV, seed 14)",
    "new": "new fit, shipped values (fitted on all CVs: not held out)",
    "tfidf": "TF-IDF cosine of whole texts",
}


if __name__ == "__main__":
    main()

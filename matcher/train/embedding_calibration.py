"""The combined scorer's calibration: the embedding cosine and lexical likeness on 0-100.

``python -m matcher.train.embeddings --calibrate-only`` fits it (runtime dependencies
only) and writes ``calibration.json`` beside the model;
``matcher.understand.embeddings.Calibration`` applies it. It is fitted on pairs of the
skills held out of the model's fine-tuning and on the team's development pairs written
as CV lines and job-ad asks (``corpora/labels/paraphrases_dev.tsv``, look-alike traps
among them). Never fitted on ``corpora/labels/paraphrases.tsv``, the evaluation set.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from matcher.train.embedding_pairs import DEFAULT_HARD_MIN_SIM, Data, roc_auc


def calibration_pairs(data: Data, model) -> list[tuple[str, str, str, str]]:
    """(text 1, text 2, label, source) of the held-out dev skills, never trained on.

    Labels as the paraphrase set's: an alias of the same skill is ``same``; a skill and
    its broader skill, or two skills with the same broader one, ``adjacent``; a random,
    a look-alike (character n-grams) or the nearest unrelated skill by the model's own
    cosine ``unrelated``. The last two are the hard cases a scorer meets: "Java" for
    "JavaScript", "MySQL" for "Microsoft Excel".
    """
    out = []
    for source, rows in data.dev_eval_pairs().items():
        for a, b, positive, kind in rows:
            label = ("same" if kind == "alias" else "adjacent") if positive else "unrelated"
            out.append((a, b, label, source))
    keys = data.vkeys
    names = [data.key_name[k] for k in keys]
    vectors = model.embed(names)
    children: dict[str, list[str]] = {}
    for child, parent in data.parent.items():
        children.setdefault(parent, []).append(child)
    for i, key in enumerate(keys):
        if key not in data.dev_keys:
            continue
        siblings = [k for k in children.get(data.parent.get(key, ""), []) if k != key]
        for other in siblings[:2]:
            out.append((data.key_name[key], data.key_name[other], "adjacent", "vocabulary"))
        for j in np.argsort(-(vectors @ vectors[i]))[1:]:
            other = keys[int(j)]
            if not data.related(key, other) and other not in siblings:
                out.append((data.key_name[key], names[int(j)], "unrelated", "vocabulary"))
                break
    return out


DEV_SOURCE = "paraphrases_dev"
# How much each source of skill-name pairs weighs beside the development pairs: chosen by
# leave-one-field-out cross-validation on the development pairs (0.3 kept the most
# unrelated pairs apart at a like ROC AUC; 1.0 fitted skill names, not CV lines).
SKILL_PAIRS_SHARE = 0.3


def label_weights(labels: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """Weights under which the three labels weigh alike, and within each the sources."""
    weight = np.zeros(len(labels))
    for label in ("same", "adjacent", "unrelated"):
        in_label = labels == label
        present = [s for s in np.unique(sources) if (in_label & (sources == s)).any()]
        for source in present:
            mask = in_label & (sources == source)
            weight[mask] = 1.0 / (mask.sum() * len(present))
    return weight / weight.mean()


def fit_calibration(features: np.ndarray, labels: np.ndarray, sources: np.ndarray) -> dict:
    """Two logistic regressions on the pair features: P(same) and P(related).

    Within each side of a question the three labels weigh alike (:func:`label_weights`),
    each skill-pair source at ``SKILL_PAIRS_SHARE`` of the development pairs (written as
    CV lines and asks, they are what the scorer meets), and the two sides weigh half
    each, so the scorer's 75 is where a pair is as likely the same skill as not, and 50
    where it is as likely related (same or adjacent) as unrelated.
    """
    from sklearn.linear_model import LogisticRegression

    weight = label_weights(labels, sources)
    weight = np.where(sources == DEV_SOURCE, weight, SKILL_PAIRS_SHARE * weight)
    out = {}
    for name, positive in (("same", labels == "same"), ("related", labels != "unrelated")):
        # Each side of the question weighs half: "as likely as not" at equal priors.
        balanced = np.where(
            positive, weight / weight[positive].sum(), weight / weight[~positive].sum()
        )
        model = LogisticRegression(C=100.0).fit(
            features, positive, sample_weight=balanced / balanced.mean()
        )
        out[name] = {
            "coef": [round(float(c), 5) for c in model.coef_[0]],
            "intercept": round(float(model.intercept_[0]), 5),
        }
    return out


DEV_PAIRS = "paraphrases_dev.tsv"


def dev_pairs(path: Path) -> list[tuple[str, str, str, str]]:
    """(requirement, strength, label, "paraphrases_dev") of the team's development pairs."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(r["requirement"], r["strength"], r["label"], DEV_SOURCE) for r in rows]


def pair_features(pairs: list[tuple[str, str, str, str]], model) -> np.ndarray:
    """(cosine, lexical / 100, shared word, residual cosine) of each pair, as scoring sees
    them (``matcher.score.scoring.pair_signals``; each side with its vocabulary skill)."""
    from matcher.score.scoring import Side, pair_signals, tfidf_for
    from matcher.understand.vocabulary import shipped_vocabulary

    vocabulary = shipped_vocabulary()
    tfidf = tfidf_for(vocabulary)
    rows = []
    for a, b, _, _ in pairs:
        sides = []
        for text in (a, b):
            skill = vocabulary.lookup(text) if text.strip() else None
            sides.append(Side(text, skill.name if skill else None))
        got = pair_signals([sides[0]], [sides[1]], vocabulary, tfidf=tfidf, model=model)
        shared = float(got.shared_word[0, 0])  # type: ignore[index]
        rows.append(
            (
                float(got.cosine[0, 0]),  # type: ignore[index]
                float(got.lexical[0, 0]) / 100,
                shared,
                shared * float(got.residual_cosine[0, 0]),  # type: ignore[index]
            )
        )
    return np.array(rows, dtype=np.float64)


def calibrate(
    model_dir: str, vocabulary_dir: str, esco: str, seed: int, dev: str | None = None
) -> dict:
    """Fit ``calibration.json`` for the model in ``model_dir`` and write it there.

    The pairs are those of the skills held out of fine-tuning (:func:`calibration_pairs`)
    and the development pairs in ``dev`` (default ``corpora/labels/paraphrases_dev.tsv``);
    the features those of :func:`pair_features`. Never fitted on
    ``corpora/labels/paraphrases.tsv``, which is the held-out evaluation set.
    """
    from matcher.paths import corpora_dir
    from matcher.understand.embeddings import (
        CALIBRATION_FILE,
        FEATURES,
        Calibration,
        StaticEmbeddings,
    )

    data = Data(vocabulary_dir, esco, seed, DEFAULT_HARD_MIN_SIM)
    model = StaticEmbeddings.load(Path(model_dir), calibrated=False)
    dev_path = Path(dev) if dev else corpora_dir() / "labels" / DEV_PAIRS
    pairs = calibration_pairs(data, model) + dev_pairs(dev_path)
    labels = np.array([p[2] for p in pairs])
    sources = np.array([p[3] for p in pairs])
    features = pair_features(pairs, model)
    fitted = fit_calibration(features, labels, sources)
    counts = {
        str(source): {k: int(((labels == k) & (sources == source)).sum()) for k in LABELS}
        for source in np.unique(sources)
    }
    out: dict = {
        "fitted_on": f"held-out dev skills of the embedding training (seed {seed}) and "
        f"{dev_path.name}",
        "features": list(FEATURES),
        "pairs": counts,
    }
    out.update(fitted)
    calibration = Calibration.from_dict(out)
    scores = calibration.score(
        features[:, 0], features[:, 1] * 100, features[:, 2], _rest(features)
    )
    status = np.where(scores >= 75, "same", np.where(scores >= 50, "adjacent", "unrelated"))
    weight = label_weights(labels, sources)
    out["dev"] = {
        "auc_related": round(roc_auc(labels != "unrelated", scores), 4),
        "auc_related_cosine": round(roc_auc(labels != "unrelated", features[:, 0]), 4),
        "auc_related_lexical": round(roc_auc(labels != "unrelated", features[:, 1]), 4),
        "balanced_status_agreement": round(float((weight * (status == labels)).mean()), 4),
    }
    (Path(model_dir) / CALIBRATION_FILE).write_text(json.dumps(out, indent=1) + "\n")
    return out


LABELS = ("same", "adjacent", "unrelated")


def _rest(features: np.ndarray) -> np.ndarray:
    """The residual cosine back from its product with the shared-word flag."""
    return np.where(features[:, 2] > 0, features[:, 3], 0.0)

"""The combined scorer's calibration: the embedding cosine and lexical likeness on 0-100.

``python -m matcher.train.embeddings --calibrate-only`` fits it (runtime dependencies
only) on pairs of the skills held out of the model's fine-tuning and writes
``calibration.json`` beside the model; ``matcher.understand.embeddings.Calibration``
applies it. Never fitted on ``corpora/labels/paraphrases.tsv``, the evaluation set.
"""

from __future__ import annotations

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
    """Two logistic regressions on (cosine, lexical / 100): P(same) and P(related).

    Within each side of a question the three labels weigh alike (:func:`label_weights`),
    and the two sides weigh half each, so the scorer's 75 is where a pair is as likely
    the same skill as not, and 50 where it is as likely related (same or adjacent) as
    unrelated.
    """
    from sklearn.linear_model import LogisticRegression

    weight = label_weights(labels, sources)
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


def calibrate(model_dir: str, vocabulary_dir: str, esco: str, seed: int) -> dict:
    """Fit ``calibration.json`` for the model in ``model_dir`` and write it there.

    The pairs are those of the skills held out of fine-tuning (:func:`calibration_pairs`);
    the features are the model's cosine and the scorer's lexical likeness (TF-IDF and
    rapidfuzz, uncalibrated). Never fitted on ``corpora/labels/paraphrases.tsv``, which
    is the held-out evaluation set.
    """
    from matcher.score.scoring import lexical_scores
    from matcher.understand.embeddings import CALIBRATION_FILE, Calibration, StaticEmbeddings
    from matcher.understand.vocabulary import shipped_vocabulary

    data = Data(vocabulary_dir, esco, seed, DEFAULT_HARD_MIN_SIM)
    model = StaticEmbeddings.load(Path(model_dir), calibrated=False)
    pairs = calibration_pairs(data, model)
    labels = np.array([p[2] for p in pairs])
    sources = np.array([p[3] for p in pairs])
    left, right = [p[0] for p in pairs], [p[1] for p in pairs]
    cosine = (model.embed(left) * model.embed(right)).sum(axis=1)
    lexical = lexical_scores(left, right, shipped_vocabulary())
    features = np.column_stack([cosine, lexical / 100])
    fitted = fit_calibration(features, labels, sources)
    counts = {k: int((labels == k).sum()) for k in ("same", "adjacent", "unrelated")}
    out: dict = {"fitted_on": f"held-out dev skills of the embedding training (seed {seed})"}
    out["pairs"] = counts
    out.update(fitted)
    scores = Calibration.from_dict(out).score(cosine, lexical)
    status = np.where(scores >= 75, "same", np.where(scores >= 50, "adjacent", "unrelated"))
    weight = label_weights(labels, sources)
    out["dev"] = {
        "auc_related": round(roc_auc(labels != "unrelated", scores), 4),
        "auc_related_cosine": round(roc_auc(labels != "unrelated", cosine), 4),
        "auc_related_lexical": round(roc_auc(labels != "unrelated", lexical), 4),
        "balanced_status_agreement": round(float((weight * (status == labels)).mean()), 4),
    }
    (Path(model_dir) / CALIBRATION_FILE).write_text(json.dumps(out, indent=1) + "\n")
    return out

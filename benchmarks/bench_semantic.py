"""Semantic similarity (issue 17): the combined scorer against today's lexical one.

    python benchmarks/bench_semantic.py                 # paraphrases, examples, load time
    python benchmarks/bench_semantic.py --onnx PATH     # also the full transformer (onnxruntime)

On ``corpora/labels/paraphrases.tsv`` (552 strength/requirement pairs the team wrote,
labelled same/adjacent/unrelated; no threshold, weight or calibration was fitted on
them): ROC AUC of same+adjacent against unrelated, and the share of pairs whose status
agrees with the label (same -> match >= 75, adjacent -> near 50-75, unrelated -> apart
< 50). Each side's canonical skill is what extraction finds in it, when it finds exactly
one known skill, as ``match()`` would score it. Also the issue's six example pairs and
the embedding model's load time and memory.

``--onnx`` scores the pairs by the plain cosine of the full all-MiniLM-L6-v2 transformer
exported to ONNX (needs onnxruntime and the transformer's tokenizer.json, ``--onnx-tokenizer``)
and reports its AUC, its load time, per-text time and memory.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "benchmarks"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

PARAPHRASES = ROOT / "corpora" / "labels" / "paraphrases.tsv"
EXPECTED = {"same": "match", "adjacent": "near", "unrelated": "apart"}
EXAMPLES = [
    ("stakeholder communication", "Strong communication skills", "match"),
    ("Presenting findings to non-technical audiences", "Excellent communication skills", "near"),
    ("Power BI dashboards", "Experience building dashboards", "match"),
    ("Designed PostgreSQL schemas", "Database design", "match"),
    ("Handled 60+ inbound calls a day", "Call centre experience", "match"),
    ("Java", "JavaScript", "apart"),
]


def read_pairs() -> list[dict[str, str]]:
    with PARAPHRASES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def status(score: float) -> str:
    return "match" if score >= 75 else "near" if score >= 50 else "apart"


def canonical(texts: list[str]) -> dict[str, str | None]:
    """The known skill each text names: its alias, else the one skill extraction finds."""
    from matcher.understand.mentions import extract_skills
    from matcher.understand.vocabulary import shipped_vocabulary

    vocabulary = shipped_vocabulary()
    out: dict[str, str | None] = {}
    for text in dict.fromkeys(texts):
        skill = vocabulary.lookup(text)
        if skill is None:
            found = {m.skill for m in extract_skills(text) if m.skill}
            out[text] = found.pop() if len(found) == 1 else None
        else:
            out[text] = skill.name
    return out


def score_all(pairs: list[tuple[str, str]], semantic: bool) -> tuple[np.ndarray, list[str]]:
    """Scores and methods of (strength, requirement) pairs, one score_pairs call each."""
    from matcher.score.scoring import Side, score_pairs
    from matcher.understand.vocabulary import shipped_vocabulary

    vocabulary = shipped_vocabulary()
    names = canonical([t for pair in pairs for t in pair])
    scores, methods = [], []
    for strength, requirement in pairs:
        got, how = score_pairs(
            [Side(requirement, names[requirement])],
            [Side(strength, names[strength])],
            vocabulary,
            semantic=semantic,
        )
        scores.append(float(got[0, 0]))
        methods.append(how[0][0])
    return np.array(scores), methods


def metrics(scores: np.ndarray, labels: list[str]) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    related = np.array([label != "unrelated" for label in labels])
    agree = [status(s) == EXPECTED[label] for s, label in zip(scores, labels)]
    out = {"auc": float(roc_auc_score(related, scores)), "agreement": float(np.mean(agree))}
    for label in EXPECTED:
        mask = [x == label for x in labels]
        out[f"agreement_{label}"] = float(np.mean([a for a, m in zip(agree, mask) if m]))
    traps = [a for a, row in zip(agree, read_pairs()) if row["note"].startswith("trap:")]
    out["traps_apart"] = float(np.mean(traps)) if traps else float("nan")
    return out


def load_cost() -> dict[str, float]:
    """Seconds and resident memory to import numpy+tokenizers and load the model, cold."""
    code = (
        "import time, resource; t = time.perf_counter(); "
        "from matcher.understand.embeddings import load_embeddings; m = load_embeddings(); "
        "m.embed(['stakeholder communication']); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    base = (
        "import time, resource; import numpy; "
        "print(0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    runs = []
    for _ in range(5):
        full = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT
        )
        bare = subprocess.run(
            [sys.executable, "-c", base], capture_output=True, text=True, cwd=ROOT
        )
        seconds, rss = map(float, full.stdout.split())
        _, rss0 = map(float, bare.stdout.split())
        runs.append((seconds, (rss - rss0) / 1024))
    return {
        "load_seconds": float(np.median([r[0] for r in runs])),
        "load_mb_over_numpy": float(np.median([r[1] for r in runs])),
        "size_mb": sum(p.stat().st_size for p in (ROOT / "models" / "embeddings").iterdir()) / 1e6,
    }


def onnx_scores(
    path: Path, tokenizer_file: Path, pairs: list[tuple[str, str]]
) -> tuple[np.ndarray, dict[str, float]]:
    """Plain cosines of the full transformer (mean-pooled ONNX export), and its load cost."""
    start = time.perf_counter()
    import onnxruntime
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.enable_truncation(256)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]

    def encode(texts: list[str]) -> np.ndarray:
        out = []
        for text in texts:
            enc = tokenizer.encode(text)
            feed = {
                "input_ids": np.array([enc.ids], dtype=np.int64),
                "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
                "token_type_ids": np.zeros((1, len(enc.ids)), dtype=np.int64),
            }
            vector = session.run(None, {k: v for k, v in feed.items() if k in names})[0][0]
            out.append(vector / (np.linalg.norm(vector) + 1e-12))
        return np.array(out)

    encode(["warm up"])
    loaded = time.perf_counter() - start
    texts = sorted({t for pair in pairs for t in pair})
    start = time.perf_counter()
    vectors = dict(zip(texts, encode(texts)))
    per_text = (time.perf_counter() - start) / len(texts)
    cosines = np.array([float(vectors[a] @ vectors[b]) for a, b in pairs])
    cost = {
        "load_seconds": loaded,
        "ms_per_text": 1000 * per_text,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "size_mb": path.stat().st_size / 1e6,
    }
    return cosines, cost


def linking(data: Path) -> dict[str, dict[str, float]]:
    """RP@5 and MRR on the Decorte et al. validation sets, lexical and with embeddings.

    ESCO is imported into a temporary ``STRENGTHS_MATCHER_HOME``. Nothing here was
    fitted on these sentences: the calibration comes from held-out skill pairs.
    """
    import os
    import tempfile

    from bench_linking import SETS, read_set, reciprocal_rank, rp_at_k, vocabulary_spans

    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as home:
        os.environ["STRENGTHS_MATCHER_HOME"] = home
        from matcher.understand.taxonomy.store import import_taxonomy, load_taxonomy

        import_taxonomy("esco", data / "esco" / "skills_en.csv")
        index = load_taxonomy("esco")
        for name in SETS:
            queries = read_set(data / "decorte_esco" / f"{name}_validation_annotations.csv")
            spans = vocabulary_spans(queries)
            for variant, phrases in (("sentence", [[] for _ in queries]), ("spans", spans)):
                for semantic in (False, True):
                    start = time.perf_counter()
                    rps, rrs = [], []
                    for (sentence, _, gold), found in zip(queries, phrases):
                        ranked = index.rank_texts(
                            [sentence], phrases=[found], depth=100, semantic=semantic
                        )[0]
                        names = [index.skills[p].name for p, _ in ranked]
                        rps.append(rp_at_k(names, gold))
                        rrs.append(reciprocal_rank(names, gold))
                    key = f"{name} {variant} {'embeddings' if semantic else 'lexical'}"
                    out[key] = {
                        "rp5": 100 * float(np.mean(rps)),
                        "mrr": 100 * float(np.mean(rrs)),
                        "ms_per_sentence": 1000 * (time.perf_counter() - start) / len(queries),
                    }
                    print(key, out[key], flush=True)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--onnx", type=Path, help="the full transformer as ONNX (mean-pooled)")
    parser.add_argument(
        "--onnx-tokenizer",
        type=Path,
        help="the transformer's own tokenizer.json (the static model's has fewer tokens)",
    )
    parser.add_argument("--onnx-only", action="store_true", help="only the ONNX figures")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--linking", type=Path, help="../shared/data: also ESCO linking on Decorte et al."
    )
    args = parser.parse_args(argv)
    rows = read_pairs()
    pairs = [(r["strength"], r["requirement"]) for r in rows]
    labels = [r["label"] for r in rows]
    results: dict[str, object] = {}
    if not args.onnx_only:
        for name, semantic in (("today", False), ("combined", True)):
            scores, methods = score_all(pairs, semantic)
            results[name] = metrics(scores, labels)
            results[f"{name}_methods"] = {m: methods.count(m) for m in sorted(set(methods))}
            example_scores, _ = score_all([(a, b) for a, b, _ in EXAMPLES], semantic)
            results[f"{name}_examples"] = [
                (a, b, round(float(s), 1), status(s), want)
                for (a, b, want), s in zip(EXAMPLES, example_scores)
            ]
        results["model"] = load_cost()
    if args.onnx:
        tokenizer = args.onnx_tokenizer or args.onnx.parent / "tokenizer.json"
        cosines, cost = onnx_scores(args.onnx, tokenizer, pairs)
        from sklearn.metrics import roc_auc_score

        related = [label != "unrelated" for label in labels]
        results["onnx"] = {"auc": float(roc_auc_score(related, cosines)), **cost}
    if args.linking:
        results["linking"] = linking(args.linking)
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

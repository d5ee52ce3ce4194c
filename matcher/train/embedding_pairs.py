"""Skill paraphrase pairs for the embedding model: the vocabulary's and ESCO's, split by skill.

Used by ``matcher.train.embeddings`` (training pairs, a held-out dev set of 10% of the
skills, look-alike negatives) and ``matcher.train.embedding_calibration``.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import os
import random
import re
from pathlib import Path

import numpy as np

# Words that an '='-alias must not teach the (lower-casing) static model: an exact-case alias such
# as "=Go", "=Excel", "=IT support" only means the skill in its capitalised form, which the
# uncased tokenizer cannot see.
_AMBIGUOUS_WORDS = {
    "it",
    "go",
    "c",
    "r",
    "a",
    "an",
    "as",
    "or",
    "do",
    "no",
    "us",
    "am",
    "is",
    "in",
    "on",
    "at",
}


def norm(text: str) -> str:
    """Key for comparing names: case, hyphens and repeated spaces ignored (as the vocabulary)."""
    return re.sub(r"\s+", " ", text.replace("-", " ")).strip().lower()


def _words(text: str) -> set[str]:
    return {
        w[:-1] if len(w) > 3 and w.endswith("s") else w
        for w in re.findall(r"[a-z0-9+#.]+", norm(text))
    }


def _contains(a: str, b: str) -> bool:
    """One name's words include the other's ("Negotiation" / "Contract negotiation"): a narrower or
    qualified form of the same skill, never a look-alike negative."""
    wa, wb = _words(a), _words(b)
    return wa <= wb or wb <= wa


def usable_alias(alias: str) -> str | None:
    alias = alias.strip()
    if not alias.startswith("="):
        return alias or None
    alias = alias[1:].strip()
    if len(alias) <= 1:
        return None
    if alias.isalpha() and alias[0].isupper() and alias[1:].islower():  # "=Excel", "=Go", "=Teams"
        return None
    if any(w in _AMBIGUOUS_WORDS for w in alias.lower().split()):
        return None
    return alias


# ----------------------------------------------------------------------------------------- data
def read_vocabulary(directory: str) -> list[dict]:
    skills = []
    for path in sorted(glob.glob(os.path.join(directory, "*.tsv"))):
        field = Path(path).stem
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#") or line.startswith("skill\t"):
                    continue
                cols = line.split("\t") + ["", "", ""]
                aliases = [
                    a for a in (usable_alias(x) for x in cols[3].split("|") if x.strip()) if a
                ]
                skills.append(
                    dict(
                        name=cols[0].strip(),
                        category=cols[1].strip(),
                        broader=cols[2].strip(),
                        aliases=aliases,
                        field=field,
                    )
                )
    return skills


def read_esco(path: str) -> list[dict]:
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            name = (row.get("preferredLabel") or "").strip()
            if not name:
                continue
            alts = [a.strip() for a in (row.get("altLabels") or "").split("\n") if a.strip()]
            alts = [a for a in dict.fromkeys(alts) if norm(a) != norm(name)]
            out.append(dict(name=name, aliases=alts))
    return out


def held_out(seed: int, key: str, percent: int = 10) -> bool:
    return int(hashlib.sha1(f"{seed}:{key}".encode()).hexdigest(), 16) % 100 < percent


class Data:
    """Skill keys, relations, train/dev pairs and look-alike negatives (fixed by the seed)."""

    def __init__(self, vocabulary_dir: str, esco_path: str, seed: int, hard_min_sim: float = 0.35):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.seed = seed
        vocab = read_vocabulary(vocabulary_dir)
        esco = read_esco(esco_path)
        # keys: "v:<norm name>" (vocabulary) and "e:<norm name>" (ESCO)
        self.key_name: dict[str, str] = {}
        self.key_texts: dict[str, list[str]] = {}
        parent: dict[str, str] = {}
        for s in vocab:
            k = "v:" + norm(s["name"])
            self.key_name[k] = s["name"]
            self.key_texts[k] = [s["name"]] + s["aliases"]
        for s in vocab:
            if s["broader"] and "v:" + norm(s["broader"]) in self.key_name:
                parent["v:" + norm(s["name"])] = "v:" + norm(s["broader"])
        for s in esco:
            k = "e:" + norm(s["name"])
            if k in self.key_name:
                self.key_texts[k] += s["aliases"]
                continue
            self.key_name[k] = s["name"]
            self.key_texts[k] = [s["name"]] + s["aliases"]
        self.parent = parent
        # family = ancestors + descendants + itself (never a negative for one another)
        self.family: dict[str, set[str]] = {k: {k} for k in self.key_name}
        for k in self.key_name:
            a = parent.get(k)
            seen = set()
            while a and a not in seen:
                seen.add(a)
                self.family[k].add(a)
                self.family[a].add(k)
                a = parent.get(a)
        self.dev_keys = {k for k in self.key_name if held_out(seed, k)}
        dev_texts = {norm(t) for k in self.dev_keys for t in self.key_texts[k]}

        pairs = []  # (anchor, positive, kind, key_of_anchor, key_of_positive)
        for k, texts in self.key_texts.items():
            for alias in texts[1:]:
                pairs.append((texts[0], alias, "alias", k, k))
        for child, par in parent.items():
            pairs.append((self.key_name[child], self.key_name[par], "broader", child, par))
        self.train_pairs: list[tuple[str, str, str, str, str]] = []
        self.dev_pairs: list[tuple[str, str, str, str, str]] = []
        for p in pairs:
            is_dev = (
                p[3] in self.dev_keys
                or p[4] in self.dev_keys
                or norm(p[0]) in dev_texts
                or norm(p[1]) in dev_texts
            )
            (self.dev_pairs if is_dev else self.train_pairs).append(p)

        # Character TF-IDF over canonical names, for look-alike negatives.
        self.vkeys = sorted(k for k in self.key_name if k.startswith("v:"))
        self.ekeys = sorted(k for k in self.key_name if k.startswith("e:"))
        self.char_tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True)
        self.char_tfidf.fit([self.key_name[k] for k in self.vkeys])
        self.hard_min_sim = hard_min_sim
        self.v_hard = self._lookalikes(self.vkeys, exclude_dev=True)

    def related(self, k1: str, k2: str) -> bool:
        return k2 in self.family.get(k1, ())

    def _lookalikes(
        self, keys: list[str], exclude_dev: bool, pool: list[str] | None = None
    ) -> dict[str, str]:
        """For each key, the most character-similar other skill name (not in its family)."""
        pool = (
            pool
            if pool is not None
            else [k for k in keys if not (exclude_dev and k in self.dev_keys)]
        )
        X = self.char_tfidf.transform([self.key_name[k] for k in keys])
        Y = self.char_tfidf.transform([self.key_name[k] for k in pool])
        sims = (X @ Y.T).toarray()
        out = {}
        for i, k in enumerate(keys):
            for j in np.argsort(-sims[i])[:10]:
                if sims[i, j] < self.hard_min_sim:
                    break
                if (
                    pool[j] != k
                    and not self.related(k, pool[j])
                    and not _contains(self.key_name[k], self.key_name[pool[j]])
                ):
                    out[k] = pool[j]
                    break
        return out

    def dev_eval_pairs(self) -> dict[str, list[tuple[str, str, int, str]]]:
        """Dev pairs for ROC AUC: (text1, text2, label, type) per source ('vocabulary', 'esco').

        Positives: every held-out alias pair ('alias') and skill/broader pair ('broader').
        Negatives: for each positive, two random unrelated skill names ('random') and, for each
        held-out skill, its most character-similar unrelated skill name ('lookalike')."""
        rng = random.Random(self.seed)
        out = {}
        for src, keys, prefix in (("vocabulary", self.vkeys, "v:"), ("esco", self.ekeys, "e:")):
            rows = []
            dev_keys = sorted(k for k in self.dev_keys if k.startswith(prefix))
            for a, b, kind, ka, kb in self.dev_pairs:
                if not ka.startswith(prefix):
                    continue
                rows.append((a, b, 1, kind))
                for text, kt in ((a, ka), (b, kb if kind == "alias" else ka)):
                    while True:
                        o = keys[rng.randrange(len(keys))]
                        if not self.related(kt, o) and not self.related(kb, o):
                            break
                    rows.append((text, self.key_name[o], 0, "random"))
            look = self._lookalikes(dev_keys, exclude_dev=False, pool=keys)
            for k in dev_keys:
                if k in look:
                    rows.append((self.key_name[k], self.key_name[look[k]], 0, "lookalike"))
            out[src] = rows
        return out


# ------------------------------------------------------------------------------------ metrics
def roc_auc(labels, scores) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def auc_table(rows, scores) -> dict[str, float]:
    """AUC for: all positives vs all negatives, and the breakdowns."""
    labels = np.array([r[2] for r in rows])
    types = np.array([r[3] for r in rows])
    scores = np.asarray(scores)
    res = {"all": roc_auc(labels, scores)}
    for pos in ("alias", "broader"):
        for neg in ("random", "lookalike"):
            m = (types == pos) | (types == neg)
            if (types == pos).any() and (types == neg).any():
                res[f"{pos}/{neg}"] = roc_auc(labels[m], scores[m])
    return res


def pair_cosines(encode, rows) -> np.ndarray:
    texts = sorted({t for r in rows for t in r[:2]})
    idx = {t: i for i, t in enumerate(texts)}
    E = encode(texts)
    E = E / (np.linalg.norm(E, axis=1, keepdims=True) + 1e-12)
    return np.array([float(E[idx[r[0]]] @ E[idx[r[1]]]) for r in rows])


# The look-alike negatives' minimum character similarity (``DEFAULTS["hard_min_sim"]``).
DEFAULT_HARD_MIN_SIM = 0.35

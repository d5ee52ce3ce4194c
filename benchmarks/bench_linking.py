"""ESCO linking on the Decorte et al. validation sets (TECH, HOUSE): RP@5, MRR, speed, import.

    python benchmarks/bench_linking.py                  # import ESCO into a temporary home, run
    python benchmarks/bench_linking.py --write-results  # (re)write our RESULTS.md section

Metric (Decorte et al. 2022, 2023): one query per sentence; its gold set is the ESCO
labels of the sentence's annotated spans, "LABEL NOT PRESENT" and "UNDERSPECIFIED"
rows left out (a sentence with no other label is not a query). All ESCO skills are
ranked for each sentence;

    RP@K = mean over sentences of |gold in top K| / min(K, |gold|)
    MRR  = mean over sentences of 1 / rank of the first gold label

Gold labels are ESCO v1.1.0 preferred labels; the file imported is ESCO v1.1.1, where a
few are missing ("communication", "C#"): they stay in the gold set and count as misses.

Variants: the whole sentence linked; spans found by the vocabulary extractor
(``matcher.extract_skills``), by the trained tagger (``matcher.understand.skill_tagger``, when a
model is shipped) and both, each span linked and the skills merged by their best score,
then the sentence's own ranking after them; the gold ``span`` column as an oracle.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Taxonomy import and ESCO linking (Decorte et al. validation sets)"
EXCLUDED = {"LABEL NOT PRESENT", "UNDERSPECIFIED"}
SETS = ("tech", "house")
K = 5

Query = tuple[str, list[str], set[str]]  # sentence, gold spans, gold labels


def read_set(path: Path) -> list[Query]:
    """Sentences in file order with their gold spans and labels (excluded rows dropped)."""
    by_sentence: dict[str, tuple[list[str], set[str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["label"] in EXCLUDED:
                continue
            spans, labels = by_sentence.setdefault(row["sentence"], ([], set()))
            if row["span"] not in spans:
                spans.append(row["span"])
            labels.add(row["label"])
    return [(sentence, spans, labels) for sentence, (spans, labels) in by_sentence.items()]


def rp_at_k(ranked: Sequence[str], gold: set[str], k: int = K) -> float:
    """R-Precision@K: gold labels in the top K over min(K, number of gold labels)."""
    return len(set(ranked[:k]) & gold) / min(k, len(gold))


def reciprocal_rank(ranked: Sequence[str], gold: set[str]) -> float:
    return next((1 / (i + 1) for i, name in enumerate(ranked) if name in gold), 0.0)


def merged_ranking(
    index: Any, sentence: str, phrases: Sequence[str], *, find_names: bool = True
) -> list[str]:
    """All skills, best first: ``rank_texts`` of the sentence with these phrases, then
    the remaining skills by the sentence's TF-IDF cosine.

    ``find_names=False`` leaves out the taxonomy's own names found in the sentence.
    """
    ranked = [
        p
        for p, _ in index.rank_texts(
            [sentence], phrases=[phrases], find_names=find_names, depth=100
        )[0]
    ]
    seen = set(ranked)
    rest = index.tfidf_scores([sentence])[0].argsort(kind="stable")[::-1]
    ranked += [int(p) for p in rest if int(p) not in seen]
    return [index.skills[p].name for p in ranked]


def evaluate(
    index: Any,
    queries: list[Query],
    phrases_of: Callable[[list[Query]], list[list[str]]],
    *,
    find_names: bool = True,
) -> dict[str, float]:
    """RP@5, MRR (both 0-100) and milliseconds per sentence of one variant on one set."""
    start = time.perf_counter()
    phrases = phrases_of(queries)
    rps, rrs = [], []
    for (sentence, _, gold), found in zip(queries, phrases):
        ranked = merged_ranking(index, sentence, found, find_names=find_names)
        rps.append(rp_at_k(ranked, gold))
        rrs.append(reciprocal_rank(ranked, gold))
    seconds = time.perf_counter() - start
    return {
        "rp5": 100 * sum(rps) / len(rps),
        "mrr": 100 * sum(rrs) / len(rrs),
        "per_sentence_ms": 1000 * seconds / len(queries),
    }


def sentence_only(queries: list[Query]) -> list[list[str]]:
    return [[] for _ in queries]


def oracle_spans(queries: list[Query]) -> list[list[str]]:
    return [spans for _, spans, _ in queries]


def vocabulary_spans(queries: list[Query]) -> list[list[str]]:
    from matcher.understand.mentions import extract_skills

    return [[m.text for m in extract_skills(sentence)] for sentence, _, _ in queries]


def taxonomy_spans(queries: list[Query]) -> list[list[str]]:
    """Names and aliases of the taxonomy found in the sentence (``TaxonomyIndex.find``)."""
    from matcher.understand.nlp import parse
    from matcher.understand.taxonomy.store import load_taxonomy

    index = load_taxonomy("esco")
    docs = parse(sentence for sentence, _, _ in queries)
    return [[span.text for span in index.find_in_doc(doc)] for doc in docs]


def taxonomy_and_vocabulary_spans(queries: list[Query]) -> list[list[str]]:
    return [
        list(dict.fromkeys(a + b))
        for a, b in zip(taxonomy_spans(queries), vocabulary_spans(queries))
    ]


TAGGER: list[Path] = []  # --tagger PATH: a pipeline to use instead of the shipped one


def model_spans(queries: list[Query]) -> list[list[str]]:
    from matcher.understand.skill_tagger import load_skill_tagger, tag_spans

    nlp = load_skill_tagger(TAGGER[0] if TAGGER else None)
    sentences = [sentence for sentence, _, _ in queries]
    found = tag_spans(sentences, nlp=nlp)
    return [[s[a:b] for a, b, _ in spans] for s, spans in zip(sentences, found)]


def combined_spans(queries: list[Query]) -> list[list[str]]:
    return [
        list(dict.fromkeys(a + b)) for a, b in zip(vocabulary_spans(queries), model_spans(queries))
    ]


Variant = tuple[Callable[[list[Query]], list[list[str]]], bool]


def variants() -> dict[str, Variant]:
    """Phrase sources, each with whether the taxonomy's names are found in the sentence."""
    from matcher.understand.skill_tagger import load_skill_tagger

    found: dict[str, Variant] = {
        "sentence: TF-IDF + rapidfuzz only": (sentence_only, False),
        "sentence: `matcher.link` (names found in it, then the whole)": (sentence_only, True),
        "vocabulary spans (`extract_skills`) + `link`": (vocabulary_spans, True),
    }
    if load_skill_tagger(TAGGER[0] if TAGGER else None) is not None:
        found["model spans (skill tagger) + `link`"] = (model_spans, True)
        found["vocabulary + model spans + `link`"] = (combined_spans, True)
    found["gold spans (oracle) + TF-IDF sentence"] = (oracle_spans, False)
    found["gold spans (oracle) + `link`"] = (oracle_spans, True)
    return found


def throughput(index: Any, sentences: list[str], phrases: list[str]) -> dict[str, float]:
    """Phrases and sentences linked per second (top 5), in batches as ``link_many`` does."""
    from matcher.understand.nlp import load_pipeline

    load_pipeline()  # loaded once per process in real use too
    index.find([])  # the n-gram table, read on first use
    out = {}
    for label, texts in (("phrases", phrases), ("sentences", sentences)):
        start = time.perf_counter()
        index.link(texts, top=5)
        out[label] = len(texts) / (time.perf_counter() - start)
    return out


def unreachable(index: Any, sets: dict[str, list[Query]]) -> dict[str, tuple[int, int]]:
    """Gold labels (distinct) missing from the imported taxonomy, per set, of all."""
    names = {skill.name for skill in index.skills}
    out = {}
    for name, queries in sets.items():
        gold = {label for _, _, labels in queries for label in labels}
        out[name] = (len(gold - names), len(gold))
    return out


def run(data: Path) -> str:
    """Import, measure, and return the RESULTS.md section body."""
    from matcher import taxonomy
    from matcher.understand.taxonomy.store import import_taxonomy, load_taxonomy

    rows = []
    for kind, path in (
        ("esco", data / "esco" / "skills_en.csv"),
        ("onet", data / "onet" / "Technology Skills.txt"),
    ):
        start = time.perf_counter()
        cpu = time.process_time()
        info = import_taxonomy(kind, path)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        taxonomy._LOADED.clear()  # a fresh process's first load
        start = time.perf_counter()
        load_taxonomy(kind)
        load = time.perf_counter() - start
        rows.append(
            f"| {kind} | {info.skills:,} | {info.aliases:,} | {info.labels:,} | {seconds:.1f}"
            f" ({cpu:.1f} CPU) | {info.size_bytes / 1e6:.0f} | {load:.2f} |"
        )
        print(rows[-1], flush=True)
    index = load_taxonomy("esco")
    sets = {
        name: read_set(data / "decorte_esco" / f"{name}_validation_annotations.csv")
        for name in SETS
    }
    queries = [q for qs in sets.values() for q in qs]
    speed = throughput(
        index, [s for s, _, _ in queries], [span for _, spans, _ in queries for span in spans]
    )
    print(speed, flush=True)
    table = []
    for label, (phrases_of, find_names) in variants().items():
        cells = [label]
        total_ms = 0.0
        for name in SETS:
            result = evaluate(index, sets[name], phrases_of, find_names=find_names)
            cells += [f"{result['rp5']:.1f}", f"{result['mrr']:.1f}"]
            total_ms += result["per_sentence_ms"] * len(sets[name])
        cells.append(f"{total_ms / len(queries):.0f}")
        table.append("| " + " | ".join(cells) + " |")
        print(table[-1], flush=True)
    missing = unreachable(index, sets)
    counts = ", ".join(
        f"{name.upper()} {len(sets[name])} sentences ({missing[name][1]} distinct labels,"
        f" {missing[name][0]} not in ESCO v1.1.1)"
        for name in SETS
    )
    return "\n".join(
        [
            "`python benchmarks/bench_linking.py --write-results`: imports the files of",
            "`../shared/data` into a temporary `STRENGTHS_MATCHER_HOME`; 2-core machine,",
            "shared with other jobs while measured (wall time can be inflated; CPU shown).",
            "",
            "### Import",
            "",
            "| taxonomy | skills | aliases | labels indexed | import s | stored MB | load s |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "Aliases are the distinct alternative labels (a skill's own name and forms that",
            "differ only by case or hyphens are not counted again). O*NET's skills are its",
            "technologies plus its commodity titles (the technologies' broader skills).",
            "`load s` is the first `load_taxonomy` in a process; a run never rebuilds.",
            "",
            "### Linking speed (ESCO, top 5)",
            "",
            f"- {speed['phrases']:,.0f} phrases/s (the gold spans, batched)",
            f"- {speed['sentences']:,.0f} sentences/s with `matcher.link` (tokenised, the",
            "  taxonomy's names found, each phrase and the whole sentence ranked)",
            "",
            "### ESCO linking: Decorte et al. validation sets",
            "",
            f"{counts}. One query per sentence, gold = the labels of its spans without",
            "LABEL NOT PRESENT / UNDERSPECIFIED; all 13,891 skills ranked. RP@5 = mean of",
            "|gold in top 5| / min(5, |gold|); MRR = mean of 1 / rank of the first gold label",
            "(Decorte et al. 2022, 2023). Gold labels missing from ESCO v1.1.1 count as misses.",
            "",
            "| variant | TECH RP@5 | TECH MRR | HOUSE RP@5 | HOUSE MRR | ms/sentence |",
            "|---|---:|---:|---:|---:|---:|",
            *table,
            "",
            *tagger_note(),
            "Spans are linked one by one and a skill keeps its best score over the spans and",
            "the whole sentence (`TaxonomyIndex.rank_texts`). Model rows appear when a trained",
            "skill tagger is in `models/skill_tagger`; `extract_skills` itself merges the",
            "tagger's spans where the vocabulary found none. Published results (trained",
            "bi-encoders, LLM re-ranking) are on the test splits, not comparable one to one.",
        ]
    )


def tagger_note() -> list[str]:
    """Which tagger the model rows used, when it is not the shipped one."""
    if not TAGGER:
        return []
    import json

    meta = json.loads((TAGGER[0] / "meta.json").read_text("utf-8"))
    f1 = meta.get("performance", {}).get("spans_skills_f")
    return [
        f"Model rows: `--tagger {TAGGER[0]}`, a tagger from the skill-tagger training in",
        "progress (models/skill_tagger was not shipped yet), span F1"
        f" {f1:.2f} on SkillSpan dev; rerun when it is. 12 of the 101 TECH sentences"
        " (none of HOUSE) are also SkillSpan training sentences.",
        "",
    ]


def write_section(body: str, path: Path = RESULTS) -> None:
    """Replace our section of RESULTS.md (or append it), leaving everyone else's alone."""
    text = path.read_text("utf-8") if path.is_file() else "# Benchmark results\n"
    section = f"{HEADING}\n\n{body.strip()}\n"
    if HEADING in text:
        before, _, rest = text.partition(HEADING)
        nxt = rest.find("\n## ")
        after = rest[nxt + 1 :] if nxt >= 0 else ""
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--write-results", action="store_true", help=f"update {RESULTS.name}")
    parser.add_argument(
        "--tagger", type=Path, help="a trained skill tagger to use instead of models/skill_tagger"
    )
    args = parser.parse_args()
    if args.tagger:
        TAGGER.append(args.tagger)
    with tempfile.TemporaryDirectory() as home:
        os.environ["STRENGTHS_MATCHER_HOME"] = home
        body = run(args.data)
    print(body)
    if args.write_results:
        write_section(body)


if __name__ == "__main__":
    main()

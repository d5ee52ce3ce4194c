"""Span F1 of skill extractors on the SkillSpan dev split (strict and overlap, per label).

    python benchmarks/bench_span_f1.py                      # the shipped model
    python benchmarks/bench_span_f1.py --extractor text     # the model on raw text (own tokenizer)
    python benchmarks/bench_span_f1.py --extractor pkg.mod:function --label vocabulary
    python benchmarks/bench_span_f1.py --write-results      # (re)write our RESULTS.md section

An extractor is anything that turns a batch of token lists into (start, end, label) token
spans; :func:`text_predictor` adapts a raw-text extractor that returns character spans
(like ``matcher.understand.skill_tagger.tag_spans``), so vocabulary-only and combined extraction can
be measured with the same :func:`evaluate`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from matcher.train.skillspan import Sentence, read_split, span_scores  # noqa: E402
from matcher.understand.skill_tagger import load_skill_tagger, tag_spans, tag_token_spans  # noqa: E402
from matcher.understand.spans import LABELS, TokenSpan  # noqa: E402

Tokens = Sequence[str]
Predict = Callable[[list[Tokens]], list[list[TokenSpan]]]
CharSpan = tuple[int, int, str]
TextExtract = Callable[[list[str]], list[list[CharSpan]]]

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "skillspan"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Skill span extraction (SkillSpan dev)"

# For context only: the SkillSpan paper's span F1 on its test split, token-level BIO
# models fine-tuned from BERT-base-sized encoders on a GPU. Approximate: recalled from the
# paper's results table (Zhang et al., NAACL 2022), not re-checked against it here.
PUBLISHED = """\
| published (SkillSpan paper, test split, strict span F1; approximate) | SKILL | KNOWLEDGE |
|---|---|---|
| BERT-base baseline | ≈ 0.5 | ≈ 0.6 |
| best domain-adapted single-task models (JobBERT / JobSpanBERT) | ≈ 0.55–0.57 | ≈ 0.62–0.64 |

The published figures are recalled from the paper's results table, not re-checked here,
and are on its test split, which is not among our data; read them as the level a
fine-tuned BERT-sized encoder reaches, not as a like-for-like comparison.
"""

#: Hand-kept notes for our RESULTS.md section: how the figures were made and what else
#: was tried (the table above them is measured on every --write-results run).
NOTES_FILE = Path(__file__).resolve().parent / "span_f1_notes.md"


def evaluate(
    predict: Predict, sentences: Sequence[Sentence], *, batch_size: int = 256
) -> dict[str, Any]:
    """Strict and overlap P/R/F1 per label for ``predict`` on ``sentences``, plus speed."""
    batches = [list(sentences[i : i + batch_size]) for i in range(0, len(sentences), batch_size)]
    predicted: list[list[TokenSpan]] = []
    start = time.perf_counter()
    for batch in batches:
        out = predict([s.tokens for s in batch])
        if len(out) != len(batch):
            raise ValueError(f"extractor returned {len(out)} results for {len(batch)} sentences")
        predicted.extend(out)
    seconds = time.perf_counter() - start
    scores = span_scores([s.spans for s in sentences], predicted)
    words = sum(len(s.tokens) for s in sentences)
    result: dict[str, Any] = {
        label: {kind: prf.to_dict() for kind, prf in kinds.items()}
        for label, kinds in scores.items()
    }
    result.update(
        sentences=len(sentences),
        words=words,
        seconds=seconds,
        words_per_s=words / seconds if seconds else 0.0,
        sentences_per_s=len(sentences) / seconds if seconds else 0.0,
    )
    return result


def model_predictor(path: Path | None = None) -> Predict:
    """The trained tagger on SkillSpan's own tokens (the setting of the published figures)."""
    nlp = load_skill_tagger(path)
    if nlp is None:
        raise SystemExit("no usable skill tagger; train one with python -m matcher.train")
    return lambda batch: tag_token_spans(nlp, batch)


def text_predictor(extract: TextExtract) -> Predict:
    """Adapt a raw-text extractor: tokens are joined by spaces, char spans mapped back.

    A character span covers every token it touches, so an extractor whose own tokenizer
    splits differently is still scored on SkillSpan's tokens.
    """

    def predict(batch: list[Tokens]) -> list[list[TokenSpan]]:
        texts, offsets = [], []
        for tokens in batch:
            starts, pos = [], 0
            for token in tokens:
                starts.append(pos)
                pos += len(token) + 1
            texts.append(" ".join(tokens))
            offsets.append(starts)
        out = []
        for tokens, starts, spans in zip(batch, offsets, extract(texts)):
            ends = [s + len(t) for s, t in zip(starts, tokens)]
            found = set()
            for start_char, end_char, label in spans:
                covered = [
                    i
                    for i, (s, e) in enumerate(zip(starts, ends))
                    if s < end_char and start_char < e
                ]
                if covered:
                    found.add((covered[0], covered[-1] + 1, label))
            out.append(sorted(found))
        return out

    return predict


def load_extractor(spec: str, model: Path | None) -> Predict:
    if spec == "model":
        return model_predictor(model)
    if spec == "text":
        nlp = load_skill_tagger(model)
        if nlp is None:
            raise SystemExit("no usable skill tagger; train one with python -m matcher.train")
        return text_predictor(lambda texts: tag_spans(texts, nlp=nlp))
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise SystemExit("--extractor is model, text or module:function (texts -> char spans)")
    return text_predictor(getattr(importlib.import_module(module_name), attr))


def format_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    head = (
        "| extractor | SKILL strict P / R / F1 | SKILL overlap F1 "
        "| KNOWLEDGE strict P / R / F1 | KNOWLEDGE overlap F1 | words/s | sentences/s |\n"
        "|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for name, r in rows:
        cells = [name]
        for label in LABELS:
            s, o = r[label]["strict"], r[label]["overlap"]
            cells.append(f"{s['precision']:.3f} / {s['recall']:.3f} / **{s['f1']:.3f}**")
            cells.append(f"{o['f1']:.3f}")
        cells += [f"{r['words_per_s']:,.0f}", f"{r['sentences_per_s']:,.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--model", type=Path, default=None, help="pipeline folder to load")
    parser.add_argument(
        "--extractor",
        action="append",
        default=None,
        help="model (default), text, or module:function; repeat to compare several",
    )
    parser.add_argument("--json", type=Path, default=None, help="write all figures as JSON")
    parser.add_argument("--write-results", action="store_true", help=f"update {RESULTS.name}")
    args = parser.parse_args(argv)
    if not (args.data / "dev.json").is_file():
        raise SystemExit(f"SkillSpan dev.json not found in {args.data}; pass --data")
    sentences = read_split(args.data / "dev.json")
    rows = []
    for spec in args.extractor or ["model"]:
        predict = load_extractor(spec, args.model)
        predict([["warm", "up"]])  # load lazily-built tables before timing
        rows.append((spec, evaluate(predict, sentences)))
    table = format_table(rows)
    print(table)
    if args.json:
        args.json.write_text(json.dumps(dict(rows), indent=2) + "\n", "utf-8")
    if args.write_results:
        notes = NOTES_FILE.read_text("utf-8").strip() if NOTES_FILE.is_file() else ""
        write_section("\n\n".join(part for part in (table, PUBLISHED.strip(), notes) if part))
    return 0


if __name__ == "__main__":
    sys.exit(main())

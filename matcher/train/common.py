"""What every training command shares: where SkillSpan is, its command-line options, config
overrides, and a shipped pipeline's string store pruned to what the model needs."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import spacy

from matcher import paths
from matcher.errors import MatcherError


def add_training_arguments(
    parser: argparse.ArgumentParser,
    *,
    model_name: str,
    max_minutes: float,
    seed: int,
    set_example: str,
) -> None:
    """The options of every training command: output, config, time limit, seed, overrides."""
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"where the trained pipeline goes (default: models/{model_name})",
    )
    parser.add_argument(
        "--config", type=Path, default=None, help="training config (default: the shipped one)"
    )
    parser.add_argument("--max-minutes", type=float, default=max_minutes)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"override a config value, e.g. --set {set_example} (JSON values)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the result as JSON")


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``--set KEY=VALUE`` options as config overrides (values read as JSON where they are)."""
    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep:
            raise MatcherError(f"--set needs KEY=VALUE, got {item!r}")
        try:
            overrides[key] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[key] = raw
    return overrides


def prune_strings(model_dir: Path, labels: Iterable[str]) -> None:
    """Keep only what a blank English pipeline holds, and the labels, in the string store.

    Training adds the corpus's words and sourcing adds the English pipeline's 84,000
    strings; a model whose features are hashed from the input text needs neither, and
    loading them was a fifth of loading the tagger.
    """
    path = model_dir / "vocab" / "strings.json"
    if not path.is_file():
        return
    keep = set(spacy.blank("en").vocab.strings) | set(labels)
    strings = json.loads(path.read_text("utf-8"))
    kept = [x for x in strings if x in keep]
    path.write_text(json.dumps(kept, indent=2, ensure_ascii=False) + "\n", "utf-8")


def default_data_dir() -> Path:
    """SkillSpan in the shared data folder beside the repository."""
    return paths.PACKAGE_DIR.parent.parent / "shared" / "data" / "skillspan"


def resolve_data_dir(value: str | Path | None) -> Path:
    """An absolute path as is; a relative one from the working directory, else the repo root."""
    if value is None:
        return default_data_dir()
    path = Path(value).expanduser()
    if path.is_absolute() or path.exists():
        return path.resolve()
    return (paths.PACKAGE_DIR.parent / path).resolve()

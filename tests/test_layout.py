"""The package layout: layers import only downwards, no module cycles, click and pandas in place.

Every import is read from the source (module level, inside functions and under
``TYPE_CHECKING`` alike), so a lazy import cannot hide a wrong dependency.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "matcher"

#: Each subpackage's layer: a module may import its own layer and the ones below.
LAYERS = {
    "errors": 0,
    "paths": 0,
    "read": 1,
    "understand": 2,
    "score": 3,
    "fit": 4,
    "report": 5,
    "batch": 5,
    "journal": 5,
    "cli": 6,
    "train": 6,
}
#: Only these may import click, and only these may import pandas at all.
CLICK_OK = {"cli"}
PANDAS_OK = {"report", "batch", "journal", "cli", "train"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (``from a import b`` counts a.b when b is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {
        name: {m for m in _imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_subpackage_has_a_layer() -> None:
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert stages <= set(LAYERS), stages - set(LAYERS)
    loose = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert loose <= set(LAYERS), f"modules outside any stage: {loose - set(LAYERS)}"


def test_lower_layers_never_import_higher_ones() -> None:
    wrong = []
    for module, imported in _graph().items():
        stage = _stage(module)
        if stage is None:
            continue
        for other in imported:
            other_stage = _stage(other)
            if other_stage is not None and LAYERS[other_stage] > LAYERS[stage]:
                wrong.append(f"{module} imports {other}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycles_between_modules() -> None:
    graph = _graph()
    # A package's __init__ re-exporting its own modules is not a cycle of the code.
    edges = {
        module: {m for m in imported if not module.startswith(m + ".")}
        for module, imported in graph.items()
    }
    state: dict[str, int] = defaultdict(int)  # 0 new, 1 on the stack, 2 done
    cycles: list[str] = []

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        for other in sorted(edges.get(module, ())):
            if other == module or other.startswith(module + "."):
                continue
            if state[other] == 1:
                cycles.append(" -> ".join([*stack[stack.index(other) :], other]))
            elif state[other] == 0:
                visit(other, [*stack, other])
        state[module] = 2

    for module in sorted(edges):
        if state[module] == 0:
            visit(module, [module])
    assert not cycles, "\n".join(cycles)


@pytest.mark.parametrize(("library", "allowed"), [("click", CLICK_OK), ("pandas", PANDAS_OK)])
def test_heavy_libraries_stay_in_their_layers(library: str, allowed: set[str]) -> None:
    wrong = [
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if (_stage(_module_name(path)) not in allowed)
        and any(m == library or m.startswith(library + ".") for m in _imports(path))
    ]
    assert not wrong, f"{library} imported outside {sorted(allowed)}: {wrong}"


def test_modules_stay_small_enough_to_read() -> None:
    # Over 600 lines only where the module is one cohesive thing, listed here with why.
    cohesive = {
        "matcher/understand/mentions.py": "finding and qualifying skill mentions in an item",
        "matcher/journal/store.py": "the Journal class and its SQLite schema",
    }
    long = {
        str(p.relative_to(PACKAGE.parent)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert set(long) <= set(cohesive), {k: v for k, v in long.items() if k not in cohesive}

"""Import spaCy without its command-line modules, and make its registry lookups quick.

``spacy/__init__.py`` imports ``spacy.cli.info`` only to re-export ``spacy.info``, and
that pulls in every ``spacy`` command with typer, weasel, requests and httpx: about
0.15 s of every cold ``match CV POSTING``, for modules the matcher never calls.
:func:`install` puts a finder on ``sys.meta_path`` that runs spaCy's own
``__init__`` with stand-ins for those two modules, then removes them, so that:

- ``spacy.info(...)`` imports and calls the real function;
- ``spacy.cli`` (attribute or ``import spacy.cli``) is the real package, imported on
  first use.

The same import indexes catalogue's entry points by group (:func:`_index_entry_points`).

Nothing changes when spaCy was imported before ``matcher``, or when spaCy's layout is
not the one expected (the import then runs as usual).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any


def install() -> None:
    """Make the next ``import spacy`` skip ``spacy.cli`` (once; a no-op if imported)."""
    if "spacy" in sys.modules or any(isinstance(f, _SpacyWithoutCli) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _SpacyWithoutCli())


class _SpacyWithoutCli(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the real ``spacy`` package and runs its ``__init__`` with stand-ins."""

    def __init__(self) -> None:
        self._loader: Any = None

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "spacy":
            return None
        sys.meta_path.remove(self)  # one import only; later ones are spaCy's own
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not spec.submodule_search_locations:
            return spec
        self._loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The module keeps the real loader (importlib.resources and reloads use it).
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        stand_ins = _stand_ins(module)
        sys.modules.update(stand_ins)
        try:
            self._loader.exec_module(module)
        finally:
            for name, stand_in in stand_ins.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]
            if module.__dict__.get("cli") is stand_ins["spacy.cli"]:
                del module.cli
        if "__getattr__" not in module.__dict__:
            module.__dict__["__getattr__"] = _import_cli_on_access
        _index_entry_points()


def _stand_ins(spacy: ModuleType) -> dict[str, ModuleType]:
    """``spacy.cli`` and ``spacy.cli.info`` for the time spaCy's ``__init__`` runs."""
    cli = ModuleType("spacy.cli")
    # The real folder: should spaCy's __init__ ever import another command module, it
    # is found (and costs its import) instead of failing.
    locations = spacy.__spec__.submodule_search_locations or []  # type: ignore[union-attr]
    cli.__path__ = [f"{location}/cli" for location in locations]
    info = ModuleType("spacy.cli.info")
    info.info = _info  # type: ignore[attr-defined]
    return {"spacy.cli": cli, "spacy.cli.info": info}


def _info(*args: Any, **kwargs: Any) -> Any:
    """``spacy.info``: imports spaCy's command-line modules on the first call."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


def _import_cli_on_access(name: str) -> Any:
    """``spacy.cli`` as an attribute, as when spaCy imports it eagerly."""
    if name == "cli":
        return importlib.import_module("spacy.cli")
    raise AttributeError(f"module 'spacy' has no attribute {name!r}")


def _index_entry_points() -> None:
    """Give catalogue its installed entry points as a dict of groups, the form it reads
    on older Pythons, instead of the flat list it filters on every registry lookup.

    Loading the two pipelines makes about 220 such lookups (every msgpack read asks
    for its decoders, every resolved config function for plugins), and filtering the
    flat list each time took 0.04 s of a cold run. The entry points are the same ones.
    """
    catalogue = sys.modules.get("catalogue")
    available = getattr(catalogue, "AVAILABLE_ENTRY_POINTS", None)
    if available is None or not hasattr(available, "select") or not hasattr(available, "groups"):
        return
    by_group = {group: available.select(group=group) for group in available.groups}
    catalogue.AVAILABLE_ENTRY_POINTS = by_group  # type: ignore[union-attr]

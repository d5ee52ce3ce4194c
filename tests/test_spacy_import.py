"""spaCy imported through ``matcher`` skips its command-line modules, and loses nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (this one has spaCy imported already)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_matcher_imports_spacy_without_its_cli() -> None:
    out = run_python(
        """
        import sys
        import matcher.understand.mentions
        import spacy
        print(sorted(m for m in ("spacy.cli", "typer", "weasel", "requests", "httpx")
                     if m in sys.modules))
        print(type(spacy.__spec__.loader).__name__, spacy.__loader__ is spacy.__spec__.loader)
        print(spacy.load is not None, spacy.Language.__name__)
        """
    )
    assert out.splitlines() == ["[]", "SourceFileLoader True", "True Language"]


def test_spacy_cli_and_info_still_work_after_a_matcher_import() -> None:
    out = run_python(
        """
        import sys
        import matcher.understand.nlp
        import spacy
        print(spacy.info()["spacy_version"] == spacy.__version__)
        print(hasattr(spacy.cli, "setup_cli"), sys.modules["spacy.cli"] is spacy.cli)
        import spacy.cli.train
        print(callable(spacy.cli.train.train))
        try:
            spacy.no_such_name
        except AttributeError as error:
            print(error)
        """
    )
    assert out.splitlines() == [
        "True",
        "True True",
        "True",
        "module 'spacy' has no attribute 'no_such_name'",
    ]


def test_spacy_imported_first_is_left_as_it_is() -> None:
    out = run_python(
        """
        import sys
        import spacy
        import matcher.understand.nlp
        from matcher.understand.spacy_import import _SpacyWithoutCli
        print("typer" in sys.modules, any(isinstance(f, _SpacyWithoutCli) for f in sys.meta_path))
        """
    )
    assert out.splitlines() == ["True False"]


def test_catalogue_finds_the_same_entry_points_by_group() -> None:
    out = run_python(
        """
        import importlib.metadata
        import matcher.understand.nlp
        import catalogue
        import numpy
        import spacy
        import srsly

        indexed = catalogue.AVAILABLE_ENTRY_POINTS
        installed = importlib.metadata.entry_points()
        print(type(indexed).__name__)
        print(all(sorted(indexed[g]) == sorted(installed.select(group=g))
                  for g in installed.groups) and set(indexed) == set(installed.groups))
        print(spacy.registry.get("architectures", "spacy.Tok2Vec.v2").__name__)
        print(srsly.msgpack_loads(srsly.msgpack_dumps(numpy.arange(3))).tolist())
        """
    )
    assert out.splitlines() == ["dict", "True", "build_Tok2Vec_model", "[0, 1, 2]"]

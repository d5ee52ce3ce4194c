"""The journal notebook runs from top to bottom on the shipped examples."""

from __future__ import annotations

import pytest
from notebook_kernel import NOTEBOOKS, execute_notebook, stream_text

NOTEBOOK = NOTEBOOKS / "04-journal.ipynb"


@pytest.mark.slow
def test_the_journal_notebook_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("STRENGTHS_MATCHER_JOURNAL", str(tmp_path / "never-used.sqlite3"))
    notebook = execute_notebook(NOTEBOOK, tmp_path, monkeypatch)
    last = notebook.cells[-1]
    assert "journal.reflect()" in last.source
    printed = stream_text(last)
    assert printed.startswith("Your journal: 6 applications")
    assert "Fit by outcome:" in printed
    assert not (tmp_path / "never-used.sqlite3").exists()
    assert list(NOTEBOOK.parent.glob("*.sqlite3")) == []

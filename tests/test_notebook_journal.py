"""The journal notebook runs from top to bottom on the shipped examples."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04-journal.ipynb"


def _kernel_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernel that runs this interpreter (so ``matcher`` imports as installed here).

    ``python3`` is used when it already points at this interpreter; otherwise a kernel
    spec for it is written into a temporary folder that JUPYTER_PATH points at, so the
    test never installs anything into the user's Jupyter folders.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
        if os.path.abspath(spec.argv[0]) == os.path.abspath(sys.executable):
            return "python3"
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    name = "strengths-matcher-test"
    install(kernel_name=name, prefix=str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter" / "share" / "jupyter"))
    return name


@pytest.mark.slow
def test_the_journal_notebook_runs(tmp_path, monkeypatch):
    # Opt in to platformdirs paths now, as jupyter_core will by default, so it does not warn.
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("STRENGTHS_MATCHER_JOURNAL", str(tmp_path / "never-used.sqlite3"))
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:  # stored without outputs
        assert not cell.get("outputs") and not cell.get("execution_count"), cell.source[:60]
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name=_kernel_name(tmp_path, monkeypatch),
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    last = notebook.cells[-1]
    assert "journal.reflect()" in last.source
    printed = "".join(o.get("text", "") for o in last.outputs if o.output_type == "stream")
    assert printed.startswith("Your journal: 6 applications")
    assert "Fit by outcome:" in printed
    assert not (tmp_path / "never-used.sqlite3").exists()
    assert list(NOTEBOOK.parent.glob("*.sqlite3")) == []

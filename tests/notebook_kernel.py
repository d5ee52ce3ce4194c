"""Running the shipped notebooks in tests: a kernel on this interpreter, outputs checked empty.

Shared by the notebook tests (``from notebook_kernel import execute_notebook``); not a
test module itself.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def kernel_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernel that runs this interpreter (so ``matcher`` imports as installed here).

    ``python3`` is used when it already points at this interpreter; otherwise a kernel
    spec for it is written into a temporary folder that JUPYTER_PATH points at, so the
    test never installs anything into the user's Jupyter folders.
    """
    # Opt in to platformdirs paths now, as jupyter_core will by default, so it does not warn.
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
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


def execute_notebook(
    path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    cwd: Path | None = None,
    timeout: int = 600,
) -> Any:
    """Run every cell of the notebook at ``path``; returns the executed notebook.

    Fails if the stored notebook has outputs (they are cleared before committing) or if a
    cell raises. Cells run in ``cwd`` (default: a temporary folder), so a notebook that
    wrote files there would not touch the repository.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        assert not cell.get("outputs") and not cell.get("execution_count"), (
            f"{path.name} is stored with outputs; clear them before committing: {cell.source[:60]}"
        )
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=kernel_name(tmp_path, monkeypatch),
        resources={"metadata": {"path": str(cwd or tmp_path)}},
    )
    client.execute()
    return notebook


def stream_text(cell: Any, name: str = "stdout") -> str:
    """What a cell printed on one stream."""
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == name)

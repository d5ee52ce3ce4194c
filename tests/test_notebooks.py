"""The exploring notebooks (01-03) run top to bottom on a clean kernel and draw their charts."""

from __future__ import annotations

import json

import pytest
from conftest import SHARED_DATA
from notebook_kernel import NOTEBOOKS, execute_notebook, stream_text

pytestmark = pytest.mark.slow


def _code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _images(notebook) -> int:
    return sum(
        "image/png" in output.get("data", {})
        for cell in _code_cells(notebook)
        for output in cell.outputs
    )


def _printed(notebook) -> str:
    return "".join(stream_text(cell) for cell in _code_cells(notebook))


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    # Whatever a notebook leaves in the temporary folder lands under pytest's own.
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    return tmp_path


def test_notebooks_define_no_logic_of_their_own():
    for path in sorted(NOTEBOOKS.glob("0[1-3]-*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            source = "".join(cell["source"])
            for line in source.splitlines():
                assert not line.lstrip().startswith(("def ", "class ", "lambda")), (path.name, line)
            assert not cell.get("outputs") and not cell.get("execution_count"), path.name


def test_one_posting(kernel_env, monkeypatch):
    notebook = execute_notebook(NOTEBOOKS / "01-one-posting.ipynb", kernel_env, monkeypatch)
    assert _images(notebook) >= 3  # heatmap and two score charts
    printed = _printed(notebook)
    assert "Fit " in printed and "Lead with:" in printed


def test_many_postings(kernel_env, monkeypatch):
    notebook = execute_notebook(NOTEBOOKS / "02-many-postings.ipynb", kernel_env, monkeypatch)
    assert _images(notebook) >= 3  # fit distribution, gaps, fit by field
    assert stream_text(_code_cells(notebook)[-1]).startswith("Refine your search (18 postings")


def test_taxonomy(kernel_env, monkeypatch):
    esco = SHARED_DATA / "esco" / "skills_en.csv"
    monkeypatch.setenv("ESCO_SKILLS_CSV", str(esco))
    notebook = execute_notebook(NOTEBOOKS / "03-taxonomy.ipynb", kernel_env, monkeypatch)
    assert _images(notebook) >= 2
    printed = _printed(notebook)
    if esco.is_file():
        assert "ESCO © European Union" in printed
        assert "esco: " in printed
    else:
        assert "No ESCO skills file" in printed
    # The notebook imports into a temporary folder and removes it again.
    assert not list(kernel_env.glob("taxonomy-demo-*"))

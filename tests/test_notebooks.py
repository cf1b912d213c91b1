"""Execute every chapter notebook top to bottom, as a reader would.

A failing cell fails the test with the notebook's name, the cell's number and
source, and the error.  Run with ``make test-notebooks`` (``pytest -m notebooks``).
"""

from __future__ import annotations

import os
import time

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from bookpaths import all_notebooks

pytestmark = pytest.mark.notebooks
NOTEBOOKS = all_notebooks()


def execute(path, timeout=900):
    """Run a notebook in its own folder; return the executed notebook."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    for index, cell in enumerate(nb.cells):
        cell.metadata["lstm_edu_index"] = index
    try:
        client.execute()
    except CellExecutionError as error:
        failing = next((c for c in nb.cells if c.cell_type == "code"
                        and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        where = (f"cell {failing.metadata['lstm_edu_index'] + 1} of {len(nb.cells)} (counting from 1)"
                 if failing is not None else "a cell")
        source = failing.source if failing is not None else ""
        pytest.fail(f"{path.name}: {where} raised.\n--- cell source ---\n{source}\n--- error ---\n{error}",
                    pytrace=False)
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path):
    os.environ.setdefault("MPLBACKEND", "Agg")
    start = time.perf_counter()
    execute(path)
    print(f"{path.name}: {time.perf_counter() - start:.1f} s")

"""Small helpers for reading, inspecting and writing Jupyter notebooks (nbformat 4).

Shared by :mod:`lstm_edu.classroom` and the notebook tests; nothing here
executes code.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import nbformat

#: nbformat major version the book's notebooks use.
NBFORMAT_VERSION = 4

#: Cell metadata that belongs to a run, not to the source: removed with the outputs.
RUN_METADATA = ("execution",)

#: Notebook metadata that stores widget state from a run.
RUN_NOTEBOOK_METADATA = ("widgets",)


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read a notebook file as nbformat 4."""
    return nbformat.read(str(path), as_version=NBFORMAT_VERSION)


def write_notebook(notebook: nbformat.NotebookNode, path: str | Path) -> None:
    """Write a notebook, creating the parent folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))


def cell_source(cell) -> str:
    """A cell's source as one string (nbformat may hold it as a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def cell_tags(cell) -> tuple[str, ...]:
    """The cell's tags (``metadata.tags``), empty when it has none."""
    return tuple(cell.get("metadata", {}).get("tags", ()))


def code_cells(notebook) -> Iterator[tuple[int, object]]:
    """``(index, cell)`` for every code cell."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            yield index, cell


def strip_outputs(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` without outputs, execution counts, run metadata or widget state."""
    stripped = copy.deepcopy(notebook)
    for key in RUN_NOTEBOOK_METADATA:
        stripped.metadata.pop(key, None)
    for cell in stripped.cells:
        for key in RUN_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return stripped


def error_cells(notebook) -> list[int]:
    """Indices of the code cells whose outputs hold an error (after an execution)."""
    return [
        index
        for index, cell in code_cells(notebook)
        if any(output.get("output_type") == "error" for output in cell.get("outputs", ()))
    ]


def cell_text_output(cell) -> str:
    """Everything a code cell printed or displayed as text, joined."""
    parts = []
    for output in cell.get("outputs", ()):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
        elif output.get("output_type") == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
    return "".join(part if isinstance(part, str) else "".join(part) for part in parts)

#!/usr/bin/env python3
"""Write the hidden Colab set-up cell into every chapter notebook.

The repository's address and the tag or commit readers install are written in one
place, ``repository.url`` and ``repository.package_ref`` in ``_config.yml``; the set-up
cell that installs ``lstm_edu`` in Colab is generated from them.  Run ``make sync-colab`` after changing the address or adding a chapter;
``tests/test_notebook_hygiene.py`` fails when a notebook's cell is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
SETUP_TAG = "colab-setup"
TEMPLATE = '''\
# Colab set-up (hidden in the HTML book). The book's Colab buttons open the Colab edition, whose first
# cell installs and checks lstm_edu; this cell serves a copy of the book's own notebook opened in Colab.
import sys

if "google.colab" in sys.modules:
    %pip install --no-deps "lstm_edu @ git+{url}@{ref}"
    import importlib.util

    if importlib.util.find_spec("lstm_edu") is None:
        raise RuntimeError("lstm_edu did not install (pip says why above). Open this chapter from the book's "
                           "Colab button instead: {colab}")'''


def _repository(config: Path) -> dict:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    repository = data.get("repository") if isinstance(data, dict) else None
    if not isinstance(repository, dict) or not repository.get("url"):
        raise SystemExit(f"{config}: repository.url is missing")
    if not repository.get("package_ref"):
        raise SystemExit(f"{config}: repository.package_ref (the tag or commit readers install) is missing")
    return repository


def repository_url(config: Path = ROOT / "_config.yml") -> str:
    """The repository address from ``_config.yml`` (without a trailing slash)."""
    return str(_repository(config)["url"]).rstrip("/")


def setup_cell_source(notebook: Path, config: Path = ROOT / "_config.yml") -> str:
    """The source of the hidden set-up cell: a pinned install of ``repository.package_ref`` (no dependencies:
    nothing Colab ships changes), for the book notebook ``notebook`` opened in Colab outside the Colab edition;
    its message links the notebook's Colab edition."""
    repository = _repository(config)
    url = str(repository["url"]).rstrip("/")
    folder = str(repository.get("path_to_book", "colab")).strip("/")
    return TEMPLATE.format(url=url, ref=repository["package_ref"],
                           colab=f"https://colab.research.google.com/github/{url.removeprefix('https://github.com/')}"
                                 f"/blob/{repository.get('branch', 'main')}/{folder}/"
                                 f"{Path(notebook).resolve().relative_to(ROOT).as_posix()}")


def sync(notebook: Path, source: str) -> bool:
    """Make the notebook's first cell the set-up cell; return True when it changed."""
    nb = nbformat.read(notebook, as_version=4)
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell", SETUP_TAG]})
    first = nb.cells[0] if nb.cells else None
    if first is not None and SETUP_TAG in first.get("metadata", {}).get("tags", []):
        if first.source == source and "remove-cell" in first.metadata["tags"]:
            return False
        if first.get("id"):
            cell.id = first.id  # a changed source keeps the cell's id: no churn in the diff
        nb.cells[0] = cell
    else:
        nb.cells.insert(0, cell)
    for c in nb.cells:  # nbformat 4.5 wants ids; keep the file stable otherwise
        c.setdefault("id", nbformat.v4.new_code_cell().id)
    nbformat.write(nb, notebook)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to update (default: notebooks/*.ipynb and book/*.ipynb)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "book").glob("*.ipynb"))
    for path in paths:
        if sync(path, setup_cell_source(path)):
            print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Write the hidden Colab set-up cell into every chapter notebook.

The repository's address is written in one place, ``repository.url`` in
``_config.yml``; the set-up cell that installs ``lstm_edu`` in Colab is generated
from it.  Run ``make sync-colab`` after changing the address or adding a chapter;
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
# Colab set-up (hidden in the HTML book): installs the book's package, lstm_edu.
import sys

if "google.colab" in sys.modules:
    %pip install --quiet "lstm_edu @ git+{url}"'''


def repository_url(config: Path = ROOT / "_config.yml") -> str:
    """The repository address from ``_config.yml`` (without a trailing slash)."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    try:
        url = data["repository"]["url"]
    except (KeyError, TypeError):
        raise SystemExit(f"{config}: repository.url is missing") from None
    return str(url).rstrip("/")


def setup_cell_source(url: str) -> str:
    """The source of the set-up cell for a repository address."""
    return TEMPLATE.format(url=url)


def sync(notebook: Path, source: str) -> bool:
    """Make the notebook's first cell the set-up cell; return True when it changed."""
    nb = nbformat.read(notebook, as_version=4)
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell", SETUP_TAG]})
    first = nb.cells[0] if nb.cells else None
    if first is not None and SETUP_TAG in first.get("metadata", {}).get("tags", []):
        if first.source == source and "remove-cell" in first.metadata["tags"]:
            return False
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
    source = setup_cell_source(repository_url())
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "book").glob("*.ipynb"))
    for path in paths:
        if sync(path, source):
            print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

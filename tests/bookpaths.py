"""Paths and the chapter list, shared by the tests."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_files() -> list[str]:
    """Every file named in ``_toc.yml`` (without extension), in book order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def chapter_notebooks() -> list[Path]:
    """The committed chapter notebooks (``notebooks/*.ipynb``)."""
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def all_notebooks() -> list[Path]:
    """Every committed notebook: the chapters and notebook pages in ``book/`` (appendices)."""
    return chapter_notebooks() + sorted((ROOT / "book").glob("*.ipynb"))

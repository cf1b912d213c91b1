"""Committed notebooks are clean, valid, listed in the book, and share one Colab set-up cell."""

from __future__ import annotations

import json
import sys

import nbformat
import pytest
import yaml

from bookpaths import ROOT, all_notebooks, chapter_notebooks, toc_files

sys.path.insert(0, str(ROOT / "scripts"))
from sync_colab_cells import SETUP_TAG, repository_url, setup_cell_source  # noqa: E402

NOTEBOOKS = all_notebooks()
CHAPTERS = chapter_notebooks()
IDS = [p.name for p in NOTEBOOKS]


def test_there_is_at_least_one_chapter():
    assert NOTEBOOKS, "notebooks/ holds no chapter"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_valid_and_stripped(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", "kernel must be python3"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} has outputs: strip them before committing"
            assert cell.execution_count is None, f"cell {index} has an execution count"
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["nbformat"] == 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_starts_with_the_generated_colab_cell(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "code"
    assert {"remove-cell", SETUP_TAG} <= set(first.metadata.get("tags", []))
    assert first.source == setup_cell_source(path), (
        f"{path.name}: the Colab set-up cell is out of date; run `make sync-colab`"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_chapter_has_objectives_and_summary(path):
    cells = nbformat.read(path, as_version=4).cells
    markdown = [c.source for c in cells if c.cell_type == "markdown"]
    assert markdown and markdown[0].lstrip().startswith("# "), "first text cell must be the title"
    assert "Learning objectives" in markdown[0], "the title cell must state learning objectives"
    assert any(s.lstrip().startswith("## Summary") for s in markdown), "a '## Summary' section is missing"


def test_every_notebook_is_in_the_table_of_contents():
    listed = set(toc_files())
    for path in NOTEBOOKS:
        name = path.relative_to(ROOT).with_suffix("").as_posix()
        assert name in listed, f"{name} is not listed in _toc.yml"


def test_the_repository_url_is_written_in_one_place():
    url = repository_url()
    assert url.startswith("https://github.com/")
    hits = []
    for path in ROOT.rglob("*"):
        if any(part.startswith(".") or part in {"_build", "_vendor", "node_modules"}
               for part in path.relative_to(ROOT).parts):
            continue
        if path.is_file() and path.suffix in {".py", ".yml", ".yaml", ".md", ".toml", ".cfg", ".txt"}:
            if url in path.read_text(encoding="utf-8", errors="ignore"):
                hits.append(path.relative_to(ROOT).as_posix())
    assert hits == ["_config.yml"], f"the repository URL must live only in _config.yml, found in {hits}"


def test_config_points_launch_buttons_at_colab():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["html"]["use_download_button"] is True
    assert config["execute"]["execute_notebooks"] in {"force", "cache"}


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_chapter_exercises_follow_the_classroom_convention(path):
    """At least 3 exercises, each with a solution region and a check cell that runs a known checker on it."""
    from lstm_edu import check, classroom

    notebook = nbformat.read(path, as_version=4)
    classroom.validate(notebook, path.name)
    assert classroom.lint(notebook, path.name) == []
    exercises = classroom.list_exercises(notebook, path.name)
    assert len(exercises) >= 3, f"{path.name} has {len(exercises)} exercise(s); chapters end with at least 3"
    checkers = set(check.all_exercises())
    for exercise in exercises:
        where = f"exercise {exercise.number} of {path.name}"
        assert "### BEGIN SOLUTION" in notebook.cells[exercise.cell].source, f"{where} has no solution region"
        assert exercise.check_cell is not None, f"{where} has no check cell"
        assert exercise.checks, f"the check cell of {where} does not pass {exercise.functions} to a checker"
        assert set(exercise.checks) <= checkers, f"{where} calls unknown checkers {exercise.checks}"

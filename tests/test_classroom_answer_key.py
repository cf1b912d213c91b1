"""The answer key: in the instructor edition only, with every exercise's solution and an explanation."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lstm_edu.classroom import build_editions
from lstm_edu.classroom.answer_key import EXPLANATIONS, answer_key
from lstm_edu.classroom.editions import SOLUTION, find_regions, list_exercises
from lstm_edu.classroom.notebooks import cell_source, read_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def test_every_exercise_has_its_solution_and_an_explanation():
    key = answer_key(NOTEBOOKS)
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = read_notebook(path)
        for info in list_exercises(notebook, path.name):
            assert info.checks and all(name in EXPLANATIONS for name in info.checks), (path.name, info.number)
            source = cell_source(notebook.cells[info.cell])
            (region,) = [r for r in find_regions(source, path.name) if r.kind == SOLUTION]
            for line in source.split("\n")[region.begin + 1:region.end]:
                assert line in key, (path.name, info.number, line)
    assert "BEGIN SOLUTION" not in key


def test_the_key_is_in_the_instructor_edition_only(tmp_path):
    written = build_editions(NOTEBOOKS, tmp_path)
    assert (written["instructor"] / "answer-key.md").is_file()
    assert not list(written["student"].rglob("answer-key*"))
    with zipfile.ZipFile(written["student.zip"]) as bundle:
        assert not [name for name in bundle.namelist() if "answer" in name]
    with zipfile.ZipFile(written["instructor.zip"]) as bundle:
        assert "instructor/answer-key.md" in bundle.namelist()


def test_the_book_does_not_build_the_key():
    toc = (ROOT / "_toc.yml").read_text()
    assert "answer" not in toc
    assert "only_build_toc_files: true" in (ROOT / "_config.yml").read_text()


def test_make_student_needs_no_torch(tmp_path):
    """`make student` runs in an environment with only nbformat and numpy: torch must not be imported."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['torch'] = None; from lstm_edu.classroom.editions import main; "
            f"sys.exit(main(['--notebooks', {str(NOTEBOOKS)!r}, '--out', {str(tmp_path)!r}, '--nbgrader']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "instructor" / "answer-key.md").is_file()
    assert (tmp_path / "nbgrader" / "nbgrader_config.py").is_file()

"""The otter-grader route, with the real tool: an executed master notebook, otter assign, otter run.

Run by ``make test-grading`` in ``.venv-grading``.  Chapter 3's exercises become four otter
questions; three submissions (untouched, the solutions, the solutions with the forget gate
used the wrong way round in ``lstm_step``) must score 0, 4 and 3, and the checker's diagnosis
must appear in otter's results.  Everything runs offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lstm_edu.classroom.otter import build_otter

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = "03_lstm"
CORRECT = "c_next = f * c_prev + i * g"
MISTAKE = "c_next = (1 - f) * c_prev + i * g"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(shutil.which("otter", path=str(BIN)) is None,
                                reason="otter-grader is not installed in this environment (make test-grading installs it)")


def otter(cwd: Path, *args: str) -> str:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run(["otter", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = build_otter(ROOT / "notebooks", tmp_path_factory.mktemp("build"), [CHAPTER]) / CHAPTER
    otter(folder, "assign", f"{CHAPTER}.ipynb", "dist")
    solutions = nbformat.read(folder / "dist" / "autograder" / f"{CHAPTER}.ipynb", as_version=4)
    submissions = {"untouched": nbformat.read(folder / "dist" / "student" / f"{CHAPTER}.ipynb", as_version=4),
                   "correct": solutions}
    mistake = nbformat.from_dict(json.loads(json.dumps(solutions)))
    changed = 0
    for cell in mistake.cells:
        if "def lstm_step(" in cell.source and CORRECT in cell.source:
            cell.source, changed = cell.source.replace(CORRECT, MISTAKE), changed + 1
    assert changed == 1
    submissions["mistake"] = mistake
    (archive,) = (folder / "dist" / "autograder").glob("*.zip")
    found = {}
    for name, notebook in submissions.items():
        nbformat.write(notebook, folder / f"{name}.ipynb")
        out = folder / f"out-{name}"
        out.mkdir()
        otter(folder, "run", "-a", str(archive), "-o", str(out), f"{name}.ipynb")
        found[name] = json.loads((out / "results.json").read_text())
    return found


def score(result) -> float:
    return sum(test.get("score") or 0 for test in result["tests"])


def test_the_scores(results):
    assert score(results["untouched"]) == 0
    assert score(results["correct"]) == 4
    assert score(results["mistake"]) == 3


def test_the_diagnosis_reaches_the_results(results):
    assert "forget gate used the wrong way round" in json.dumps(results["mistake"], ensure_ascii=False)
    assert "`...`" in json.dumps(results["untouched"], ensure_ascii=False)

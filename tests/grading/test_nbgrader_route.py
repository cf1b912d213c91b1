"""The nbgrader route, with the real tool: generate_assignment, autograde, feedback, export.

Run by ``make test-grading`` in the separate grading environment (``.venv-grading``, which
has nbgrader and otter-grader; the book's own ``.venv`` never gets them).  Chapter 3's
exercises-only assignment is graded for three submissions: untouched, the instructor's
solutions, and the solutions with one classic mistake in ``lstm_step`` (the forget gate used
the wrong way round).  The scores must be 0, full and full minus one exercise, and the
checker's diagnosis must reach the feedback nbgrader generates.
"""

from __future__ import annotations

import copy
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lstm_edu.classroom.nbgrader import POINTS, build_nbgrader

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "03_lstm-exercises"
NOTEBOOK = "03_lstm.ipynb"
CORRECT = "c_next = f * c_prev + i * g"
MISTAKE = "c_next = (1 - f) * c_prev + i * g"

pytestmark = pytest.mark.skipif(shutil.which("nbgrader", path=str(Path(sys.executable).parent)) is None,
                                reason="nbgrader is not installed in this environment (make test-grading installs it)")


def nbgrader(course: Path, *args: str) -> str:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run(["nbgrader", *args], cwd=course, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def submit(course: Path, student: str, edit=None) -> None:
    """A submission made from the released notebook; ``edit(grade_id, instructor source)`` fills the answers."""
    released = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    answers = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in source.cells
               if cell.metadata.get("nbgrader", {}).get("solution")}
    submission = copy.deepcopy(released)
    if edit is not None:
        for cell in submission.cells:
            grading = cell.metadata.get("nbgrader", {})
            if grading.get("solution"):
                cell.source = edit(grading["grade_id"], answers[grading["grade_id"]])
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(submission, folder / NOTEBOOK)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    out = build_nbgrader(ROOT / "notebooks", tmp_path_factory.mktemp("build"))
    shutil.copytree(out / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    config = (out / "nbgrader_config.py").read_text() + '\nc.CourseDirectory.course_id = "lstm-book-test"\n'
    (course / "nbgrader_config.py").write_text(config)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    submit(course, "untouched")
    submit(course, "correct", lambda grade_id, answer: answer)

    def one_mistake(grade_id, answer):
        if grade_id.endswith("exercise-1"):
            assert CORRECT in answer
            return answer.replace(CORRECT, MISTAKE)
        return answer

    submit(course, "mistake", one_mistake)
    nbgrader(course, "autograde", ASSIGNMENT)
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    nbgrader(course, "export")
    with open(course / "grades.csv", newline="") as table:
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(table)}
    return course, scores


def test_the_released_notebook_has_stubs_and_no_solution(graded):
    course, _ = graded
    released = (course / "release" / ASSIGNMENT / NOTEBOOK).read_text()
    assert "raise NotImplementedError" in released
    assert CORRECT not in released.split("### Exercise 2")[0].split("def lstm_step")[1]


def test_the_scores(graded):
    _, scores = graded
    full = 4 * POINTS
    assert scores["untouched"] == (0.0, full)
    assert scores["correct"] == (full, full)
    assert scores["mistake"] == (full - POINTS, full)


def test_the_diagnosis_reaches_the_feedback(graded):
    course, _ = graded
    feedback = (course / "feedback" / "mistake" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    assert "forget gate used the wrong way round" in feedback
    untouched = (course / "feedback" / "untouched" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    assert "not implemented yet" in untouched

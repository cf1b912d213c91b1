"""nbgrader versions of the chapter notebooks: autograded answers and tests with points.

``python -m lstm_edu.classroom --nbgrader`` (see :mod:`lstm_edu.classroom.editions`) writes

- ``_build/nbgrader/source/<chapter>/<chapter>.ipynb``: each chapter with nbgrader's cell
  metadata, ready for ``nbgrader generate_assignment <chapter>``.  Each exercise cell is an
  *autograded answer* (its ``### BEGIN SOLUTION`` region is nbgrader's own marker), each
  check cell an *autograded test* worth :data:`POINTS` points whose check call is wrapped in
  ``assert`` (a checker returns a false result instead of raising, so a bare call would
  always score full marks).  Every other cell is *read-only*.  Hidden-test regions are kept:
  nbgrader removes them from the student version itself.
- ``_build/nbgrader/source/<chapter>-exercises/...``: the same, exercises only (the set-up
  cells, then each exercise's statement, answer and test).  Autograding it re-runs no
  training, so it takes seconds per submission.
- ``_build/nbgrader/nbgrader_config.py``: a recommended configuration (cell timeout, data
  location, grading mode).

Only nbformat and the standard library are used here; nbgrader itself is needed only to
grade (see the teacher's guide).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Sequence
from pathlib import Path

import nbformat

from lstm_edu.classroom.editions import (
    CHECK_TAG,
    ClassroomError,
    ExerciseInfo,
    list_exercises,
    validate,
    where,
)
from lstm_edu.classroom.notebooks import cell_source, cell_tags, read_notebook, strip_outputs, write_notebook

#: Points for each exercise's test cell.
POINTS = 1
#: nbgrader's cell-metadata schema version (nbgrader 0.9).
SCHEMA_VERSION = 3
#: Tag of the hidden Colab set-up cell, kept in every version.
SETUP_TAG = "colab-setup"
#: Environment variable that puts the notebooks' heavy cells into grading mode.
GRADING_VARIABLE = "LSTM_EDU_GRADING"
#: Cell timeout (seconds) recommended for autograding whole chapters on a CPU.
CELL_TIMEOUT = 600

CONFIG_TEMPLATE = '''\
# nbgrader configuration recommended for the book's notebooks (written by
# `python -m lstm_edu.classroom --nbgrader`).  Copy it into your course directory.
import os

c = get_config()  # noqa: F821 (nbgrader provides it)

# The course's folder: source/<assignment>/ holds the notebooks of _build/nbgrader/source/.
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# nbgrader's default cell timeout is 30 s; some chapters train small models in a cell.
c.Execute.timeout = {timeout}

# Grading mode: heavy cells that read lstm_edu's grading switch run their smallest
# version, so autograding re-runs no long training.  (The *-exercises assignments
# contain no heavy cells at all.)
os.environ.setdefault("{grading}", "1")

# Datasets (chapters 5 and 7): pre-seed a read-only copy and point the kernels at it,
# so that grading never downloads anything.
# os.environ.setdefault("LSTM_EDU_DATA", "/srv/lstm_edu_data")
os.environ.setdefault("LSTM_EDU_OFFLINE", "1")

# The stub that replaces each solution in the student version (the same as `make student`).
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError"}}
'''


def nbgrader_config(timeout: int = CELL_TIMEOUT) -> str:
    """The text of the recommended ``nbgrader_config.py``."""
    return CONFIG_TEMPLATE.format(timeout=timeout, grading=GRADING_VARIABLE)


def _metadata(grade_id: str, *, solution: bool, grade: bool, locked: bool, points: int | None = None) -> dict:
    data = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
            "solution": solution, "task": False}
    if grade:
        data["points"] = points
    return data


def assert_checks(source: str, functions: Sequence[str], location: str) -> str:
    """``source`` with each top-level check call on one of ``functions`` wrapped in ``assert``.

    ``check.lstm_step(lstm_step)`` becomes ``assert check.lstm_step(lstm_step), "..."``; the
    checker prints its feedback before the assertion fails, so the feedback reaches nbgrader's
    report.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ClassroomError(f"{location}: the check cell is not valid Python ({error.msg})") from None
    lines = source.split("\n")
    wrapped = 0
    for node in reversed(tree.body):
        call = node.value if isinstance(node, ast.Expr) else None
        if not (isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Name)
                and call.args[0].id in functions):
            continue
        text = ast.get_source_segment(source, call)
        name = call.args[0].id
        message = f"{name} is not right yet: the feedback printed above says why."
        replacement = f"assert {text}, {message!r}"
        lines[node.lineno - 1 : node.end_lineno] = replacement.split("\n")
        wrapped += 1
    if not wrapped:
        raise ClassroomError(f"{location}: the check cell calls no checker on {', '.join(functions) or 'a function'}")
    return "\n".join(lines)


def _preamble(notebook) -> list[int]:
    """Indices of the set-up cells: the Colab cell and the first other code cell (the imports)."""
    kept = [index for index, cell in enumerate(notebook.cells) if SETUP_TAG in cell_tags(cell)]
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and SETUP_TAG not in cell_tags(cell):
            kept.append(index)
            break
    return kept


def _statement(notebook, info: ExerciseInfo) -> int | None:
    for index in range(info.cell - 1, -1, -1):
        if notebook.cells[index].cell_type == "markdown":
            return index
    return None


def nbgrader_notebook(notebook, name: str, points: int = POINTS, exercises_only: bool = False):
    """The nbgrader source version of one chapter notebook (see the module docstring)."""
    validate(notebook, name)
    exercises = list_exercises(notebook, name)
    if not exercises:
        raise ClassroomError(f"{name} has no exercise to grade")
    graded = strip_outputs(notebook)
    stem = Path(name).stem
    roles: dict[int, str] = {}
    for info in exercises:
        if info.check_cell is None:
            raise ClassroomError(f"{where(name, info.cell)}: exercise {info.number} has no check cell to grade it")
        check = graded.cells[info.check_cell]
        check.source = assert_checks(cell_source(check), info.functions, where(name, info.check_cell))
        graded.cells[info.cell].metadata["nbgrader"] = _metadata(
            f"{stem}-exercise-{info.number}", solution=True, grade=False, locked=False)
        check.metadata["nbgrader"] = _metadata(
            f"{stem}-exercise-{info.number}-check", solution=False, grade=True, locked=True, points=points)
        roles[info.cell] = roles[info.check_cell] = "graded"
        statement = _statement(graded, info)
        if statement is not None:
            roles.setdefault(statement, "statement")
    for index in _preamble(graded):
        roles.setdefault(index, "setup")
    for index, cell in enumerate(graded.cells):
        if "nbgrader" not in cell.metadata:
            cell.metadata["nbgrader"] = _metadata(f"{stem}-cell-{index + 1}", solution=False, grade=False,
                                                  locked=True)
    if exercises_only:
        title = nbformat.v4.new_markdown_cell(
            f"# {stem}: exercises\n\nThe exercises of the chapter, graded. Read the chapter first; run every "
            "cell from the top.")
        title.metadata["nbgrader"] = _metadata(f"{stem}-title", solution=False, grade=False, locked=True)
        graded.cells = [title] + [cell for index, cell in enumerate(graded.cells) if index in roles]
    return graded


def build_nbgrader(notebooks: str | Path = "notebooks", out: str | Path = "_build", points: int = POINTS) -> Path:
    """Write ``<out>/nbgrader/``: the source folders (whole chapters and exercises only) and the config."""
    notebooks, out = Path(notebooks), Path(out) / "nbgrader"
    paths = sorted(notebooks.glob("*.ipynb"))
    if not paths:
        raise ClassroomError(f"no notebooks (*.ipynb) found in {notebooks}/")
    converted = {}
    for path in paths:
        notebook = read_notebook(path)
        if not list_exercises(notebook, path.name):
            continue
        for suffix, only in (("", False), ("-exercises", True)):
            converted[(path.stem + suffix, path.name)] = nbgrader_notebook(notebook, path.name, points, only)
    for (assignment, filename), notebook in converted.items():
        nbformat.validate(notebook)
        write_notebook(copy.deepcopy(notebook), out / "source" / assignment / filename)
    (out / "nbgrader_config.py").write_text(nbgrader_config())
    return out

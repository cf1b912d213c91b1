"""Student and instructor editions of the chapter notebooks.

Run ``python -m lstm_edu.classroom [--notebooks notebooks] [--out _build]`` (or
``make student``).  It reads every ``notebooks/*.ipynb`` and writes

- ``_build/student/``: each solution region replaced by a stub, hidden tests removed;
- ``_build/instructor/``: the full solutions, and ``answer-key.md`` (every solution explained);
- ``_build/student.zip`` and ``_build/instructor.zip`` with those folders;

both editions with outputs, execution counts and widget state stripped, and
everything else unchanged.  Only nbformat and the standard library are used
(nbgrader is not needed, though the markers are compatible with it).

The exercise convention
-----------------------

Each exercise is three consecutive cells (markdown between them is fine):

(a) a **statement**: a markdown cell saying what to do;

(b) an **exercise cell**: a code cell tagged ``exercise`` *and* ``hide-input``
    (so the HTML book shows it collapsed behind a click-to-show toggle) that
    holds the stub and the solution.  The solution sits between the lines
    ``### BEGIN SOLUTION`` and ``### END SOLUTION``, normally inside the body
    of the function the learner must write::

        def lstm_step(x, h_prev, c_prev, params):
            \"\"\"One LSTM step: return (h_next, c_next).\"\"\"
            ### BEGIN SOLUTION
            ...
            ### END SOLUTION

    In the student edition the region becomes, indented like the
    ``### BEGIN SOLUTION`` line::

            # YOUR CODE HERE
            raise NotImplementedError

(c) a **check cell**: the next code cell, tagged ``check``, calling a checker,
    e.g. ``check.lstm_step(lstm_step)``.  In the student edition it reports
    "not implemented yet" instead of raising, so the notebook still runs top
    to bottom.

Optional ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` regions (in any
code cell, usually a check cell) are deleted from the student edition.

Rules, enforced with an error that names the notebook and the cell:
markers come in BEGIN/END pairs, never nested, only in code cells, spelled
exactly (any number of ``#``); a cell with a solution is tagged ``exercise`` and
hidden (``hide-input``); a cell tagged ``exercise`` has a solution region.
Later cells never depend on an exercise's result (the student edition would
have nothing there); :func:`lint` warns when an exercise has no check cell.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from lstm_edu.classroom.notebooks import cell_source, cell_tags, read_notebook, strip_outputs, write_notebook

EXERCISE_TAG = "exercise"
CHECK_TAG = "check"
HIDE_TAG = "hide-input"
#: Tags that hide a cell's input in the HTML book; any one of them is enough.
HIDING_TAGS = ("hide-input", "hide-cell", "remove-input", "remove-cell")

SOLUTION = "SOLUTION"
HIDDEN_TESTS = "HIDDEN TESTS"
STUB_LINES = ("# YOUR CODE HERE", "raise NotImplementedError")

#: A marker line: indentation, one or more '#', BEGIN/END, the region kind.
MARKER = re.compile(r"^(?P<indent>[ \t]*)#+[ \t]*(?P<edge>BEGIN|END) (?P<kind>SOLUTION|HIDDEN TESTS)[ \t]*$")
#: Anything that looks like an attempt at a marker: checked case-insensitively on
#: comment lines of code cells (to catch typos), and in capitals in markdown.
MARKER_LIKE = re.compile(r"\b(BEGIN|END)[ \t_]*(SOLUTIONS?|HIDDEN[ \t_]*TESTS?)\b")
MARKER_LIKE_ANY_CASE = re.compile(MARKER_LIKE.pattern, re.IGNORECASE)

EDITIONS = ("student", "instructor")
#: Fixed timestamp inside the zips, so rebuilding gives identical archives.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class ClassroomError(ValueError):
    """A notebook breaks the exercise convention; the message says where and how."""


@dataclass(frozen=True)
class Region:
    """A marked region of a code cell: lines ``begin`` to ``end`` inclusive (0-based)."""

    kind: str  # SOLUTION or HIDDEN TESTS
    begin: int
    end: int
    indent: str


@dataclass(frozen=True)
class ExerciseInfo:
    """One exercise of a notebook, as found by :func:`list_exercises`."""

    notebook: str
    number: int  # 1-based, in notebook order
    cell: int  # index of the exercise cell
    title: str  # first line of the statement cell above it
    functions: tuple[str, ...]  # functions the exercise cell defines
    check_cell: int | None  # index of the check cell, if there is one
    checks: tuple[str, ...] = field(default=())  # checkers called there, e.g. ("lstm_step",)


# ------------------------------------------------------------------- markers


def where(notebook: str, index: int) -> str:
    """How errors name a cell: the notebook and the 1-based cell number."""
    return f"{notebook}, cell {index + 1}"


def find_regions(source: str, location: str) -> list[Region]:
    """The marked regions of one code cell's source, validated."""
    regions: list[Region] = []
    open_region: tuple[str, int, str] | None = None
    for number, line in enumerate(source.split("\n")):
        match = MARKER.match(line)
        if match is None:
            if "#" in line and MARKER_LIKE_ANY_CASE.search(line[line.index("#") :]):
                raise ClassroomError(
                    f"{location}, line {number + 1}: {line.strip()!r} looks like a marker but is not one; "
                    "write it on its own line exactly as '### BEGIN SOLUTION', '### END SOLUTION', "
                    "'### BEGIN HIDDEN TESTS' or '### END HIDDEN TESTS'"
                )
            continue
        edge, kind, indent = match["edge"], match["kind"], match["indent"]
        if edge == "BEGIN":
            if open_region is not None:
                raise ClassroomError(
                    f"{location}, line {number + 1}: '### BEGIN {kind}' inside the {open_region[0]} region "
                    f"opened on line {open_region[1] + 1}; regions cannot be nested, close the first one "
                    f"with '### END {open_region[0]}'"
                )
            open_region = (kind, number, indent)
        else:
            if open_region is None:
                raise ClassroomError(f"{location}, line {number + 1}: '### END {kind}' without a matching BEGIN")
            if open_region[0] != kind:
                raise ClassroomError(
                    f"{location}, line {number + 1}: '### END {kind}' closes the {open_region[0]} region "
                    f"opened on line {open_region[1] + 1}; expected '### END {open_region[0]}'"
                )
            regions.append(Region(kind, open_region[1], number, open_region[2]))
            open_region = None
    if open_region is not None:
        raise ClassroomError(
            f"{location}, line {open_region[1] + 1}: '### BEGIN {open_region[0]}' is never closed; "
            f"add '### END {open_region[0]}'"
        )
    return regions


def student_source(source: str, location: str = "cell") -> str:
    """The source with solutions replaced by the stub and hidden tests removed."""
    regions = find_regions(source, location)
    lines = source.split("\n")
    for region in reversed(regions):  # from the bottom, so earlier line numbers stay valid
        replacement = [region.indent + stub for stub in STUB_LINES] if region.kind == SOLUTION else []
        lines[region.begin : region.end + 1] = replacement
    return "\n".join(lines)


# ------------------------------------------------------------ validation


def _check_cell(cell, location: str) -> list[Region]:
    """Validate one cell against the convention; return its regions."""
    source, tags = cell_source(cell), cell_tags(cell)
    if cell.cell_type != "code":
        found = MARKER_LIKE.search(source)
        if found:
            raise ClassroomError(
                f"{location} is a {cell.cell_type} cell but contains the marker text {found.group(0)!r}; "
                "solution and hidden-test markers belong in code cells only"
            )
        return []
    regions = find_regions(source, location)
    has_solution = any(region.kind == SOLUTION for region in regions)
    if has_solution and EXERCISE_TAG not in tags:
        raise ClassroomError(f"{location} holds a solution but is not tagged '{EXERCISE_TAG}'; add the tag")
    if has_solution and not set(tags) & set(HIDING_TAGS):
        raise ClassroomError(
            f"{location} holds a solution that the HTML book would show; tag the cell '{HIDE_TAG}'"
        )
    if EXERCISE_TAG in tags and not has_solution:
        raise ClassroomError(
            f"{location} is tagged '{EXERCISE_TAG}' but has no '### BEGIN SOLUTION' / '### END SOLUTION' region"
        )
    return regions


def validate(notebook, name: str) -> None:
    """Raise :class:`ClassroomError` if any cell of ``notebook`` breaks the convention."""
    for index, cell in enumerate(notebook.cells):
        _check_cell(cell, where(name, index))


def lint(notebook, name: str) -> list[str]:
    """Validate, then return gentle warnings (e.g. an exercise without a check cell)."""
    validate(notebook, name)
    return [
        f"{where(name, info.cell)}: exercise {info.number} has no check cell (a code cell tagged "
        f"'{CHECK_TAG}') right after it"
        for info in list_exercises(notebook, name)
        if info.check_cell is None
    ]


# -------------------------------------------------------------- editions


def student_notebook(notebook, name: str):
    """The student edition of one notebook: stubs instead of solutions, no hidden tests, no outputs."""
    validate(notebook, name)
    student = strip_outputs(notebook)
    for index, cell in enumerate(student.cells):
        if cell.cell_type == "code":
            cell.source = student_source(cell_source(cell), where(name, index))
    return student


def instructor_notebook(notebook, name: str):
    """The instructor edition of one notebook: full solutions, no outputs."""
    validate(notebook, name)
    return strip_outputs(notebook)


# ------------------------------------------------------------- exercises


def _title(notebook, before: int) -> str:
    """The statement's title: in the nearest markdown cell above cell ``before``, its last heading or
    bold line that names an exercise, else its first line (a cell may hold "## Exercises" and the
    statement of exercise 1 together)."""
    for cell in reversed(notebook.cells[:before]):
        if cell.cell_type == "markdown":
            lines = [line.strip() for line in cell_source(cell).split("\n") if line.strip()]
            if not lines:
                continue
            named = [line for line in lines if line.startswith(("#", "**")) and "exercise" in line.lower()]
            title = named[-1] if named else lines[0]
            if title.startswith("**") and "**" in title[2:]:
                return title[2:title.index("**", 2)].strip()  # the bold part of "**Exercise 1.** Write ..."
            return title.lstrip("#").strip()
    return ""


def _checkers_called(source: str, functions: Sequence[str]) -> tuple[str, ...]:
    """Names of the checkers ``source`` calls with one of ``functions`` as first argument.

    ``check.lstm_step(lstm_step)``, ``practice.exact_match(exact_match)`` and
    ``check_cross_entropy(cross_entropy)`` give ``lstm_step``, ``exact_match`` and ``cross_entropy``.
    """
    names = []
    for function in functions:
        for callee in re.findall(rf"([A-Za-z_][\w.]*)\(\s*{re.escape(function)}\s*[,)]", source):
            name = callee.rsplit(".", 1)[-1].removeprefix("check_")
            if name not in names:
                names.append(name)
    return tuple(names)


def _defined_functions(source: str) -> tuple[str, ...]:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # e.g. a cell with IPython magics
        return ()
    return tuple(node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _check_cell_after(notebook, index: int) -> int | None:
    """The next code cell after ``index``, if it is tagged ``check``."""
    for later in range(index + 1, len(notebook.cells)):
        cell = notebook.cells[later]
        if cell.cell_type == "code":
            return later if CHECK_TAG in cell_tags(cell) else None
    return None


def list_exercises(notebook, name: str = "notebook") -> list[ExerciseInfo]:
    """The exercises of a notebook (a path or a loaded notebook), in order."""
    if isinstance(notebook, (str, Path)):
        name = Path(notebook).name
        notebook = read_notebook(notebook)
    exercises = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or EXERCISE_TAG not in cell_tags(cell):
            continue
        check_index = _check_cell_after(notebook, index)
        functions = _defined_functions(cell_source(cell))
        checks = ()
        if check_index is not None:
            checks = _checkers_called(cell_source(notebook.cells[check_index]), functions)
        exercises.append(
            ExerciseInfo(
                notebook=name,
                number=len(exercises) + 1,
                cell=index,
                title=_title(notebook, index),
                functions=functions,
                check_cell=check_index,
                checks=checks,
            )
        )
    return exercises


# ------------------------------------------------------------------ build


def _write_zip(folder: Path, archive: Path) -> None:
    """Zip ``folder`` as ``<folder name>/<file>`` with fixed timestamps."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                bundle.writestr(info, path.read_bytes())


def build_editions(notebooks: str | Path = "notebooks", out: str | Path = "_build") -> dict[str, Path]:
    """Write the student and instructor editions and their zips; return their paths.

    Every notebook is converted before anything is written, so a convention
    error leaves the previous editions untouched.
    """
    notebooks, out = Path(notebooks), Path(out)
    paths = sorted(notebooks.glob("*.ipynb"))
    if not paths:
        raise ClassroomError(f"no notebooks (*.ipynb) found in {notebooks}/")
    converted = {edition: {} for edition in EDITIONS}
    for path in paths:
        notebook = read_notebook(path)
        converted["student"][path.name] = student_notebook(notebook, path.name)
        converted["instructor"][path.name] = instructor_notebook(notebook, path.name)
    written = {}
    for edition, books in converted.items():
        folder = out / edition
        if folder.exists():
            shutil.rmtree(folder)
        for filename, notebook in books.items():
            nbformat.validate(notebook)
            write_notebook(notebook, folder / filename)
        if edition == "instructor":  # the answer key goes to the instructor edition only
            from lstm_edu.classroom.answer_key import answer_key

            (folder / "answer-key.md").write_text(answer_key(notebooks))
        archive = out / f"{edition}.zip"
        _write_zip(folder, archive)
        written[edition], written[f"{edition}.zip"] = folder, archive
    return written


# -------------------------------------------------------------------- CLI


def _print_exercises(notebooks: Path) -> None:
    for path in sorted(notebooks.glob("*.ipynb")):
        for info in list_exercises(path):
            checks = ", ".join(f"check.{name}" for name in info.checks) or "no check"
            functions = ", ".join(info.functions) or "-"
            print(f"{info.notebook}  exercise {info.number} (cell {info.cell + 1}): {info.title}  [{functions}; {checks}]")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m lstm_edu.classroom",
        description="Write the student and instructor editions of the chapter notebooks.",
    )
    parser.add_argument("--notebooks", default="notebooks", help="folder with the chapter notebooks")
    parser.add_argument("--out", default="_build", help="where to write student/, instructor/ and the zips")
    parser.add_argument("--list", action="store_true", help="only list the exercises of every notebook")
    parser.add_argument("--catalogue", action="store_true", help="only print the mistakes each checker diagnoses")
    parser.add_argument("--nbgrader", action="store_true",
                        help="also write <out>/nbgrader/: nbgrader source notebooks and a recommended nbgrader_config.py")
    parser.add_argument("--otter", action="store_true",
                        help="also write <out>/otter/: otter-grader master notebooks (executed; needs a Jupyter kernel)")
    args = parser.parse_args(argv)
    notebooks = Path(args.notebooks)
    try:
        if args.catalogue:
            from lstm_edu import check

            print(check.catalogue_markdown(), end="")
            return 0
        if args.list:
            _print_exercises(notebooks)
            return 0
        for path in sorted(notebooks.glob("*.ipynb")):
            for warning in lint(read_notebook(path), path.name):
                print(f"warning: {warning}", file=sys.stderr)
        written = build_editions(notebooks, args.out)
        if args.nbgrader:
            from lstm_edu.classroom.nbgrader import build_nbgrader

            print(f"nbgrader: {build_nbgrader(notebooks, args.out)}/ (source/<assignment>/ and nbgrader_config.py)")
        if args.otter:
            from lstm_edu.classroom.otter import build_otter

            print(f"otter-grader: {build_otter(notebooks, args.out)}/ (master notebooks for `otter assign`)")
    except ClassroomError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    count = len(list(written["student"].glob("*.ipynb")))
    print(f"wrote {count} notebook(s) to {written['student']}/ and {written['instructor']}/")
    print(f"zips: {written['student.zip']} and {written['instructor.zip']}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""otter-grader master notebooks of the chapters' exercises (otter's v1 assign format).

``python -m lstm_edu.classroom --otter`` writes ``_build/otter/<chapter>/<chapter>.ipynb``:
the chapter's set-up cells, then one otter *question* per exercise (statement, solution cell
with otter's ``# BEGIN SOLUTION`` markers, and a test cell), **executed**, because otter takes
the expected output of a doctest-format test from the test cell's output in the master
notebook.  The test cell is ``_ = check.<name>(<function>)``: the checker prints its report
and nothing else, so a correct answer reproduces the master's report ("correct on all ...
test cases") exactly, any other answer prints a different report (the diagnosis), and the
doctest fails with that report in its "Got:" part.  (An ``assert`` around the call fails even
for correct answers, because the printed report is unexpected output.)

Then ``otter assign <chapter>.ipynb dist`` writes the student notebook and the autograder zip.
Executing needs a Jupyter kernel with ``lstm_edu`` (nbclient).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

from lstm_edu.classroom.editions import ClassroomError, list_exercises, validate, where
from lstm_edu.classroom.nbgrader import _preamble, _statement
from lstm_edu.classroom.notebooks import cell_source, read_notebook, strip_outputs, write_notebook

POINTS = 1
ASSIGNMENT_CONFIG = """# ASSIGNMENT CONFIG
init_cell: false
check_all_cell: false
export_cell: false
runs_on: default
"""
OTTER_MARKER = re.compile(r"^(?P<indent>[ \t]*)#+[ \t]*(?P<edge>BEGIN|END) SOLUTION[ \t]*$", re.M)


def _raw(text: str):
    return nbformat.v4.new_raw_cell(text)


def otter_solution(source: str) -> str:
    """The exercise cell with otter's spelling of the markers (``# BEGIN SOLUTION``)."""
    return OTTER_MARKER.sub(lambda m: f"{m['indent']}# {m['edge']} SOLUTION", source)


def check_imports(notebook, exercises) -> list[str]:
    """Every import statement of the chapter's check cells (a check cell may rely on an earlier one's)."""
    found = []
    for info in exercises:
        if info.check_cell is None:
            continue
        source = cell_source(notebook.cells[info.check_cell])
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                text = ast.get_source_segment(source, node)
                if text not in found:
                    found.append(text)
    return found


def otter_test(source: str, functions, location: str, imports=()) -> str:
    """The check cell as an otter test: imports first (otter runs each test on its own), each check
    call assigned to ``_`` (no echo)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ClassroomError(f"{location}: the check cell is not valid Python ({error.msg})") from None
    lines, wrapped = source.split("\n"), 0
    for node in reversed(tree.body):
        call = node.value if isinstance(node, ast.Expr) else None
        if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Name) and call.args[0].id in functions:
            text = "_ = " + ast.get_source_segment(source, call)
            lines[node.lineno - 1 : node.end_lineno] = text.split("\n")
            wrapped += 1
    if not wrapped:
        raise ClassroomError(f"{location}: the check cell calls no checker on {', '.join(functions)}")
    body = [line for line in lines if line.strip() and line.strip() not in imports]
    return "\n".join([*imports, *body])


def otter_master(notebook, name: str, points: int = POINTS):
    """The (not yet executed) otter master notebook of one chapter's exercises."""
    validate(notebook, name)
    exercises = list_exercises(notebook, name)
    if not exercises:
        raise ClassroomError(f"{name} has no exercise to grade")
    source = strip_outputs(notebook)
    cells = [_raw(ASSIGNMENT_CONFIG), nbformat.v4.new_markdown_cell(f"# {Path(name).stem}: exercises")]
    cells += [source.cells[index] for index in _preamble(source)]
    imports = check_imports(source, exercises)
    for info in exercises:
        if info.check_cell is None:
            raise ClassroomError(f"{where(name, info.cell)}: exercise {info.number} has no check cell")
        cells.append(_raw(f"# BEGIN QUESTION\nname: exercise{info.number}\npoints: {points}"))
        statement = _statement(source, info)
        if statement is not None:
            cells.append(source.cells[statement])
        cells += [_raw("# BEGIN SOLUTION"),
                  nbformat.v4.new_code_cell(otter_solution(cell_source(source.cells[info.cell]))),
                  _raw("# END SOLUTION"), _raw("# BEGIN TESTS"),
                  nbformat.v4.new_code_cell(otter_test(cell_source(source.cells[info.check_cell]), info.functions,
                                                       where(name, info.check_cell), imports)),
                  _raw("# END TESTS"), _raw("# END QUESTION")]
    master = nbformat.v4.new_notebook(metadata=source.metadata)
    master.cells = [nbformat.from_dict(dict(cell, metadata={})) if "tags" in cell.get("metadata", {}) else cell
                    for cell in cells]
    return master


def execute(notebook, cwd: str | Path, timeout: int = 600):
    """Run the master notebook so that its test cells carry the expected outputs."""
    from nbclient import NotebookClient

    NotebookClient(notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return notebook


def build_otter(notebooks: str | Path = "notebooks", out: str | Path = "_build", chapters=None) -> Path:
    """Write executed master notebooks to ``<out>/otter/<chapter>/``; ``chapters``: stems to convert (all)."""
    notebooks, out = Path(notebooks), Path(out) / "otter"
    for path in sorted(notebooks.glob("*.ipynb")):
        if chapters is not None and path.stem not in chapters:
            continue
        notebook = read_notebook(path)
        if not list_exercises(notebook, path.name):
            continue
        folder = out / path.stem
        folder.mkdir(parents=True, exist_ok=True)
        master = execute(otter_master(notebook, path.name), folder)
        write_notebook(master, folder / path.name)
    return out

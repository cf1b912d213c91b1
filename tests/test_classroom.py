"""Student and instructor editions: stubs, stripping, zips, marker errors, execution."""

from __future__ import annotations

import copy
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from lstm_edu.classroom import editions as classroom
from lstm_edu.classroom.notebooks import cell_source, cell_tags, cell_text_output, error_cells, read_notebook

FIXTURE = Path(__file__).parent / "fixtures" / "classroom_exercises.ipynb"
SOLUTION_LINES = ("s = 1.0 / (1.0 + np.exp(-z))", "grads[name] = grads[name] * (max_norm / (total + 1e-6))")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The editions of a folder holding the fixture notebook."""
    root = tmp_path_factory.mktemp("classroom")
    notebooks = root / "notebooks"
    notebooks.mkdir()
    # The fixture as a teacher's executed notebook: one cell with an output and an execution count,
    # which both editions must strip (the committed fixture itself stays stripped).
    notebook = read_notebook(FIXTURE)
    ran = next(cell for cell in notebook.cells if cell.cell_type == "code")
    ran.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran before the editions were built\n")]
    ran.execution_count = 3
    nbformat.write(notebook, notebooks / FIXTURE.name)
    written = classroom.build_editions(notebooks, root / "_build")
    return root, written


def edition(built, name):
    root, _ = built
    return read_notebook(root / "_build" / name / FIXTURE.name)


def sources(notebook):
    return [cell_source(cell) for cell in notebook.cells]


# --------------------------------------------------------------- editions


def test_the_student_edition_has_no_solution(built):
    student = "\n".join(sources(edition(built, "student")))
    for line in SOLUTION_LINES:
        assert line not in student
    assert "BEGIN SOLUTION" not in student and "END SOLUTION" not in student
    assert "HIDDEN TESTS" not in student and "assert abs(clip_grad_norm" not in student


def test_stubs_are_indented_like_their_region(built):
    student = edition(built, "student")
    exercises = [cell_source(cell) for cell in student.cells if "exercise" in cell_tags(cell)]
    assert "\n    # YOUR CODE HERE\n    raise NotImplementedError" in exercises[0]
    assert "\n        # YOUR CODE HERE\n        raise NotImplementedError\n    return total" in exercises[1]


def test_the_instructor_edition_keeps_the_solutions(built):
    instructor = "\n".join(sources(edition(built, "instructor")))
    for line in SOLUTION_LINES:
        assert line in instructor
    assert "### BEGIN HIDDEN TESTS" in instructor


def test_everything_else_is_unchanged(built):
    original = read_notebook(FIXTURE)
    for name in classroom.EDITIONS:
        result = edition(built, name)
        assert len(result.cells) == len(original.cells)
        assert result.metadata == original.metadata
        for before, after in zip(original.cells, result.cells):
            assert after.cell_type == before.cell_type
            assert cell_tags(after) == cell_tags(before)
            if name == "instructor" or not classroom.MARKER_LIKE.search(cell_source(before)):
                assert cell_source(after) == cell_source(before)


def test_outputs_are_stripped_in_both_editions(built):
    root, _ = built
    source = read_notebook(root / "notebooks" / FIXTURE.name)
    assert any(cell.get("outputs") for cell in source.cells), "the built notebook has an output"
    for name in classroom.EDITIONS:
        for cell in edition(built, name).cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


def test_the_zips_hold_the_notebooks(built):
    root, written = built
    for name in classroom.EDITIONS:
        archive = written[f"{name}.zip"]
        assert archive == root / "_build" / f"{name}.zip"
        with zipfile.ZipFile(archive) as bundle:
            extra = ["instructor/answer-key.md"] if name == "instructor" else []
            assert sorted(bundle.namelist()) == sorted([f"{name}/{FIXTURE.name}", *extra])
            inside = nbformat.reads(bundle.read(f"{name}/{FIXTURE.name}").decode(), as_version=4)
        assert sources(inside) == sources(edition(built, name))


def test_rebuilding_gives_identical_zips(built, tmp_path):
    root, written = built
    again = classroom.build_editions(root / "notebooks", tmp_path)
    for name in classroom.EDITIONS:
        assert again[f"{name}.zip"].read_bytes() == written[f"{name}.zip"].read_bytes()


def test_stale_notebooks_are_removed(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE, notebooks / "one.ipynb")
    classroom.build_editions(notebooks, tmp_path / "_build")
    (notebooks / "one.ipynb").rename(notebooks / "two.ipynb")
    classroom.build_editions(notebooks, tmp_path / "_build")
    assert [p.name for p in (tmp_path / "_build" / "student").iterdir()] == ["two.ipynb"]


# -------------------------------------------------------------- execution


def execute(notebook, cwd: Path):
    from nbclient import NotebookClient

    NotebookClient(notebook, timeout=120, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return notebook


def test_run_top_to_bottom_the_student_edition_fails_only_at_its_exercises(built):
    root, _ = built
    student = execute(edition(built, "student"), root)
    exercise_cells = {i for i, cell in enumerate(student.cells) if "exercise" in cell_tags(cell)}
    assert set(error_cells(student)) <= exercise_cells
    checks = [cell_text_output(cell) for cell in student.cells if "check" in cell_tags(cell)]
    assert len(checks) == 2
    assert all("not implemented yet" in text for text in checks)
    # a check cell prints its report and echoes no value (no "False" / result repr below it)
    assert all(not text.rstrip().endswith(("False", ">")) for text in checks)
    assert "ordinary cell ran" in cell_text_output(student.cells[6])
    assert "last cell ran" in cell_text_output(student.cells[-1])


def test_the_instructor_edition_runs_cleanly_and_passes_its_checks(built):
    root, _ = built
    instructor = execute(edition(built, "instructor"), root)
    assert error_cells(instructor) == []
    checks = [cell_text_output(cell) for cell in instructor.cells if "check" in cell_tags(cell)]
    assert all("\u2705" in text for text in checks)


# ---------------------------------------------------------------- markers


def test_a_top_level_region_becomes_an_unindented_stub():
    source = "x = 1\n### BEGIN SOLUTION\ny = x + 1\n### END SOLUTION\nprint('after')"
    assert classroom.student_source(source) == "x = 1\n# YOUR CODE HERE\nraise NotImplementedError\nprint('after')"


def test_any_number_of_hashes_is_a_marker():
    source = "def f():\n    # BEGIN SOLUTION\n    return 1\n    #### END SOLUTION"
    assert classroom.student_source(source) == "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError"


def broken(cell_index: int, source: str | None = None, *, tags=None, markdown: str | None = None):
    """The fixture with one cell changed."""
    notebook = copy.deepcopy(read_notebook(FIXTURE))
    cell = notebook.cells[cell_index]
    if markdown is not None:
        cell.source = markdown
    if source is not None:
        cell.source = source
    if tags is not None:
        cell.metadata["tags"] = list(tags)
    return notebook


BODY = "def f():\n    ### BEGIN SOLUTION\n    return 1\n"
BAD_NOTEBOOKS = [
    ("unclosed", broken(3, BODY), "cell 4, line 2: '### BEGIN SOLUTION' is never closed"),
    ("end without begin", broken(3, "def f():\n    return 1\n    ### END SOLUTION"), "cell 4, line 3: '### END SOLUTION' without a matching BEGIN"),
    ("nested", broken(3, BODY + "    ### BEGIN SOLUTION\n    ### END SOLUTION\n    ### END SOLUTION"), "cannot be nested"),
    ("mismatched", broken(3, BODY + "    ### END HIDDEN TESTS"), "expected '### END SOLUTION'"),
    ("typo", broken(3, BODY + "    ### END SOLUTIONS"), "looks like a marker but is not one"),
    ("lower case", broken(3, BODY + "    ### end solution"), "looks like a marker but is not one"),
    ("in markdown", broken(2, markdown="Text\n### BEGIN SOLUTION\nsecret\n### END SOLUTION"), "cell 3 is a markdown cell but contains the marker text"),
    ("untagged", broken(3, tags=["hide-input"]), "cell 4 holds a solution but is not tagged 'exercise'"),
    ("shown in the book", broken(3, tags=["exercise"]), "tag the cell 'hide-input'"),
    ("tag without solution", broken(6, tags=["exercise", "hide-input"]), "cell 7 is tagged 'exercise' but has no"),
]


@pytest.mark.parametrize(("notebook", "message"), [(nb, msg) for _, nb, msg in BAD_NOTEBOOKS], ids=[i for i, _, _ in BAD_NOTEBOOKS])
def test_bad_markers_give_clear_errors(notebook, message):
    for make_edition in (classroom.student_notebook, classroom.instructor_notebook):
        with pytest.raises(classroom.ClassroomError) as error:
            make_edition(notebook, "chapter.ipynb")
        assert str(error.value).startswith("chapter.ipynb, cell ")
        assert message in str(error.value)


def test_a_bad_notebook_leaves_the_previous_editions_alone(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE, notebooks / FIXTURE.name)
    classroom.build_editions(notebooks, tmp_path / "_build")
    nbformat.write(BAD_NOTEBOOKS[0][1], str(notebooks / "zz-bad.ipynb"))
    with pytest.raises(classroom.ClassroomError, match="zz-bad.ipynb, cell 4"):
        classroom.build_editions(notebooks, tmp_path / "_build")
    assert (tmp_path / "_build" / "student" / FIXTURE.name).exists()


def test_no_notebooks_is_an_error(tmp_path):
    with pytest.raises(classroom.ClassroomError, match="no notebooks"):
        classroom.build_editions(tmp_path, tmp_path / "_build")


# -------------------------------------------------------------- exercises


def test_list_exercises():
    exercises = classroom.list_exercises(FIXTURE)
    assert [(e.number, e.cell, e.check_cell) for e in exercises] == [(1, 3, 4), (2, 8, 9)]
    assert exercises[0].title == "Exercise 1: the slope of the sigmoid"
    assert exercises[0].functions == ("sigmoid_derivative",)
    assert exercises[1].checks == ("clip_grad_norm",)
    assert all(e.notebook == FIXTURE.name for e in exercises)


def test_lint_warns_about_a_missing_check_cell():
    notebook = broken(4, tags=[])
    assert classroom.lint(read_notebook(FIXTURE), "ok.ipynb") == []
    (warning,) = classroom.lint(notebook, "chapter.ipynb")
    assert "chapter.ipynb, cell 4: exercise 1 has no check cell" in warning


# -------------------------------------------------------------------- CLI


def test_command_line_build_list_and_catalogue(tmp_path, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE, notebooks / FIXTURE.name)
    out = tmp_path / "_build"
    assert classroom.main(["--notebooks", str(notebooks), "--out", str(out)]) == 0
    assert (out / "student.zip").exists() and (out / "instructor" / FIXTURE.name).exists()
    assert classroom.main(["--notebooks", str(notebooks), "--list"]) == 0
    assert "exercise 2 (cell 9): Exercise 2: global-norm clipping" in capsys.readouterr().out
    assert classroom.main(["--catalogue"]) == 0
    assert "`check.lstm_step`: wrong gate order" in capsys.readouterr().out


def test_command_line_reports_errors_without_a_traceback(tmp_path, capsys):
    nbformat.write(BAD_NOTEBOOKS[0][1], str(tmp_path / "bad.ipynb"))
    assert classroom.main(["--notebooks", str(tmp_path), "--out", str(tmp_path / "_build")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: bad.ipynb, cell 4") and "Traceback" not in err

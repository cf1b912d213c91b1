"""Feedback that teaches without solving.

Every checker runs on an untouched stub and on every catalogued wrong answer, at
every hint level; the feedback must never contain a line of a solution region of
the chapter notebooks (compared token by token, and with the names abstracted
away for long expressions).  The reference answers must not be reachable through
the public API, and a check cell must not echo a value.
"""

from __future__ import annotations

import functools
import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import pytest

from lstm_edu import check
from lstm_edu.check import _registry
from lstm_edu.check._core import CheckResult
from lstm_edu.classroom.editions import SOLUTION, find_regions, list_exercises
from lstm_edu.classroom.notebooks import cell_source, read_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

TOKEN = re.compile(
    r"[A-Za-z_]\w*|\d+(?:\.\d*)?(?:e-?\d+)?|\*\*=?|//=?|==|!=|<=|>=|[-+*/@%]=|[-+*/@%=<>()\[\]{}:,.~]"
)
KEYWORDS = {"return", "for", "in", "if", "else", "elif", "with", "not", "and", "or", "lambda", "def", "None"}
#: Shortest solution line (in tokens) that is compared literally, and with names abstracted;
#: an abstracted line must also be a formula (at least this many arithmetic operators).
MIN_LITERAL, MIN_ABSTRACT, MIN_OPERATORS = 5, 8, 2
ARITHMETIC = {"+", "-", "*", "/", "@", "**", "//"}
#: Nor may the feedback share a run of this many consecutive tokens with any solution line.
MIN_RUN = 6


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def abstract(toks: list[str]) -> list[str]:
    return ["ID" if re.fullmatch(r"[A-Za-z_]\w*", t) and t not in KEYWORDS else t for t in toks]


def contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[k:k + n] == needle for k in range(len(haystack) - n + 1))


def candidates(line: str) -> list[list[str]]:
    """The token sequences of one solution line worth looking for: the line, and its right-hand side."""
    code = line.split("#", 1)[0].strip()
    toks = tokens(code)
    found = [toks]
    if toks[:1] == ["return"]:
        found.append(toks[1:])
    for k, tok in enumerate(toks):
        if tok in ("=", "+=", "-=", "*=", "/=") and "(" not in toks[:k]:
            found.append(toks[k + 1:])
            break
    return [c for c in found if len(c) >= MIN_LITERAL]


def solution_lines() -> list[tuple[str, str]]:
    """(where, line) for every non-blank line inside a solution region of a chapter notebook."""
    lines = []
    for path in NOTEBOOKS:
        notebook = read_notebook(path)
        for info in list_exercises(notebook, path.name):
            source = cell_source(notebook.cells[info.cell])
            split = source.split("\n")
            for region in find_regions(source, path.name):
                if region.kind == SOLUTION:
                    lines += [(f"{path.name} exercise {info.number}", text) for text in split[region.begin + 1:region.end]
                              if text.strip() and not text.strip().startswith("#")]
    return lines


#: Solutions of exercises proposed for the chapters but not yet in a notebook (the notebook
#: changes are listed for the chapters' authors); their lines count as solution code too.
PROPOSED: dict[str, str] = {}

SOLUTIONS = solution_lines() + [
    (f"proposed {name}", line) for name, code in PROPOSED.items()
    for line in code.strip().split("\n")[1:] if line.strip()
]


@pytest.mark.parametrize("name", sorted(PROPOSED))
def test_the_proposed_solutions_pass(name):
    import numpy as np

    namespace = {"np": np}
    exec(PROPOSED[name], namespace)
    with redirect_stdout(io.StringIO()):
        assert _registry.checker(name)(namespace[name])


def shares_run(have: list[str], line: list[str], n: int = MIN_RUN) -> bool:
    runs = {tuple(line[k:k + n]) for k in range(len(line) - n + 1)}
    return any(tuple(have[k:k + n]) in runs for k in range(len(have) - n + 1))


def leaks(feedback: str) -> list[str]:
    """The solution lines whose code (or a run of MIN_RUN of its tokens) appears in ``feedback``."""
    have = tokens(feedback)
    have_abstract = abstract(have)
    found = []
    for where, line in SOLUTIONS:
        if shares_run(have, tokens(line.split("#", 1)[0])):
            found.append(f"{where}: {line.strip()}")
            continue
        for needle in candidates(line):
            formula = len(needle) >= MIN_ABSTRACT and sum(t in ARITHMETIC for t in needle) >= MIN_OPERATORS
            if contains(have, needle) or (formula and contains(have_abstract, abstract(needle))):
                found.append(f"{where}: {line.strip()}")
                break
    return found


def learner(name: str, exercise, flags: dict):
    """A learner-shaped function that makes the catalogued mistake ``flags``."""
    if name == "clip_grad_norm":  # the variant also returns the grads it observes
        return lambda grads, max_norm: exercise.variant(grads, max_norm, **flags)[0]
    return functools.partial(exercise.variant, **flags)


def stub(*args):
    raise NotImplementedError


def feedback(name: str, exercise, fn, hint: int) -> CheckResult:
    with redirect_stdout(io.StringIO()) as printed:
        result = _registry.checker(name)(fn, **exercise.options, hint=hint)
    assert result.text == printed.getvalue()
    return result


CASES = [
    pytest.param(name, exercise, id=f"{name}-{'-'.join(map(str, exercise.options.values())) or 'default'}")
    for name, found in _registry.exercises().items()
    for exercise in found
]


def test_the_solution_regions_were_found():
    assert len(SOLUTIONS) > 50
    assert any("c_next = f * c_prev + i * g" in line for _, line in SOLUTIONS)


def test_the_leak_detector_catches_solution_code():
    assert leaks("hint: c_next = f * c_prev + i * g")
    assert leaks("count = G * H * (input_size + hidden_size) + 2 * G * H")  # names abstracted
    assert not leaks("c_t = f_t (.) c_{t-1} + i_t (.) g_t")
    assert leaks("then use np.linalg.norm(W, ord=2)")  # a fragment of a solution line


@pytest.mark.parametrize("name, exercise", CASES)
def test_no_feedback_contains_solution_code(name, exercise):
    for hint in (0, 1):
        result = feedback(name, exercise, stub, hint)
        assert not result
        assert not leaks(result.text), (hint, result.text)
    for mistake in exercise.catalogue:
        result = feedback(name, exercise, learner(name, exercise, mistake.flags), hint=1)
        assert not result, mistake.key
        assert mistake.title in result.text, (mistake.key, result.text)
        found = leaks(result.text)
        assert not found, (mistake.key, found, result.text)


@pytest.mark.parametrize("name, exercise", CASES[:6])
def test_the_hint_ladder(name, exercise):
    mistake = exercise.catalogue[0]
    wrong = learner(name, exercise, mistake.flags)
    first = feedback(name, exercise, wrong, hint=0).text
    second = feedback(name, exercise, wrong, hint=1).text
    assert f"Diagnosis: {mistake.title}" in first and "hint=1" in first
    assert f"Hint ({mistake.title})" not in first and "The chapter's equations" not in first
    assert f"Hint ({mistake.title})" in second and "The chapter's equations" in second


def test_the_reference_is_not_reachable_through_the_public_api():
    def lstm_step(x, h_prev, c_prev, params):
        raise NotImplementedError

    with redirect_stdout(io.StringIO()):
        result = check.lstm_step(lstm_step)
    assert set(CheckResult.__slots__) == {"name", "passed", "text"}
    assert not hasattr(result, "__dict__")
    assert not [name for name in vars(check.lstm_step) if not name.startswith("__")]
    public = [name for name in dir(check) if not name.startswith("_")]
    for name in public:
        value = getattr(check, name)
        assert not hasattr(value, "reference") and not hasattr(value, "variant"), name
    for cards in check.all_exercises().values():
        for card in cards:
            assert not hasattr(card, "reference") and not hasattr(card, "variant")
    for topic in _registry.TOPIC_MODULES:
        module = getattr(check, topic)
        exported = [getattr(module, name) for name in module.__all__]
        assert not any(hasattr(value, "reference") for value in exported), topic


def test_a_check_cell_shows_the_report_and_echoes_nothing():
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("from lstm_edu import check\ndef tanh_derivative(t):\n    return 1 - t * t"),
        nbformat.v4.new_code_cell('check.tanh_derivative(tanh_derivative, of="output")'),
        nbformat.v4.new_code_cell("check.tanh_derivative(lambda t: t)"),
    ]
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    for cell in notebook.cells[1:]:
        kinds = [output.output_type for output in cell.outputs]
        assert kinds == ["stream"], cell.outputs
    assert "correct" in notebook.cells[1].outputs[0].text
    assert "not right yet" in notebook.cells[2].outputs[0].text

"""The machinery shared by every checker: run safely, compare, diagnose, report.

A checker is described by an :class:`Exercise` (what the learner's function
receives and returns, the reference answer, a parametrised *variant*
implementation and a catalogue of :class:`Mistake` flag settings for it, and a
list of :class:`Case` inputs).  :func:`run_exercise` then

1. calls the learner's function on fresh copies of every case's arguments,
   catching anything it raises (:func:`attempt`),
2. turns whatever came back into a flat ``{output name: array}`` dict
   (:func:`flatten`), or a kind explanation of why it could not,
3. compares it with the reference (:func:`compare`),
4. if something is wrong, looks for the catalogued mistakes whose variant
   reproduces the learner's outputs on every case (:func:`diagnose`),
5. prints a report and returns a :class:`CheckResult` (true when the function is
   correct).

The report teaches without solving: it names the mistake, the failing case and
the shapes; with ``hint=1`` it adds a hint for the mistake and the chapter's
equations, written as mathematics, never as the solution's code.  The result
object shows nothing in a notebook (the report was printed already), so a check
cell does not echo a value.

Nothing the learner's function does can make :func:`run_exercise` raise.
"""

from __future__ import annotations

import copy
import linecache
import textwrap
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

#: Tolerances for "the same answer": loose enough for float32 arithmetic, far
#: tighter than any convention error (those differ by about 0.1).
RTOL = 1e-5
ATOL = 1e-6

#: How many failing test cases a report describes when no mistake is recognised.
CASES_SHOWN = 2

PASS_MARK = "\u2705"  # green check mark
FAIL_MARK = "\u274c"  # red cross
WIDTH = 92


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Output:
    """One value the learner's function returns.

    ``kind`` is ``"array"`` (compared element-wise), ``"scalar"`` (a single
    number) or ``"dict"`` (a mapping of arrays, such as ``dparams``; its keys
    come from the reference answer).
    """

    name: str
    kind: str = "array"


@dataclass(frozen=True)
class Mistake:
    """A common mistake, reproduced by calling the exercise's variant with ``flags``."""

    key: str
    family: str
    title: str
    explanation: str
    hint: str
    flags: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One set of arguments for the learner's function, with a readable label."""

    label: str
    args: tuple
    arg_names: tuple[str, ...]


@dataclass(frozen=True)
class Exercise:
    """Everything a checker needs to know about one exercise.

    ``reference(*args)`` and ``variant(*args, **flags)`` return the answer in the
    same structure the learner must return.  ``observe(result, args)`` turns the
    learner's return value (and the arguments after the call, for exercises that
    work in place) into that structure.  ``mutable`` names the arguments the
    learner is allowed to change in place.  ``options`` records the keyword
    arguments of the public checker that select this exercise (e.g. ``of="output"``).
    """

    name: str
    signature: str
    outputs: tuple[Output, ...]
    reference: Callable[..., object]
    variant: Callable[..., object]
    cases: Callable[[], list[Case]]
    catalogue: tuple[Mistake, ...]
    equations: str = ""
    see: str = ""
    observe: Callable[[object, tuple], object] = lambda result, args: result
    mutable: tuple[str, ...] = ()
    options: Mapping[str, object] = field(default_factory=dict)  # keyword arguments of the public checker
    #: Names of functions that already compute the answer (the package's or a chapter's own
    #: implementation, a torch module): a learner's function that calls one is not accepted.
    shortcuts: tuple[str, ...] = ()
    rtol: float = RTOL
    atol: float = ATOL


class ResultProblem(Exception):
    """The learner's return value cannot be read as the expected outputs."""


@dataclass
class Attempt:
    """What happened when the learner's function ran on one case."""

    values: dict[str, np.ndarray] | None = None
    problem: str | None = None  # a sentence explaining what went wrong
    kind: str = "ok"  # "ok", "not_implemented", "exception", "structure"
    mutated: tuple[str, ...] = ()


@dataclass
class Mismatch:
    """One output that differs from the expected answer."""

    name: str
    kind: str  # "missing", "shape", "nonfinite", "values"
    message: str


class CheckResult:
    """What a checker returns: true when the learner's function is correct.

    ``passed`` (bool), ``name`` (the exercise) and ``text`` (the report that was
    printed) are all it holds: no reference answer.  In a notebook it displays
    nothing, since the report was printed already; in tests and graders use
    ``bool(result)`` or ``result.passed``.
    """

    __slots__ = ("name", "passed", "text")

    def __init__(self, name: str, passed: bool, text: str) -> None:
        self.name, self.passed, self.text = name, bool(passed), text

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"<check {self.name}: {'passed' if self.passed else 'not passed yet'}>"

    def _ipython_display_(self) -> None:
        """Show nothing: the report was printed when the checker ran."""


class Report:
    """Collects the lines a checker prints, so the result can carry them too."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, text: str = "", indent: int = 0) -> None:
        self.lines.extend(wrap(text, indent))

    def raw(self, line: str) -> None:
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


# ------------------------------------------------------------------ conversions


def _is_torch_tensor(value) -> bool:
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def to_array(value, name: str) -> np.ndarray:
    """Read ``value`` (numpy array, torch tensor, list or number) as a float array."""
    if value is None:
        raise ResultProblem(
            f"{name} is None. Did you forget a `return` statement? (An exercise whose body is still "
            "`...`, as otter-grader's student version leaves it, also returns None: write your code there.)"
        )
    if isinstance(value, Mapping):
        raise ResultProblem(f"{name} should be an array, but it is a dict with keys {sorted(map(str, value))}.")
    if _is_torch_tensor(value):
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ResultProblem(f"{name} should be an array of numbers, got {type(value).__name__}.") from None
    return array


def to_scalar(value, name: str) -> np.ndarray:
    """Read ``value`` as a single number (returned as a 0-d float array)."""
    if isinstance(value, Mapping):
        raise ResultProblem(f"{name} should be a number, but your function returned a dict.")
    array = to_array(value, name)
    if array.size != 1:
        raise ResultProblem(f"{name} should be a single number, got an array of shape {array.shape}.")
    return array.reshape(())


def flatten(value, outputs: Sequence[Output]) -> dict[str, np.ndarray]:
    """Read a return value as ``{output name: array}``; dict outputs become ``name['key']``."""
    parts = _split_outputs(value, outputs)
    flat: dict[str, np.ndarray] = {}
    for output, part in zip(outputs, parts):
        if output.kind == "array":
            flat[output.name] = to_array(part, output.name)
        elif output.kind == "scalar":
            flat[output.name] = to_scalar(part, output.name)
        else:
            flat.update(_flatten_dict(part, output.name))
    return flat


def _split_outputs(value, outputs: Sequence[Output]) -> list:
    names = ", ".join(output.name for output in outputs)
    if len(outputs) == 1:
        if isinstance(value, tuple):
            raise ResultProblem(
                f"Your function returned a tuple of {len(value)} values, but this exercise expects "
                f"just {names}. Return only {names}."
            )
        return [value]
    if value is None:
        raise ResultProblem(
            f"Your function returned None. Did you forget `return {names}`? (If its body is still `...`, "
            "write your code there.)"
        )
    if not isinstance(value, (tuple, list)) or _is_torch_tensor(value):
        raise ResultProblem(
            f"Your function should return a tuple ({names}), but it returned a single "
            f"{type(value).__name__}."
        )
    if len(value) != len(outputs):
        raise ResultProblem(
            f"Your function should return {len(outputs)} values ({names}), but it returned {len(value)}."
        )
    return list(value)


def _flatten_dict(value, name: str) -> dict[str, np.ndarray]:
    if not isinstance(value, Mapping):
        raise ResultProblem(f"{name} should be a dict, got {type(value).__name__}.")
    return {f"{name}[{key!r}]": to_array(item, f"{name}[{key!r}]") for key, item in value.items()}


# -------------------------------------------------------------- running safely


def fresh_copy(value):
    """A deep copy, so the learner can never change the checker's own inputs."""
    return copy.deepcopy(value)


def attempt(exercise: Exercise, fn: Callable, case: Case) -> Attempt:
    """Run ``fn`` on a copy of the case's arguments; never raises."""
    args = fresh_copy(case.args)
    try:
        result = fn(*args)
    except NotImplementedError:
        return Attempt(kind="not_implemented", problem=_not_implemented_message(exercise))
    except Exception as error:  # the learner's code may raise anything
        return Attempt(kind="exception", problem=_exception_message(fn, error))
    mutated = _mutated_arguments(case, args, exercise.mutable)
    try:
        values = flatten(exercise.observe(result, args), exercise.outputs)
    except ResultProblem as problem:
        return Attempt(kind="structure", problem=str(problem), mutated=mutated)
    except Exception as error:  # e.g. a user-defined array-like whose __array__ raises
        return Attempt(kind="structure", problem=f"Your return value could not be read: {error!r}.")
    return Attempt(values=values, mutated=mutated)


def _not_implemented_message(exercise: Exercise) -> str:
    return (
        f"`{exercise.name}` is not implemented yet: it raised NotImplementedError. "
        "Replace the `raise NotImplementedError` line with your code, run that cell, "
        "then run this check again. You can do it!"
    )


def _exception_message(fn: Callable, error: Exception) -> str:
    message = f"Your function raised {type(error).__name__}: {error}".rstrip(": ")
    line = _learner_line(fn, error)
    if line:
        message += f"\n  It happened in this line of your code: {line}"
    hint = _exception_hint(error)
    return message + (f"\n  Hint: {hint}" if hint else "")


def _learner_line(fn: Callable, error: Exception) -> str:
    """The last line of the learner's own code that ran before ``error``."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return ""
    frames = [
        frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == code.co_filename
    ]
    if not frames:
        return ""
    frame = frames[-1]
    text = frame.line or linecache.getline(frame.filename, frame.lineno)
    return f"`{text.strip()}`" if text and text.strip() else ""


def _exception_hint(error: Exception) -> str:
    text = str(error).lower()
    if isinstance(error, KeyError):
        return "params is a dict with the keys 'weight_ih', 'weight_hh', 'bias_ih' and 'bias_hh'."
    if isinstance(error, NameError):
        return "a name is not defined: check for a typo, or run the cell that defines it first."
    if any(word in text for word in ("shape", "matmul", "aligned", "broadcast", "dimension")):
        return (
            "this is a shape problem. x is (B, D) and h_prev is (B, H); PyTorch stores "
            "weight_ih as (G*H, D) and weight_hh as (G*H, H), so write x @ weight_ih.T "
            "and h_prev @ weight_hh.T. The test cases use different B, D and H on purpose."
        )
    return ""


def _mutated_arguments(case: Case, args_after: tuple, allowed: Sequence[str]) -> tuple[str, ...]:
    """Names of the arguments the learner changed in place (other than ``allowed``)."""
    changed = []
    for name, before, after in zip(case.arg_names, case.args, args_after):
        if name not in allowed and not _same_content(before, after):
            changed.append(name)
    return tuple(changed)


def _same_content(before, after) -> bool:
    if isinstance(before, Mapping):
        return (
            isinstance(after, Mapping)
            and before.keys() == after.keys()
            and all(_same_content(before[key], after[key]) for key in before)
        )
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and before.shape == after.shape and np.array_equal(before, after)
    return True


def names_used(fn) -> set[str]:
    """Every global, closure and attribute name the function's code (and the code nested in it) refers to."""
    code = getattr(fn, "__code__", None)
    found: set[str] = set()
    stack = [code] if code is not None else []
    while stack:
        current = stack.pop()
        found.update(current.co_names)
        found.update(current.co_freevars)
        stack.extend(const for const in current.co_consts if hasattr(const, "co_names"))
    return found


def shortcut_message(exercise: Exercise, fn) -> str | None:
    """A kind refusal when ``fn`` calls a function that already solves the exercise."""
    used = sorted(names_used(fn) & set(exercise.shortcuts))
    if not used:
        return None
    listed = ", ".join(f"`{name}`" for name in used)
    return (
        f"Your function calls {listed}, which already computes what this exercise asks (it is the "
        "package's or the chapter's own implementation). The exercise is to write the computation "
        "yourself, from the chapter's equations; remove that call."
    )


# -------------------------------------------------------------------- comparing


def compare(got: Mapping[str, np.ndarray], expected: Mapping[str, np.ndarray], rtol=RTOL, atol=ATOL) -> list[Mismatch]:
    """Every way in which ``got`` differs from ``expected`` (empty when they agree)."""
    mismatches = [Mismatch(name, "missing", f"{name} is missing from your result.") for name in expected if name not in got]
    extra = [name for name in got if name not in expected]
    if extra:
        mismatches.append(
            Mismatch(extra[0], "missing", f"Your result has unexpected entries: {', '.join(extra)}.")
        )
    for name in expected:
        if name in got:
            mismatch = compare_array(name, got[name], expected[name], rtol, atol)
            if mismatch:
                mismatches.append(mismatch)
    return mismatches


def compare_array(name: str, got: np.ndarray, expected: np.ndarray, rtol=RTOL, atol=ATOL) -> Mismatch | None:
    """Describe how one array differs from the expected one, or None if it agrees."""
    if got.shape != expected.shape:
        return Mismatch(name, "shape", _shape_message(name, got.shape, expected.shape))
    finite = np.isfinite(got)
    if not finite.all():
        where = tuple(int(i) for i in np.argwhere(~finite)[0])
        return Mismatch(
            name,
            "nonfinite",
            f"{name} contains NaN or inf (first at index {where}). A common cause is exp() "
            "overflowing in a hand-written sigmoid, or dividing by zero.",
        )
    if np.allclose(got, expected, rtol=rtol, atol=atol):
        return None
    error = np.abs(got - expected)
    where = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape))
    location = f" at index {where}" if where else ""
    return Mismatch(
        name,
        "values",
        f"{name} has the right shape but different values: the largest difference is "
        f"{error.max():.3g}{location} (yours {got[where]:.6g}, expected {expected[where]:.6g}).",
    )


def _shape_message(name: str, got: tuple, expected: tuple) -> str:
    message = f"{name} has shape {got}, but the expected shape is {expected}."
    if len(got) == len(expected) == 2 and got == expected[::-1]:
        message += " It looks transposed: keep one row per batch element, (B, H)."
    elif tuple(size for size in expected if size != 1) == got:
        message += " A dimension of size 1 was dropped: keep the batch dimension even when B = 1."
    return message


def outputs_agree(got: Mapping[str, np.ndarray], expected: Mapping[str, np.ndarray], exercise: Exercise) -> bool:
    """True when ``got`` has exactly the outputs of ``expected``, all close."""
    return not compare(got, expected, exercise.rtol, exercise.atol)


# ------------------------------------------------------------------- diagnosis


def predicted_outputs(exercise: Exercise, mistake: Mistake | None, case: Case) -> dict[str, np.ndarray] | None:
    """The outputs of the variant with ``mistake``'s flags, or None if it cannot run on this case.

    Some mistakes only run for some shapes (untransposed weights need D == H);
    on the other cases the learner's code raises too, which is consistent.
    """
    flags = {} if mistake is None else dict(mistake.flags)
    try:
        with np.errstate(all="ignore"):
            return flatten(exercise.variant(*fresh_copy(case.args), **flags), exercise.outputs)
    except Exception:
        return None


def explains(exercise: Exercise, mistake: Mistake, cases: Sequence[Case], attempts: Sequence[Attempt]) -> bool:
    """Whether ``mistake`` reproduces what the learner's function did on every case."""
    agreed = 0
    for case, tried in zip(cases, attempts):
        predicted = predicted_outputs(exercise, mistake, case)
        if tried.values is None:
            if predicted is not None or tried.kind != "exception":
                return False
            continue
        if predicted is None or not outputs_agree(tried.values, predicted, exercise):
            return False
        agreed += 1
    return agreed > 0


def diagnose(exercise: Exercise, cases: Sequence[Case], attempts: Sequence[Attempt]) -> list[Mistake]:
    """The catalogued mistakes that explain the learner's outputs on every case."""
    if all(tried.values is None for tried in attempts):
        return []
    return [mistake for mistake in exercise.catalogue if explains(exercise, mistake, cases, attempts)]


# ---------------------------------------------------------------------- report

#: Hint levels: 0 (default) says what is wrong and where; 1 adds a hint for the
#: mistake, the chapter's equations (as mathematics) and where to read more.
HINT_LEVELS = (0, 1)


def wrap(text: str = "", indent: int = 0) -> list[str]:
    """``text`` wrapped to the report width, paragraph by paragraph, as lines."""
    prefix = " " * indent
    lines = []
    for paragraph in text.split("\n"):
        lead = len(paragraph) - len(paragraph.lstrip())
        wrapped = textwrap.fill(
            paragraph.strip(),
            width=WIDTH,
            initial_indent=prefix + " " * lead,
            subsequent_indent=prefix + " " * (lead + 2),
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines.append(wrapped if paragraph.strip() else "")
    return lines


def say(text: str = "", indent: int = 0) -> None:
    """Print ``text`` wrapped to the report width, paragraph by paragraph."""
    for line in wrap(text, indent):
        print(line)


def _call_hint(exercise: Exercise, fn) -> str:
    """How to ask for the next hint, e.g. ``check.lstm_step(lstm_step, hint=1)``."""
    argument = getattr(fn, "__name__", exercise.name)
    if not argument.isidentifier():
        argument = exercise.name
    options = "".join(f", {key}={value!r}" for key, value in exercise.options.items())
    return f"check.{exercise.name}({argument}{options}, hint=1)"


def report_success(out: Report, exercise: Exercise, cases: Sequence[Case]) -> None:
    out.say(f"{PASS_MARK} {exercise.name}: correct on all {len(cases)} test cases. Well done!")


def report_failure(
    out: Report,
    exercise: Exercise,
    cases: Sequence[Case],
    attempts: Sequence[Attempt],
    expected: Sequence[Mapping[str, np.ndarray]],
    diagnosis: Sequence[Mistake],
    hint: int,
    fn,
) -> None:
    """Explain what is wrong, kindly and specifically, without giving the solution away."""
    passed = sum(_passed(tried, want, exercise) for tried, want in zip(attempts, expected))
    if all(tried.kind == "not_implemented" for tried in attempts):
        out.say(f"{FAIL_MARK} {exercise.name}: not implemented yet.")
        out.say(attempts[0].problem, indent=2)
        out.say(f"Expected: {exercise.signature}", indent=2)
        _report_ladder(out, exercise, (), hint, fn)
        return
    out.say(f"{FAIL_MARK} {exercise.name}: not right yet (passed {passed} of {len(cases)} test cases).")
    if diagnosis:
        _report_diagnosis(out, diagnosis)
        explained = True
    else:
        explained = _report_problems(out, exercise, cases, attempts, expected)
    _report_mutations(out, attempts, also=explained)
    out.say(f"Expected: {exercise.signature}", indent=2)
    _report_ladder(out, exercise, diagnosis, hint, fn)


def _passed(tried: Attempt, want: Mapping[str, np.ndarray], exercise: Exercise) -> bool:
    return tried.values is not None and not tried.mutated and outputs_agree(tried.values, want, exercise)


def _report_diagnosis(out: Report, diagnosis: Sequence[Mistake]) -> None:
    if len(diagnosis) > 1:
        out.say("Your results match each of these common mistakes on every test case:", indent=2)
    for mistake in diagnosis:
        out.raw(f"  Diagnosis: {mistake.title}")  # never wrapped: the title is the mistake's name
        out.say(mistake.explanation, indent=4)


def _report_ladder(out: Report, exercise: Exercise, diagnosis: Sequence[Mistake], hint: int, fn) -> None:
    """Level 0: how to ask for more.  Level 1: the mistake's hint, the equations, where to read."""
    if hint < 1:
        out.say(
            f"Stuck? Run the check again with hint=1, e.g. {_call_hint(exercise, fn)}, for a hint and "
            "the chapter's equations.",
            indent=2,
        )
        return
    for mistake in diagnosis:
        out.say(f"Hint ({mistake.title}): {mistake.hint}", indent=2)
    if exercise.equations:
        out.say("The chapter's equations (write them in code yourself):", indent=2)
        for line in exercise.equations.strip("\n").split("\n"):
            out.raw("      " + line)
    if exercise.see:
        out.say(f"See {exercise.see}.", indent=2)


def _report_problems(out: Report, exercise, cases, attempts, expected) -> bool:
    """Describe the first failing test cases (at most CASES_SHOWN); return whether any were."""
    shown, wrong_values, seen = 0, False, set()
    for case, tried, want in zip(cases, attempts, expected):
        problems = _case_problems(exercise, tried, want)
        messages = tuple(problem.message for problem in problems)
        if not problems or shown == CASES_SHOWN or messages in seen:
            continue
        seen.add(messages)
        out.say(f"On the test case {case.label}:", indent=2)
        for problem in problems:
            out.say(problem.message, indent=4)
        wrong_values |= any(problem.kind == "values" for problem in problems)
        shown += 1
    if wrong_values:
        out.say(
            "The checker does not recognise this as one of the common mistakes it knows. Print "
            "intermediate shapes and values on a tiny input and compare them with the chapter's "
            "equations, one line at a time.",
            indent=2,
        )
    return shown > 0


def _case_problems(exercise, tried: Attempt, want) -> list[Mismatch]:
    """What went wrong on one case (empty if nothing did)."""
    if tried.values is None:
        return [Mismatch("", tried.kind, tried.problem)]
    return compare(tried.values, want, exercise.rtol, exercise.atol)[:4]


def _report_mutations(out: Report, attempts: Sequence[Attempt], also: bool) -> None:
    names = sorted({name for tried in attempts for name in tried.mutated})
    if names:
        listed = ", ".join(f"`{name}`" for name in names)
        out.say(
            f"{'Also: y' if also else 'Y'}our function changed its input {listed} in place (for example with `+=` or "
            "`*=`). In a real network that would corrupt the caller's arrays; build new arrays "
            "and return them instead.",
            indent=2,
        )


# ------------------------------------------------------------------ the driver


def _hint_level(hint) -> int:
    try:
        level = int(hint)
    except (TypeError, ValueError):
        level = 0
    return min(max(level, 0), max(HINT_LEVELS))


def finish(name: str, passed: bool, out: Report) -> CheckResult:
    """Print the report and wrap it in the result object."""
    text = out.text()
    print(text, end="")
    return CheckResult(name, passed, text)


def run_exercise(exercise: Exercise, fn, hint: int = 0) -> CheckResult:
    """Check the learner's ``fn`` against ``exercise``; print feedback; return a :class:`CheckResult`.

    ``hint``: 0 (what is wrong and where) or 1 (also a hint and the chapter's equations).
    """
    out = Report()
    hint = _hint_level(hint)
    if not callable(fn):
        out.say(
            f"{FAIL_MARK} {exercise.name}: expected a function, but got a {type(fn).__name__}. "
            f"Pass the function itself, without calling it: check.{exercise.name}({exercise.name})."
        )
        return finish(exercise.name, False, out)
    refusal = shortcut_message(exercise, fn)
    if refusal:
        out.say(f"{FAIL_MARK} {exercise.name}: not accepted.")
        out.say(refusal, indent=2)
        out.say(f"Expected: {exercise.signature}", indent=2)
        _report_ladder(out, exercise, (), hint, fn)
        return finish(exercise.name, False, out)
    cases = exercise.cases()
    expected = [flatten(exercise.reference(*fresh_copy(case.args)), exercise.outputs) for case in cases]
    attempts = [attempt(exercise, fn, case) for case in cases]
    if all(_passed(tried, want, exercise) for tried, want in zip(attempts, expected)):
        report_success(out, exercise, cases)
        return finish(exercise.name, True, out)
    diagnosis = diagnose(exercise, cases, attempts)
    report_failure(out, exercise, cases, attempts, expected, diagnosis, hint, fn)
    return finish(exercise.name, False, out)

"""Checkers for the smaller exercises: derivatives, clipping, parameter counts, any array.

They use the same machinery as the cell checkers (:mod:`._core`): each exercise
is a reference, a parametrised variant and a catalogue of flag settings.
"""

from __future__ import annotations

import numpy as np

from lstm_edu.check._core import (
    CheckResult,
    FAIL_MARK,
    PASS_MARK,
    Case,
    Exercise,
    Mistake,
    Output,
    ResultProblem,
    Report,
    compare_array,
    finish,
    run_exercise,
    to_array,
)
from lstm_edu.check._variants import sigmoid

# ------------------------------------------------------------ array_close


def array_close(name: str, got, expected, rtol: float = 1e-5, atol: float = 1e-8) -> CheckResult:
    """Compare any array with the expected one; print what differs; return a true result if close.

    Accepts numpy arrays, torch tensors, lists and numbers.  Never raises because
    of ``got`` (None, a wrong shape, NaN): it explains the problem instead.
    """
    out = Report()
    want = np.asarray(expected, dtype=np.float64)
    try:
        have = to_array(got, name)
    except ResultProblem as problem:
        out.say(f"{FAIL_MARK} {problem}")
        return finish(name, False, out)
    mismatch = compare_array(name, have, want, rtol, atol)
    if mismatch is None:
        out.say(f"{PASS_MARK} {name} matches the expected values.")
        return finish(name, True, out)
    out.say(f"{FAIL_MARK} {mismatch.message}")
    return finish(name, False, out)


# ------------------------------------------------------ activation slopes

#: Formulas a learner may write for the derivative, as functions of the argument u
#: that their function receives.  Keys are referenced by the catalogues below.
SLOPE_FORMULAS = {
    "sigmoid'(u)": lambda u: sigmoid(u) * (1 - sigmoid(u)),
    "u(1-u)": lambda u: u * (1 - u),
    "1-sigmoid(u)^2": lambda u: 1 - sigmoid(u) ** 2,
    "sigmoid(u)": sigmoid,
    "1-u^2": lambda u: 1 - u * u,
    "u": lambda u: u,
    "tanh'(u)": lambda u: 1 - np.tanh(u) ** 2,
    "1-tanh(u)": lambda u: 1 - np.tanh(u),
    "tanh(u)^2": lambda u: np.tanh(u) ** 2,
    "tanh(u)(1-tanh(u))": lambda u: np.tanh(u) * (1 - np.tanh(u)),
    "tanh(u)": np.tanh,
    "1-u": lambda u: 1 - u,
}


def _slope_variant(u, *, formula: str):
    return SLOPE_FORMULAS[formula](np.asarray(u, dtype=np.float64))


def slope_mistake(function: str, of: str, formula: str, title: str, explanation: str, hint: str) -> Mistake:
    return Mistake(
        key=f"{function}_derivative.{of}.{formula}",
        family=title,
        title=title,
        explanation=explanation,
        hint=hint,
        flags={"formula": formula},
    )


def slope_cases(function: str, of: str) -> list[Case]:
    """Pre-activations z (deterministic grid, random, extremes); for ``of="output"`` their images."""
    rng = np.random.default_rng(7)
    inputs = {
        "'a grid from -6 to 6'": np.linspace(-6.0, 6.0, 13),
        "'random values, shape (2, 3)'": 2.0 * rng.standard_normal((2, 3)),
        "'large inputs, -40 and 40'": np.array([-40.0, -8.0, 0.0, 8.0, 40.0]),
    }
    squash = sigmoid if function == "sigmoid" else np.tanh
    if of == "output":
        inputs = {label.replace("inputs", "outputs"): squash(z) for label, z in inputs.items()}
    name = "z" if of == "input" else ("s" if function == "sigmoid" else "t")
    return [Case(label, (values,), (name,)) for label, values in inputs.items()]


SLOPE_CATALOGUE = {
    ("sigmoid", "input"): (
        slope_mistake("sigmoid", "input", "u(1-u)", "output formula applied to the input",
                      "Your function returns z * (1 - z): the formula s * (1 - s) needs s = sigmoid(z), not z.",
                      "compute s = sigmoid(z) first, then return s * (1 - s)."),
        slope_mistake("sigmoid", "input", "1-sigmoid(u)^2", "tanh's derivative formula used",
                      "Your function returns 1 - sigmoid(z)**2, the shape of tanh's derivative.",
                      "for the sigmoid it is s * (1 - s) with s = sigmoid(z)."),
        slope_mistake("sigmoid", "input", "sigmoid(u)", "returned the sigmoid itself",
                      "Your function returns sigmoid(z), not its slope.",
                      "the slope is s * (1 - s) with s = sigmoid(z); it peaks at 0.25 for z = 0."),
    ),
    ("sigmoid", "output"): (
        slope_mistake("sigmoid", "output", "sigmoid'(u)", "sigmoid applied again to its output",
                      "Your function treats its argument as the pre-activation, but it receives s = sigmoid(z).",
                      "the argument already is s, so return s * (1 - s)."),
        slope_mistake("sigmoid", "output", "1-u^2", "tanh's derivative formula used",
                      "Your function returns 1 - s**2, which is tanh's derivative written with its output.",
                      "for the sigmoid it is s * (1 - s)."),
    ),
    ("tanh", "input"): (
        slope_mistake("tanh", "input", "1-u^2", "output formula applied to the input",
                      "Your function applies the formula written with the OUTPUT of tanh to its input z.",
                      "your function receives the input z: compute tanh(z) first, then use the chapter's formula."),
        slope_mistake("tanh", "input", "1-tanh(u)", "square forgotten",
                      "Your function returns 1 - tanh(z), without squaring.",
                      "the slope is 1 - tanh(z)**2."),
        slope_mistake("tanh", "input", "tanh(u)^2", "'1 -' forgotten",
                      "Your function returns tanh(z)**2.",
                      "the slope is 1 - tanh(z)**2; it is 1 at z = 0, where tanh is steepest."),
        slope_mistake("tanh", "input", "tanh(u)(1-tanh(u))", "sigmoid's derivative formula used",
                      "Your function returns t * (1 - t) with t = tanh(z), the sigmoid's formula.",
                      "for tanh it is 1 - t**2."),
        slope_mistake("tanh", "input", "tanh(u)", "returned tanh itself",
                      "Your function returns tanh(z), not its slope.",
                      "the slope is 1 - tanh(z)**2."),
    ),
    ("tanh", "output"): (
        slope_mistake("tanh", "output", "tanh'(u)", "tanh applied again to its output",
                      "Your function treats its argument as the pre-activation, but it receives t = tanh(z).",
                      "the argument already is t, so return 1 - t**2."),
        slope_mistake("tanh", "output", "u(1-u)", "sigmoid's derivative formula used",
                      "Your function returns t * (1 - t), the sigmoid's formula.",
                      "for tanh it is 1 - t**2."),
        slope_mistake("tanh", "output", "1-u", "square forgotten",
                      "Your function returns 1 - t without squaring.",
                      "the slope is 1 - t**2."),
    ),
}

CORRECT_SLOPE = {("sigmoid", "input"): "sigmoid'(u)", ("sigmoid", "output"): "u(1-u)",
                 ("tanh", "input"): "tanh'(u)", ("tanh", "output"): "1-u^2"}


def _slope_exercise(function: str, of: str) -> Exercise:
    """The exercise 'write the derivative of sigmoid/tanh' as a function of its input or output."""
    if (function, of) not in CORRECT_SLOPE:
        raise ValueError(f"of must be 'input' or 'output', got {of!r}")
    argument = "z" if of == "input" else ("s" if function == "sigmoid" else "t")
    correct = CORRECT_SLOPE[(function, of)]
    written = {
        "sigmoid'(u)": "sigma'(z) = sigma(z) (1 - sigma(z))       the slope of the sigmoid at the input z",
        "u(1-u)": "sigma'(z) = sigma(z) (1 - sigma(z)): written with the OUTPUT s = sigma(z) you receive",
        "tanh'(u)": "tanh'(z) = 1 - tanh(z)^2       the slope of tanh at the input z",
        "1-u^2": "tanh'(z) = 1 - tanh(z)^2: written with the OUTPUT t = tanh(z) you receive",
    }[correct]
    return Exercise(
        name=f"{function}_derivative",
        signature=f"{function}_derivative({argument}) -> slope",
        outputs=(Output("slope"),),
        reference=lambda u: _slope_variant(u, formula=correct),
        variant=_slope_variant,
        cases=lambda: slope_cases(function, of),
        catalogue=SLOPE_CATALOGUE[(function, of)],
        equations=written,
        see="the appendix on activation functions",
        options={"of": of},
    )


def sigmoid_derivative(fn, of: str = "input", hint: int = 0) -> CheckResult:
    """Check ``fn(z) -> sigmoid'(z)`` element-wise (``of="output"``: ``fn(s) -> s * (1 - s)``)."""
    return run_exercise(_slope_exercise("sigmoid", of), fn, hint)


def tanh_derivative(fn, of: str = "input", hint: int = 0) -> CheckResult:
    """Check ``fn(z) -> tanh'(z)`` element-wise (``of="output"``: ``fn(t) -> 1 - t**2``)."""
    return run_exercise(_slope_exercise("tanh", of), fn, hint)


# --------------------------------------------------------- clip_grad_norm


def _clip_variant(
    grads: dict,
    max_norm: float,
    *,
    mode: str = "global",
    always_rescale: bool = False,
    return_after: bool = False,
    squared_norm: bool = False,
    in_place: bool = True,
):
    """Global-norm clipping (Pascanu et al. 2013), or a mistaken version.

    Returns ``(total_norm, grads after the call)``, the structure the checker observes.
    ``mode``: ``"global"`` (correct), ``"elementwise"`` or ``"per_tensor"``.
    """
    squares = sum(float(np.sum(g * g)) for g in grads.values())
    total = squares if squared_norm else float(np.sqrt(squares))
    clipped = {}
    for key, g in grads.items():
        if mode == "elementwise":
            clipped[key] = np.clip(g, -max_norm, max_norm)
        else:
            norm = float(np.sqrt(np.sum(g * g))) if mode == "per_tensor" else total
            scale = max_norm / (norm + 1e-6)
            clipped[key] = g * scale if (always_rescale or scale < 1) else g
    if in_place:
        grads.update(clipped)
    after = sum(float(np.sum(g * g)) for g in clipped.values()) ** 0.5
    return (after if return_after else total), grads


def _clip_reference(grads: dict, max_norm: float):
    return _clip_variant(grads, max_norm)


def clip_cases() -> list[Case]:
    """Norms above and below the threshold, one and several arrays."""
    rng = np.random.default_rng(11)
    several = {"weight_ih": 2.0 * rng.standard_normal((4, 3)), "weight_hh": 2.0 * rng.standard_normal((4, 4)),
               "bias": rng.standard_normal(4)}
    single = {"weight": np.linspace(-3.0, 3.0, 12).reshape(3, 4)}
    small = {"weight_hh": 0.1 * rng.standard_normal((3, 3)), "bias": 0.1 * rng.standard_normal(3)}
    names = ("grads", "max_norm")
    return [
        Case("'one array, norm above max_norm=1'", (single, 1.0), names),
        Case("'three arrays, norm above max_norm=2'", (several, 2.0), names),
        Case("'two arrays, norm below max_norm=5'", (small, 5.0), names),
    ]


def _clip_mistake(key, title, explanation, hint, **flags) -> Mistake:
    return Mistake(key=f"clip_grad_norm.{key}", family=title, title=title,
                   explanation=explanation, hint=hint, flags=flags)


CLIP_CATALOGUE = (
    _clip_mistake("elementwise", "element-wise clipping instead of norm clipping",
                  "Your function clips every component to [-max_norm, max_norm] (np.clip), which changes the "
                  "gradient's direction.",
                  "compute one norm over ALL arrays, total = sqrt(sum of squares), and if it exceeds max_norm "
                  "multiply every array by max_norm / total.", mode="elementwise"),
    _clip_mistake("per_tensor", "each array clipped by its own norm",
                  "Your function rescales each array separately by its own norm.",
                  "use one global norm over all arrays together, so every array gets the same scale.",
                  mode="per_tensor"),
    _clip_mistake("always_rescale", "clipping even below the threshold",
                  "Your function rescales the gradient to norm max_norm even when it was already smaller "
                  "(it scales small gradients UP).",
                  "only rescale when total > max_norm; otherwise leave the gradients untouched.",
                  always_rescale=True),
    _clip_mistake("return_after", "returned the norm after clipping",
                  "Your function returns the norm after clipping; by convention (torch.nn.utils.clip_grad_norm_) "
                  "it returns the total norm before clipping, which is what you want to log.",
                  "return the total norm you computed before rescaling.", return_after=True),
    _clip_mistake("squared_norm", "square root forgotten",
                  "Your function uses the sum of squares as the norm.",
                  "the global norm is the square root of the sum of all squared components.",
                  squared_norm=True),
    _clip_mistake("not_in_place", "gradients not modified in place",
                  "Your function computes clipped arrays but the caller's dict still holds the old ones.",
                  "write the clipped arrays back: grads[name] = grads[name] * scale (or grads[name] *= scale).",
                  in_place=False),
)

_CLIP_GRAD_NORM = Exercise(
    name="clip_grad_norm",
    signature="clip_grad_norm(grads, max_norm) -> total_norm  (clips grads in place)",
    outputs=(Output("total_norm", "scalar"), Output("grads", "dict")),
    reference=_clip_reference,
    variant=_clip_variant,
    cases=clip_cases,
    catalogue=CLIP_CATALOGUE,
    equations="""
total = ||g|| = square root of the sum of the squares of ALL entries of ALL arrays
if total > max_norm: every array is scaled by max_norm / total (plus a tiny epsilon), in place
the function returns total, the norm from BEFORE the clipping
""",
    see="Chapter 2 (Vanishing and exploding gradients), gradient norm clipping",
    observe=lambda result, args: (result, args[0]),
    mutable=("grads",),
)


def clip_grad_norm(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(grads, max_norm) -> total_norm``: global-norm clipping of a dict of arrays, in place."""
    return run_exercise(_CLIP_GRAD_NORM, fn, hint)


# -------------------------------------------------------- count_parameters

GATE_COUNTS = {"rnn": 1, "gru": 3, "lstm": 4}


def _count_variant(
    kind: str,
    input_size: int,
    hidden_size: int,
    *,
    gates: dict | None = None,
    biases: int = 2,
    recurrent: bool = True,
    sizes_swapped: bool = False,
):
    """G*H*(D + H) + 2*G*H, PyTorch's count for one layer and direction, or a mistaken version."""
    count_gates = (gates or GATE_COUNTS)[kind]
    d, h = (hidden_size, input_size) if sizes_swapped else (input_size, hidden_size)
    weights = count_gates * h * (d + (h if recurrent else 0))
    return weights + biases * count_gates * h


def count_cases() -> list[Case]:
    sizes = ((100, 100), (128, 64), (2, 128), (3, 5))
    names = ("kind", "input_size", "hidden_size")
    return [
        Case(f"'{kind}, input_size={d}, hidden_size={h}'", (kind, d, h), names)
        for kind in ("rnn", "gru", "lstm")
        for d, h in sizes
    ]


def _count_mistake(key, title, explanation, hint, **flags) -> Mistake:
    return Mistake(key=f"count_parameters.{key}", family=title, title=title,
                   explanation=explanation, hint=hint, flags=flags)


COUNT_CATALOGUE = (
    _count_mistake("one_bias", "one bias vector counted (Keras's count)",
                   "Your counts are G*H*(D + H + 1): one bias per gate unit. That is how Keras counts.",
                   "PyTorch keeps two bias vectors, bias_ih and bias_hh, so add 2*G*H.", biases=1),
    _count_mistake("no_bias", "biases not counted",
                   "Your counts leave out the biases.",
                   "add the two bias vectors, 2*G*H parameters.", biases=0),
    _count_mistake("gates_swapped", "LSTM and GRU gate counts swapped",
                   "Your counts use 3 blocks for the LSTM and 4 for the GRU.",
                   "the LSTM stacks 4 blocks (i, f, g, o), the GRU 3 (r, z, n), the RNN 1.",
                   gates={"rnn": 1, "gru": 4, "lstm": 3}),
    _count_mistake("gates_ignored", "gate blocks not counted",
                   "Your counts are those of a plain RNN for every kind of cell.",
                   "multiply by the number of stacked blocks G: 1 (RNN), 3 (GRU), 4 (LSTM).",
                   gates={"rnn": 1, "gru": 1, "lstm": 1}),
    _count_mistake("lstm_three_gates", "LSTM counted with 3 blocks",
                   "Your LSTM counts use 3 blocks (the three sigmoid gates) and forget the candidate g.",
                   "weight_ih of an LSTM is (4H, D): i, f, g and o each have their own rows.",
                   gates={"rnn": 1, "gru": 3, "lstm": 3}),
    _count_mistake("no_recurrent", "recurrent weights not counted",
                   "Your counts leave out weight_hh, the G*H*H recurrent weights.",
                   "count weight_ih (G*H, D) and weight_hh (G*H, H).", recurrent=False),
    _count_mistake("sizes_swapped", "input_size and hidden_size swapped",
                   "Your counts match the formula with D and H exchanged.",
                   "weight_ih is (G*H, D) and weight_hh is (G*H, H): the biases have G*H entries each.",
                   sizes_swapped=True),
)

_COUNT_PARAMETERS = Exercise(
    name="count_parameters",
    signature="count_parameters(kind, input_size, hidden_size) -> int   (kind: 'rnn', 'gru' or 'lstm')",
    outputs=(Output("count", "scalar"),),
    reference=_count_variant,
    variant=_count_variant,
    cases=count_cases,
    catalogue=COUNT_CATALOGUE,
    equations="""
G stacked blocks: 1 (RNN), 3 (GRU: r, z, n), 4 (LSTM: i, f, g, o)
weight_ih is (G*H) x D, weight_hh is (G*H) x H, bias_ih and bias_hh have G*H entries each
""",
    see="Chapter 4 (GRU), LSTM versus GRU: parameters",
    rtol=0.0,
    atol=1e-9,
)


def count_parameters(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(kind, input_size, hidden_size) -> int``, the parameters of one PyTorch layer."""
    return run_exercise(_COUNT_PARAMETERS, fn, hint)

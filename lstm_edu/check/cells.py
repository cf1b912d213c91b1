"""Checkers for one time step of an RNN, LSTM and GRU, forward and backward.

The reference answers come from :mod:`lstm_edu.scratch` (imported lazily, so
this module imports even on its own); the mistakes come from the parametrised
variants in :mod:`._variants` and the catalogue in :mod:`._catalogue`.
"""

from __future__ import annotations

import numpy as np

from lstm_edu.check import _catalogue as catalogue
from lstm_edu.check import _variants as variants
from lstm_edu.check._core import CheckResult, Case, Exercise, Output, run_exercise

GATES = {"rnn": 1, "lstm": 4, "gru": 3}

#: (label, B, D, H, how the values are made).  B = 1 is included; D != H and
#: B != H in the random cases, so a missing transpose or a swapped axis shows.
SHAPES = (
    ("deterministic", 1, 4, 4),
    ("random", 2, 3, 5),
    ("random", 4, 6, 3),
)


# -------------------------------------------------------------------- inputs


def pattern(shape: tuple[int, ...], phase: float, scale: float) -> np.ndarray:
    """Deterministic, varied values: a scaled sine of the flat index."""
    count = int(np.prod(shape))
    return scale * np.sin(0.7 * np.arange(count) + phase).reshape(shape)


def make_values(kind: str, batch: int, inputs: int, hidden: int, how: str, seed: int) -> dict[str, object]:
    """x, h_prev, c_prev, params and upstream gradients for one case (float64)."""
    rows = GATES[kind] * hidden
    shapes = {
        "x": (batch, inputs),
        "h_prev": (batch, hidden),
        "c_prev": (batch, hidden),
        "dh_next": (batch, hidden),
        "dc_next": (batch, hidden),
        "weight_ih": (rows, inputs),
        "weight_hh": (rows, hidden),
        "bias_ih": (rows,),
        "bias_hh": (rows,),
    }
    scales = {"x": 1.0, "h_prev": 0.8, "c_prev": 1.0, "dh_next": 1.0, "dc_next": 1.0,
              "weight_ih": 0.6, "weight_hh": 0.6, "bias_ih": 0.5, "bias_hh": 0.5}
    rng = np.random.default_rng(seed)
    values = {}
    for k, (name, shape) in enumerate(shapes.items()):
        if how == "deterministic":
            values[name] = pattern(shape, phase=1.3 * k, scale=scales[name])
        else:
            values[name] = scales[name] * rng.standard_normal(shape)
    values["h_prev"] = np.tanh(values["h_prev"])  # a hidden state lies in (-1, 1)
    params = {name: values.pop(name) for name in variants.PARAM_NAMES}
    return {**values, "params": params}


def cell_cases(kind: str, arg_names: tuple[str, ...]) -> list[Case]:
    """The test cases for one cell exercise, with the arguments in ``arg_names`` order."""
    cases = []
    for seed, (how, batch, inputs, hidden) in enumerate(SHAPES):
        values = make_values(kind, batch, inputs, hidden, how, seed)
        label = f"'{how}, B={batch}, D={inputs}, H={hidden}'"
        cases.append(Case(label, tuple(values[name] for name in arg_names), arg_names))
    return cases


# ----------------------------------------------------------------- reference


def _scratch():
    from lstm_edu import scratch  # lazy: lets this module import on its own

    return scratch


def _rnn_reference(x, h_prev, params):
    return _scratch().rnn_step_forward(x, h_prev, params)[0]


def _lstm_reference(x, h_prev, c_prev, params):
    h_next, c_next, _ = _scratch().lstm_step_forward(x, h_prev, c_prev, params)
    return h_next, c_next


def _gru_reference(x, h_prev, params):
    return _scratch().gru_step_forward(x, h_prev, params)[0]


def _rnn_backward_reference(dh_next, x, h_prev, params):
    scratch = _scratch()
    _, cache = scratch.rnn_step_forward(x, h_prev, params)
    return scratch.rnn_step_backward(dh_next, cache)


def _lstm_backward_reference(dh_next, dc_next, x, h_prev, c_prev, params):
    scratch = _scratch()
    _, _, cache = scratch.lstm_step_forward(x, h_prev, c_prev, params)
    return scratch.lstm_step_backward(dh_next, dc_next, cache)


def _gru_backward_reference(dh_next, x, h_prev, params):
    scratch = _scratch()
    _, cache = scratch.gru_step_forward(x, h_prev, params)
    return scratch.gru_step_backward(dh_next, cache)


# ----------------------------------------------------------------- equations

# The equations as the chapters write them (mathematics, not code): hint level 1 shows them.
AFFINE = "a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh"

RNN_EQUATIONS = f"""
{AFFINE}
h_t = tanh(a_t)
(PyTorch stores W_ih as an H x D matrix and each example as a ROW of x: mind the transposes.)
"""

LSTM_EQUATIONS = f"""
{AFFINE}        four blocks of H rows, in the order i, f, g, o
i_t = sigma(a_i),   f_t = sigma(a_f),   g_t = tanh(a_g),   o_t = sigma(a_o)
c_t = f_t (.) c_{{t-1}}  +  i_t (.) g_t          (.) = element-wise product
h_t = o_t (.) tanh(c_t)
"""

GRU_EQUATIONS = """
r_t = sigma(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
z_t = sigma(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
n_t = tanh(W_in x_t + b_in + r_t (.) (W_hn h_{t-1} + b_hn))      reset applied after the product, b_hn inside
h_t = (1 - z_t) (.) n_t  +  z_t (.) h_{t-1}                          z_t near 1 keeps the old state
(the blocks of weight_ih, weight_hh and the biases are r, z, n, in this order; (.) = element-wise)
"""

BACKWARD_NOTE = """
Backward: apply the chain rule to these equations from the last one to the first. A quantity
used twice (c_t feeds h_t and the next step) receives the sum of both gradients. Each
gradient has the shape of its parameter; a bias gradient adds up the batch's contributions.
"""

SEE = {
    "rnn": "Chapter 1 (Sequences and recurrent networks), the RNN cell and BPTT",
    "lstm": "Chapter 3 (LSTM), the cell equations and their backward pass",
    "gru": "Chapter 4 (GRU), PyTorch's reset-after form",
}

STATE = Output("h_next")
GRADS = Output("dparams", "dict")


#: Functions that already compute each cell exercise (the package's, torch's, chapter 4's general
#: ``gru_step``): a learner's function calling one of them is refused.
SHORTCUTS = {
    "rnn_step": ("rnn_step_forward", "RNNCell", "RNN", "rnn_tanh_cell", "rnn_step"),
    "lstm_step": ("lstm_step_forward", "LSTMCell", "LSTM", "lstm_cell", "lstm_step"),
    "gru_step": ("gru_step_forward", "GRUCell", "GRU", "gru_cell", "gru_step"),
    "rnn_step_backward": ("rnn_step_backward", "backward", "grad", "RNNCell"),
    "lstm_step_backward": ("lstm_step_backward", "backward", "grad", "LSTMCell"),
    "gru_step_backward": ("gru_step_backward", "backward", "grad", "GRUCell"),
}


def _exercise(name, signature, outputs, reference, variant, kind, arg_names, mistakes, equations) -> Exercise:
    return Exercise(
        shortcuts=SHORTCUTS[name],
        name=name,
        signature=signature,
        outputs=outputs,
        reference=reference,
        variant=variant,
        cases=lambda: cell_cases(kind, arg_names),
        catalogue=mistakes,
        equations=equations,
        see=SEE[kind],
    )


_RNN_STEP = _exercise(
    "rnn_step", "rnn_step(x, h_prev, params) -> h_next", (STATE,),
    _rnn_reference, variants.rnn_forward, "rnn", ("x", "h_prev", "params"),
    catalogue._RNN_STEP, RNN_EQUATIONS,
)
_LSTM_STEP = _exercise(
    "lstm_step", "lstm_step(x, h_prev, c_prev, params) -> (h_next, c_next)", (STATE, Output("c_next")),
    _lstm_reference, variants.lstm_forward, "lstm", ("x", "h_prev", "c_prev", "params"),
    catalogue._LSTM_STEP, LSTM_EQUATIONS,
)
_GRU_STEP = _exercise(
    "gru_step", "gru_step(x, h_prev, params) -> h_next", (STATE,),
    _gru_reference, variants.gru_forward, "gru", ("x", "h_prev", "params"),
    catalogue._GRU_STEP, GRU_EQUATIONS,
)
_RNN_STEP_BACKWARD = _exercise(
    "rnn_step_backward", "rnn_step_backward(dh_next, x, h_prev, params) -> (dx, dh_prev, dparams)",
    (Output("dx"), Output("dh_prev"), GRADS),
    _rnn_backward_reference, variants.rnn_backward, "rnn", ("dh_next", "x", "h_prev", "params"),
    catalogue._RNN_STEP_BACKWARD, RNN_EQUATIONS + BACKWARD_NOTE,
)
_LSTM_STEP_BACKWARD = _exercise(
    "lstm_step_backward",
    "lstm_step_backward(dh_next, dc_next, x, h_prev, c_prev, params) -> (dx, dh_prev, dc_prev, dparams)",
    (Output("dx"), Output("dh_prev"), Output("dc_prev"), GRADS),
    _lstm_backward_reference, variants.lstm_backward, "lstm",
    ("dh_next", "dc_next", "x", "h_prev", "c_prev", "params"),
    catalogue._LSTM_STEP_BACKWARD, LSTM_EQUATIONS + BACKWARD_NOTE,
)
_GRU_STEP_BACKWARD = _exercise(
    "gru_step_backward", "gru_step_backward(dh_next, x, h_prev, params) -> (dx, dh_prev, dparams)",
    (Output("dx"), Output("dh_prev"), GRADS),
    _gru_backward_reference, variants.gru_backward, "gru", ("dh_next", "x", "h_prev", "params"),
    catalogue._GRU_STEP_BACKWARD, GRU_EQUATIONS + BACKWARD_NOTE,
)


# ------------------------------------------------------------ the public API


def rnn_step(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(x, h_prev, params) -> h_next``, one step of ``torch.nn.RNNCell`` (tanh)."""
    return run_exercise(_RNN_STEP, fn, hint)


def lstm_step(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(x, h_prev, c_prev, params) -> (h_next, c_next)``, one step of ``torch.nn.LSTMCell``."""
    return run_exercise(_LSTM_STEP, fn, hint)


def gru_step(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(x, h_prev, params) -> h_next``, one step of ``torch.nn.GRUCell``."""
    return run_exercise(_GRU_STEP, fn, hint)


def rnn_step_backward(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(dh_next, x, h_prev, params) -> (dx, dh_prev, dparams)`` for one RNN step."""
    return run_exercise(_RNN_STEP_BACKWARD, fn, hint)


def lstm_step_backward(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(dh_next, dc_next, x, h_prev, c_prev, params) -> (dx, dh_prev, dc_prev, dparams)``."""
    return run_exercise(_LSTM_STEP_BACKWARD, fn, hint)


def gru_step_backward(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(dh_next, x, h_prev, params) -> (dx, dh_prev, dparams)`` for one GRU step."""
    return run_exercise(_GRU_STEP_BACKWARD, fn, hint)

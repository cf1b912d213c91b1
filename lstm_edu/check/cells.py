"""Checkers for one time step of an RNN, LSTM and GRU, forward and backward.

The reference answers come from :mod:`lstm_edu.scratch` (imported lazily, so
this module imports even on its own); the mistakes come from the parametrised
variants in :mod:`._variants` and the catalogue in :mod:`._catalogue`.
"""

from __future__ import annotations

import numpy as np

from lstm_edu.check import _catalogue as catalogue
from lstm_edu.check import _variants as variants
from lstm_edu.check._core import Case, Exercise, Output, run_exercise

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


def rnn_reference(x, h_prev, params):
    return _scratch().rnn_step_forward(x, h_prev, params)[0]


def lstm_reference(x, h_prev, c_prev, params):
    h_next, c_next, _ = _scratch().lstm_step_forward(x, h_prev, c_prev, params)
    return h_next, c_next


def gru_reference(x, h_prev, params):
    return _scratch().gru_step_forward(x, h_prev, params)[0]


def rnn_backward_reference(dh_next, x, h_prev, params):
    scratch = _scratch()
    _, cache = scratch.rnn_step_forward(x, h_prev, params)
    return scratch.rnn_step_backward(dh_next, cache)


def lstm_backward_reference(dh_next, dc_next, x, h_prev, c_prev, params):
    scratch = _scratch()
    _, _, cache = scratch.lstm_step_forward(x, h_prev, c_prev, params)
    return scratch.lstm_step_backward(dh_next, dc_next, cache)


def gru_backward_reference(dh_next, x, h_prev, params):
    scratch = _scratch()
    _, cache = scratch.gru_step_forward(x, h_prev, params)
    return scratch.gru_step_backward(dh_next, cache)


# ----------------------------------------------------------------- equations

AFFINE = "a = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh"

RNN_EQUATIONS = f"""
{AFFINE}        # (B, H)
h_next = tanh(a)
"""

LSTM_EQUATIONS = f"""
{AFFINE}        # (B, 4H)
i, f, g, o = a[:, :H], a[:, H:2*H], a[:, 2*H:3*H], a[:, 3*H:]   # gate order i, f, g, o
i, f, g, o = sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)
c_next = f * c_prev + i * g
h_next = o * tanh(c_next)
"""

GRU_EQUATIONS = """
r, z, n blocks (in this order) of  gi = x @ weight_ih.T + bias_ih  and  gh = h_prev @ weight_hh.T + bias_hh
r = sigmoid(gi_r + gh_r)
z = sigmoid(gi_z + gh_z)
n = tanh(gi_n + r * gh_n)         # reset applied AFTER the matmul, b_hn inside
h_next = (1 - z) * n + z * h_prev # z close to 1 keeps the old state
"""

BACKWARD_NOTE = """
dparams[name] has the shape of params[name]; bias gradients sum over the batch.
Work backwards through the forward equations one line at a time.
"""

SEE = {
    "rnn": "Chapter 1 (Sequences and recurrent networks), the RNN cell and BPTT",
    "lstm": "Chapter 3 (LSTM), the cell equations and their backward pass",
    "gru": "Chapter 4 (GRU), PyTorch's reset-after form",
}

STATE = Output("h_next")
GRADS = Output("dparams", "dict")


def _exercise(name, signature, outputs, reference, variant, kind, arg_names, mistakes, equations) -> Exercise:
    return Exercise(
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


RNN_STEP = _exercise(
    "rnn_step", "rnn_step(x, h_prev, params) -> h_next", (STATE,),
    rnn_reference, variants.rnn_forward, "rnn", ("x", "h_prev", "params"),
    catalogue.RNN_STEP, RNN_EQUATIONS,
)
LSTM_STEP = _exercise(
    "lstm_step", "lstm_step(x, h_prev, c_prev, params) -> (h_next, c_next)", (STATE, Output("c_next")),
    lstm_reference, variants.lstm_forward, "lstm", ("x", "h_prev", "c_prev", "params"),
    catalogue.LSTM_STEP, LSTM_EQUATIONS,
)
GRU_STEP = _exercise(
    "gru_step", "gru_step(x, h_prev, params) -> h_next", (STATE,),
    gru_reference, variants.gru_forward, "gru", ("x", "h_prev", "params"),
    catalogue.GRU_STEP, GRU_EQUATIONS,
)
RNN_STEP_BACKWARD = _exercise(
    "rnn_step_backward", "rnn_step_backward(dh_next, x, h_prev, params) -> (dx, dh_prev, dparams)",
    (Output("dx"), Output("dh_prev"), GRADS),
    rnn_backward_reference, variants.rnn_backward, "rnn", ("dh_next", "x", "h_prev", "params"),
    catalogue.RNN_STEP_BACKWARD, RNN_EQUATIONS + BACKWARD_NOTE,
)
LSTM_STEP_BACKWARD = _exercise(
    "lstm_step_backward",
    "lstm_step_backward(dh_next, dc_next, x, h_prev, c_prev, params) -> (dx, dh_prev, dc_prev, dparams)",
    (Output("dx"), Output("dh_prev"), Output("dc_prev"), GRADS),
    lstm_backward_reference, variants.lstm_backward, "lstm",
    ("dh_next", "dc_next", "x", "h_prev", "c_prev", "params"),
    catalogue.LSTM_STEP_BACKWARD, LSTM_EQUATIONS + BACKWARD_NOTE,
)
GRU_STEP_BACKWARD = _exercise(
    "gru_step_backward", "gru_step_backward(dh_next, x, h_prev, params) -> (dx, dh_prev, dparams)",
    (Output("dx"), Output("dh_prev"), GRADS),
    gru_backward_reference, variants.gru_backward, "gru", ("dh_next", "x", "h_prev", "params"),
    catalogue.GRU_STEP_BACKWARD, GRU_EQUATIONS + BACKWARD_NOTE,
)


# ------------------------------------------------------------ the public API


def rnn_step(fn) -> bool:
    """Check ``fn(x, h_prev, params) -> h_next``, one step of ``torch.nn.RNNCell`` (tanh)."""
    return run_exercise(RNN_STEP, fn)


def lstm_step(fn) -> bool:
    """Check ``fn(x, h_prev, c_prev, params) -> (h_next, c_next)``, one step of ``torch.nn.LSTMCell``."""
    return run_exercise(LSTM_STEP, fn)


def gru_step(fn) -> bool:
    """Check ``fn(x, h_prev, params) -> h_next``, one step of ``torch.nn.GRUCell``."""
    return run_exercise(GRU_STEP, fn)


def rnn_step_backward(fn) -> bool:
    """Check ``fn(dh_next, x, h_prev, params) -> (dx, dh_prev, dparams)`` for one RNN step."""
    return run_exercise(RNN_STEP_BACKWARD, fn)


def lstm_step_backward(fn) -> bool:
    """Check ``fn(dh_next, dc_next, x, h_prev, c_prev, params) -> (dx, dh_prev, dc_prev, dparams)``."""
    return run_exercise(LSTM_STEP_BACKWARD, fn)


def gru_step_backward(fn) -> bool:
    """Check ``fn(dh_next, x, h_prev, params) -> (dx, dh_prev, dparams)`` for one GRU step."""
    return run_exercise(GRU_STEP_BACKWARD, fn)

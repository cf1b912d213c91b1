"""Checkers for the gate exercises of chapters 3 (LSTM) and 4 (GRU).

Same machinery and style as the cell checkers (:mod:`lstm_edu.check._core`): each
exercise is a reference, a parametrised variant and a catalogue of mistakes; a
checker prints kind, specific feedback and returns a result that is true or false, never raising
because of the learner's code.

- ``cifg_lstm_step(fn)``: ``fn(x, h_prev, c_prev, params) -> (h_next, c_next)``, the
  coupled input-forget gate LSTM of Greff et al. (CIFG): ``f = 1 - i``; the forget
  rows of ``params`` are ignored.
- ``set_forget_bias(fn)``: ``fn(lstm, value)`` changes a ``torch.nn.LSTM`` in place so
  that the forget gate's effective bias ``bias_ih + bias_hh`` equals ``value`` in every
  layer and direction, and nothing else changes.
- ``flip_update_convention(fn)``: ``fn(params) -> new_params`` for a GRU whose update
  is written the other way round, ``h = (1 - z) * h_prev + z * n`` (Chung et al. 2014),
  so that it computes exactly what ``torch.nn.GRU`` computes with ``params``.

Import them with ``from lstm_edu.check.gates import cifg_lstm_step, set_forget_bias,
flip_update_convention``.
"""

from __future__ import annotations

import numpy as np

from lstm_edu.check import _variants as variants
from lstm_edu.check._core import CheckResult, Case, Exercise, Mistake, Output, run_exercise
from lstm_edu.check.cells import LSTM_EQUATIONS, cell_cases, make_values

# ------------------------------------------------------------------ CIFG step


def _cifg_variant(x, h_prev, c_prev, params, *, forget: str = "1-i", cell_activation: str = "tanh"):
    """(h_next, c_next) of one CIFG step, or a mistaken version.

    ``forget``: ``"1-i"`` (correct), ``"f"`` (the ordinary forget gate), ``"i"`` (the input
    gate itself), ``"1"`` (no forget gate, Greff's NFG).
    """
    pre = variants.lstm_gates(x, h_prev, params)
    i, f, o = (variants.sigmoid(pre[k]) for k in "ifo")
    g = np.tanh(pre["g"])
    keep = {"1-i": 1 - i, "f": f, "i": i, "1": np.ones_like(i)}[forget]
    c_next = keep * c_prev + i * g
    return variants.ACTIVATIONS[cell_activation](c_next) * o, c_next


_CIFG_STEP = Exercise(
    name="cifg_lstm_step",
    shortcuts=("LSTMCell", "LSTM"),
    signature="cifg_lstm_step(x, h_prev, c_prev, params) -> (h_next, c_next)",
    outputs=(Output("h_next"), Output("c_next")),
    reference=lambda *args: _cifg_variant(*args),
    variant=_cifg_variant,
    cases=lambda: cell_cases("lstm", ("x", "h_prev", "c_prev", "params")),
    catalogue=(
        Mistake("cifg.forget_block", "ordinary forget gate", "the ordinary forget gate was used",
                "Your c_next uses sigmoid of the forget block, as in the vanilla LSTM. In the coupled "
                "variant the forget gate is not computed from its own weights at all.",
                "in the coupled cell the forget gate is 1 - i_t, computed from the input gate.", {"forget": "f"}),
        Mistake("cifg.f_equals_i", "f = i", "the forget gate was set to i instead of 1 - i",
                "Your cell keeps i * c_prev. Coupling means the cell forgets exactly as much as it writes: "
                "when i is near 1 (write), f = 1 - i is near 0 (make room).",
                "the old cell is multiplied by one minus the input gate.", {"forget": "i"}),
        Mistake("cifg.no_forget", "no forget gate", "the old cell is kept whole (f = 1)",
                "Your cell adds i * g to all of c_prev: that is Greff's NFG variant (no forget gate), "
                "not the coupled one.",
                "multiply c_prev by (1 - i).", {"forget": "1"}),
        Mistake("cifg.no_output_tanh", "no output activation", "tanh of the cell state is missing",
                "Your h_next is o * c_next. The output activation (Greff's NOAF removes it) squashes the "
                "cell before the output gate.",
                "h_next = o * tanh(c_next).", {"cell_activation": "identity"}),
    ),
    equations=LSTM_EQUATIONS.replace("c_t = f_t (.) c_{t-1}  +  i_t (.) g_t",
                                     "c_t = (1 - i_t) (.) c_{t-1}  +  i_t (.) g_t      coupled: f_t = 1 - i_t"),
    see="Chapter 3 (LSTM), the gate ablations",
)


def cifg_lstm_step(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(x, h_prev, c_prev, params) -> (h_next, c_next)`` for the coupled-gate LSTM."""
    return run_exercise(_CIFG_STEP, fn, hint)


# ---------------------------------------------------------------- forget bias


def _lstm_cases() -> list[Case]:
    import torch

    cases = []
    for seed, (D, H, layers, bidirectional, value) in enumerate(
            ((3, 4, 1, False, 1.0), (2, 5, 1, False, 2.0), (4, 3, 2, False, -1.0), (3, 3, 1, True, 1.0))):
        torch.manual_seed(100 + seed)
        lstm = torch.nn.LSTM(D, H, num_layers=layers, bidirectional=bidirectional, dtype=torch.float64)
        options = f", num_layers={layers}" if layers > 1 else ", bidirectional=True" if bidirectional else ""
        cases.append(Case(f"'nn.LSTM({D}, {H}{options}), value={value}'", (lstm, value), ("lstm", "value")))
    return cases


def _suffixes(lstm) -> list[str]:
    """``l0``, ``l0_reverse``, ``l1``, ...: one per layer and direction."""
    directions = ("", "_reverse") if lstm.bidirectional else ("",)
    return [f"l{k}{direction}" for k in range(lstm.num_layers) for direction in directions]


def _observed(lstm) -> dict[str, np.ndarray]:
    """What the gates really see: ``bias_ih + bias_hh`` (4H,) per layer and direction, and every weight."""
    seen = {f"bias_ih_{s} + bias_hh_{s}": (getattr(lstm, f"bias_ih_{s}") + getattr(lstm, f"bias_hh_{s}"))
            for s in _suffixes(lstm)}
    seen.update((name, p) for name, p in lstm.named_parameters() if name.startswith("weight"))
    return {name: value.detach().numpy().copy() for name, value in seen.items()}


def _forget_bias_variant(lstm, value, *, block: int = 1, mode: str = "sum", layers: str = "all",
                        directions: str = "both"):
    """Set the forget bias correctly (``mode="sum"``: ih = value, hh = 0) or in a mistaken way.

    ``block``: which gate block is changed (1 = forget in the order i, f, g, o);
    ``mode``: ``"ih_only"`` leaves ``bias_hh`` as it was, ``"both"`` sets both to ``value``;
    ``layers``: ``"first"`` changes layer 0 only; ``directions``: ``"forward"`` skips the
    reverse direction of a bidirectional LSTM.
    """
    import torch

    H = lstm.hidden_size
    rows = slice(block * H, (block + 1) * H)
    with torch.no_grad():
        for s in _suffixes(lstm):
            if (layers == "first" and not s.startswith("l0")) or (directions == "forward" and s.endswith("reverse")):
                continue
            getattr(lstm, f"bias_ih_{s}")[rows] = value
            if mode == "sum":
                getattr(lstm, f"bias_hh_{s}")[rows] = 0.0
            elif mode == "both":
                getattr(lstm, f"bias_hh_{s}")[rows] = value
    return _observed(lstm)


_FORGET_BIAS = Exercise(
    name="set_forget_bias",
    shortcuts=("set_forget_gate_bias",),
    signature="set_forget_bias(lstm, value) -> None   (changes lstm in place)",
    outputs=(Output("parameters", "dict"),),
    reference=lambda lstm, value: _forget_bias_variant(lstm, value),
    variant=_forget_bias_variant,
    cases=_lstm_cases,
    observe=lambda result, args: _observed(args[0]),
    mutable=("lstm",),
    catalogue=(
        Mistake("forget_bias.input_block", "wrong block", "the input gate's bias was set (rows 0:H)",
                "You changed the first block of the bias. PyTorch stores the blocks in the order i, f, g, o, "
                "so the forget gate is the second block.", "use rows H:2*H.", {"block": 0}),
        Mistake("forget_bias.candidate_block", "wrong block", "the candidate's bias was set (rows 2H:3H)",
                "You changed the third block, the candidate g.", "the forget gate is rows H:2*H.", {"block": 2}),
        Mistake("forget_bias.output_block", "wrong block", "the output gate's bias was set (rows 3H:4H)",
                "You changed the last block, the output gate o.", "the forget gate is rows H:2*H.", {"block": 3}),
        Mistake("forget_bias.hh_untouched", "two biases", "bias_hh was left as it was",
                "PyTorch adds two bias vectors, so the gate sees bias_ih + bias_hh. You set bias_ih to the "
                "value but kept PyTorch's random bias_hh, so the sum is off by that random amount.",
                "also set the forget rows of bias_hh to 0.", {"mode": "ih_only"}),
        Mistake("forget_bias.both_set", "two biases", "both bias vectors were set to the value",
                "The gate sees bias_ih + bias_hh, which is now twice the value.",
                "set bias_ih's forget rows to the value and bias_hh's to 0.", {"mode": "both"}),
        Mistake("forget_bias.first_layer_only", "layers", "only the first layer was changed",
                "A stacked LSTM has bias_ih_l0, bias_ih_l1, ...; your function changed layer 0 only.",
                "loop over lstm.named_parameters() and change every name that starts with 'bias_'.",
                {"layers": "first"}),
        Mistake("forget_bias.forward_only", "directions", "the reverse direction was left out",
                "A bidirectional LSTM has its own biases for the reverse direction (bias_ih_l0_reverse, ...); "
                "your function changed the forward direction only.",
                "change every parameter whose name starts with 'bias_', '_reverse' ones included.",
                {"directions": "forward"}),
    ),
    equations="""
The gates see b_ih + b_hh. In PyTorch's order i, f, g, o the forget gate owns rows H to 2H
of every bias vector. Goal: on those rows, b_ih + b_hh = value, in every layer and direction
(one pair of biases each); every weight stays as it was. Parameters that require gradients
can only be changed in place inside torch.no_grad().
""",
    see="Chapter 3 (LSTM), the forget-gate bias experiment",
)


def set_forget_bias(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(lstm, value)``, which must make the effective forget-gate bias equal ``value``."""
    return run_exercise(_FORGET_BIAS, fn, hint)


# ---------------------------------------------------- GRU update convention


def _gru_param_cases() -> list[Case]:
    cases = []
    for seed, (how, B, D, H) in enumerate((("deterministic", 1, 4, 4), ("random", 2, 3, 5), ("random", 4, 6, 3))):
        params = make_values("gru", B, D, H, how, seed)["params"]
        cases.append(Case(f"'{how}, D={D}, H={H}'", (params,), ("params",)))
    return cases


def _flip_variant(params, *, block: int = 1, arrays=("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
                 how: str = "negate"):
    """New GRU parameters with block ``block`` of ``arrays`` negated (``how="one_minus"``: 1 - value)."""
    H = params["weight_hh"].shape[1]
    rows = slice(block * H, (block + 1) * H)
    new = {name: np.array(value, dtype=np.float64, copy=True) for name, value in params.items()}
    for name in arrays:
        new[name][rows] = -new[name][rows] if how == "negate" else 1 - new[name][rows]
    return new


_FLIP_UPDATE = Exercise(
    name="flip_update_convention",
    shortcuts=("flip_z_rows",),
    signature="flip_update_convention(params) -> new_params",
    outputs=(Output("new_params", "dict"),),
    reference=lambda params: _flip_variant(params),
    variant=_flip_variant,
    cases=_gru_param_cases,
    catalogue=(
        Mistake("flip.weights_only", "partial", "the biases were not negated",
                "1 - sigmoid(a) = sigmoid(-a) needs the whole pre-activation a negated, biases included.",
                "negate the z rows of bias_ih and bias_hh too.", {"arrays": ("weight_ih", "weight_hh")}),
        Mistake("flip.biases_only", "partial", "only the biases were negated",
                "The weights feed the same pre-activation; negate their z rows as well.",
                "negate rows H:2H of weight_ih, weight_hh, bias_ih and bias_hh.", {"arrays": ("bias_ih", "bias_hh")}),
        Mistake("flip.input_side_only", "partial", "only the input-side arrays were negated",
                "z's pre-activation is x W_iz^T + b_iz + h W_hz^T + b_hz: all four parts must change sign.",
                "negate the z rows of weight_hh and bias_hh too.", {"arrays": ("weight_ih", "bias_ih")}),
        Mistake("flip.reset_block", "wrong block", "the reset gate's rows were negated",
                "PyTorch's GRU blocks are r, z, n: the update gate is the second block, rows H:2H.",
                "negate rows H:2*H.", {"block": 0}),
        Mistake("flip.one_minus", "wrong operation", "1 - w instead of -w",
                "The identity is 1 - sigmoid(a) = sigmoid(-a): negate the parameters, do not subtract them from 1.",
                "use -w for the z rows.", {"how": "one_minus"}),
    ),
    equations="""
1 - sigma(a) = sigma(-a).
The other convention's update gate z' = 1 - z is therefore a sigmoid of MINUS z's pre-activation
a_z = W_iz x + b_iz + W_hz h + b_hz, whose parts are rows H to 2H of all four arrays.
The caller's params must stay unchanged.
""",
    see="Chapter 4 (GRU), the update-gate conventions",
)


def flip_update_convention(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(params) -> new_params`` (see the module docstring)."""
    return run_exercise(_FLIP_UPDATE, fn, hint)


__all__ = ["cifg_lstm_step", "set_forget_bias", "flip_update_convention"]


#: The checkers of this module with their exercises, like ``lstm_edu.check._EXERCISES``.
_EXERCISES: dict[str, tuple[Exercise, ...]] = {
    "cifg_lstm_step": (_CIFG_STEP,),
    "set_forget_bias": (_FORGET_BIAS,),
    "flip_update_convention": (_FLIP_UPDATE,),
}

"""One parametrised implementation per cell, forward and backward, with mistake flags.

With no flags every function here computes the correct PyTorch-convention step
(the tests check this against :mod:`lstm_edu.scratch`).  Each flag switches on
one common mistake, so the catalogue of mistakes (:mod:`._catalogue`) is just a
table of flag settings, and the checkers can tell a learner *which* mistake
reproduces their outputs.

Forward functions return what the learner's function must return: ``h_next``
(RNN, GRU) or ``(h_next, c_next)`` (LSTM).  Backward functions take explicit
inputs, ``(dh_next, x, h_prev, params)`` or ``(dh_next, dc_next, x, h_prev,
c_prev, params)``, and return ``(dx, dh_prev, dparams)`` or ``(dx, dh_prev,
dc_prev, dparams)``.
"""

from __future__ import annotations

import numpy as np

PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
LSTM_ORDER = "ifgo"
GRU_ORDER = "rzn"


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0, e) / (1.0 + e)


ACTIVATIONS = {
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0.0),
    "identity": lambda a: a,
}


def activation_slope(kind: str, output: np.ndarray, pre: np.ndarray, mode: str = "output") -> np.ndarray:
    """The derivative of a sigmoid or tanh, computed correctly or in a mistaken way.

    ``mode``: ``"output"`` (correct, from the activation's output), ``"missing"``
    (the derivative forgotten: 1), ``"flipped"`` (wrong sign) or
    ``"preactivation"`` (the output formula applied to the pre-activation).
    """
    formula = (lambda y: y * (1 - y)) if kind == "sigmoid" else (lambda y: 1 - y * y)
    if mode == "output":
        return formula(output)
    if mode == "missing":
        return np.ones_like(output)
    if mode == "flipped":
        return -formula(output)
    if mode == "preactivation":
        return formula(pre)
    raise ValueError(f"unknown derivative mode {mode!r}")


def split_gates(array: np.ndarray, order: str, axis: int = -1) -> dict[str, np.ndarray]:
    """Split stacked gate blocks; block k belongs to gate ``order[k]``."""
    return dict(zip(order, np.split(array, len(order), axis=axis)))


def stack_gates(blocks: dict[str, np.ndarray], order: str, axis: int = -1) -> np.ndarray:
    """Inverse of :func:`split_gates`."""
    return np.concatenate([blocks[name] for name in order], axis=axis)


def biases(params: dict, drop_bias: str | None) -> tuple[np.ndarray, np.ndarray]:
    """``(bias_ih, bias_hh)``, with one of them zeroed when ``drop_bias`` names it."""
    b_ih, b_hh = params["bias_ih"], params["bias_hh"]
    return (
        np.zeros_like(b_ih) if drop_bias == "ih" else b_ih,
        np.zeros_like(b_hh) if drop_bias == "hh" else b_hh,
    )


def affine(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, untransposed: bool = False) -> np.ndarray:
    """``x @ weight.T + bias`` (or the mistaken ``x @ weight + bias``)."""
    return x @ (weight if untransposed else weight.T) + bias


def arrange(outputs: tuple, swap: bool = False, transpose: bool = False):
    """Return the outputs, optionally in swapped order and/or transposed."""
    if transpose:
        outputs = tuple(np.asarray(out).T for out in outputs)
    if swap:
        outputs = outputs[::-1]
    return outputs if len(outputs) > 1 else outputs[0]


def param_grads(
    da_x: np.ndarray,
    da_h: np.ndarray,
    x: np.ndarray,
    h_prev: np.ndarray,
    *,
    bias_grad: str = "sum",
    weight_grad: str = "correct",
) -> dict[str, np.ndarray]:
    """Gradients of the two affine maps, correct or with a mistake.

    ``da_x`` / ``da_h``: gradient of the pre-activations fed by ``x @ weight_ih.T + bias_ih``
    and by ``h_prev @ weight_hh.T + bias_hh`` (equal except for the GRU candidate).
    ``bias_grad``: ``"sum"`` (correct), ``"mean"``, ``"not_summed"``, ``"zero_ih"``, ``"zero_hh"``.
    ``weight_grad``: ``"correct"`` or ``"transposed"`` (``x.T @ da`` instead of ``da.T @ x``).
    """
    if weight_grad == "transposed":
        d_w_ih, d_w_hh = x.T @ da_x, h_prev.T @ da_h
    else:
        d_w_ih, d_w_hh = da_x.T @ x, da_h.T @ h_prev
    reduce = {"sum": lambda d: d.sum(axis=0), "mean": lambda d: d.mean(axis=0), "not_summed": lambda d: d.copy()}
    d_b_ih = reduce.get(bias_grad, reduce["sum"])(da_x)
    d_b_hh = reduce.get(bias_grad, reduce["sum"])(da_h)
    if bias_grad == "zero_ih":
        d_b_ih = np.zeros_like(d_b_ih)
    if bias_grad == "zero_hh":
        d_b_hh = np.zeros_like(d_b_hh)
    return {"weight_ih": d_w_ih, "weight_hh": d_w_hh, "bias_ih": d_b_ih, "bias_hh": d_b_hh}


# ------------------------------------------------------------------------ RNN


def rnn_forward(
    x,
    h_prev,
    params,
    *,
    activation: str = "tanh",
    drop_bias: str | None = None,
    untransposed_weights: bool = False,
    swapped_weights: bool = False,
    transpose_outputs: bool = False,
):
    """h_next = tanh(x @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh), or a mistaken version."""
    b_ih, b_hh = biases(params, drop_bias)
    w_ih, w_hh = params["weight_ih"], params["weight_hh"]
    if swapped_weights:
        w_ih, w_hh = w_hh, w_ih
    a = affine(x, w_ih, b_ih, untransposed_weights) + affine(h_prev, w_hh, b_hh, untransposed_weights)
    return arrange((ACTIVATIONS[activation](a),), transpose=transpose_outputs)


def rnn_backward(
    dh_next,
    x,
    h_prev,
    params,
    *,
    tanh_grad: str = "output",
    bias_grad: str = "sum",
    weight_grad: str = "correct",
    recurrent_weight_transposed: bool = False,
    divide_by_batch: bool = False,
):
    """(dx, dh_prev, dparams) of one RNN step, or a mistaken version."""
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    h_next = np.tanh(a)
    if divide_by_batch:
        dh_next = dh_next / x.shape[0]
    da = dh_next * activation_slope("tanh", h_next, a, tanh_grad)
    w_hh = params["weight_hh"].T if recurrent_weight_transposed else params["weight_hh"]
    dx, dh_prev = da @ params["weight_ih"], da @ w_hh
    return dx, dh_prev, param_grads(da, da, x, h_prev, bias_grad=bias_grad, weight_grad=weight_grad)


# ----------------------------------------------------------------------- LSTM


def lstm_gates(x, h_prev, params, *, gate_order=LSTM_ORDER, drop_bias=None):
    """Pre-activations of the four LSTM blocks, read in ``gate_order``."""
    b_ih, b_hh = biases(params, drop_bias)
    a = affine(x, params["weight_ih"], b_ih) + affine(h_prev, params["weight_hh"], b_hh)
    return split_gates(a, gate_order)


def lstm_forward(
    x,
    h_prev,
    c_prev,
    params,
    *,
    gate_order: str = LSTM_ORDER,
    gate_activation: str = "sigmoid",
    candidate_activation: str = "tanh",
    candidate_tanh_twice: bool = False,
    cell_activation: str = "tanh",
    forget: str = "f",
    old_cell_in_output: bool = False,
    drop_bias: str | None = None,
    swap_outputs: bool = False,
    transpose_outputs: bool = False,
):
    """(h_next, c_next) of one LSTM step, or a mistaken version.

    ``forget``: ``"f"`` (correct), ``"1-f"`` (inverted) or ``"none"`` (no forget gate).
    """
    pre = lstm_gates(x, h_prev, params, gate_order=gate_order, drop_bias=drop_bias)
    gate = ACTIVATIONS[gate_activation]
    i, f, o = gate(pre["i"]), gate(pre["f"]), gate(pre["o"])
    g = ACTIVATIONS[candidate_activation](pre["g"])
    if candidate_tanh_twice:
        g = np.tanh(g)
    keep = {"f": f, "1-f": 1 - f, "none": np.ones_like(f)}[forget]
    c_next = keep * c_prev + i * g
    h_next = o * ACTIVATIONS[cell_activation](c_prev if old_cell_in_output else c_next)
    return arrange((h_next, c_next), swap=swap_outputs, transpose=transpose_outputs)


def lstm_backward(
    dh_next,
    dc_next,
    x,
    h_prev,
    c_prev,
    params,
    *,
    gate_order: str = LSTM_ORDER,
    sigmoid_grad: str = "output",
    candidate_tanh_grad: str = "output",
    cell_tanh_grad: str = "output",
    cell_path: str = "correct",
    bias_grad: str = "sum",
    weight_grad: str = "correct",
    swap_outputs: bool = False,
    divide_by_batch: bool = False,
):
    """(dx, dh_prev, dc_prev, dparams) of one LSTM step, or a mistaken version.

    ``cell_path``: ``"correct"``; ``"skip_h"`` (the gradient arriving through
    h_next is not added to the cell gradient); ``"ignore_dc_next"`` (the incoming
    dc_next is dropped, so nothing flows along the cell path); ``"no_forget_factor"``
    (dc_prev is not multiplied by f).
    """
    pre = lstm_gates(x, h_prev, params, gate_order=gate_order)
    i, f, o = sigmoid(pre["i"]), sigmoid(pre["f"]), sigmoid(pre["o"])
    g = np.tanh(pre["g"])
    c_next = f * c_prev + i * g
    tanh_c = np.tanh(c_next)
    if divide_by_batch:
        dh_next, dc_next = dh_next / x.shape[0], dc_next / x.shape[0]
    through_h = dh_next * o * activation_slope("tanh", tanh_c, c_next, cell_tanh_grad)
    dc = {
        "correct": dc_next + through_h,
        "skip_h": dc_next,
        "ignore_dc_next": through_h,
        "no_forget_factor": dc_next + through_h,
    }[cell_path]
    dc_prev = dc if cell_path == "no_forget_factor" else dc * f
    d_pre = {
        "i": dc * g * activation_slope("sigmoid", i, pre["i"], sigmoid_grad),
        "f": dc * c_prev * activation_slope("sigmoid", f, pre["f"], sigmoid_grad),
        "g": dc * i * activation_slope("tanh", g, pre["g"], candidate_tanh_grad),
        "o": dh_next * tanh_c * activation_slope("sigmoid", o, pre["o"], sigmoid_grad),
    }
    da = stack_gates(d_pre, gate_order)
    dx, dh_prev = da @ params["weight_ih"], da @ params["weight_hh"]
    dparams = param_grads(da, da, x, h_prev, bias_grad=bias_grad, weight_grad=weight_grad)
    if swap_outputs:
        return dx, dc_prev, dh_prev, dparams
    return dx, dh_prev, dc_prev, dparams


# ------------------------------------------------------------------------ GRU


def gru_parts(x, h_prev, params, *, gate_order=GRU_ORDER, drop_bias=None):
    """Input-side pre-activations, per-gate recurrent weights and biases, read in ``gate_order``."""
    b_ih, b_hh = biases(params, drop_bias)
    from_x = split_gates(affine(x, params["weight_ih"], b_ih), gate_order)
    w_h = split_gates(params["weight_hh"], gate_order, axis=0)
    b_h = split_gates(b_hh, gate_order)
    return from_x, w_h, b_h


def gru_forward(
    x,
    h_prev,
    params,
    *,
    gate_order: str = GRU_ORDER,
    gate_activation: str = "sigmoid",
    candidate_activation: str = "tanh",
    reset_before: bool = False,
    bias_outside_reset: bool = False,
    update_swapped: bool = False,
    drop_bias: str | None = None,
    transpose_outputs: bool = False,
):
    """h_next of one GRU step (PyTorch's reset-after form), or a mistaken version."""
    from_x, w_h, b_h = gru_parts(x, h_prev, params, gate_order=gate_order, drop_bias=drop_bias)
    gate = ACTIVATIONS[gate_activation]
    r = gate(from_x["r"] + affine(h_prev, w_h["r"], b_h["r"]))
    z = gate(from_x["z"] + affine(h_prev, w_h["z"], b_h["z"]))
    if reset_before:
        hn = affine(r * h_prev, w_h["n"], b_h["n"])
    elif bias_outside_reset:
        hn = r * (h_prev @ w_h["n"].T) + b_h["n"]
    else:
        hn = r * affine(h_prev, w_h["n"], b_h["n"])
    n = ACTIVATIONS[candidate_activation](from_x["n"] + hn)
    h_next = z * n + (1 - z) * h_prev if update_swapped else (1 - z) * n + z * h_prev
    return arrange((h_next,), transpose=transpose_outputs)


def gru_backward(
    dh_next,
    x,
    h_prev,
    params,
    *,
    sigmoid_grad: str = "output",
    candidate_tanh_grad: str = "output",
    update_swapped: bool = False,
    update_grad_sign_flipped: bool = False,
    skip_direct_path: bool = False,
    reset_missing_in_recurrent_grad: bool = False,
    bias_grad: str = "sum",
    weight_grad: str = "correct",
    divide_by_batch: bool = False,
):
    """(dx, dh_prev, dparams) of one GRU step, or a mistaken version."""
    from_x, w_h, b_h = gru_parts(x, h_prev, params)
    from_h = {name: affine(h_prev, w_h[name], b_h[name]) for name in GRU_ORDER}
    r_pre, z_pre = from_x["r"] + from_h["r"], from_x["z"] + from_h["z"]
    r, z = sigmoid(r_pre), sigmoid(z_pre)
    n_pre = from_x["n"] + r * from_h["n"]
    n = np.tanh(n_pre)
    if divide_by_batch:
        dh_next = dh_next / x.shape[0]
    keep, take = (1 - z, z) if update_swapped else (z, 1 - z)
    dz = dh_next * (h_prev - n)
    if update_swapped != update_grad_sign_flipped:
        dz = -dz
    dn_pre = dh_next * take * activation_slope("tanh", n, n_pre, candidate_tanh_grad)
    d_from_h_n = dn_pre if reset_missing_in_recurrent_grad else dn_pre * r
    dr_pre = dn_pre * from_h["n"] * activation_slope("sigmoid", r, r_pre, sigmoid_grad)
    dz_pre = dz * activation_slope("sigmoid", z, z_pre, sigmoid_grad)
    da_x = stack_gates({"r": dr_pre, "z": dz_pre, "n": dn_pre}, GRU_ORDER)
    da_h = stack_gates({"r": dr_pre, "z": dz_pre, "n": d_from_h_n}, GRU_ORDER)
    direct = 0.0 if skip_direct_path else dh_next * keep
    dx, dh_prev = da_x @ params["weight_ih"], direct + da_h @ params["weight_hh"]
    return dx, dh_prev, param_grads(da_x, da_h, x, h_prev, bias_grad=bias_grad, weight_grad=weight_grad)

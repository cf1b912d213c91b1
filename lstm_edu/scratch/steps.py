"""One time step of an RNN, LSTM and GRU, forward and backward, in plain numpy.

These are the reference implementations the chapters show line by line.  They
follow PyTorch exactly (``torch.nn.RNNCell``, ``LSTMCell``, ``GRUCell``): row
vectors, ``x @ W.T``, two bias vectors, LSTM gate order i, f, g, o, GRU gate order
r, z, n with the reset gate applied *after* the recurrent matmul.

Shapes: B = batch, D = input size, H = hidden size.  ``params`` is a dict with
``weight_ih`` (G*H, D), ``weight_hh`` (G*H, H), ``bias_ih`` (G*H,) and ``bias_hh``
(G*H,), where G = 1 (RNN), 4 (LSTM) or 3 (GRU), the layout of PyTorch's
``weight_ih_l0`` and friends.

Each ``*_forward`` returns the new state and a ``cache`` (a dict of what the
backward pass needs); each ``*_backward`` takes the gradient of the loss with
respect to the step's outputs and returns the gradients with respect to its
inputs, plus ``dparams``, a dict with the same keys and shapes as ``params``.

The sequence layers in :mod:`lstm_edu.scratch.layers` compute the same thing with
preallocated buffers; the tests check that both agree.
"""

from __future__ import annotations

import numpy as np

from lstm_edu.scratch.activations import NONLINEARITIES, NONLINEARITY_GRADS, sigmoid
from lstm_edu.scratch.validation import check_step_inputs, check_upstream_gradient


def affine_param_grads(da_x: np.ndarray, da_h: np.ndarray, x: np.ndarray, h_prev: np.ndarray) -> dict:
    """Gradients of the two affine maps ``x @ W_ih.T + b_ih`` and ``h @ W_hh.T + b_hh``.

    ``da_x`` (B, G*H) is the gradient reaching the input map's output, ``da_h`` the
    one reaching the recurrent map's output (they are the same array for the RNN
    and the LSTM; the GRU's reset gate makes them differ).  Summing over the batch
    gives the bias gradients.
    """
    return {
        "weight_ih": da_x.T @ x,
        "weight_hh": da_h.T @ h_prev,
        "bias_ih": da_x.sum(axis=0),
        "bias_hh": da_h.sum(axis=0),
    }


# --------------------------------------------------------------------------- RNN


def rnn_step_forward(x, h_prev, params, *, nonlinearity: str = "tanh"):
    """One step of a vanilla (Elman) RNN, as ``torch.nn.RNNCell``::

        h_next = tanh(x W_ih^T + b_ih + h_prev W_hh^T + b_hh)

    x (B, D), h_prev (B, H) -> h_next (B, H), cache.  ``nonlinearity="relu"``
    replaces tanh by max(., 0), like PyTorch's option of the same name.
    """
    x, h_prev = check_step_inputs("RNN", params, x, h_prev)
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    h_next = NONLINEARITIES[nonlinearity](a)
    cache = {"x": x, "h_prev": h_prev, "h_next": h_next, "params": params, "nonlinearity": nonlinearity}
    return h_next, cache


def rnn_step_backward(dh_next, cache):
    """Backward pass of :func:`rnn_step_forward`.

    dh_next (B, H), the gradient of the loss w.r.t. h_next ->
    dx (B, D), dh_prev (B, H), dparams (dict shaped like params).
    """
    dh_next = check_upstream_gradient(dh_next, "dh_next", cache["h_next"])
    params = cache["params"]
    da = dh_next * NONLINEARITY_GRADS[cache["nonlinearity"]](cache["h_next"])  # through the activation
    dx = da @ params["weight_ih"]
    dh_prev = da @ params["weight_hh"]
    return dx, dh_prev, affine_param_grads(da, da, cache["x"], cache["h_prev"])


# -------------------------------------------------------------------------- LSTM


def lstm_step_forward(x, h_prev, c_prev, params):
    """One LSTM step, as ``torch.nn.LSTMCell`` (gate order i, f, g, o)::

        i = sigmoid(x W_ii^T + b_ii + h_prev W_hi^T + b_hi)    input gate
        f = sigmoid(x W_if^T + b_if + h_prev W_hf^T + b_hf)    forget gate
        g = tanh(   x W_ig^T + b_ig + h_prev W_hg^T + b_hg)    candidate
        o = sigmoid(x W_io^T + b_io + h_prev W_ho^T + b_ho)    output gate
        c_next = f * c_prev + i * g
        h_next = o * tanh(c_next)

    All four pre-activations come from one matmul per weight matrix: row block k
    of ``weight_ih``/``weight_hh`` belongs to gate k.
    x (B, D), h_prev (B, H), c_prev (B, H) -> h_next (B, H), c_next (B, H), cache.
    """
    x, h_prev, c_prev = check_step_inputs("LSTM", params, x, h_prev, c_prev)
    H = h_prev.shape[1]
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    i = sigmoid(a[:, 0 * H : 1 * H])
    f = sigmoid(a[:, 1 * H : 2 * H])
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = sigmoid(a[:, 3 * H : 4 * H])
    c_next = f * c_prev + i * g
    tanh_c = np.tanh(c_next)
    h_next = o * tanh_c
    cache = {"x": x, "h_prev": h_prev, "c_prev": c_prev, "params": params}
    cache.update(i=i, f=f, g=g, o=o, tanh_c=tanh_c)
    return h_next, c_next, cache


def lstm_step_backward(dh_next, dc_next, cache):
    """Backward pass of :func:`lstm_step_forward`.

    dh_next, dc_next (B, H): gradients of the loss w.r.t. h_next and c_next (the
    latter arrives from step t+1 along the cell path) ->
    dx (B, D), dh_prev (B, H), dc_prev (B, H), dparams (dict shaped like params).
    """
    i, f, g, o, tanh_c = cache["i"], cache["f"], cache["g"], cache["o"], cache["tanh_c"]
    dh_next = check_upstream_gradient(dh_next, "dh_next", tanh_c)
    dc_next = check_upstream_gradient(dc_next, "dc_next", tanh_c)
    params = cache["params"]
    # h_next = o * tanh(c_next): the cell gradient gets a second contribution
    do = dh_next * tanh_c
    dc = dc_next + dh_next * o * (1 - tanh_c**2)
    # c_next = f * c_prev + i * g
    di = dc * g
    df = dc * cache["c_prev"]
    dg = dc * i
    dc_prev = dc * f
    # through the gate activations, back to the stacked pre-activations (B, 4H)
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1)
    dx = da @ params["weight_ih"]
    dh_prev = da @ params["weight_hh"]
    return dx, dh_prev, dc_prev, affine_param_grads(da, da, cache["x"], cache["h_prev"])


# --------------------------------------------------------------------------- GRU


def gru_step_forward(x, h_prev, params):
    """One GRU step, as ``torch.nn.GRUCell`` (gate order r, z, n; reset after the matmul)::

        r = sigmoid(x W_ir^T + b_ir + h_prev W_hr^T + b_hr)        reset gate
        z = sigmoid(x W_iz^T + b_iz + h_prev W_hz^T + b_hz)        update gate
        n = tanh(x W_in^T + b_in + r * (h_prev W_hn^T + b_hn))     candidate
        h_next = (1 - z) * n + z * h_prev                          z = 1 keeps the old state

    Because r multiplies ``h_prev W_hn^T + b_hn``, the two n biases cannot be merged.
    x (B, D), h_prev (B, H) -> h_next (B, H), cache.
    """
    x, h_prev = check_step_inputs("GRU", params, x, h_prev)
    H = h_prev.shape[1]
    ax = x @ params["weight_ih"].T + params["bias_ih"]  # (B, 3H) input part of r, z, n
    ah = h_prev @ params["weight_hh"].T + params["bias_hh"]  # (B, 3H) recurrent part
    r = sigmoid(ax[:, 0 * H : 1 * H] + ah[:, 0 * H : 1 * H])
    z = sigmoid(ax[:, 1 * H : 2 * H] + ah[:, 1 * H : 2 * H])
    hn = ah[:, 2 * H : 3 * H]  # h_prev W_hn^T + b_hn, which the reset gate scales
    n = np.tanh(ax[:, 2 * H : 3 * H] + r * hn)
    h_next = (1 - z) * n + z * h_prev
    cache = {"x": x, "h_prev": h_prev, "r": r, "z": z, "n": n, "hn": hn, "params": params}
    return h_next, cache


def gru_step_backward(dh_next, cache):
    """Backward pass of :func:`gru_step_forward`.

    dh_next (B, H) -> dx (B, D), dh_prev (B, H), dparams (dict shaped like params).
    """
    r, z, n, hn, h_prev = cache["r"], cache["z"], cache["n"], cache["hn"], cache["h_prev"]
    dh_next = check_upstream_gradient(dh_next, "dh_next", n)
    params = cache["params"]
    # h_next = (1 - z) * n + z * h_prev
    dn = dh_next * (1 - z)
    dz = dh_next * (h_prev - n)
    # n = tanh(a_n), a_n = (input part) + r * hn
    da_n = dn * (1 - n**2)
    dr = da_n * hn
    da_r = dr * r * (1 - r)
    da_z = dz * z * (1 - z)
    da_x = np.concatenate([da_r, da_z, da_n], axis=1)  # gradient of x W_ih^T + b_ih
    da_h = np.concatenate([da_r, da_z, da_n * r], axis=1)  # gradient of h_prev W_hh^T + b_hh
    dx = da_x @ params["weight_ih"]
    dh_prev = dh_next * z + da_h @ params["weight_hh"]  # direct path plus the three gates
    return dx, dh_prev, affine_param_grads(da_x, da_h, cache["x"], h_prev)

"""The GRU cell, drawn as SVG by lstm_edu, with live values.

The drawing follows PyTorch's equations (``torch.nn.GRU``, gate order r, z, n,
the reset gate applied *after* the recurrent matmul)::

    r = sigmoid(a_r)                     reset gate
    z = sigmoid(a_z)                     update gate
    hn = h_{t-1} W_hn^T + b_hn           the recurrent part of the candidate
    n = tanh(x_t W_in^T + b_in + r * hn) candidate
    h_t = (1 - z) * n + z * h_{t-1}      z = 1 keeps the old state

The hidden state runs along the top: the update gate ``z`` scales the old state,
``1 - z`` scales the candidate, and the two are added.  Values are keyed by
:data:`GRU_KEYS`; :func:`gru_cell_values` computes them with
:func:`lstm_edu.scratch.gru_step_forward`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from lstm_edu.diagrams._cell_svg import CellDiagram, Drawing
from lstm_edu.diagrams.lstm_cell import format_vector

#: Every value the GRU diagram can show: inputs ``x``, ``h_prev``; pre-activations
#: ``a_r``, ``a_z``, ``a_n``; gates ``r``, ``z``; the recurrent term ``hn`` and its
#: reset version ``rhn`` = r*hn; the candidate ``n``; ``zh`` = z*h_prev, ``omz`` = 1 - z,
#: ``omzn`` = (1 - z)*n and the new state ``h``.
#: The diagram in words (part of its text alternative).
GRU_DESCRIPTION = (
    "Diagram of one GRU step. The hidden state runs along the top from h_(t-1) on the left to h_t on "
    "the right: the old state is scaled by the update gate z, the candidate n by 1 - z, and the two "
    "are added. Below, the input x_t and h_(t-1) feed the reset gate r and the update gate z "
    "(sigmoids, shaded greener the more open they are) and the candidate n (tanh, red when positive, "
    "blue when negative), whose recurrent part is multiplied by r. Every box prints its value, and a "
    "wire is drawn thicker the larger the value it carries.")
#: A reader's name for each value, in the order a reader follows the step.
GRU_NAMES = {
    "x": "input x_t", "h_prev": "previous hidden state h_(t-1)", "a_r": "reset gate pre-activation",
    "r": "reset gate r", "a_z": "update gate pre-activation", "z": "update gate z",
    "hn": "recurrent part of the candidate", "rhn": "r times the recurrent part",
    "a_n": "candidate pre-activation", "n": "candidate n", "zh": "z*h_(t-1)", "omz": "1 - z",
    "omzn": "(1 - z)*n", "h": "new hidden state h_t",
}
GRU_KEYS = ("x", "h_prev", "a_r", "a_z", "a_n", "r", "z", "hn", "rhn", "n", "zh", "omz", "omzn", "h")


@lru_cache(maxsize=1)
def gru_drawing() -> Drawing:
    """The geometry of the GRU cell diagram (built once)."""
    d = Drawing(600, 340, "GRU cell (PyTorch): h_t = (1-z)*n + z*h_(t-1), n = tanh(W_in x + b_in + r*(W_hn h + b_hn))",
                description=GRU_DESCRIPTION, value_names=dict(GRU_NAMES))
    top_y, gate_y, bus_y = 52, 200, 304
    xz, xr, xn, x_r_times, hn_y = 200, 310, 510, 405, 262
    x_drop, x_join, y_mix = 60, 110, 128
    # the hidden state along the top: z * h_prev + (1 - z) * n
    d.wire([(22, top_y), (xz - 11, top_y)], key="h_prev")
    d.wire([(xz + 11, top_y), (xn - 11, top_y)], key="zh")
    d.wire([(xn + 11, top_y), (578, top_y)], key="h", arrow=True)
    d.node(xz, top_y, "\u00d7")
    d.node(xn, top_y, "+")
    d.text(12, top_y - 24, "hidden h_{t-1}", size=12, weight="bold")
    d.value(12, top_y - 9, "h_prev", size=12)
    d.text(xz + 22, top_y - 24, "z\u00b7h_{t-1}", size=11, colour="#555")
    d.value(xz + 22, top_y - 9, "zh", size=12)
    d.text(594, top_y - 24, "hidden h_{t}", size=12, weight="bold", anchor="end")
    d.value(594, top_y - 9, "h", size=12, anchor="end")
    # gates
    d.box(xz, gate_y, "update z = \u03c3", "z", sub_key="a_z")
    d.box(xr, gate_y, "reset r = \u03c3", "r", sub_key="a_r")
    d.box(xn, gate_y, "candidate n = tanh", "n", scale="signed", sub_key="a_n", width=96)
    d.box(x_r_times, hn_y, "W_{hn}h_{t-1} + b_{hn}", "hn", scale="signed", width=110, height=42)
    # z keeps the old state; 1 - z lets the candidate in
    d.wire([(xz, gate_y - 29), (xz, top_y + 11)], key="z", arrow=True)
    d.dot(xz, y_mix)
    d.wire([(xz, y_mix), (340 - 13, y_mix)], key="z", arrow=True)
    d.node(340, y_mix, "1\u2212", radius=13)
    d.wire([(340 + 13, y_mix), (xn - 11, y_mix)], key="omz", arrow=True)
    d.text(362, y_mix - 22, "1\u2212z", size=11, colour="#555")
    d.value(362, y_mix - 8, "omz", size=12)
    d.wire([(xn, gate_y - 29), (xn, y_mix + 11)], key="n", arrow=True)
    d.node(xn, y_mix, "\u00d7")
    d.wire([(xn, y_mix - 11), (xn, top_y + 11)], key="omzn", arrow=True)
    d.text(xn + 10, y_mix - 46, "(1\u2212z)\u00b7n", size=11, colour="#555")
    d.value(xn + 10, y_mix - 32, "omzn", size=12)
    # the reset gate scales the recurrent term of the candidate (after the matmul)
    d.wire([(xr + 40, gate_y), (x_r_times - 11, gate_y)], key="r", arrow=True)
    d.wire([(x_r_times, hn_y - 21), (x_r_times, gate_y + 11)], key="hn", arrow=True)
    d.node(x_r_times, gate_y, "\u00d7")
    d.wire([(x_r_times + 11, gate_y), (xn - 48, gate_y)], key="rhn", arrow=True)
    d.text(x_r_times + 14, gate_y - 22, "r\u00b7(\u2026)", size=11, colour="#555")
    d.value(x_r_times + 14, gate_y - 8, "rhn", size=12)
    # inputs: h_{t-1} drops from the top line, x_t comes from below
    d.dot(x_drop, top_y)
    d.wire([(x_drop, top_y), (x_drop, bus_y)], key="h_prev")
    d.wire([(x_join, 336), (x_join, bus_y)], key="x")
    d.wire([(x_drop, bus_y), (xn, bus_y)])
    d.dot(x_join, bus_y)
    for x_gate, top in ((xz, gate_y + 29), (xr, gate_y + 29), (x_r_times, hn_y + 21), (xn, gate_y + 29)):
        d.wire([(x_gate, bus_y), (x_gate, top)], arrow=True)
    d.text(x_join + 8, 322, "input x_{t}", size=12, weight="bold")
    d.value(x_join + 8, 336, "x", size=12)
    return d


def gru_cell_diagram(values=None, *, uid: str | None = None) -> CellDiagram:
    """A GRU cell diagram showing ``values`` (a dict keyed by :data:`GRU_KEYS`; any subset)."""
    return CellDiagram(gru_drawing(), values, uid=uid)


def gru_cell_values(x, h_prev, params, *, unit: int = 0, batch: int = 0) -> dict:
    """Every value of :data:`GRU_KEYS` for one unit of one GRU step.

    ``x`` (B, D), ``h_prev`` (B, H), ``params`` in PyTorch's layout (``weight_ih``
    (3H, D), ``weight_hh`` (3H, H), ``bias_ih``, ``bias_hh`` (3H,)).  The step is
    computed by :func:`lstm_edu.scratch.gru_step_forward`.
    """
    from lstm_edu.scratch import gru_step_forward

    x, h_prev = (np.atleast_2d(np.asarray(v, dtype=np.float64)) for v in (x, h_prev))
    H = h_prev.shape[1]
    if not 0 <= unit < H:
        raise ValueError(f"unit must be in [0, {H - 1}], got {unit}")
    if not 0 <= batch < h_prev.shape[0]:
        raise ValueError(f"batch must be in [0, {h_prev.shape[0] - 1}], got {batch}")
    h, cache = gru_step_forward(x, h_prev, params)
    ax = x @ np.asarray(params["weight_ih"]).T + params["bias_ih"]
    ah = h_prev @ np.asarray(params["weight_hh"]).T + params["bias_hh"]
    b, u = batch, unit
    r, z, n, hn = (float(cache[k][b, u]) for k in ("r", "z", "n", "hn"))
    return {
        "x": format_vector(x[b]),
        "h_prev": float(h_prev[b, u]),
        "a_r": float(ax[b, u] + ah[b, u]),
        "a_z": float(ax[b, H + u] + ah[b, H + u]),
        "a_n": float(ax[b, 2 * H + u] + r * hn),
        "r": r,
        "z": z,
        "hn": hn,
        "rhn": r * hn,
        "n": n,
        "zh": z * float(h_prev[b, u]),
        "omz": 1.0 - z,
        "omzn": (1.0 - z) * n,
        "h": float(h[b, u]),
    }

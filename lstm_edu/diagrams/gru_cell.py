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

``reset="before"`` (in :func:`gru_drawing`, :func:`gru_cell_diagram` and
:func:`gru_cell_values`) draws and computes Cho et al.'s EMNLP placement instead,
``n = tanh(x_t W_in^T + b_in + (r * h_{t-1}) W_hn^T + b_hn)``: the reset gate scales
h_{t-1} before the product and leaves b_hn unscaled (values keyed by
:data:`GRU_KEYS_BEFORE`).
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


#: Where the reset gate acts: ``"after"`` the recurrent matrix product (PyTorch, cuDNN, Cho et
#: al.'s arXiv v1) or ``"before"`` it, on h_(t-1) itself (Cho et al.'s EMNLP paper, arXiv v3).
RESET_PLACEMENTS = ("after", "before")
#: The values the reset-before diagram shows: those of :data:`GRU_KEYS` with ``rh`` = r*h_(t-1)
#: in place of ``hn``; ``rhn`` is then W_hn(r*h_(t-1)) + b_hn, the recurrent term of the candidate.
GRU_KEYS_BEFORE = tuple("rh" if key == "hn" else key for key in GRU_KEYS)
GRU_NAMES_BEFORE = {("rh" if key == "hn" else key): name for key, name in GRU_NAMES.items()}
GRU_NAMES_BEFORE.update(rh="r times h_(t-1)", rhn="W_hn (r*h_(t-1)) + b_hn, the recurrent part of the candidate")
GRU_DESCRIPTION_BEFORE = GRU_DESCRIPTION.replace(
    "whose recurrent part is multiplied by r.",
    "whose matrix product receives r*h_(t-1): the reset gate acts before the product, and b_hn is added "
    "unscaled (Cho et al.'s EMNLP form).")


def _check_reset(reset: str) -> str:
    if reset not in RESET_PLACEMENTS:
        raise ValueError(f"reset must be one of {RESET_PLACEMENTS}, got {reset!r}")
    return reset


@lru_cache(maxsize=2)
def gru_drawing(reset: str = "after") -> Drawing:
    """The geometry of the GRU cell diagram (built once per placement of the reset gate).

    ``reset="after"`` (PyTorch): r multiplies W_hn h_(t-1) + b_hn, drawn as a box whose
    output meets r at a product node.  ``reset="before"`` (Cho et al., EMNLP): r multiplies
    h_(t-1) first, and the product node feeds the box W_hn(.) + b_hn.
    """
    _check_reset(reset)
    if reset == "after":
        title = "GRU cell (PyTorch): h_t = (1-z)*n + z*h_(t-1), n = tanh(W_in x + b_in + r*(W_hn h + b_hn))"
        d = Drawing(640, 344, title, description=GRU_DESCRIPTION, value_names=dict(GRU_NAMES), max_width=680)
    else:
        title = "GRU cell (Cho et al., EMNLP): h_t = (1-z)*n + z*h_(t-1), n = tanh(W_in x + b_in + W_hn (r*h) + b_hn)"
        d = Drawing(640, 344, title, description=GRU_DESCRIPTION_BEFORE, value_names=dict(GRU_NAMES_BEFORE),
                    max_width=680)
    top_y, gate_y, bus_y, hn_y = 52, 200, 304, 262
    xz, xr, xn = 200, 310, 540
    x_drop, x_join, y_mix, x_omz = 60, 110, 128, 350
    right, grey = 626, "#444"
    # the hidden state along the top: z * h_prev + (1 - z) * n
    d.wire([(22, top_y), (xz - 11, top_y)], key="h_prev")
    d.wire([(xz + 11, top_y), (xn - 11, top_y)], key="zh")
    d.wire([(xn + 11, top_y), (618, top_y)], key="h", arrow=True)
    d.node(xz, top_y, "\u00d7")
    d.node(xn, top_y, "+")
    d.text(12, top_y - 26, "hidden h_{t-1}", size=13, weight="bold")
    d.value(12, top_y - 10, "h_prev", size=12)
    d.text(xz + 22, top_y - 26, "z\u00b7h_{t-1}", size=12, colour=grey)
    d.value(xz + 22, top_y - 10, "zh", size=12)
    d.text(right, top_y - 26, "hidden h_{t}", size=13, weight="bold", anchor="end")
    d.value(right, top_y - 10, "h", size=12, anchor="end")
    # gates
    d.box(xz, gate_y, "update z = \u03c3", "z", sub_key="a_z", width=92)
    d.box(xr, gate_y, "reset r = \u03c3", "r", sub_key="a_r", width=80)
    d.box(xn, gate_y, "candidate n = tanh", "n", scale="signed", sub_key="a_n", width=116)
    # z keeps the old state; 1 - z lets the candidate in
    d.wire([(xz, gate_y - 29), (xz, top_y + 11)], key="z", arrow=True)
    d.dot(xz, y_mix)
    d.wire([(xz, y_mix), (x_omz - 13, y_mix)], key="z", arrow=True)
    d.node(x_omz, y_mix, "1\u2212", radius=13)
    d.wire([(x_omz + 13, y_mix), (xn - 11, y_mix)], key="omz", arrow=True)
    d.text(x_omz + 20, y_mix - 24, "1\u2212z", size=12, colour=grey)
    d.value(x_omz + 20, y_mix - 9, "omz", size=12)
    d.wire([(xn, gate_y - 29), (xn, y_mix + 11)], key="n", arrow=True)
    d.node(xn, y_mix, "\u00d7")
    d.wire([(xn, y_mix - 11), (xn, top_y + 11)], key="omzn", arrow=True)
    d.text(xn + 10, y_mix - 44, "(1\u2212z)\u00b7n", size=12, colour=grey)
    d.value(xn + 10, y_mix - 29, "omzn", size=12)
    if reset == "after":
        # the reset gate scales the recurrent term of the candidate, after the matmul
        x_times = 405
        d.box(x_times, hn_y, "W_{hn} h_{t-1} + b_{hn}", "hn", scale="signed", width=150, height=42)
        d.wire([(xr + 40, gate_y), (x_times - 11, gate_y)], key="r", arrow=True)
        d.wire([(x_times, hn_y - 21), (x_times, gate_y + 11)], key="hn", arrow=True)
        d.node(x_times, gate_y, "\u00d7")
        d.wire([(x_times + 11, gate_y), (xn - 58, gate_y)], key="rhn", arrow=True)
        d.text(x_times + 14, gate_y - 24, "r\u00b7(\u2026)", size=12, colour=grey)
        d.value(x_times + 14, gate_y - 9, "rhn", size=12)
        feeds = ((xz, gate_y + 29), (xr, gate_y + 29), (x_times, hn_y + 21), (xn, gate_y + 29))
    else:
        # the reset gate scales h_{t-1} itself; the product r*h_{t-1} goes through W_hn, then + b_hn
        x_times, x_box = 372, 455
        d.wire([(xr + 40, gate_y), (x_times, gate_y), (x_times, hn_y - 11)], key="r", arrow=True)
        d.node(x_times, hn_y, "\u00d7")
        d.wire([(x_times + 11, hn_y), (x_box - 58, hn_y)], key="rh", arrow=True)
        d.text(x_times + 8, gate_y + 17, "r\u00b7h_{t-1}", size=12, colour=grey)
        d.value(x_times + 8, gate_y + 34, "rh", size=12)
        d.box(x_box, hn_y, "W_{hn}(\u00b7) + b_{hn}", "rhn", scale="signed", width=116, height=42)
        d.wire([(x_box, hn_y - 21), (x_box, gate_y), (xn - 58, gate_y)], key="rhn", arrow=True)
        feeds = ((xz, gate_y + 29), (xr, gate_y + 29), (x_times, hn_y + 11), (xn, gate_y + 29))
    # inputs: h_{t-1} drops from the top line, x_t comes from below
    d.dot(x_drop, top_y)
    d.wire([(x_drop, top_y), (x_drop, bus_y)], key="h_prev")
    d.wire([(x_join, 340), (x_join, bus_y)], key="x")
    d.wire([(x_drop, bus_y), (xn, bus_y)])
    d.dot(x_join, bus_y)
    for x_gate, top in feeds:
        d.wire([(x_gate, bus_y), (x_gate, top)], arrow=True)
    d.text(x_join + 8, 324, "input x_{t}", size=13, weight="bold")
    d.value(x_join + 8, 340, "x", size=12)
    return d


def gru_cell_diagram(values=None, *, uid: str | None = None, reset: str = "after") -> CellDiagram:
    """A GRU cell diagram showing ``values`` (a dict keyed by :data:`GRU_KEYS`, or by
    :data:`GRU_KEYS_BEFORE` with ``reset="before"``; any subset)."""
    return CellDiagram(gru_drawing(reset), values, uid=uid)


def gru_cell_values(x, h_prev, params, *, unit: int = 0, batch: int = 0, reset: str = "after") -> dict:
    """Every value of :data:`GRU_KEYS` (``reset="before"``: :data:`GRU_KEYS_BEFORE`) for one unit of one GRU step.

    ``x`` (B, D), ``h_prev`` (B, H), ``params`` in PyTorch's layout (``weight_ih``
    (3H, D), ``weight_hh`` (3H, H), ``bias_ih``, ``bias_hh`` (3H,)).  With
    ``reset="after"`` the step is computed by :func:`lstm_edu.scratch.gru_step_forward`
    (PyTorch's GRU); with ``reset="before"`` the candidate is
    ``tanh(x W_in^T + b_in + (r * h_prev) W_hn^T + b_hn)`` (Cho et al.'s EMNLP form, with
    PyTorch's biases), everything else unchanged.
    """
    from lstm_edu.scratch import gru_step_forward, sigmoid

    _check_reset(reset)
    x, h_prev = (np.atleast_2d(np.asarray(v, dtype=np.float64)) for v in (x, h_prev))
    H = h_prev.shape[1]
    if not 0 <= unit < H:
        raise ValueError(f"unit must be in [0, {H - 1}], got {unit}")
    if not 0 <= batch < h_prev.shape[0]:
        raise ValueError(f"batch must be in [0, {h_prev.shape[0] - 1}], got {batch}")
    b, u = batch, unit
    common = {"x": format_vector(x[b]), "h_prev": float(h_prev[b, u])}
    if reset == "after":
        h, cache = gru_step_forward(x, h_prev, params)
        ax = x @ np.asarray(params["weight_ih"]).T + params["bias_ih"]
        ah = h_prev @ np.asarray(params["weight_hh"]).T + params["bias_hh"]
        r, z, n, hn = (float(cache[k][b, u]) for k in ("r", "z", "n", "hn"))
        recurrent = {"hn": hn, "rhn": r * hn}
        a_r, a_z = float(ax[b, u] + ah[b, u]), float(ax[b, H + u] + ah[b, H + u])
        a_n = float(ax[b, 2 * H + u] + r * hn)
        h_u = float(h[b, u])
    else:
        w_ih, w_hh = np.asarray(params["weight_ih"], dtype=np.float64), np.asarray(params["weight_hh"], dtype=np.float64)
        b_ih, b_hh = np.asarray(params["bias_ih"], dtype=np.float64), np.asarray(params["bias_hh"], dtype=np.float64)
        ax = x @ w_ih.T + b_ih                                   # (B, 3H)
        ah = h_prev @ w_hh[:2 * H].T + b_hh[:2 * H]              # (B, 2H): r and z only
        r_all = sigmoid(ax[:, :H] + ah[:, :H])
        z_all = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
        rh_all = r_all * h_prev                                  # the reset acts on h_(t-1)
        rhn_all = rh_all @ w_hh[2 * H:].T + b_hh[2 * H:]         # then the product, then b_hn
        n_all = np.tanh(ax[:, 2 * H:] + rhn_all)
        h_all = (1 - z_all) * n_all + z_all * h_prev
        r, z, n = float(r_all[b, u]), float(z_all[b, u]), float(n_all[b, u])
        recurrent = {"rh": float(rh_all[b, u]), "rhn": float(rhn_all[b, u])}
        a_r, a_z = float(ax[b, u] + ah[b, u]), float(ax[b, H + u] + ah[b, H + u])
        a_n = float(ax[b, 2 * H + u] + rhn_all[b, u])
        h_u = float(h_all[b, u])
    return {
        **common,
        "a_r": a_r,
        "a_z": a_z,
        "a_n": a_n,
        "r": r,
        "z": z,
        **recurrent,
        "n": n,
        "zh": z * float(h_prev[b, u]),
        "omz": 1.0 - z,
        "omzn": (1.0 - z) * n,
        "h": h_u,
    }

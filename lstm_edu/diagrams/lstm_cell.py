"""The LSTM cell, drawn as SVG by lstm_edu, with live values.

The drawing follows PyTorch's equations (``torch.nn.LSTM``, gate order i, f, g, o)::

    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

with ``a_k = x_t W_ik^T + b_ik + h_{t-1} W_hk^T + b_hk`` the pre-activation of block k.
The cell state runs along the top, the three sigmoid gates (green when open) and
the candidate ``g`` (blue/red by sign: it is a value, not a gate) sit in a row,
and every wire that carries a product gets thicker as ``|value|`` grows, so a
closed forget gate visibly cuts the old cell off and a closed output gate
visibly hides the cell from ``h_t``.

Values are keyed by :data:`LSTM_KEYS`.  :func:`lstm_cell_values` computes all of
them for one unit from :func:`lstm_edu.scratch.lstm_step_forward`, so what the
diagram shows is what the package (and torch) computes::

    from lstm_edu.diagrams.lstm_cell import lstm_cell_diagram, lstm_cell_values
    lstm_cell_diagram(lstm_cell_values(x, h_prev, c_prev, params))   # displays inline
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from lstm_edu.diagrams._cell_svg import CellDiagram, Drawing, format_number

#: Every value the LSTM diagram can show:
#: inputs ``x``, ``h_prev``, ``c_prev``; gates ``i``, ``f``, ``o`` and candidate ``g``;
#: pre-activations ``a_i``, ``a_f``, ``a_g``, ``a_o``; products ``fc`` = f*c_prev and
#: ``ig`` = i*g; new cell ``c``, its squashed value ``tanh_c`` and the output ``h``.
LSTM_KEYS = ("x", "h_prev", "c_prev", "a_i", "a_f", "a_g", "a_o", "i", "f", "g", "o",
             "fc", "ig", "c", "tanh_c", "h")

#: The diagram in words (part of its text alternative).
LSTM_DESCRIPTION = (
    "Diagram of one LSTM step. The cell state runs along the top from c_(t-1) on the left to c_t on "
    "the right: it is multiplied by the forget gate f, then i*g is added. Below, the input x_t and the "
    "previous hidden state h_(t-1) feed four boxes: the input gate i, the forget gate f and the output "
    "gate o (sigmoids, shaded greener the more open they are) and the candidate g (tanh, red when "
    "positive, blue when negative). The new hidden state h_t, on the right, is o*tanh(c_t). Every box "
    "prints its value, and a wire is drawn thicker the larger the value it carries.")
#: A reader's name for each value, in the order a reader follows the step.
LSTM_NAMES = {
    "x": "input x_t", "h_prev": "previous hidden state h_(t-1)", "c_prev": "previous cell state c_(t-1)",
    "a_f": "forget gate pre-activation", "f": "forget gate f", "a_i": "input gate pre-activation",
    "i": "input gate i", "a_g": "candidate pre-activation", "g": "candidate g",
    "a_o": "output gate pre-activation", "o": "output gate o", "fc": "f*c_(t-1)", "ig": "i*g",
    "c": "new cell state c_t", "tanh_c": "tanh(c_t)", "h": "new hidden state h_t",
}

#: Gate names in PyTorch's block order.
GATE_ORDER = ("i", "f", "g", "o")


@lru_cache(maxsize=1)
def lstm_drawing() -> Drawing:
    """The geometry of the LSTM cell diagram (built once)."""
    # Widths in SVG units; every label is at least 11 units (12 for names and values) and
    # every right-hand label ends 14 units inside the right edge (no clipping).
    d = Drawing(620, 344, "LSTM cell: c_t = f*c_(t-1) + i*g, h_t = o*tanh(c_t)",
                description=LSTM_DESCRIPTION, value_names=dict(LSTM_NAMES), max_width=660)
    cell_y, gate_y, bus_y = 52, 205, 292
    xf, xi, xg, xo = 160, 265, 375, 485
    x_plus, x_ig, y_ig = 320, 320, 128
    right = 606  # right-hand labels end here
    grey = "#444"
    # cell-state highway along the top
    d.wire([(22, cell_y), (xf - 11, cell_y)], key="c_prev")
    d.wire([(xf + 11, cell_y), (x_plus - 11, cell_y)], key="fc")
    d.wire([(x_plus + 11, cell_y), (598, cell_y)], key="c", arrow=True)
    d.node(xf, cell_y, "\u00d7")
    d.node(x_plus, cell_y, "+")
    d.text(12, cell_y - 26, "cell c_{t-1}", size=13, weight="bold")
    d.value(12, cell_y - 10, "c_prev", size=12)
    d.text(xf + 18, cell_y + 24, "f\u00b7c_{t-1}", size=12, colour=grey)
    d.value(xf + 18, cell_y + 39, "fc", size=12)
    d.text(right, cell_y - 26, "cell c_{t}", size=13, weight="bold", anchor="end")
    d.value(right, cell_y - 10, "c", size=12, anchor="end")
    # the three gates and the candidate, fed from the input bus
    d.box(xf, gate_y, "forget f = \u03c3", "f", sub_key="a_f", width=88)
    d.box(xi, gate_y, "input i = \u03c3", "i", sub_key="a_i", width=88)
    d.box(xg, gate_y, "candidate g = tanh", "g", scale="signed", sub_key="a_g", width=116)
    d.box(xo, gate_y, "output o = \u03c3", "o", sub_key="a_o", width=88)
    d.wire([(xf, gate_y - 29), (xf, cell_y + 11)], key="f", arrow=True)
    d.wire([(xi, gate_y - 29), (xi, y_ig), (x_ig - 11, y_ig)], key="i", arrow=True)
    d.wire([(xg, gate_y - 29), (xg, y_ig), (x_ig + 11, y_ig)], key="g", arrow=True)
    d.node(x_ig, y_ig, "\u00d7")
    d.wire([(x_ig, y_ig - 11), (x_plus, cell_y + 11)], key="ig", arrow=True)
    d.text(x_ig + 10, y_ig - 44, "i\u00b7g", size=12, colour=grey)
    d.value(x_ig + 10, y_ig - 29, "ig", size=12)
    # output: h_t = o * tanh(c_t)
    x_tanh, y_tanh, y_out = xo, 96, 146
    d.wire([(x_tanh, cell_y), (x_tanh, y_tanh - 12)], key="c", arrow=True)
    d.oval(x_tanh, y_tanh, "tanh")
    d.wire([(x_tanh, y_tanh + 12), (x_tanh, y_out - 11)], key="tanh_c", arrow=True)
    d.text(x_tanh + 30, y_tanh - 2, "tanh(c_{t})", size=12, colour=grey)
    d.value(x_tanh + 30, y_tanh + 13, "tanh_c", size=12)
    d.wire([(xo, gate_y - 29), (xo, y_out + 11)], key="o", arrow=True)
    d.node(xo, y_out, "\u00d7")
    d.wire([(xo + 11, y_out), (566, y_out), (566, bus_y + 10), (610, bus_y + 10)], key="h", arrow=True)
    d.text(right, bus_y - 26, "hidden h_{t}", size=13, weight="bold", anchor="end")
    d.value(right, bus_y - 10, "h", size=12, anchor="end")
    # inputs: h_{t-1} from the left, x_t from below, joined on one bus
    x_join = 92
    d.wire([(12, bus_y), (x_join, bus_y)], key="h_prev")
    d.wire([(x_join, 338), (x_join, bus_y)], key="x")
    d.wire([(x_join, bus_y), (xo, bus_y)])
    for x_gate in (xf, xi, xg, xo):
        d.wire([(x_gate, bus_y), (x_gate, gate_y + 29)], arrow=True)
    d.dot(x_join, bus_y)
    d.text(12, bus_y - 26, "hidden h_{t-1}", size=13, weight="bold")
    d.value(12, bus_y - 10, "h_prev", size=12)
    d.text(x_join + 8, 322, "input x_{t}", size=13, weight="bold")
    d.value(x_join + 8, 338, "x", size=12)
    return d


def lstm_cell_diagram(values=None, *, uid: str | None = None) -> CellDiagram:
    """An LSTM cell diagram showing ``values`` (a dict keyed by :data:`LSTM_KEYS`; any subset).

    The result displays itself in Jupyter; ``.svg()`` gives the SVG string and
    ``.update(**values)`` changes values.
    """
    return CellDiagram(lstm_drawing(), values, uid=uid)


def lstm_cell_values(x, h_prev, c_prev, params, *, unit: int = 0, batch: int = 0) -> dict:
    """Every value of :data:`LSTM_KEYS` for one unit of one LSTM step.

    ``x`` (B, D), ``h_prev`` and ``c_prev`` (B, H), ``params`` in PyTorch's layout
    (``weight_ih`` (4H, D), ``weight_hh`` (4H, H), ``bias_ih``, ``bias_hh`` (4H,)).
    The step is computed by :func:`lstm_edu.scratch.lstm_step_forward`.  Scalars come
    back as Python floats; ``x`` is a float when D = 1 and a string ``"(0.50, 1.00)"``
    otherwise.
    """
    from lstm_edu.scratch import lstm_step_forward

    x, h_prev, c_prev = (np.atleast_2d(np.asarray(v, dtype=np.float64)) for v in (x, h_prev, c_prev))
    H = h_prev.shape[1]
    if not 0 <= unit < H:
        raise ValueError(f"unit must be in [0, {H - 1}], got {unit}")
    if not 0 <= batch < h_prev.shape[0]:
        raise ValueError(f"batch must be in [0, {h_prev.shape[0] - 1}], got {batch}")
    h, c, cache = lstm_step_forward(x, h_prev, c_prev, params)
    pre = (x @ np.asarray(params["weight_ih"]).T + params["bias_ih"]
           + h_prev @ np.asarray(params["weight_hh"]).T + params["bias_hh"])
    b, u = batch, unit
    values = {f"a_{name}": float(pre[b, k * H + u]) for k, name in enumerate(GATE_ORDER)}
    values.update({name: float(cache[name][b, u]) for name in GATE_ORDER})
    values.update(
        x=format_vector(x[b]),
        h_prev=float(h_prev[b, u]),
        c_prev=float(c_prev[b, u]),
        fc=values["f"] * float(c_prev[b, u]),
        ig=values["i"] * values["g"],
        c=float(c[b, u]),
        tanh_c=float(cache["tanh_c"][b, u]),
        h=float(h[b, u]),
    )
    return values


def format_vector(vector) -> float | str:
    """A float for a single number, else ``"(0.50, 1.00)"`` (at most 4 entries shown)."""
    flat = np.asarray(vector, dtype=np.float64).ravel()
    if flat.size == 1:
        return float(flat[0])
    shown = ", ".join(format_number(float(v)) for v in flat[:4])
    more = ", \u2026" if flat.size > 4 else ""
    return f"({shown}{more})"

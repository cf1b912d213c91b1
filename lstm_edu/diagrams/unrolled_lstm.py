"""The LSTM unrolled in time, with the cell path and its product of forget gates marked.

::

    from lstm_edu.diagrams.unrolled_lstm import unrolled_lstm_figure
    fig = unrolled_lstm_figure(steps=3)    # steps 1, 2, ..., T

Each step is drawn as a box computing the gates i_k, f_k, g_k, o_k from the input
x_k and the previous hidden state h_(k-1).  Above the boxes runs the cell state:
at every step it is multiplied by f_k (a product node) and i_k g_k is added (a sum
node), so the path from c_0 to c_T meets no weight matrix and no squashing
function, only the forget gates.  The cell path is drawn thick; a dashed red arrow
runs back along it, labelled with its direct part of the gradient,
dc_T/dc_0 = prod_k f_k (chapter 3; the other paths go through the hidden states).

:func:`draw_unrolled_lstm` draws onto an axes from
:func:`lstm_edu.diagrams.primitives.new_diagram` and returns an
:class:`LSTMDrawing` with what it drew (the tests count it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lstm_edu.diagrams.primitives import ROLE_COLORS, arrow, box, circle, new_diagram, note
from lstm_edu.diagrams.unrolled import check_steps
from lstm_edu.figures import set_alt

#: Vertical positions (diagram units): inputs, gate boxes, cell line, backward arrow.
Y_INPUT, Y_GATES, Y_CELL, Y_GRAD = 0.5, 1.75, 3.0, 3.75
BOX_W, BOX_H, NODE_R, RADIUS, SPACING = 1.9, 0.7, 0.19, 0.32, 2.7
#: Font sizes (points): the figure is about 9 inches wide at 4 steps, so it is shown scaled down
#: (to about 0.8 at 3 steps) in the book's column; these measure about 14 and 13 CSS px there.
NAME_PT, LABEL_PT = 13, 12
#: Colour of the cell path (the thick line along the top).
CELL_PATH = "#b35806"


@dataclass
class LSTMDrawing:
    """What :func:`draw_unrolled_lstm` drew."""

    gate_boxes: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    products: list = field(default_factory=list)  # the x f_k nodes on the cell line
    sums: list = field(default_factory=list)  # the + i_k g_k nodes
    cell_segments: list = field(default_factory=list)  # the thick arrows of the cell path
    labels: list = field(default_factory=list)  # matplotlib Text objects of the arrow labels
    gradient: object = None  # the dashed backward arrow
    right: float = 0.0

    def label_texts(self) -> list[str]:
        return [text.get_text() for text in self.labels]


def _cell_arrow(ax, drawing: LSTMDrawing, start, end) -> None:
    patch, _ = arrow(ax, start, end)
    patch.set_color(CELL_PATH)
    patch.set_linewidth(3.2)
    drawing.cell_segments.append(patch)


def draw_unrolled_lstm(ax, steps: int = 3, *, x0: float = 0.3) -> LSTMDrawing:
    """Draw ``steps`` LSTM steps from ``x0`` to the right; 3 or more end with "..." and step T."""
    steps = check_steps(steps, 2, 8)
    drawing = LSTMDrawing()
    note(ax, (x0 + 0.2, Y_CELL), "$c_0$", fontsize=NAME_PT)
    note(ax, (x0 + 0.2, Y_GATES), "$h_0$", fontsize=NAME_PT)
    cell_from, hidden_from = (x0 + 0.5, Y_CELL), (x0 + 0.5, Y_GATES)
    x = x0 + 0.5 + 0.6 + BOX_W / 2
    gap = steps >= 3
    for k in range(steps):
        last = k == steps - 1
        if gap and last:  # "..." before step T, with the two lines running into it and out of it
            x += SPACING * 0.7
            dots = x - BOX_W / 2 - 1.15
            note(ax, (dots, (Y_CELL + Y_GATES) / 2), "$\\cdots$", fontsize=16)
            _cell_arrow(ax, drawing, cell_from, (dots - 0.35, Y_CELL))
            arrow(ax, hidden_from, (dots - 0.35, Y_GATES), role="weight")
            cell_from, hidden_from = (dots + 0.35, Y_CELL), (dots + 0.35, Y_GATES)
        name = "T" if gap and last else str(k + 1)
        gates = box(ax, (x, Y_GATES), BOX_W, BOX_H, f"$i_{{{name}}}\\;f_{{{name}}}\\;g_{{{name}}}\\;o_{{{name}}}$",
                    role="hidden", fontsize=NAME_PT)
        x_in = circle(ax, (x, Y_INPUT), RADIUS, f"$x_{{{name}}}$", role="input", fontsize=NAME_PT)
        arrow(ax, x_in.top, gates.bottom)
        previous = "0" if k == 0 else ("T-1" if gap and last else str(k))
        _, h_label = arrow(ax, hidden_from, gates.left, role="weight",
                           label=None if k == 0 else f"$h_{{{previous}}}$",  # h_0 is named at the start
                           label_offset=(0.0, 0.2), fontsize=LABEL_PT)
        if h_label is not None:
            drawing.labels.append(h_label)
        times = circle(ax, (x - 0.45, Y_CELL), NODE_R, "$\\times$", role="plain", fontsize=LABEL_PT)
        plus = circle(ax, (x + 0.35, Y_CELL), NODE_R, "$+$", role="plain", fontsize=LABEL_PT)
        _cell_arrow(ax, drawing, cell_from, times.left)
        _cell_arrow(ax, drawing, times.right, plus.left)
        _, f_label = arrow(ax, (x - 0.45, Y_GATES + BOX_H / 2), times.bottom, label=f"$f_{{{name}}}$",
                           label_offset=(-0.27, 0.0), fontsize=LABEL_PT)
        _, ig_label = arrow(ax, (x + 0.35, Y_GATES + BOX_H / 2), plus.bottom, label=f"$i_{{{name}}} g_{{{name}}}$",
                            label_offset=(-0.4, 0.0), fontsize=LABEL_PT)
        # h_k = o_k tanh(c_k): the new cell feeds the output of the same step
        arrow(ax, (x + 0.75, Y_CELL), (x + 0.75, Y_GATES + BOX_H / 2))
        drawing.labels += [f_label, ig_label]
        drawing.gate_boxes.append(gates)
        drawing.inputs.append(x_in)
        drawing.products.append(times)
        drawing.sums.append(plus)
        cell_from, hidden_from = plus.right, gates.right
        x += SPACING
    end = drawing.gate_boxes[-1].right[0] + 0.8
    _cell_arrow(ax, drawing, cell_from, (end, Y_CELL))
    name = "T" if gap else str(steps)
    note(ax, (end + 0.25, Y_CELL), f"$c_{{{name}}}$", fontsize=NAME_PT)
    _, h_out = arrow(ax, hidden_from, (end, Y_GATES), role="weight", label=f"$h_{{{name}}}$",
                     label_offset=(0.0, 0.2), fontsize=LABEL_PT)
    drawing.labels.append(h_out)
    left = x0 + 0.5
    drawing.gradient, _ = arrow(ax, (end, Y_GRAD), (left, Y_GRAD), role="gradient", linestyle="--")
    product = "f_1 f_2 \\cdots f_{T}" if gap else " ".join(f"f_{k}" for k in range(1, steps + 1))
    text = f"direct part of $\\partial c_{{{name}}} / \\partial c_0$: ${product}$"
    if gap:  # wide enough for the reason too
        text += ", no weight matrix, no squashing slope"
    note(ax, ((left + end) / 2, Y_GRAD + 0.3), text, fontsize=LABEL_PT, color=ROLE_COLORS["gradient"])
    drawing.right = end + 0.55
    return drawing


def unrolled_lstm_alt(steps: int) -> str:
    """The text alternative of :func:`unrolled_lstm_figure`."""
    numbers = [str(k) for k in range(1, steps + 1)]
    shown = ", ".join(numbers[:-1]) + ", …, T" if steps >= 3 else ", ".join(numbers)
    return (f"An LSTM unrolled over the steps {shown}. At each step a box computes the gates i, f, g and o "
            "from the input x and the previous hidden state h, which runs from box to box. Above the boxes a "
            "thick line carries the cell state from c_0 to the last cell: at every step it is multiplied by "
            "that step's forget gate f and then i times g is added, and the new cell feeds that step's "
            "hidden state. A dashed red arrow runs back along the cell line: the direct part of the gradient "
            "of the last cell with respect to c_0 is the product of the forget gates, with no weight matrix "
            "and no squashing slope.")


def unrolled_lstm_figure(steps: int = 3, *, alt: str | None = None):
    """A figure of the LSTM unrolled over ``steps`` steps, with the cell path marked.

    Returns the matplotlib Figure; its ``.drawing`` attribute is the :class:`LSTMDrawing`.
    """
    steps = check_steps(steps, 2, 8)
    height = Y_GRAD + 0.65
    fig, ax = new_diagram(1.6 + SPACING * (steps + 1), height)
    drawing = draw_unrolled_lstm(ax, steps)
    ax.set_xlim(0, drawing.right)
    fig.set_size_inches(drawing.right * 0.75, height * 0.75)
    fig.drawing = drawing
    set_alt(fig, unrolled_lstm_alt(steps) if alt is None else alt)
    return fig


__all__ = ["LSTMDrawing", "draw_unrolled_lstm", "unrolled_lstm_alt", "unrolled_lstm_figure"]

"""The recurrent network rolled up (one cell with a loop) and unrolled in time.

::

    from lstm_edu.diagrams.unrolled import unrolled_rnn_figure
    fig = unrolled_rnn_figure(steps=4)                   # rolled = unrolled, forward pass
    fig = unrolled_rnn_figure(steps=4, backward=True)    # plus losses and the BPTT gradient path

The unrolled network repeats one cell per time step.  Every copy is labelled with
the *same* weights (W_ih on the input arrow, W_hh on the recurrent arrow, W_hy on
the read-out), which is the point of the picture: the weights are shared, so the
number of parameters does not depend on the number of steps.  The read-out of
step t is the network's *prediction* ŷ_t (chapter 1 writes
ŷ_t = h_t W_hy^T + b_y); the plain y_t is the target.  With ``backward=True``
each prediction and its target y_t feed a loss term L_t, and red dashed arrows
show the gradient flowing back along the chain of hidden states, the path whose
repeated Jacobians vanish or explode (chapter 2).

Labels are placed so that none reads as part of an equation: the loop of the
rolled cell carries its W_hh below the loop, away from the "=" that joins the
rolled and the unrolled network, and the rolled cell's W_ih and W_hy sit on the
left of their arrows.

:func:`draw_unrolled_rnn` and :func:`draw_rolled_rnn` draw onto an existing axes
from :func:`lstm_edu.diagrams.primitives.new_diagram` and return the shapes and
labels they drew (the tests count them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lstm_edu.figures import set_alt
from lstm_edu.diagrams.primitives import ROLE_COLORS, arrow, box, circle, new_diagram, note, self_loop

#: Vertical positions (diagram units) of the rows of the picture.
Y_INPUT, Y_CELL, Y_OUTPUT, Y_LOSS = 0.6, 2.0, 3.4, 4.7
CELL_W, CELL_H, RADIUS, SPACING = 1.05, 0.75, 0.34, 2.1
#: Font sizes (points).  The figure is wider than the book's column and is shown scaled down
#: (to about 0.64 of its size at 4 steps), so its labels are drawn larger than the primitives'
#: defaults: names 14 pt and weights 12.5 pt measure about 12 and 11 CSS px on the page, and
#: their subscripts (70%) about 8.
NAME_PT, WEIGHT_PT = 14, 12.5


@dataclass
class RNNDrawing:
    """What a drawing function drew: shapes per role and every weight or gradient label."""

    cells: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    losses: list = field(default_factory=list)
    weight_labels: list = field(default_factory=list)  # matplotlib Text objects
    gradient_arrows: list = field(default_factory=list)
    targets: list = field(default_factory=list)  # subscripts of the targets y_t drawn beside the losses
    right: float = 0.0  # the largest x coordinate used

    def label_texts(self) -> list[str]:
        """The strings of the weight labels, in drawing order."""
        return [text.get_text() for text in self.weight_labels]


def check_steps(steps, low: int = 1, high: int = 12) -> int:
    """``steps`` if it is an int in ``[low, high]`` (a diagram, not a computation); else a clear error."""
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise TypeError(f"steps must be an integer, got {type(steps).__name__}")
    if not low <= steps <= high:
        raise ValueError(f"steps must be between {low} and {high} (a diagram, not a computation), got {steps}")
    return steps


def _column(ax, drawing: RNNDrawing, x: float, subscript: str, backward: bool, *, label_side: float = 1.0) -> None:
    """One time step: input, cell, prediction (and loss with its target), with the labelled arrows.

    ``label_side`` is +1 to put the weight labels right of the vertical arrows, -1 left of them.
    """
    cell = box(ax, (x, Y_CELL), CELL_W, CELL_H, f"$h_{{{subscript}}}$", role="hidden", fontsize=NAME_PT)
    x_in = circle(ax, (x, Y_INPUT), RADIUS, f"$x_{{{subscript}}}$", role="input", fontsize=NAME_PT)
    y_out = circle(ax, (x, Y_OUTPUT), RADIUS, f"$\\hat{{y}}_{{{subscript}}}$", role="output", fontsize=NAME_PT)
    offset = (0.4 * label_side, 0.0)
    _, w_ih = arrow(ax, x_in.top, cell.bottom, role="weight", label="$W_{ih}$", label_offset=offset,
                    fontsize=WEIGHT_PT)
    _, w_hy = arrow(ax, cell.top, y_out.bottom, role="weight", label="$W_{hy}$", label_offset=offset,
                    fontsize=WEIGHT_PT)
    drawing.cells.append(cell)
    drawing.inputs.append(x_in)
    drawing.outputs.append(y_out)
    drawing.weight_labels += [w_ih, w_hy]
    if backward:
        loss = box(ax, (x, Y_LOSS), 0.8, 0.5, f"$\\mathcal{{L}}_{{{subscript}}}$", role="loss", fontsize=NAME_PT)
        arrow(ax, y_out.top, loss.bottom)
        # the target y_t enters the loss from the right: L_t compares the prediction with it
        note(ax, (x + 1.0, Y_LOSS), f"$y_{{{subscript}}}$", fontsize=NAME_PT)
        arrow(ax, (x + 0.8, Y_LOSS), loss.right)
        drawing.losses.append(loss)
        drawing.targets.append(subscript)
        side = -0.42 * label_side  # the gradient runs down on the side without weight labels
        patch, _ = arrow(ax, (x + side, Y_LOSS - 0.25), (x + side, Y_CELL + CELL_H / 2), role="gradient",
                         linestyle="--")
        drawing.gradient_arrows.append(patch)


def draw_unrolled_rnn(ax, steps: int = 4, *, x0: float = 0.4, backward: bool = False,
                      last_label: str | None = "T") -> RNNDrawing:
    """Draw ``steps`` copies of the cell from ``x0`` to the right, starting from h_0.

    With ``last_label="T"`` and 4 or more steps the columns are labelled
    1, 2, ..., with the last one T and a gap ("...") before it; ``last_label=None``
    numbers every column.
    """
    steps = check_steps(steps)
    drawing = RNNDrawing()
    h0 = note(ax, (x0 + 0.25, Y_CELL), "$h_0$", fontsize=NAME_PT)
    left = (x0 + 0.55, Y_CELL)
    gap = last_label is not None and steps >= 4
    x = x0 + 0.55 + SPACING * 0.75
    for k in range(steps):
        is_last = k == steps - 1
        if gap and is_last:
            note(ax, (x - SPACING * 0.35, Y_CELL), "$\\cdots$", fontsize=16)
            x += SPACING * 0.5
        subscript = str(last_label) if (gap and is_last) else str(k + 1)
        _column(ax, drawing, x, subscript, backward)
        cell = drawing.cells[-1]
        start = left if k == 0 else drawing.cells[-2].right
        if gap and is_last:  # the arrow into the last cell comes out of the dots
            start = (x - SPACING * 0.6, Y_CELL)
        _, w_hh = arrow(ax, start, cell.left, role="weight", label="$W_{hh}$", label_offset=(0.0, 0.24),
                        fontsize=WEIGHT_PT)
        drawing.weight_labels.append(w_hh)
        if backward:
            patch, _ = arrow(ax, (cell.left[0], Y_CELL - 0.2), (start[0], Y_CELL - 0.2), role="gradient",
                             linestyle="--")
            drawing.gradient_arrows.append(patch)
        x += SPACING
    drawing.right = drawing.cells[-1].right[0] + 0.4  # room for the last W_hy label
    if backward:
        note(ax, (x0 + 0.25, Y_CELL - 0.6), "$\\partial\\mathcal{L}/\\partial h_0$", fontsize=WEIGHT_PT,
             color="#c0392b")
    return drawing


def draw_rolled_rnn(ax, *, x: float = 1.0, backward: bool = False) -> RNNDrawing:
    """Draw the rolled-up network: one cell whose state loops back into itself.

    The loop's label W_hh sits below the loop (not on the cell's line, where it would
    run into whatever is drawn to the right); W_ih and W_hy sit left of their arrows.
    """
    drawing = RNNDrawing()
    _column(ax, drawing, x, "t", backward, label_side=-1.0)
    cell = drawing.cells[0]
    self_loop(ax, cell)
    w_hh = note(ax, (cell.right[0] + 0.4, Y_CELL - CELL_H / 2 - 0.22), "$W_{hh}$", color=ROLE_COLORS["weight"],
                fontsize=WEIGHT_PT)
    drawing.weight_labels.append(w_hh)
    drawing.right = x + CELL_W / 2 + 1.3
    return drawing


def unrolled_alt(steps: int, *, rolled: bool = True, backward: bool = False) -> str:
    """The text alternative of :func:`unrolled_rnn_figure`: what the picture shows, in words."""
    parts = []
    if rolled:
        parts.append("A recurrent network drawn rolled up, as one cell h_t with input x_t, prediction ŷ_t "
                     "and a loop W_hh back into itself, equals the same network unrolled")
    else:
        parts.append("A recurrent network unrolled")
    shown = ", ".join(str(k) for k in range(1, steps)) + ", …, T" if steps >= 4 else \
        ", ".join(str(k) for k in range(1, steps + 1))
    parts[0] += (f" over the time steps {shown}: starting from h_0, each step's cell receives its input "
                 "through W_ih and the previous state through W_hh, and gives its prediction ŷ_t through W_hy; "
                 "the same three weight matrices label every step.")
    if backward:
        parts.append("Each prediction ŷ_t and its target y_t feed a loss term L_t; dashed red arrows run backwards from every loss "
                     "to its state and along the chain of hidden states down to h_0: the path of "
                     "backpropagation through time.")
    return " ".join(parts)


def unrolled_rnn_figure(steps: int = 4, *, rolled: bool = True, backward: bool = False,
                        alt: str | None = None):
    """A figure: the rolled cell, "=", and the same network unrolled over ``steps`` steps.

    ``backward=True`` adds the loss terms and the red gradient path of
    backpropagation through time.  Returns the matplotlib Figure (call
    ``plt.show()`` or save it); its ``.drawing`` attribute holds the
    :class:`RNNDrawing` of the unrolled part.  ``alt`` replaces the text
    alternative (default: :func:`unrolled_alt`), shown as the image's alt text.
    """
    steps = check_steps(steps)
    rolled_width = 3.0 if rolled else 0.0
    height = Y_LOSS + 0.5 if backward else Y_OUTPUT + 0.6
    # an upper bound on the width; the axes are cropped to what was drawn below
    fig, ax = new_diagram(rolled_width + 1.6 + SPACING * (steps + 1), height)
    if rolled:
        draw_rolled_rnn(ax, x=0.8, backward=backward)
        note(ax, (rolled_width - 0.35, Y_CELL), "$=$", fontsize=20)
    drawing = draw_unrolled_rnn(ax, steps, x0=rolled_width, backward=backward)
    width = drawing.right + 0.6
    ax.set_xlim(0, width)
    fig.set_size_inches(width * 0.75, height * 0.75)  # inches per unit: text stays readable in a page column
    fig.drawing = drawing
    set_alt(fig, unrolled_alt(steps, rolled=rolled, backward=backward) if alt is None else alt)
    return fig


__all__ = ["RNNDrawing", "draw_rolled_rnn", "draw_unrolled_rnn", "unrolled_alt", "unrolled_rnn_figure"]

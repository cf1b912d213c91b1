"""The five sequence modes as block diagrams: which steps take an input and which give an output.

::

    from lstm_edu.diagrams.modes import modes_figure, mode_figure
    fig = modes_figure()                    # all five side by side
    fig = modes_figure(rows=2)              # on two rows (three, then two)
    fig = mode_figure("many-to-one")        # one of them

Inputs are blue circles (bottom), hidden states orange boxes (middle), outputs
green circles (top); arrows between hidden boxes are the recurrence.  In the
delayed many-to-many mode (encoder–decoder) the encoder reads the whole input
before the decoder writes anything, and dashed arrows show each output fed
back as the next decoder input (greedy decoding; the true previous token under
teacher forcing).

:func:`draw_mode` draws onto an existing axes and returns a :class:`ModeDrawing`
with the shapes it drew (the tests count them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lstm_edu.diagrams.primitives import arrow, box, circle, new_diagram, note
from lstm_edu.figures import set_alt, style as book_style

#: Each mode: (title, example, the steps that take an input, the steps that give an output,
#: number of steps, number of encoder steps (delayed mode only)).
MODES = {
    "one-to-one": ("one-to-one", "MLP: image → class", (0,), (0,), 1, 0),
    "one-to-many": ("one-to-many", "parameters → waveform", (0,), (0, 1, 2, 3), 4, 0),
    "many-to-one": ("many-to-one", "MNIST rows → digit", (0, 1, 2, 3), (3,), 4, 0),
    "many-to-many-synced": ("many-to-many, synced", "tag every step", (0, 1, 2, 3), (0, 1, 2, 3), 4, 0),
    "many-to-many-delayed": ("many-to-many, delayed", "encoder–decoder", (0, 1, 2), (3, 4, 5), 6, 3),
}
Y_INPUT, Y_HIDDEN, Y_OUTPUT, Y_TITLE, Y_EXAMPLE = 0.75, 1.85, 2.95, 3.75, 3.4
SPACING, RADIUS, BOX_W, BOX_H, MARGIN = 0.95, 0.27, 0.62, 0.5, 0.35
MIN_WIDTH = 2.2  # room for the title
Y_PART = Y_INPUT - RADIUS - 0.18  # 'encoder' / 'decoder' labels


@dataclass
class ModeDrawing:
    """What :func:`draw_mode` drew."""

    mode: str
    inputs: list = field(default_factory=list)
    hidden: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    recurrent_arrows: list = field(default_factory=list)
    feedback_arrows: list = field(default_factory=list)
    width: float = 0.0


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
    return mode


def mode_width(mode: str) -> float:
    """Width of one mode's panel in diagram units."""
    steps = MODES[_check_mode(mode)][4]
    return max(2 * MARGIN + SPACING * steps, MIN_WIDTH)


def draw_mode(ax, mode: str, *, x0: float = 0.0, titles: bool = True) -> ModeDrawing:
    """Draw one mode with its left edge at ``x0``; return what was drawn."""
    title, example, input_steps, output_steps, steps, encoder_steps = MODES[_check_mode(mode)]
    drawing = ModeDrawing(mode, width=mode_width(mode))
    left = x0 + (drawing.width - SPACING * steps) / 2  # centre the steps in the panel
    xs = [left + SPACING * (k + 0.5) for k in range(steps)]
    for k, x in enumerate(xs):
        role = "hidden"
        drawing.hidden.append(box(ax, (x, Y_HIDDEN), BOX_W, BOX_H, "", role=role))
        if k > 0:
            patch, _ = arrow(ax, drawing.hidden[k - 1].right, drawing.hidden[k].left)
            drawing.recurrent_arrows.append(patch)
    for k in input_steps:
        shape = circle(ax, (xs[k], Y_INPUT), RADIUS, "$x$", role="input", fontsize=10)
        arrow(ax, shape.top, drawing.hidden[k].bottom)
        drawing.inputs.append(shape)
    for k in output_steps:
        shape = circle(ax, (xs[k], Y_OUTPUT), RADIUS, "$y$", role="output", fontsize=10)
        arrow(ax, drawing.hidden[k].top, shape.bottom)
        drawing.outputs.append(shape)
    if encoder_steps:
        for earlier, later in zip(output_steps[:-1], output_steps[1:]):
            patch, _ = arrow(ax, (xs[earlier] + RADIUS, Y_OUTPUT - 0.1), (xs[later] - 0.12, Y_HIDDEN - BOX_H / 2),
                             role="weight", linestyle="--", curve=0.0)
            drawing.feedback_arrows.append(patch)
        note(ax, (left + SPACING * encoder_steps / 2, Y_PART), "encoder", fontsize=9)
        note(ax, (left + SPACING * (encoder_steps + steps) / 2, Y_PART), "decoder", fontsize=9)
    if titles:
        note(ax, (x0 + drawing.width / 2, Y_TITLE), title, fontsize=11, fontweight="bold")
        note(ax, (x0 + drawing.width / 2, Y_EXAMPLE), example, fontsize=9, style="italic")
    return drawing


#: What each mode's panel shows, in words (for the figures' text alternatives).
MODE_WORDS = {
    "one-to-one": "one-to-one (an MLP, image to class): one input, one hidden box, one output",
    "one-to-many": "one-to-many (parameters to waveform): one input at the first of 4 steps, "
                   "an output at every step",
    "many-to-one": "many-to-one (MNIST rows to digit): an input at each of 4 steps, "
                   "one output after the last",
    "many-to-many-synced": "many-to-many synced (tag every step): an input and an output at each of 4 steps",
    "many-to-many-delayed": "many-to-many delayed (encoder-decoder): an encoder reads 3 inputs with no "
                            "output, then a decoder writes 3 outputs with no input, each output fed back "
                            "as the next step's input by a dashed arrow",
}


def modes_alt(modes) -> str:
    """The text alternative of a figure showing ``modes``: what each panel shows."""
    modes = [_check_mode(mode) for mode in modes]
    return ("Block diagrams of sequence modes; in each, inputs x are circles at the bottom, hidden "
            "states boxes in the middle joined left to right by the recurrence, outputs y circles at "
            "the top. Panels: " + "; ".join(MODE_WORDS[mode] for mode in modes) + ".")


def mode_figure(mode: str, *, scale: float = 0.9, alt: str | None = None):
    """A figure with one mode; ``alt`` replaces its text alternative (default: :func:`modes_alt`)."""
    fig, ax = new_diagram(mode_width(mode), Y_TITLE + 0.35, scale=scale)
    draw_mode(ax, mode)
    set_alt(fig, modes_alt([mode]) if alt is None else alt)
    return fig


def modes_figure(modes=tuple(MODES), *, rows: int = 1, scale: float = 0.75, alt: str | None = None):
    """The ``modes`` left to right, wrapped onto ``rows`` rows (the first rows get the extra panel).

    Returns the figure; ``fig.mode_drawings`` lists the drawings in order; ``alt``
    replaces its text alternative (default: :func:`modes_alt`).
    """
    import matplotlib.pyplot as plt

    modes = [_check_mode(mode) for mode in modes]
    if not modes:
        raise ValueError("modes_figure needs at least one mode")
    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= len(modes):
        raise ValueError(f"rows must be an integer from 1 to {len(modes)}, got {rows!r}")
    per_row = -(-len(modes) // rows)  # ceiling division
    lines = [modes[k:k + per_row] for k in range(0, len(modes), per_row)]
    width = max(sum(mode_width(mode) for mode in line) for line in lines)
    height = Y_TITLE + 0.35
    with book_style():
        fig, axes = plt.subplots(len(lines), 1, figsize=(width * scale, height * scale * len(lines)),
                                 squeeze=False)
    drawings = []
    for ax, line in zip(axes[:, 0], lines):
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)
        ax.set_aspect("equal")
        ax.axis("off")
        x0 = (width - sum(mode_width(mode) for mode in line)) / 2  # centre a shorter row
        for mode in line:
            drawings.append(draw_mode(ax, mode, x0=x0))
            x0 += drawings[-1].width
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1, hspace=0.05)
    fig.mode_drawings = drawings
    set_alt(fig, modes_alt(modes) if alt is None else alt)
    return fig


__all__ = ["MODES", "MODE_WORDS", "ModeDrawing", "draw_mode", "mode_figure", "mode_width", "modes_alt",
           "modes_figure"]

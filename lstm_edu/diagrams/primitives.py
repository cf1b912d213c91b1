"""Matplotlib building blocks for block diagrams: boxes, circles, arrows, loops, labels.

Every function draws on a matplotlib ``Axes`` made by :func:`new_diagram`, whose
data coordinates are "diagram units" with (0, 0) at the bottom left and equal
scaling in x and y (so a circle stays round).  Shapes are returned as
:class:`Shape` objects that know their anchor points, so arrows can be drawn
between them without computing coordinates by hand::

    fig, ax = new_diagram(6, 3)
    x = circle(ax, (1, 1), 0.35, "$x_t$", role="input")
    h = box(ax, (4, 1), 1.4, 0.8, "RNN", role="hidden")
    arrow(ax, x.right, h.left, label="$W_{ih}$", role="weight")

Colours come from :data:`ROLE_COLORS` (what a shape or arrow *is*: an input, a
hidden state, an output, a loss, a weight, a gradient), so all diagrams of the
book use the same colour for the same kind of thing.  Colour is never the only cue:
inputs and outputs are circles, hidden states boxes, weights carry their names and
gradient arrows are dashed.  Figures are made in the book's style
(:func:`lstm_edu.figures.style`: white background) and no text is smaller than
:data:`lstm_edu.figures.MIN_FONT_PT`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_edu.figures import style as book_style

#: Fill (shapes) or line (arrows) colour for each role.
ROLE_COLORS = {
    "input": "#d6e6f5",  # pale blue
    "hidden": "#fde3c4",  # pale orange
    "output": "#d9f0d3",  # pale green
    "loss": "#eeeeee",  # light grey
    "weight": "#6a3d9a",  # purple (labels and arrows carrying a weight)
    "flow": "#333333",  # ordinary forward arrows
    "gradient": "#c0392b",  # red (backward pass)
    "plain": "#ffffff",
}
EDGE_COLOR = "#333333"
FONT_SIZE = 12


def _color(role: str) -> str:
    if role not in ROLE_COLORS:
        raise ValueError(f"role must be one of {sorted(ROLE_COLORS)}, got {role!r}")
    return ROLE_COLORS[role]


def _point(xy, name: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in xy)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair of numbers (x, y), got {xy!r}") from None
    if not (np.isfinite(x) and np.isfinite(y)):
        raise ValueError(f"{name} must be finite, got {xy!r}")
    return x, y


def _positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Shape:
    """A drawn box or circle: its patch, its text and its anchor points."""

    patch: object
    text: object
    center: tuple[float, float]
    width: float
    height: float

    @property
    def left(self) -> tuple[float, float]:
        return (self.center[0] - self.width / 2, self.center[1])

    @property
    def right(self) -> tuple[float, float]:
        return (self.center[0] + self.width / 2, self.center[1])

    @property
    def top(self) -> tuple[float, float]:
        return (self.center[0], self.center[1] + self.height / 2)

    @property
    def bottom(self) -> tuple[float, float]:
        return (self.center[0], self.center[1] - self.height / 2)


def new_diagram(width: float, height: float, *, scale: float = 0.9):
    """A figure with one frameless axes spanning [0, width] x [0, height] diagram units.

    ``scale`` is inches per diagram unit.  Returns ``(fig, ax)``.
    """
    import matplotlib.pyplot as plt

    width, height = _positive(width, "width"), _positive(height, "height")
    scale = _positive(scale, "scale")
    with book_style():
        fig, ax = plt.subplots(figsize=(width * scale, height * scale))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    return fig, ax


def box(ax, center, width: float, height: float, text: str = "", *, role: str = "hidden",
        fontsize: float = FONT_SIZE, rounded: bool = True) -> Shape:
    """A (rounded) rectangle centred at ``center`` with ``text`` in the middle."""
    from matplotlib.patches import FancyBboxPatch

    (x, y), w, h = _point(center, "center"), _positive(width, "width"), _positive(height, "height")
    style = f"round,pad=0,rounding_size={min(w, h) * 0.18:.3f}" if rounded else "square,pad=0"
    patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=style, facecolor=_color(role),
                           edgecolor=EDGE_COLOR, linewidth=1.4, zorder=2)
    ax.add_patch(patch)
    label = ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=3)
    return Shape(patch, label, (x, y), w, h)


def circle(ax, center, radius: float, text: str = "", *, role: str = "input",
           fontsize: float = FONT_SIZE) -> Shape:
    """A circle centred at ``center`` with ``text`` in the middle."""
    from matplotlib.patches import Circle

    (x, y), r = _point(center, "center"), _positive(radius, "radius")
    patch = Circle((x, y), r, facecolor=_color(role), edgecolor=EDGE_COLOR, linewidth=1.4, zorder=2)
    ax.add_patch(patch)
    label = ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=3)
    return Shape(patch, label, (x, y), 2 * r, 2 * r)


def arrow(ax, start, end, *, role: str = "flow", label: str | None = None, label_offset=(0.0, 0.18),
          linestyle: str = "-", curve: float = 0.0, fontsize: float = FONT_SIZE - 1):
    """An arrow from ``start`` to ``end`` with an optional label near its middle.

    ``role`` sets the colour (``"weight"`` purple, ``"gradient"`` red, ...);
    ``curve`` bends it (matplotlib's ``arc3`` radius; 0 is straight);
    ``label_offset`` shifts the label from the arrow's midpoint.
    Returns ``(patch, text)``; text is None without a label.
    """
    from matplotlib.patches import FancyArrowPatch

    (x0, y0), (x1, y1) = _point(start, "start"), _point(end, "end")
    if (x0, y0) == (x1, y1):
        raise ValueError("an arrow needs two different points (use self_loop for a loop)")
    color = EDGE_COLOR if role in ("flow", "plain") else _color(role)
    patch = FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=14, color=color,
                            linewidth=1.5, linestyle=linestyle, connectionstyle=f"arc3,rad={curve}",
                            shrinkA=0, shrinkB=0, zorder=1)
    ax.add_patch(patch)
    text = None
    if label:
        dx, dy = _point(label_offset, "label_offset")
        text = ax.text((x0 + x1) / 2 + dx, (y0 + y1) / 2 + dy, label, ha="center", va="center",
                       fontsize=fontsize, color=color, zorder=3)
    return patch, text


def self_loop(ax, shape: Shape, *, label: str | None = None, role: str = "weight",
              fontsize: float = FONT_SIZE - 1):
    """A loop leaving ``shape`` on its right side and coming back into the same side.

    The picture of recurrence: the state goes back into the same cell.  Returns
    ``(patch, text)`` like :func:`arrow`.
    """
    from matplotlib.patches import FancyArrowPatch

    if not isinstance(shape, Shape):
        raise TypeError(f"shape must be a Shape returned by box() or circle(), got {type(shape).__name__}")
    (x, y), w, h = shape.center, shape.width, shape.height
    start = (x + w / 2, y + h * 0.25)
    end = (x + w / 2, y - h * 0.25)
    color = _color(role) if role not in ("flow", "plain") else EDGE_COLOR
    patch = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color=color, linewidth=1.5,
                            connectionstyle="arc3,rad=-1.6", shrinkA=0, shrinkB=0, zorder=1)
    ax.add_patch(patch)
    text = None
    if label:
        text = ax.text(x + w / 2 + h * 0.9, y, label, ha="left", va="center", fontsize=fontsize,
                       color=color, zorder=3)
    return patch, text


def note(ax, xy, text: str, *, fontsize: float = FONT_SIZE - 1, color: str = EDGE_COLOR, **kwargs):
    """Free text at ``xy`` (centred); extra keyword arguments go to ``ax.text``."""
    x, y = _point(xy, "xy")
    options = {"ha": "center", "va": "center", "fontsize": fontsize, "color": color, "zorder": 3}
    options.update(kwargs)
    return ax.text(x, y, text, **options)


__all__ = ["EDGE_COLOR", "FONT_SIZE", "ROLE_COLORS", "Shape", "arrow", "box", "circle", "new_diagram", "note",
           "self_loop"]

"""Widgets that respond both in a live kernel and in the static HTML book.

The trick is to do all the switching in the browser: every state the reader can
pick is rendered in advance into an image, the images sit in an
``ipywidgets.Stack``, and the controls are tied to the stack's
``selected_index`` with ``jslink``.  A link lives in the page's JavaScript, so
the widget keeps working when the book is read without a kernel, and behaves
identically in Jupyter and Colab.
"""

from __future__ import annotations

import io
from typing import Sequence

import ipywidgets as widgets


def figure_to_png(fig, dpi: int = 80) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it (so it is not shown twice)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _image(png: bytes) -> widgets.Image:
    if not isinstance(png, (bytes, bytearray)) or not bytes(png[:8]) == b"\x89PNG\r\n\x1a\n":
        raise TypeError("each frame must be PNG bytes (use lstm_edu.widgets.figure_to_png)")
    return widgets.Image(value=bytes(png), format="png", layout=widgets.Layout(max_width="100%"))


def frame_player(
    frames: Sequence[bytes],
    *,
    description: str = "step",
    interval_ms: int = 600,
    start: int = 0,
    play: bool = True,
) -> widgets.VBox:
    """A slider (and optionally a Play button) that switches between precomputed frames.

    Args:
        frames: PNG images, one per slider position (``figure_to_png`` makes them).
        description: label shown next to the slider.
        interval_ms: time between frames while playing.
        start: the frame shown first.
        play: add a Play button linked to the slider.

    Returns:
        A ``VBox`` holding the controls above the frames; ``.children[-1]`` is the
        ``Stack`` of images, ``.slider`` the ``IntSlider`` and ``.links`` the links.
    """
    frames = list(frames)
    if not frames:
        raise ValueError("frame_player needs at least one frame")
    if not 0 <= start < len(frames):
        raise ValueError(f"start must be in [0, {len(frames) - 1}], got {start}")
    stack = widgets.Stack([_image(png) for png in frames], selected_index=start)
    slider = widgets.IntSlider(value=start, min=0, max=len(frames) - 1, description=description,
                               continuous_update=True)
    links = [widgets.jslink((slider, "value"), (stack, "selected_index"))]
    controls = [slider]
    if play:
        player = widgets.Play(value=start, min=0, max=len(frames) - 1, interval=interval_ms,
                              description="Play")
        links.append(widgets.jslink((player, "value"), (slider, "value")))
        controls.insert(0, player)
    stack.add_class("lstm-edu-frames")
    box = widgets.VBox([widgets.HBox(controls), stack]).add_class("lstm-edu-player")
    box.slider, box.links = slider, links
    return box


def frame_grid(
    frames: Sequence[Sequence[bytes]],
    *,
    descriptions: tuple[str, str] = ("a", "b"),
    labels: tuple[Sequence[str], Sequence[str]] | None = None,
) -> widgets.VBox:
    """Two controls choosing a frame from a grid ``frames[i][j]``, switched in the browser.

    The first control picks the row (an outer ``Stack``), the second the column
    (linked to every inner ``Stack``), so ``len(frames) * len(frames[0])`` images
    are rendered in advance.  ``labels`` gives the text of each option; by default
    the controls are integer sliders.
    """
    rows = [list(row) for row in frames]
    if not rows or not rows[0]:
        raise ValueError("frame_grid needs a non-empty grid of frames")
    if any(len(row) != len(rows[0]) for row in rows):
        raise ValueError("every row of the frame grid must have the same number of frames")
    inner = [widgets.Stack([_image(png) for png in row], selected_index=0) for row in rows]
    outer = widgets.Stack(inner, selected_index=0)
    controls = []
    for axis, (size, description) in enumerate(zip((len(rows), len(rows[0])), descriptions)):
        if labels is not None:
            options = list(labels[axis])
            if len(options) != size:
                raise ValueError(f"labels[{axis}] has {len(options)} entries, expected {size}")
            control = widgets.SelectionSlider(options=[(text, k) for k, text in enumerate(options)],
                                              value=0, description=description)
        else:
            control = widgets.IntSlider(value=0, min=0, max=size - 1, description=description)
        controls.append(control)
    trait = "index" if labels is not None else "value"
    links = [widgets.jslink((controls[0], trait), (outer, "selected_index"))]
    links += [widgets.jslink((controls[1], trait), (stack, "selected_index")) for stack in inner]
    for stack in inner:
        stack.add_class("lstm-edu-frames")
    box = widgets.VBox([widgets.HBox(controls), outer]).add_class("lstm-edu-grid")
    box.controls, box.links = controls, links
    return box

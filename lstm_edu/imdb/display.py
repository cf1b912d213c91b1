"""Widgets of chapter 7 that respond in the static HTML book (no kernel needed).

:func:`choice_panel` is a drop-down menu over precomputed HTML panels, switched
in the browser by the frame viewer of :mod:`lstm_edu.widgets.frames`: it works
in the static book, Jupyter, JupyterLab and Colab alike, with any ipywidgets or
none.  :func:`prediction_html` renders one prediction (text, label,
probability bar) as such a panel.
"""

from __future__ import annotations

import html
from typing import Sequence

from lstm_edu.widgets.frames import Axis, FrameViewer


def prediction_html(text: str, label: str, probability_positive: float, *, max_chars: int = 400) -> str:
    """A small HTML card: the text (shortened), the predicted label and a probability bar.

    The card sets its own text and background colours, so it reads the same in a
    dark theme; the label is written out, the colour only repeats it.
    """
    if not 0.0 <= probability_positive <= 1.0:
        raise ValueError(f"probability_positive must be in [0, 1], got {probability_positive!r}")
    shown = text if len(text) <= max_chars else text[:max_chars].rstrip() + " …"
    percent = 100 * probability_positive
    colour = "#2e7d32" if label == "positive" else "#c62828"
    return (
        '<div class="lstm-edu-prediction" style="font-family:sans-serif;max-width:46em;'
        'color:#222;background:#fff;padding:0.2em 0.4em">'
        f'<p style="margin:0.3em 0"><em>{html.escape(shown)}</em></p>'
        f'<p style="margin:0.3em 0">prediction: <b style="color:{colour}">{html.escape(label)}</b> '
        f'(P(positive) = {probability_positive:.3f})</p>'
        '<div aria-hidden="true" style="background:#e4e4e4;width:20em;max-width:100%;height:0.8em;'
        'border-radius:0.4em">'
        f'<div style="background:{colour};width:{percent:.1f}%;height:100%;border-radius:0.4em"></div></div>'
        "</div>"
    )


def choice_panel(labels: Sequence[str], panels: Sequence[str], *, description: str = "text") -> FrameViewer:
    """A drop-down of ``labels`` that shows the matching HTML panel, switched in the browser.

    ``description`` names the menu (shown beside it, read by screen readers); the
    panel shown after a choice is announced by a polite live region.  Returns a
    :class:`lstm_edu.widgets.frames.FrameViewer` (class ``lstm-edu-choice``);
    display it or take ``.html``.
    """
    labels, panels = [str(label) for label in labels], list(panels)
    if not labels or len(labels) != len(panels):
        raise ValueError(f"choice_panel needs as many panels as labels (got {len(labels)} and {len(panels)})")
    if len(set(labels)) != len(labels):
        raise ValueError("the labels of a choice_panel must be distinct")
    if not all(isinstance(panel, str) for panel in panels):
        raise TypeError("each panel must be an HTML string (prediction_html makes one)")
    return FrameViewer(panels, [Axis(description, tuple(labels), control="select")], css_class="lstm-edu-choice")

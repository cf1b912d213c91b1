"""Widgets of chapter 7 that respond in the static HTML book (no kernel needed).

:func:`choice_panel` is a drop-down menu tied, with ``jslink``, to a ``Stack`` of
precomputed HTML panels: choosing an entry switches the panel in the browser, in
Jupyter, Colab and the static book alike.  :func:`prediction_html` renders one
prediction (text, label, probability bar) as such a panel.
"""

from __future__ import annotations

import html
from typing import Sequence

import ipywidgets as widgets


def prediction_html(text: str, label: str, probability_positive: float, *, max_chars: int = 400) -> str:
    """A small HTML card: the text (shortened), the predicted label and a probability bar."""
    if not 0.0 <= probability_positive <= 1.0:
        raise ValueError(f"probability_positive must be in [0, 1], got {probability_positive!r}")
    shown = text if len(text) <= max_chars else text[:max_chars].rstrip() + " …"
    percent = 100 * probability_positive
    colour = "#2e7d32" if label == "positive" else "#c62828"
    return (
        '<div class="lstm-edu-prediction" style="font-family:sans-serif;max-width:46em">'
        f'<p style="margin:0.3em 0"><em>{html.escape(shown)}</em></p>'
        f'<p style="margin:0.3em 0">prediction: <b style="color:{colour}">{html.escape(label)}</b> '
        f'(P(positive) = {probability_positive:.3f})</p>'
        '<div style="background:#eee;width:20em;height:0.8em;border-radius:0.4em">'
        f'<div style="background:{colour};width:{percent:.1f}%;height:100%;border-radius:0.4em"></div></div>'
        "</div>"
    )


def choice_panel(labels: Sequence[str], panels: Sequence[str], *, description: str = "text") -> widgets.VBox:
    """A drop-down of ``labels`` that shows the matching HTML panel, switched in the browser.

    Returns a ``VBox`` with ``.dropdown``, ``.stack`` and ``.link`` attributes.
    """
    labels, panels = list(labels), list(panels)
    if not labels or len(labels) != len(panels):
        raise ValueError(f"choice_panel needs as many panels as labels (got {len(labels)} and {len(panels)})")
    if len(set(labels)) != len(labels):
        raise ValueError("the labels of a choice_panel must be distinct")
    dropdown = widgets.Dropdown(options=labels, index=0, description=description,
                                layout=widgets.Layout(width="95%"))
    stack = widgets.Stack([widgets.HTML(value=panel) for panel in panels], selected_index=0)
    link = widgets.jslink((dropdown, "index"), (stack, "selected_index"))
    box = widgets.VBox([dropdown, stack]).add_class("lstm-edu-choice")
    box.dropdown, box.stack, box.link = dropdown, stack, link
    return box

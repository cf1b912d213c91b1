"""What the live (kernel) widgets need from ipywidgets, checked once, with a clear message.

The live widgets (``lstm_explorer(live=True)``, ``live_gradient_flow``) use only
widgets and traits that exist in ipywidgets 7.7 (Colab's preinstalled version)
and in 8.x: ``FloatSlider``/``IntSlider`` with ``description``, ``style``
``description_width`` and ``readout_format``, ``Button``, ``HTML``, ``HBox``/``VBox``,
``Layout(width=..., flex_flow=...)`` and ``interactive``; descriptions are plain text
(no ``description_allow_html``, which 7.7 lacks).

- :func:`require_ipywidgets` returns the module, or raises
  :class:`WidgetsUnavailable` (shown in IPython as one line, without a traceback)
  when ipywidgets is missing or older than 7.7;
- :func:`show_with_fallback` makes a widget display with a plain-text
  explanation that front ends without widget support show instead of the widget.
"""

from __future__ import annotations

import re

MIN_VERSION = (7, 7)
INSTALL = '%pip install "ipywidgets>=7.7,<9"'


class WidgetsUnavailable(ImportError):
    """ipywidgets is missing or too old for a live widget.

    IPython shows it as its message alone (``_render_traceback_``), not as a traceback.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


def version_tuple(version: str) -> tuple[int, int]:
    """``"7.7.1"`` -> ``(7, 7)``; ``"8.1.0rc1"`` -> ``(8, 1)``; unreadable -> ``(0, 0)``."""
    numbers = [int(n) for n in re.findall(r"\d+", str(version))[:2]]
    return tuple(numbers + [0] * (2 - len(numbers))) if numbers else (0, 0)


def require_ipywidgets(what: str = "this live widget"):
    """The ``ipywidgets`` module, checked to be version 7.7 or later."""
    try:
        import ipywidgets
    except ImportError:
        raise WidgetsUnavailable(
            f"{what} needs ipywidgets (7.7 or later), which is not installed. Run {INSTALL} and restart "
            "the kernel, or use the browser-computed version, which needs no ipywidgets.") from None
    found = getattr(ipywidgets, "__version__", "unknown")
    if version_tuple(found) < MIN_VERSION:
        raise WidgetsUnavailable(
            f"{what} needs ipywidgets 7.7 or later, this kernel has {found}. Run {INSTALL}, restart the "
            "kernel, or use the browser-computed version, which needs no ipywidgets.")
    return ipywidgets


def fallback_text(what: str) -> str:
    """The text a front end without widget support shows in place of a live widget."""
    return (f"[{what}: a live ipywidgets widget. It needs a running kernel and a front end that shows "
            "widgets (Jupyter Notebook, JupyterLab, Colab). If you are reading this line instead, this "
            "front end cannot show widgets: use the browser-computed version, or open the notebook in "
            "Jupyter or Colab.]")


def widget_bundle(widget, what: str) -> dict:
    """The display data of ``widget``: its view (ipywidgets 7 and 8 both use view version 2.0) and a text fallback."""
    return {
        "text/plain": fallback_text(what),
        "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                     "model_id": widget.model_id},
    }


def display_widget(widget, what: str, **kwargs) -> None:
    """Display ``widget`` with :func:`fallback_text` as its plain-text form (for front ends without widgets)."""
    from IPython.display import display

    display(widget_bundle(widget, what), raw=True)
    handle_displayed = getattr(widget, "_handle_displayed", None)  # ipywidgets 7: on_displayed callbacks
    if callable(handle_displayed):
        handle_displayed(**kwargs)


def show_with_fallback(widget, what: str):
    """Make ``widget`` display through :func:`display_widget`; returns the widget."""
    widget._ipython_display_ = lambda **kwargs: display_widget(widget, what, **kwargs)
    return widget

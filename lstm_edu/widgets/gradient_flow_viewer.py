"""Pictures of gradient flow: heat strips and the gradient-flow viewer widget.

A *heat strip* is one row of cells, one per time step t = 0..T, coloured by
log10 ||dh_T/dh_t||: white where the gradient keeps its size (log10 = 0), blue
where it has vanished, red where it has exploded.  Under it, a line plot gives
the same numbers, with the bound (gamma * sigma_max)**(T - t) dotted.

- :func:`draw_heat_strip` draws a strip on an axes;
- :func:`flow_figure` makes the strip-and-line figure for one measurement;
- :func:`gradient_flow_viewer`: two sliders (the recurrent matrix's largest
  singular value, or any other parameter of your measurement, and the
  sequence length) switching between precomputed figures in the browser
  (a :mod:`lstm_edu.widgets.frames` viewer), so the static HTML book, Jupyter
  and Colab respond without a kernel or ipywidgets;
- :func:`live_gradient_flow`: the same picture recomputed for any value, for a
  running kernel (Jupyter, Colab; ipywidgets 7.7 or 8).

Both widgets take a ``measure(singular_value, T)`` function of your own, which
returns a :class:`lstm_edu.experiments.gradient_flow.GradientFlow` (its ``log10_norms(of)`` is
used) or a (T+1,) array of log10 norms.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import numpy as np

from lstm_edu.experiments.gradient_flow import GradientFlow

CMAP = "RdBu_r"
#: Largest |log10 norm| the colours distinguish (beyond: saturated).
DEFAULT_VLIM = 12.0
#: The y-axis label for each state part.
QUANTITIES = {"h": r"\|\partial h_T/\partial h_t\|", "c": r"\|\partial c_T/\partial c_t\|"}


def _log10_norms(result, of: str, T: int | None = None) -> np.ndarray:
    values = result.log10_norms(of) if isinstance(result, GradientFlow) else np.asarray(result, dtype=np.float64)
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"expected a GradientFlow or a 1-D array of T+1 >= 2 log10 norms, got shape {values.shape}")
    if T is not None and values.size != T + 1:
        raise ValueError(f"measure(singular_value, T={T}) returned {values.size} values, expected T+1 = {T + 1}")
    return values


def draw_heat_strip(ax, log10_norms, *, vlim: float = DEFAULT_VLIM, colorbar: bool = True):
    """Draw one row of cells, t = 0..T, coloured by ``log10_norms`` (a (T+1,) array).

    Colours are clipped to [-vlim, vlim]; -inf (an exactly zero gradient) shows
    as the darkest blue.  Returns the ``AxesImage``.
    """
    values = _log10_norms(log10_norms, "h")
    if not (np.isfinite(vlim) and vlim > 0):
        raise ValueError(f"vlim must be a positive number, got {vlim}")
    shown = np.clip(np.nan_to_num(values, neginf=-vlim, posinf=vlim), -vlim, vlim)
    image = ax.imshow(shown[None, :], aspect="auto", cmap=CMAP, vmin=-vlim, vmax=vlim,
                      extent=(-0.5, values.size - 0.5, 0, 1), interpolation="nearest")
    ax.set_yticks([])
    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax, pad=0.01, fraction=0.04, aspect=8)
        bar.set_label("log$_{10}$ norm", fontsize=8)
        bar.ax.tick_params(labelsize=7)
    return image


class _FlowPlot:
    """The strip-and-line figure, built once and redrawn for each measurement (fast for many frames)."""

    def __init__(self, vlim: float, quantity: str):
        import matplotlib.pyplot as plt

        if not (np.isfinite(vlim) and vlim > 0):
            raise ValueError(f"vlim must be a positive number, got {vlim}")
        self.vlim = vlim
        self.fig, (self.ax_strip, self.ax_line) = plt.subplots(
            2, 1, figsize=(6.6, 2.9), sharex=True, gridspec_kw={"height_ratios": [1, 2.4], "hspace": 0.08})
        self.image = draw_heat_strip(self.ax_strip, np.zeros(2), vlim=vlim, colorbar=False)
        self.title = self.ax_strip.set_title("", fontsize=11)
        self.ax_line.axhline(0, color="#999999", linewidth=0.8)
        (self.bound,) = self.ax_line.plot([], [], ":", color="#555555", label="bound")
        (self.line,) = self.ax_line.plot([], [], color="#c0392b", linewidth=1.8, label="measured")
        self.ax_line.set_ylim(-vlim - 1, vlim + 1)
        self.ax_line.set_xlabel("time step $t$ (the loss is at $t = T$)", fontsize=10)
        self.ax_line.set_ylabel(f"log$_{{10}}$ ${quantity}$", fontsize=10)
        self.ax_line.tick_params(labelsize=9)
        self.ax_line.legend(loc="lower right", fontsize=9, frameon=False)
        self.fig.subplots_adjust(left=0.11, right=0.88, top=0.88, bottom=0.17)
        bar = self.fig.colorbar(self.image, cax=self.fig.add_axes((0.9, 0.17, 0.018, 0.71)))
        bar.set_label("log$_{10}$ norm", fontsize=9)
        bar.ax.tick_params(labelsize=8)

    def update(self, log10_norms, title: str, bound_per_step: float | None) -> None:
        values = _log10_norms(log10_norms, "h")
        T = values.size - 1
        t = np.arange(T + 1)
        shown = np.clip(np.nan_to_num(values, neginf=-self.vlim, posinf=self.vlim), -self.vlim, self.vlim)
        self.image.set_data(shown[None, :])
        self.image.set_extent((-0.5, T + 0.5, 0, 1))
        self.title.set_text(title)
        if bound_per_step is None:
            self.bound.set_data([], [])
        else:
            if not bound_per_step > 0:
                raise ValueError(f"bound_per_step must be positive, got {bound_per_step}")
            self.bound.set_data(t, (T - t) * np.log10(bound_per_step))
        self.line.set_data(t, np.clip(values, -self.vlim - 2, self.vlim + 2))
        self.ax_line.set_xlim(-0.5, T + 0.5)

    def png(self, dpi: int) -> bytes:
        """This frame as an opaque PNG with the record of its smallest font (every frame the same size)."""
        from lstm_edu.figures import FONT_CHUNK, smallest_font_pt

        smallest = smallest_font_pt(self.fig)
        metadata = {FONT_CHUNK: f"{smallest:g}"} if smallest is not None else {}
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", metadata=metadata)
        return buffer.getvalue()


def flow_figure(log10_norms, *, title: str = "", vlim: float = DEFAULT_VLIM, bound_per_step: float | None = None,
                quantity: str = QUANTITIES["h"]):
    """Heat strip above a line plot of log10 norm against t, for one measurement.

    ``log10_norms`` is a (T+1,) array or a GradientFlow (its ``log10_norms("h")``).
    ``bound_per_step`` (e.g. gamma * sigma_max) adds the dotted bound
    ``bound_per_step ** (T - t)``.  Returns the matplotlib Figure.
    """
    plot = _FlowPlot(vlim, quantity)
    plot.update(log10_norms, title, bound_per_step)
    return plot.fig


def _check_values(values, name: str, integer: bool = False, positive: bool = True) -> list:
    values = list(values)
    if not values:
        raise ValueError(f"{name} must not be empty")
    kind = "integers" if integer else "numbers"
    for value in values:
        types = (int, np.integer) if integer else (int, float, np.integer, np.floating)
        if isinstance(value, bool) or not isinstance(value, types) or not np.isfinite(value):
            raise ValueError(f"{name} must hold finite {kind}, got {value!r}")
        if positive and not value > 0:
            raise ValueError(f"{name} must hold positive {kind}, got {value!r}")
    return values


#: Slider label and title text of the first parameter, by default the largest singular value.
SIGMA_DESCRIPTION, SIGMA_LABEL = "σ_max", r"$\sigma_{max}(W_{hh})$"


def _title(label: str, value: float, T: int, log10_first: float, of: str = "h") -> str:
    return (f"{label} = {value:g}, T = {T}:   "
            f"$\\|\\partial {of}_T/\\partial {of}_0\\|$ = $10^{{{log10_first:.1f}}}$")


def _quantity_text(of: str) -> str:
    return f"\u2016\u2202{of}_T/\u2202{of}_t\u2016"


def _number(value: float) -> str:
    return "minus infinity (an exactly zero gradient)" if value == -np.inf else f"{value:.1f}"


def frame_alt(description: str, value: float, T: int, log10_norms, of: str = "h", gamma: float | None = 1.0) -> str:
    """The text alternative of one viewer frame: what is drawn and the numbers it shows."""
    norms = np.asarray(log10_norms, dtype=np.float64)
    text = (f"Gradient flow for {description} = {value:g}, T = {T}: a heat strip (blue where the norm has "
            f"shrunk, red where it has grown) above a line plot of log10 {_quantity_text(of)} against the "
            f"time step t from 0 to {T}. The measured log10 norm is 0 at t = {T} and {_number(norms[0])} at t = 0")
    if gamma is not None:
        text += f"; a dotted line shows the bound ({gamma:g} \u00d7 {value:g})^(T \u2212 t)"
    return text + "."


def gradient_flow_viewer(measure: Callable, singular_values: Sequence[float], lengths: Sequence[int], *,
                         of: str = "h", gamma: float | None = 1.0, vlim: float = DEFAULT_VLIM, dpi: int = 60,
                         description: str = SIGMA_DESCRIPTION, label: str = SIGMA_LABEL):
    """Two sliders, sigma_max and T, switching between precomputed heat strips in the browser.

    ``measure(singular_value, T)`` returns a GradientFlow or T+1 log10 norms
    (of the state part ``of``: "h", or "c" for an LSTM).  ``gamma`` (1 for tanh,
    1/4 for the sigmoid, None for no bound) draws the bound
    (gamma * sigma_max)**(T - t).  The first slider may stand for any other
    parameter (say an LSTM's forget-gate bias): pass ``gamma=None`` and its
    slider ``description`` and title ``label``.  Renders
    ``len(singular_values) * len(lengths)`` figures at ``dpi``: keep both lists
    short.  Returns a :class:`lstm_edu.widgets.frames.FrameViewer` (class
    ``lstm-edu-gradflow``; no kernel, no ipywidgets) with ``.log10_norms[i][j]``;
    each frame's text alternative (:func:`frame_alt`) states its numbers.
    """
    from lstm_edu.widgets.frames import frame_grid

    # a bound (gamma * value)**(T - t) needs positive values; other parameters may be anything
    singular_values = _check_values(singular_values, "singular_values", positive=gamma is not None)
    lengths = _check_values(lengths, "lengths", integer=True)
    if not callable(measure):
        raise TypeError("measure must be a function measure(singular_value, T)")
    import matplotlib.pyplot as plt

    plot = _FlowPlot(vlim, QUANTITIES.get(of, QUANTITIES["h"]))
    table, frames, alts = [], [], []
    try:
        for value in singular_values:
            row_values, row_frames, row_alts = [], [], []
            for T in lengths:
                norms = _log10_norms(measure(value, T), of, T)
                bound = None if gamma is None else gamma * value
                plot.update(norms, _title(label, value, T, norms[0], of), bound)
                row_values.append(norms)
                row_frames.append(plot.png(dpi))
                row_alts.append(frame_alt(description, value, T, norms, of, gamma))
            table.append(row_values)
            frames.append(row_frames)
            alts.append(row_alts)
    finally:
        plt.close(plot.fig)
    viewer = frame_grid(frames, descriptions=(description, "T"), alts=alts, css_class="lstm-edu-gradflow",
                        labels=([f"{v:g}" for v in singular_values], [str(T) for T in lengths]))
    viewer.log10_norms = table
    return viewer


def live_gradient_flow(measure: Callable, *, singular_value=(0.2, 3.0, 0.05), lengths=(5, 200, 5),
                       of: str = "h", gamma: float | None = 1.0, vlim: float = DEFAULT_VLIM,
                       description: str = SIGMA_DESCRIPTION, label: str = SIGMA_LABEL):
    """The viewer for a running kernel: any sigma_max and T, recomputed on release of a slider.

    ``singular_value`` and ``lengths`` are (min, max, step); the other options
    are those of :func:`gradient_flow_viewer`.  Returns an
    ``ipywidgets.interactive`` (display it, or call ``.update()``); it works with
    ipywidgets 7.7 and 8, and a front end without widget support shows a line
    saying so.  In the static HTML book it would not respond: use
    :func:`gradient_flow_viewer` there.
    """
    from lstm_edu.widgets.live import require_ipywidgets, show_with_fallback

    if not callable(measure):
        raise TypeError("measure must be a function measure(singular_value, T)")
    low, high, step = singular_value
    t_low, t_high, t_step = lengths
    widgets = require_ipywidgets("live_gradient_flow")
    import matplotlib.pyplot as plt

    def show(sigma_max, T):
        norms = _log10_norms(measure(sigma_max, T), of, T)
        flow_figure(norms, title=_title(label, sigma_max, T, norms[0], of), vlim=vlim,
                    quantity=QUANTITIES.get(of, QUANTITIES["h"]),
                    bound_per_step=None if gamma is None else gamma * sigma_max)
        plt.show()

    sigma = widgets.FloatSlider(value=min(max(1.0, low), high), min=low, max=high, step=step,
                                description=description, continuous_update=False)
    length = widgets.IntSlider(value=min(max(100, t_low), t_high), min=t_low, max=t_high, step=t_step,
                               description="T", continuous_update=False)
    live = widgets.interactive(show, sigma_max=sigma, T=length)
    return show_with_fallback(live, "live_gradient_flow (gradient norms recomputed in the kernel)")


__all__ = ["draw_heat_strip", "flow_figure", "frame_alt", "gradient_flow_viewer", "live_gradient_flow"]

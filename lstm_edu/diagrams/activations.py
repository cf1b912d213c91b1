"""Activation functions and their derivatives with respect to their input, with a plot.

The recurrent cells themselves use :mod:`lstm_edu.scratch.activations`, whose
derivatives are written in terms of the *output* (what a backward pass has at
hand).  This module is the reference table for the background section of
chapter 1: each function and its slope as a function of the pre-activation a,

==============  ==========================  ==========================  ===========  ==========
name            f(a)                        f'(a)                       sup |f'|     range
==============  ==========================  ==========================  ===========  ==========
``sigmoid``     1 / (1 + e^-a)              f(a) (1 - f(a))             1/4 at 0     (0, 1)
``tanh``        (e^a - e^-a)/(e^a + e^-a)   1 - f(a)^2                  1 at 0       (-1, 1)
``relu``        max(a, 0)                   1 if a > 0 else 0           1            [0, inf)
``leaky_relu``  a if a > 0 else s a         1 if a > 0 else s           1            (-inf, inf)
==============  ==========================  ==========================  ===========  ==========

At a = 0, where ReLU and leaky ReLU have no derivative, the slopes follow
PyTorch's autograd: 0 for ReLU, s for leaky ReLU.  PyTorch's default negative
slope s is 0.01.

::

    from lstm_edu.diagrams.activations import ACTIVATIONS, plot_activations
    ACTIVATIONS["sigmoid"].slope(0.0)      # 0.25
    fig = plot_activations()               # functions on the left, slopes on the right
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lstm_edu.scratch.activations import relu, sigmoid, tanh

#: PyTorch's default negative slope for ``torch.nn.LeakyReLU``.
LEAKY_SLOPE = 0.01


def _float_array(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def sigmoid_slope(a) -> np.ndarray:
    """sigmoid'(a) = s (1 - s) with s = sigmoid(a); at most 1/4 (at a = 0)."""
    s = sigmoid(_float_array(a))
    return s * (1 - s)


def tanh_slope(a) -> np.ndarray:
    """tanh'(a) = 1 - tanh(a)**2; at most 1 (at a = 0)."""
    t = np.tanh(_float_array(a))
    return 1 - t * t


def relu_slope(a) -> np.ndarray:
    """relu'(a) = 1 for a > 0, else 0 (0 at a = 0, like PyTorch)."""
    return (_float_array(a) > 0).astype(np.float64)


def _check_slope(negative_slope: float) -> float:
    if not isinstance(negative_slope, (int, float, np.floating)) or not np.isfinite(negative_slope):
        raise ValueError(f"negative_slope must be a finite number, got {negative_slope!r}")
    return float(negative_slope)


def leaky_relu(a, negative_slope: float = LEAKY_SLOPE) -> np.ndarray:
    """a for a > 0, negative_slope * a otherwise (``torch.nn.functional.leaky_relu``)."""
    a = _float_array(a)
    return np.where(a > 0, a, _check_slope(negative_slope) * a)


def leaky_relu_slope(a, negative_slope: float = LEAKY_SLOPE) -> np.ndarray:
    """1 for a > 0, negative_slope otherwise (negative_slope at a = 0, like PyTorch)."""
    a = _float_array(a)
    return np.where(a > 0, 1.0, _check_slope(negative_slope))


@dataclass(frozen=True)
class Activation:
    """One activation: the function, its slope f'(a), sup |f'| and its range as text."""

    name: str
    function: Callable[[np.ndarray], np.ndarray]
    slope: Callable[[np.ndarray], np.ndarray]
    max_slope: float
    output_range: str


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", lambda a: sigmoid(_float_array(a)), sigmoid_slope, 0.25, "(0, 1)"),
    "tanh": Activation("tanh", lambda a: tanh(_float_array(a)), tanh_slope, 1.0, "(-1, 1)"),
    "relu": Activation("relu", lambda a: relu(_float_array(a)), relu_slope, 1.0, "[0, inf)"),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_slope, 1.0, "(-inf, inf)"),
}


_LOOKS = {
    "sigmoid": {"linestyle": "-"},
    "tanh": {"linestyle": "-."},
    "relu": {"linestyle": "-", "marker": "s", "markersize": 4, "markevery": 80},
    "leaky_relu": {"linestyle": "--"},
}
_SLOPE_WORDS = {
    "sigmoid": "the sigmoid's slope is a bump that peaks at 0.25 at a = 0",
    "tanh": "tanh's slope is a bump that peaks at 1 at a = 0",
    "relu": "ReLU's slope steps from 0 to 1 at a = 0",
    "leaky_relu": "leaky ReLU's slope steps from {s:g} to 1 at a = 0",
}
_NAME_WORDS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leaky ReLU (slope {s:g})"}


def activations_alt(names: Sequence[str], negative_slope: float, limit: float) -> str:
    """The text alternative of :func:`plot_activations`: what its two panels show, in words."""
    named = [_NAME_WORDS[name].format(s=negative_slope) for name in names]
    slopes = [_SLOPE_WORDS[name].format(s=negative_slope) for name in names]
    listed = ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else named[0]
    return (f"Two line plots over the pre-activation a from {-limit:g} to {limit:g}. Left: the functions "
            f"{listed}. Right: their slopes f'(a); " + "; ".join(slopes) + ", so only near a = 0 "
            "do the squashing functions pass a gradient on undiminished.")


def plot_activations(names: Sequence[str] = ("sigmoid", "tanh", "relu", "leaky_relu"), *,
                     negative_slope: float = 0.1, limit: float = 4.0, alt: str | None = None):
    """Two panels: the functions on the left, their slopes on the right, over [-limit, limit].

    ``negative_slope`` is used for the leaky ReLU (0.1 by default, so that it is
    visible; PyTorch's default is 0.01).  Returns the matplotlib Figure, drawn in the
    book's style, with ``alt`` (default: :func:`activations_alt`) as its text alternative.
    """
    import matplotlib.pyplot as plt

    from lstm_edu.figures import set_alt, style as book_style

    unknown = [name for name in names if name not in ACTIVATIONS]
    if unknown or not names:
        raise ValueError(f"names must be a non-empty selection of {sorted(ACTIVATIONS)}, got {list(names)}")
    if not (np.isfinite(limit) and limit > 0):
        raise ValueError(f"limit must be a positive number, got {limit}")
    negative_slope = _check_slope(negative_slope)
    a = np.linspace(-limit, limit, 801)
    with book_style():
        fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(9, 3.4))
    for name in names:
        activation = ACTIVATIONS[name]
        if name == "leaky_relu":
            f, d = leaky_relu(a, negative_slope), leaky_relu_slope(a, negative_slope)
            label = f"leaky ReLU (slope {negative_slope:g})"
        else:
            f, d = activation.function(a), activation.slope(a)
            label = {"relu": "ReLU"}.get(name, name)
        # each function has its own line style (and ReLU square markers), so that the lines differ
        # without colour; leaky ReLU is dashed, so that ReLU shows where the two coincide
        look = _LOOKS[name]
        short = {"relu": "ReLU", "leaky_relu": "leaky ReLU"}.get(name, name)
        (line,) = ax_f.plot(a, f, label=label, linewidth=2, **look)
        ax_d.plot(a, d, color=line.get_color(), linewidth=2, label=f"{short}: max {activation.max_slope:g}", **look)
    for ax, title in ((ax_f, "$f(a)$"), (ax_d, "slope $f'(a)$")):
        ax.axhline(0, color="#999999", linewidth=0.8)
        ax.axvline(0, color="#999999", linewidth=0.8)
        ax.set_xlabel("pre-activation $a$")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    ax_f.set_ylim(-1.5, 2.5)
    ax_d.set_ylim(-0.1, 1.6)
    ax_f.legend(fontsize=9, loc="upper left")
    ax_d.legend(fontsize=9, loc="upper left", ncol=2)  # above the data: room made by the y limit
    fig.tight_layout()
    set_alt(fig, activations_alt(names, negative_slope, limit) if alt is None else alt)
    return fig


__all__ = ["ACTIVATIONS", "Activation", "activations_alt", "LEAKY_SLOPE", "leaky_relu", "leaky_relu_slope", "plot_activations",
           "relu_slope", "sigmoid_slope", "tanh_slope"]

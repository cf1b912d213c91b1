"""Heat strips and the gradient-flow viewer widget (lstm_edu.widgets.gradient_flow_viewer)."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lstm_edu.experiments.gradient_flow import gradient_flow, scaled_orthogonal  # noqa: E402
from lstm_edu.widgets.gradient_flow_viewer import (  # noqa: E402
    draw_heat_strip,
    flow_figure,
    frame_alt,
    gradient_flow_viewer,
    live_gradient_flow,
)
from lstm_edu.widgets.live import widget_bundle  # noqa: E402


def linear_measure(singular_value, T):
    """A linear RNN with an orthogonal W scaled to sigma: log10 norm = (T - t) log10 sigma exactly."""
    W = scaled_orthogonal(3, singular_value, 0)
    return gradient_flow(lambda x, h: W @ h, np.zeros((T, 1)), np.zeros(3))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_heat_strip_colours_clip_and_mark_zero_gradients():
    _, ax = plt.subplots()
    image = draw_heat_strip(ax, np.array([-np.inf, -30.0, 0.0, 3.0]), vlim=10, colorbar=False)
    np.testing.assert_array_equal(image.get_array()[0], [-10, -10, 0, 3])
    assert image.get_clim() == (-10, 10)


def test_flow_figure_draws_measurement_and_bound():
    flow = linear_measure(0.5, 20)
    fig = flow_figure(flow, title="demo", bound_per_step=0.5)
    line_axes = fig.axes[1]
    bound, measured = line_axes.lines[1], line_axes.lines[2]
    np.testing.assert_allclose(measured.get_ydata(), flow.log10_norms("h"))
    np.testing.assert_allclose(bound.get_ydata(), measured.get_ydata(), atol=1e-9)  # orthogonal: bound is tight
    assert fig.axes[0].get_title() == "demo"


def test_viewer_precomputes_one_frame_per_pair_behind_two_named_sliders():
    values, lengths = [0.5, 1.0, 2.0], [5, 10]
    viewer = gradient_flow_viewer(linear_measure, values, lengths, dpi=30)
    page = viewer._repr_html_()
    assert "lstm-edu-gradflow" in page and viewer.shape == (3, 2)
    sigma, length = viewer.axes
    assert sigma.name == "σ_max" and sigma.labels == ("0.5", "1", "2") and length.labels == ("5", "10")
    assert re.findall(r'<input type="range"[^>]*aria-label="([^"]*)"', page) == ["σ_max", "T"]
    frames = [bytes(frame) for frame in viewer.frames]
    assert all(png.startswith(b"\x89PNG") for png in frames) and len(set(frames)) == 6
    assert len(re.findall(r"<img ", page)) == 6
    # each frame's text alternative states its parameters and the measured number at t = 0
    assert viewer.alts[viewer.frame_index(2, 1)].startswith("Gradient flow for σ_max = 2, T = 10:")
    assert f"{10 * np.log10(2.0):.1f} at t = 0" in viewer.alts[viewer.frame_index(2, 1)]
    assert "dotted line shows the bound (1 × 2)^(T − t)" in viewer.alts[viewer.frame_index(2, 1)]
    for i, value in enumerate(values):
        for j, T in enumerate(lengths):
            np.testing.assert_allclose(viewer.log10_norms[i][j], (T - np.arange(T + 1)) * np.log10(value), atol=1e-9)


def test_frame_alt_names_a_vanished_gradient_and_omits_a_missing_bound():
    text = frame_alt("forget bias", -2.0, 4, [-np.inf, -3, -2, -1, 0], of="c", gamma=None)
    assert "forget bias = -2, T = 4" in text and "‖∂c_T/∂c_t‖" in text
    assert "minus infinity (an exactly zero gradient) at t = 0" in text and "bound" not in text


def test_viewer_accepts_plain_arrays_and_checks_their_length():
    viewer = gradient_flow_viewer(lambda s, T: np.zeros(T + 1), [1.0], [4], gamma=None, dpi=30)
    assert len(viewer.log10_norms[0][0]) == 5 and "bound" not in viewer.alts[0]
    with pytest.raises(ValueError, match="T\\+1"):
        gradient_flow_viewer(lambda s, T: np.zeros(T), [1.0], [4], dpi=30)


@pytest.mark.parametrize("kwargs", [dict(singular_values=[]), dict(singular_values=[-1.0]),
                                    dict(lengths=[2.5]), dict(lengths=[0])])
def test_viewer_rejects_bad_grids(kwargs):
    options = dict(singular_values=[1.0], lengths=[3])
    options.update(kwargs)
    with pytest.raises(ValueError):
        gradient_flow_viewer(linear_measure, **options)


def test_live_version_recomputes_for_any_value():
    calls = []

    def measure(s, T):
        calls.append((s, T))
        return linear_measure(s, T)

    live = live_gradient_flow(measure, singular_value=(0.5, 2.0, 0.1), lengths=(5, 50, 5))
    assert isinstance(live, widgets.interactive)
    assert "cannot show widgets" in widget_bundle(live, "x")["text/plain"]
    assert callable(live._ipython_display_)  # displays with the plain-text fallback
    live.children[0].value = 1.3
    live.update()
    assert calls[-1] == (pytest.approx(1.3), 50)
    with pytest.raises(TypeError):
        live_gradient_flow("not a function")


def test_viewer_can_sweep_another_parameter_of_an_lstm():
    import torch

    def measure(forget_bias, T):
        torch.manual_seed(0)
        lstm = torch.nn.LSTM(1, 4)
        with torch.no_grad():
            lstm.bias_ih_l0[4:8] = forget_bias
        return gradient_flow(lstm, torch.zeros(T, 1))

    viewer = gradient_flow_viewer(measure, [-2.0, 3.0], [6], of="c", gamma=None, dpi=30,
                                  description="forget bias", label="forget bias")
    assert viewer.axes[0].name == "forget bias" and 'aria-label="forget bias"' in viewer.html
    closed, open_ = viewer.log10_norms[0][0], viewer.log10_norms[1][0]
    assert open_[0] > closed[0]  # a forget gate near 1 keeps the cell's gradient

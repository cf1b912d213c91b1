"""Heat strips and the gradient-flow viewer widget (lstm_edu.widgets.gradient_flow_viewer)."""

from __future__ import annotations

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
    gradient_flow_viewer,
    live_gradient_flow,
)


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


def test_viewer_precomputes_one_frame_per_pair_and_links_both_controls():
    values, lengths = [0.5, 1.0, 2.0], [5, 10]
    box = gradient_flow_viewer(linear_measure, values, lengths, dpi=30)
    assert "lstm-edu-gradflow" in box._dom_classes
    sigma, length = box.controls
    assert isinstance(sigma, widgets.SelectionSlider) and sigma.description == "σ_max"
    assert [label for label, _ in sigma.options] == ["0.5", "1", "2"]
    assert [label for label, _ in length.options] == ["5", "10"]
    outer = box.children[-1]
    assert len(outer.children) == 3 and all(len(stack.children) == 2 for stack in outer.children)
    frames = [bytes(image.value) for stack in outer.children for image in stack.children]
    assert all(png.startswith(b"\x89PNG") for png in frames) and len(set(frames)) == 6
    assert len(box.links) == 1 + 3
    for i, value in enumerate(values):
        for j, T in enumerate(lengths):
            np.testing.assert_allclose(box.log10_norms[i][j], (T - np.arange(T + 1)) * np.log10(value), atol=1e-9)


def test_viewer_accepts_plain_arrays_and_checks_their_length():
    box = gradient_flow_viewer(lambda s, T: np.zeros(T + 1), [1.0], [4], gamma=None, dpi=30)
    assert len(box.log10_norms[0][0]) == 5
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

    box = gradient_flow_viewer(measure, [-2.0, 3.0], [6], of="c", gamma=None, dpi=30,
                               description="forget bias", label="forget bias")
    assert box.controls[0].description == "forget bias"
    closed, open_ = box.log10_norms[0][0], box.log10_norms[1][0]
    assert open_[0] > closed[0]  # a forget gate near 1 keeps the cell's gradient

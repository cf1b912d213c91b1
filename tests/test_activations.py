"""Activation functions and their slopes (lstm_edu.diagrams.activations) against torch autograd."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lstm_edu.diagrams.activations import ACTIVATIONS, leaky_relu, leaky_relu_slope, plot_activations  # noqa: E402

GRID = np.concatenate([np.linspace(-6, 6, 49), [0.0, -1e-9, 1e-9, -40.0, 40.0]])
TORCH = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": torch.nn.functional.leaky_relu,  # default negative_slope 0.01
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_function_and_slope_match_torch_autograd(name):
    a = torch.tensor(GRID, requires_grad=True)
    y = TORCH[name](a)
    y.sum().backward()
    activation = ACTIVATIONS[name]
    np.testing.assert_allclose(activation.function(GRID), y.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(activation.slope(GRID), a.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_max_slope_is_the_supremum_on_a_fine_grid(name):
    slopes = ACTIVATIONS[name].slope(np.linspace(-10, 10, 20001))
    assert slopes.max() == pytest.approx(ACTIVATIONS[name].max_slope)


def test_sigmoid_slope_is_a_quarter_at_zero_and_tiny_in_the_tails():
    slope = ACTIVATIONS["sigmoid"].slope
    assert slope(0.0) == 0.25
    assert slope(10.0) < 5e-5 and slope(-10.0) < 5e-5


def test_leaky_relu_negative_slope_is_a_parameter():
    np.testing.assert_allclose(leaky_relu([-2.0, 3.0], 0.2), [-0.4, 3.0])
    np.testing.assert_allclose(leaky_relu_slope([-2.0, 0.0, 3.0], 0.2), [0.2, 0.2, 1.0])
    with pytest.raises(ValueError):
        leaky_relu([1.0], float("nan"))


def test_plot_has_functions_and_slopes():
    fig = plot_activations(("sigmoid", "leaky_relu"))
    ax_f, ax_d = fig.axes
    assert len(ax_f.lines) == len(ax_d.lines) == 2 + 2  # two curves and two axis lines each
    assert "max 0.25" in ax_d.get_legend().get_texts()[0].get_text()
    plt.close(fig)
    with pytest.raises(ValueError):
        plot_activations(("softplus",))
    with pytest.raises(ValueError):
        plot_activations(limit=0)

"""lstm_edu.scratch.gradcheck: numerical gradients, relative errors and the layer check."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_edu.scratch.gradcheck import (
    check_layer_gradients,
    compare_gradients,
    numerical_gradient,
    numerical_param_gradients,
    relative_error,
)
from lstm_edu.scratch import GRU, LSTM


def test_scalar_function_gradient():
    x = np.array([[0.5, -1.0], [2.0, 0.1]])
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)


def test_array_function_with_upstream_gradient():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((3, 4))
    x = rng.standard_normal((2, 3))
    dy = rng.standard_normal((2, 4))
    grad = numerical_gradient(lambda v: np.tanh(v @ W), x, dy)
    expected = (dy * (1 - np.tanh(x @ W) ** 2)) @ W.T
    assert relative_error(grad, expected) < 1e-9


def test_perturbation_is_in_place_and_restored_exactly():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(5)
    original = x.copy()
    params = {"w": x}
    seen = []

    def loss(_):  # reads x through the dict, not through its argument
        seen.append(params["w"].copy())
        return float(np.sum(params["w"] ** 2))

    grad = numerical_gradient(loss, x, h=1e-4)
    np.testing.assert_array_equal(x, original)  # bit for bit
    np.testing.assert_allclose(grad, 2 * original, rtol=1e-8)
    assert any(not np.array_equal(s, original) for s in seen)


def test_numerical_gradient_argument_checks():
    with pytest.raises(TypeError, match="numpy array"):
        numerical_gradient(np.sum, [1.0, 2.0])
    with pytest.raises(TypeError, match="floating-point"):
        numerical_gradient(np.sum, np.arange(3))
    with pytest.raises(ValueError, match="h must be a positive"):
        numerical_gradient(np.sum, np.ones(3), h=0)
    with pytest.raises(ValueError, match="pass df"):
        numerical_gradient(lambda v: v * 2, np.ones(3))
    with pytest.raises(ValueError, match="df has shape"):
        numerical_gradient(lambda v: v * 2, np.ones(3), df=np.ones(4))


def test_relative_error():
    a = np.array([1.0, 2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(a, a * (1 + 1e-9)) == pytest.approx(0.5e-9, rel=1e-3)
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.ones(2), np.ones(3))


def test_a_wrong_gradient_is_caught():
    """A classic bug: forgetting the tanh slope. The check must flag it loudly."""
    rng = np.random.default_rng(2)
    W = rng.standard_normal((3, 3))
    x = rng.standard_normal((4, 3))
    dy = rng.standard_normal((4, 3))
    wrong = dy @ W.T  # missing * (1 - tanh^2)
    right = (dy * (1 - np.tanh(x @ W) ** 2)) @ W.T
    numerical = numerical_gradient(lambda v: np.tanh(v @ W), x, dy)
    assert relative_error(right, numerical) < 1e-8
    assert relative_error(wrong, numerical) > 1e-2


def test_param_dict_helpers():
    params = {"a": np.array([1.0, 2.0]), "b": np.array([[3.0]])}
    numerical = numerical_param_gradients(lambda: float(np.sum(params["a"] ** 2) * params["b"][0, 0]), params)
    analytic = {"a": 2 * params["a"] * 3.0, "b": np.array([[5.0]])}
    errors = compare_gradients(analytic, numerical)
    assert set(errors) == {"a", "b"} and max(errors.values()) < 1e-9
    with pytest.raises(ValueError, match="different keys"):
        compare_gradients({"a": 1}, {"b": 1})


def test_check_layer_gradients_flags_a_broken_backward():
    layer = GRU(2, 3, seed=0)
    x = np.random.default_rng(3).standard_normal((3, 2, 2))
    assert max(check_layer_gradients(layer, x).values()) < 1e-7

    original_backward = layer.backward

    def broken_backward(d_outputs, d_state=None):
        result = original_backward(d_outputs, d_state)
        layer.grads["weight_hh"] = layer.grads["weight_hh"] * 1.01  # a 1% error
        return result

    layer.backward = broken_backward
    errors = check_layer_gradients(layer, x)
    assert errors["weight_hh"] > 1e-3
    assert errors["weight_ih"] < 1e-7


def test_check_layer_gradients_needs_float64_and_leaves_the_layer_unchanged():
    with pytest.raises(TypeError, match="float64"):
        check_layer_gradients(LSTM(2, 2, dtype=np.float32), np.zeros((2, 1, 2), np.float32))
    layer = LSTM(2, 2, seed=1)
    before = {k: v.copy() for k, v in layer.params.items()}
    x = np.random.default_rng(4).standard_normal((2, 1, 2))
    x_before = x.copy()
    check_layer_gradients(layer, x)
    for name in before:
        np.testing.assert_array_equal(layer.params[name], before[name])
    np.testing.assert_array_equal(x, x_before)

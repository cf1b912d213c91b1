"""The single-step functions of lstm_edu.scratch: gradient checks, equality with torch cells, activations."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lstm_edu.scratch.gradcheck import numerical_gradient, relative_error
from lstm_edu.scratch import (
    gru_step_backward,
    gru_step_forward,
    lstm_step_backward,
    lstm_step_forward,
    relu_grad_from_output,
    rnn_step_backward,
    rnn_step_forward,
    sigmoid,
    sigmoid_grad_from_output,
    tanh_grad_from_output,
)
from lstm_edu.scratch.activations import sigmoid_inplace

GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}
B, D, H = 3, 4, 5


def random_params(kind: str, rng, input_size=D, hidden_size=H, scale=0.5) -> dict:
    rows = GATES[kind] * hidden_size
    return {
        "weight_ih": rng.uniform(-scale, scale, (rows, input_size)),
        "weight_hh": rng.uniform(-scale, scale, (rows, hidden_size)),
        "bias_ih": rng.uniform(-scale, scale, rows),
        "bias_hh": rng.uniform(-scale, scale, rows),
    }


def step_forward(kind, x, states, params, **options):
    """Uniform wrapper: returns (list of new states, cache)."""
    if kind == "LSTM":
        h, c, cache = lstm_step_forward(x, states[0], states[1], params)
        return [h, c], cache
    function = rnn_step_forward if kind == "RNN" else gru_step_forward
    h, cache = function(x, states[0], params, **options)
    return [h], cache


def step_backward(kind, d_states, cache):
    """Uniform wrapper: returns (dx, list of state gradients, dparams)."""
    if kind == "LSTM":
        dx, dh, dc, dparams = lstm_step_backward(d_states[0], d_states[1], cache)
        return dx, [dh, dc], dparams
    function = rnn_step_backward if kind == "RNN" else gru_step_backward
    dx, dh, dparams = function(d_states[0], cache)
    return dx, [dh], dparams


CASES = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]


@pytest.mark.parametrize("kind, options", CASES, ids=["rnn-tanh", "rnn-relu", "lstm", "gru"])
def test_step_gradients_match_centred_differences(kind, options):
    rng = np.random.default_rng(1)
    params = random_params(kind, rng)
    x = rng.standard_normal((B, D))
    states = [rng.standard_normal((B, H)) for _ in range(2 if kind == "LSTM" else 1)]
    new_states, cache = step_forward(kind, x, states, params, **options)
    d_states = [rng.standard_normal(s.shape) for s in new_states]
    dx, d_prev, dparams = step_backward(kind, d_states, cache)

    def loss(_=None):
        outs, _ = step_forward(kind, x, states, params, **options)
        return sum(np.sum(o * d) for o, d in zip(outs, d_states))

    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-7
    for state, grad in zip(states, d_prev):
        assert relative_error(grad, numerical_gradient(loss, state)) < 1e-7
    assert set(dparams) == set(params)
    for name, array in params.items():
        assert dparams[name].shape == array.shape
        assert relative_error(dparams[name], numerical_gradient(loss, array)) < 1e-7, name


@pytest.mark.parametrize("kind, options", CASES, ids=["rnn-tanh", "rnn-relu", "lstm", "gru"])
def test_steps_equal_torch_cells(kind, options):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    cell_class = {"RNN": torch.nn.RNNCell, "LSTM": torch.nn.LSTMCell, "GRU": torch.nn.GRUCell}[kind]
    cell = cell_class(D, H, dtype=torch.float64, **options)
    params = {name: getattr(cell, name).detach().numpy().copy() for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    x = torch.randn(B, D, dtype=torch.float64, requires_grad=True)
    states = [torch.randn(B, H, dtype=torch.float64, requires_grad=True) for _ in range(2 if kind == "LSTM" else 1)]
    outs = cell(x, tuple(states) if kind == "LSTM" else states[0])
    outs = list(outs) if kind == "LSTM" else [outs]
    d_states = [torch.randn_like(o) for o in outs]
    sum((o * d).sum() for o, d in zip(outs, d_states)).backward()

    new_states, cache = step_forward(kind, x.detach().numpy(), [s.detach().numpy() for s in states], params, **options)
    dx, d_prev, dparams = step_backward(kind, [d.numpy() for d in d_states], cache)
    for mine, theirs in zip(new_states, outs):
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(dx, x.grad.numpy(), rtol=0, atol=1e-12)
    for mine, state in zip(d_prev, states):
        np.testing.assert_allclose(mine, state.grad.numpy(), rtol=0, atol=1e-12)
    for name in params:
        np.testing.assert_allclose(dparams[name], getattr(cell, name).grad.numpy(), rtol=0, atol=1e-12)


def test_lstm_gate_order_is_i_f_g_o():
    """Saturate each block: i open, f closed, g = +1, o closed.  Only the order i, f, g, o
    gives c_next = 1 and h_next = 0 (with i, f, o, g the cell would get g = -1)."""
    rng = np.random.default_rng(2)
    params = {name: np.zeros_like(value) for name, value in random_params("LSTM", rng).items()}
    params["bias_ih"][:] = np.repeat([50.0, -50.0, 50.0, -50.0], H)
    c_prev = rng.standard_normal((B, H))
    h_next, c_next, _ = lstm_step_forward(np.zeros((B, D)), np.zeros((B, H)), c_prev, params)
    np.testing.assert_allclose(c_next, 1.0, atol=1e-12)
    np.testing.assert_allclose(h_next, 0.0, atol=1e-12)


def test_gru_update_gate_one_keeps_the_state():
    rng = np.random.default_rng(3)
    params = random_params("GRU", rng)
    params["bias_ih"][H : 2 * H] = 60.0  # z = 1
    h_prev = rng.standard_normal((B, H))
    h_next, _ = gru_step_forward(rng.standard_normal((B, D)), h_prev, params)
    np.testing.assert_allclose(h_next, h_prev, atol=1e-12)


def test_sigmoid_is_stable_and_accurate():
    a = np.array([-1000.0, -700.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail the test
        s = sigmoid(a)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[4] == 0.5
    # full relative precision in the far negative tail, where 1/(1+exp(-a)) overflows
    np.testing.assert_allclose(s[1:3], np.exp(a[1:3]) / (1 + np.exp(a[1:3])), rtol=1e-14)
    np.testing.assert_allclose(s[3:7], 1 / (1 + np.exp(-a[3:7])), rtol=1e-15)
    assert sigmoid(np.float32(-100.0)).dtype == np.float32


def test_sigmoid_inplace_matches_sigmoid():
    a = np.random.default_rng(4).normal(scale=10, size=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sigmoid_inplace(a.copy())
    np.testing.assert_allclose(out, sigmoid(a), rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    "function, slope",
    [(sigmoid, sigmoid_grad_from_output), (np.tanh, tanh_grad_from_output), (lambda a: np.maximum(a, 0), relu_grad_from_output)],
    ids=["sigmoid", "tanh", "relu"],
)
def test_activation_slopes_from_outputs(function, slope):
    a = np.array([-3.0, -0.4, 0.3, 2.5])
    numerical = (function(a + 1e-6) - function(a - 1e-6)) / 2e-6
    np.testing.assert_allclose(slope(function(a)), numerical, rtol=1e-8, atol=1e-10)

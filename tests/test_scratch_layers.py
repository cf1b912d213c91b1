"""The sequence layers RNN, LSTM, GRU (and Linear): gradient checks, agreement with the
step functions, float32, initialisation, and the details of the forward/backward contract."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_edu.scratch.gradcheck import check_layer_gradients, numerical_gradient, relative_error
from lstm_edu.scratch import (
    GRU,
    LSTM,
    RNN,
    Linear,
    gru_step_backward,
    gru_step_forward,
    lstm_step_backward,
    lstm_step_forward,
    rnn_step_backward,
    rnn_step_forward,
)

LAYERS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}
GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def make_layer(kind, input_size, hidden_size, **options):
    if kind == "RNN-relu":
        return RNN(input_size, hidden_size, nonlinearity="relu", **options)
    return LAYERS[kind](input_size, hidden_size, **options)


def random_state(layer, batch, rng):
    parts = [rng.standard_normal((batch, layer.hidden_size)) for _ in layer.state_names]
    return parts[0] if len(parts) == 1 else tuple(parts)


def as_list(state):
    return list(state) if isinstance(state, tuple) else [state]


KINDS = ["RNN", "RNN-relu", "LSTM", "GRU"]


@pytest.mark.parametrize("kind", KINDS)
def test_layer_gradients_match_centred_differences(kind):
    rng = np.random.default_rng(0)
    layer = make_layer(kind, 3, 4, seed=1)
    x = rng.standard_normal((5, 2, 3))
    errors = check_layer_gradients(layer, x, random_state(layer, 2, rng))
    expected = {"x", *(f"{n}0" for n in layer.state_names), "weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    assert set(errors) == expected
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_layer_gradients_with_zero_initial_state(kind):
    layer = make_layer(kind, 2, 3, seed=2)
    x = np.random.default_rng(1).standard_normal((3, 2, 2))
    errors = check_layer_gradients(layer, x)
    assert max(errors.values()) < 1e-7, errors


def run_step_functions(kind, params, x, state, d_outputs, d_state):
    """The same sequence computation written with the reference step functions."""
    options = {"nonlinearity": "relu"} if kind == "RNN-relu" else {}
    states, caches, outputs = as_list(state), [], []
    for x_t in x:
        if kind == "LSTM":
            h, c, cache = lstm_step_forward(x_t, states[0], states[1], params)
            states = [h, c]
        elif kind == "GRU":
            h, cache = gru_step_forward(x_t, states[0], params)
            states = [h]
        else:
            h, cache = rnn_step_forward(x_t, states[0], params, **options)
            states = [h]
        caches.append(cache)
        outputs.append(h)
    final = states
    grads = {name: np.zeros_like(p) for name, p in params.items()}
    d_states = [d.copy() for d in as_list(d_state)]
    dx = np.zeros_like(x)
    for t in reversed(range(len(x))):
        d_states[0] = d_states[0] + d_outputs[t]
        if kind == "LSTM":
            dx[t], dh, dc, dparams = lstm_step_backward(d_states[0], d_states[1], caches[t])
            d_states = [dh, dc]
        else:
            backward = gru_step_backward if kind == "GRU" else rnn_step_backward
            dx[t], dh, dparams = backward(d_states[0], caches[t])
            d_states = [dh]
        for name in grads:
            grads[name] += dparams[name]
    return np.stack(outputs), final, dx, d_states, grads


@pytest.mark.parametrize("kind", KINDS)
def test_fast_layer_equals_step_functions(kind):
    rng = np.random.default_rng(5)
    layer = make_layer(kind, 3, 5, seed=3)
    T, B = 6, 4
    x = rng.standard_normal((T, B, 3))
    state = random_state(layer, B, rng)
    d_outputs = rng.standard_normal((T, B, 5))
    d_state = random_state(layer, B, rng)
    outputs, final = layer.forward(x, state)
    dx, d_state0 = layer.backward(d_outputs, d_state)
    ref_outputs, ref_final, ref_dx, ref_d_state0, ref_grads = run_step_functions(kind, layer.params, x, state, d_outputs, d_state)
    np.testing.assert_allclose(outputs, ref_outputs, rtol=0, atol=1e-13)
    for mine, ref in zip(as_list(final), ref_final):
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-13)
    np.testing.assert_allclose(dx, ref_dx, rtol=0, atol=1e-13)
    for mine, ref in zip(as_list(d_state0), ref_d_state0):
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-13)
    for name in ref_grads:
        np.testing.assert_allclose(layer.grads[name], ref_grads[name], rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_float32_follows_the_parameters_and_agrees_with_float64(kind):
    rng = np.random.default_rng(6)
    layer64 = make_layer(kind, 3, 8, seed=4)
    layer32 = make_layer(kind, 3, 8, seed=4, dtype=np.float32)
    for name in layer64.params:
        assert layer32.params[name].dtype == np.float32
        np.testing.assert_allclose(layer32.params[name], layer64.params[name], rtol=1e-6)
        layer64.params[name] = layer32.params[name].astype(np.float64)  # identical values
    x = rng.standard_normal((10, 4, 3))
    d_out = rng.standard_normal((10, 4, 8))
    out32, final32 = layer32.forward(x.astype(np.float32))
    out64, _ = layer64.forward(x)
    dx32, d_state32 = layer32.backward(d_out.astype(np.float32))
    dx64, _ = layer64.backward(d_out)
    assert out32.dtype == dx32.dtype == np.float32
    assert all(part.dtype == np.float32 for part in as_list(final32) + as_list(d_state32))
    np.testing.assert_allclose(out32, out64, atol=1e-5)
    np.testing.assert_allclose(dx32, dx64, atol=1e-4)
    for name in layer64.grads:
        assert layer32.grads[name].dtype == np.float32
        np.testing.assert_allclose(layer32.grads[name], layer64.grads[name], atol=1e-4)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_initialisation_follows_torch(kind):
    H, D = 16, 5
    layer = make_layer(kind, D, H, seed=0)
    rows = GATES[kind] * H
    shapes = {"weight_ih": (rows, D), "weight_hh": (rows, H), "bias_ih": (rows,), "bias_hh": (rows,)}
    bound = 1 / np.sqrt(H)
    for name, shape in shapes.items():
        p = layer.params[name]
        assert p.shape == shape and p.dtype == np.float64
        assert np.abs(p).max() <= bound
    everything = np.concatenate([p.ravel() for p in layer.params.values()])
    assert everything.min() < -0.9 * bound and everything.max() > 0.9 * bound  # spans the interval
    assert abs(everything.mean()) < 4 * bound / np.sqrt(3 * everything.size)  # 4 standard errors of U(-b, b)
    assert layer.num_parameters == GATES[kind] * H * (D + H) + 2 * GATES[kind] * H
    same = make_layer(kind, D, H, seed=0)
    other = make_layer(kind, D, H, rng=np.random.default_rng(1))
    assert all(np.array_equal(layer.params[n], same.params[n]) for n in shapes)
    assert not np.array_equal(layer.params["weight_hh"], other.params["weight_hh"])
    assert not any(np.any(g) for g in layer.grads.values())


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_backward_defaults_and_repeatability(kind):
    """None means zeros; backward does not consume the cache; editing outputs changes nothing."""
    rng = np.random.default_rng(7)
    layer = make_layer(kind, 2, 3, seed=5)
    x = rng.standard_normal((4, 2, 2))
    outputs, final = layer.forward(x)
    zeros_state = tuple(np.zeros((2, 3)) for _ in layer.state_names)
    zeros_state = zeros_state[0] if len(zeros_state) == 1 else zeros_state
    outputs_again, _ = layer.forward(x, zeros_state)
    np.testing.assert_array_equal(outputs, outputs_again)
    d_final = random_state(layer, 2, rng)
    dx_none, d0_none = layer.backward(None, d_final)
    grads_none = {k: v.copy() for k, v in layer.grads.items()}
    outputs_again[:] = 123.0  # the returned outputs are a copy, not the layer's buffer
    dx_zero, d0_zero = layer.backward(np.zeros_like(outputs), d_final)
    np.testing.assert_array_equal(dx_none, dx_zero)
    for a, b in zip(as_list(d0_none), as_list(d0_zero)):
        np.testing.assert_array_equal(a, b)
    for name in grads_none:
        np.testing.assert_array_equal(grads_none[name], layer.grads[name])
    assert np.any(dx_none != 0)


def test_final_state_is_last_output_and_lstm_state_parts_can_be_none():
    rng = np.random.default_rng(8)
    layer = LSTM(2, 3, seed=6)
    x = rng.standard_normal((4, 2, 2))
    c0 = rng.standard_normal((2, 3))
    outputs, (h, c) = layer.forward(x, (None, c0))
    np.testing.assert_array_equal(outputs[-1], h)
    outputs_full, _ = layer.forward(x, (np.zeros((2, 3)), c0))
    np.testing.assert_array_equal(outputs, outputs_full)
    dx, (dh0, dc0) = layer.backward(None, (None, np.ones((2, 3))))
    assert dh0.shape == dc0.shape == (2, 3) and np.any(dc0 != 0)


def test_replaced_parameters_are_used():
    layer = GRU(2, 3, seed=7)
    x = np.random.default_rng(9).standard_normal((3, 1, 2))
    before, _ = layer.forward(x)
    layer.params["weight_hh"] = layer.params["weight_hh"] * 2
    after, _ = layer.forward(x)
    assert not np.allclose(before, after)


def test_linear_gradients_and_shapes():
    rng = np.random.default_rng(10)
    linear = Linear(4, 3, seed=0)
    x = rng.standard_normal((5, 2, 4))
    dy = rng.standard_normal((5, 2, 3))
    y = linear.forward(x)
    assert y.shape == (5, 2, 3)
    dx = linear.backward(dy)

    def f(_):
        return linear.forward(x)

    assert relative_error(dx, numerical_gradient(f, x, dy)) < 1e-8
    for name, array in linear.params.items():
        assert relative_error(linear.grads[name], numerical_gradient(f, array, dy)) < 1e-8


def test_linear_equals_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    module = torch.nn.Linear(4, 2, dtype=torch.float64)
    linear = Linear(4, 2)
    linear.params = {"weight": module.weight.detach().numpy().copy(), "bias": module.bias.detach().numpy().copy()}
    x = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
    dy = torch.randn(6, 2, dtype=torch.float64)
    module(x).backward(dy)
    y = linear.forward(x.detach().numpy())
    np.testing.assert_allclose(y, module(x).detach().numpy(), atol=1e-14)
    np.testing.assert_allclose(linear.backward(dy.numpy()), x.grad.numpy(), atol=1e-14)
    np.testing.assert_allclose(linear.grads["weight"], module.weight.grad.numpy(), atol=1e-14)
    np.testing.assert_allclose(linear.grads["bias"], module.bias.grad.numpy(), atol=1e-14)

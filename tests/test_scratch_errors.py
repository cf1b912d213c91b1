"""Bad input to lstm_edu.scratch fails early with an error that names the argument and
the expected shape (ValueError) or type (TypeError)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lstm_edu.scratch import (
    GRU,
    LSTM,
    RNN,
    ForwardNotCalledError,
    Linear,
    gru_step_backward,
    gru_step_forward,
    lstm_step_forward,
    rnn_step_forward,
)

T, B, D, H = 5, 2, 3, 4


def raises(error, *fragments):
    """pytest.raises that requires every fragment (literal text) in the message."""
    return pytest.raises(error, match="(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments))


@pytest.fixture(params=["RNN", "LSTM", "GRU"])
def layer(request):
    return {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}[request.param](D, H, seed=0)


def good_state(layer, batch=B, dtype=np.float64):
    parts = [np.zeros((batch, H), dtype) for _ in layer.state_names]
    return parts[0] if len(parts) == 1 else tuple(parts)


def x_ok(dtype=np.float64):
    return np.zeros((T, B, D), dtype)


# ------------------------------------------------------------------ the input x


def test_x_of_the_wrong_rank(layer):
    with raises(ValueError, "x must be a 3-D array", "(T, B, input_size=3)", "(2, 3)"):
        layer.forward(np.zeros((B, D)))


def test_x_of_the_wrong_input_size(layer):
    with raises(ValueError, "x must have shape (T, B, input_size=3)", "(5, 2, 4)"):
        layer.forward(np.zeros((T, B, 4)))


def test_empty_sequence(layer):
    with raises(ValueError, "x must have shape"):
        layer.forward(np.zeros((0, B, D)))


def test_x_with_nan_or_inf(layer):
    x = x_ok()
    x[2, 1, 0] = np.nan
    with raises(ValueError, "x contains NaN or inf", "(2, 1, 0)"):
        layer.forward(x)
    x[2, 1, 0] = np.inf
    with raises(ValueError, "x contains NaN or inf"):
        layer.forward(x)


def test_integer_x(layer):
    with raises(TypeError, "x must be a floating-point array", "int64"):
        layer.forward(np.zeros((T, B, D), dtype=np.int64))


def test_float32_x_with_float64_parameters(layer):
    with raises(TypeError, "x has dtype float32", "parameters are float64"):
        layer.forward(x_ok(np.float32))


def test_float64_x_with_float32_parameters():
    layer = LSTM(D, H, dtype=np.float32)
    with raises(TypeError, "x has dtype float64", "parameters are float32"):
        layer.forward(x_ok())


# ---------------------------------------------------------------- the state


def test_state_with_another_batch_size(layer):
    state = good_state(layer, batch=3)
    name = "state" if len(layer.state_names) == 1 else "state[0] (h)"
    with raises(ValueError, f"{name} must have shape (B=2, hidden_size=4)", "(3, 4)", "batch size of x"):
        layer.forward(x_ok(), state)


def test_state_with_another_hidden_size(layer):
    parts = [np.zeros((B, H + 1)) for _ in layer.state_names]
    with raises(ValueError, "must have shape (B=2, hidden_size=4)", "(2, 5)"):
        layer.forward(x_ok(), parts[0] if len(parts) == 1 else tuple(parts))


def test_lstm_state_must_be_a_pair():
    layer = LSTM(D, H)
    with raises(TypeError, "state must be a tuple (h, c)"):
        layer.forward(x_ok(), np.zeros((B, H)))
    with raises(ValueError, "state[1] (c) must have shape (B=2, hidden_size=4)", "(2, 3)"):
        layer.forward(x_ok(), (np.zeros((B, H)), np.zeros((B, 3))))


def test_state_with_inf_or_wrong_dtype(layer):
    parts = [np.zeros((B, H)) for _ in layer.state_names]
    parts[0][0, 0] = np.inf
    with raises(ValueError, "contains NaN or inf"):
        layer.forward(x_ok(), parts[0] if len(parts) == 1 else tuple(parts))
    with raises(TypeError, "dtype float32"):
        layer.forward(x_ok(), good_state(layer, dtype=np.float32))


# --------------------------------------------------------------- backward


def test_backward_before_forward(layer):
    with pytest.raises(ForwardNotCalledError, match="before forward"):
        layer.backward(np.zeros((T, B, H)))
    assert issubclass(ForwardNotCalledError, ValueError) and issubclass(ForwardNotCalledError, RuntimeError)


def test_backward_with_mismatched_gradients(layer):
    layer.forward(x_ok())
    with raises(ValueError, "d_outputs must have shape (T=5, B=2, hidden_size=4)", "(5, 2, 3)"):
        layer.backward(np.zeros((T, B, 3)))
    with raises(TypeError, "d_outputs has dtype float32"):
        layer.backward(np.zeros((T, B, H), np.float32))
    with raises(ValueError, "d_outputs contains NaN or inf"):
        layer.backward(np.full((T, B, H), np.nan))
    parts = [np.zeros((B + 1, H)) for _ in layer.state_names]
    with raises(ValueError, "d_state", "(B=2, hidden_size=4)"):
        layer.backward(None, parts[0] if len(parts) == 1 else tuple(parts))


# -------------------------------------------------------------- parameters


def test_unknown_and_missing_parameter_keys(layer):
    layer.params["W"] = layer.params.pop("weight_hh")
    with raises(ValueError, "unknown key(s) 'W'", "missing key(s) 'weight_hh'", "weight_ih, weight_hh, bias_ih, bias_hh"):
        layer.forward(x_ok())


def test_parameter_of_the_wrong_shape():
    layer = LSTM(D, H)
    layer.params["weight_hh"] = np.zeros((3 * H, H))
    with raises(ValueError, "layer.params['weight_hh'] must have shape (4*hidden_size=16, hidden_size=4)", "(12, 4)", "i, f, g, o"):
        layer.forward(x_ok())
    layer = GRU(D, H)
    layer.params["bias_ih"] = np.zeros((4 * H,))
    with raises(ValueError, "layer.params['bias_ih'] must have shape (3*hidden_size=12,)"):
        layer.forward(x_ok())


def test_parameters_of_mixed_dtype_or_kind(layer):
    original = layer.params["bias_hh"]
    layer.params["bias_hh"] = original.astype(np.float32)
    with raises(TypeError, "layer.params['bias_hh'] has dtype float32", "float64"):
        layer.forward(x_ok())
    layer.params["bias_hh"] = original.tolist()
    with raises(TypeError, "layer.params['bias_hh'] must be a numpy array", "list"):
        layer.forward(x_ok())
    layer.params["bias_hh"] = original.astype(np.int32)
    with raises(TypeError, "layer.params['bias_hh'] must be a floating-point array"):
        layer.forward(x_ok())


def test_parameters_with_nan(layer):
    layer.params["weight_ih"][0, 0] = np.nan
    with raises(ValueError, "layer.params['weight_ih'] contains NaN or inf"):
        layer.forward(x_ok())


# ------------------------------------------------------------- constructors


@pytest.mark.parametrize(
    "args, options, error, fragment",
    [
        ((0, 4), {}, ValueError, "input_size must be a positive integer"),
        ((3, -1), {}, ValueError, "hidden_size must be a positive integer"),
        ((3.0, 4), {}, TypeError, "input_size must be a positive integer"),
        ((3, 4), {"dtype": np.int32}, TypeError, "dtype must be a floating-point type"),
        ((3, 4), {"seed": 1, "rng": np.random.default_rng()}, ValueError, "either seed or rng"),
        ((3, 4), {"rng": 5}, TypeError, "rng must be a numpy.random.Generator"),
        ((3, 4), {"seed": 1.5}, TypeError, "seed must be an integer"),
    ],
)
def test_constructor_arguments(args, options, error, fragment):
    with raises(error, fragment):
        LSTM(*args, **options)


def test_rnn_nonlinearity():
    with raises(ValueError, "nonlinearity must be 'tanh' or 'relu'", "'sigmoid'"):
        RNN(3, 4, nonlinearity="sigmoid")


# ----------------------------------------------------------- step functions


def step_params(gates, rng=np.random.default_rng(0)):
    return {
        "weight_ih": rng.standard_normal((gates * H, D)),
        "weight_hh": rng.standard_normal((gates * H, H)),
        "bias_ih": np.zeros(gates * H),
        "bias_hh": np.zeros(gates * H),
    }


def test_step_function_shapes():
    params = step_params(1)
    with raises(ValueError, "x must have shape (B, input_size=3)", "(2, 4)"):
        rnn_step_forward(np.zeros((B, 4)), np.zeros((B, H)), params)
    with raises(ValueError, "h_prev must have shape (B=2, hidden_size=4)", "(3, 4)"):
        rnn_step_forward(np.zeros((B, D)), np.zeros((3, H)), params)
    with raises(ValueError, "c_prev must have shape (B=2, hidden_size=4)"):
        lstm_step_forward(np.zeros((B, D)), np.zeros((B, H)), np.zeros((B, 5)), step_params(4))
    with raises(ValueError, "params['weight_ih'] must have shape (3*hidden_size=12, input_size=3)"):
        gru_step_forward(np.zeros((B, D)), np.zeros((B, H)), step_params(4))
    with raises(TypeError, "h_prev has dtype float32"):
        rnn_step_forward(np.zeros((B, D)), np.zeros((B, H), np.float32), params)
    with raises(TypeError, "params must be a dict"):
        rnn_step_forward(np.zeros((B, D)), np.zeros((B, H)), [1, 2])


def test_step_backward_checks_the_upstream_gradient():
    _, cache = gru_step_forward(np.zeros((B, D)), np.zeros((B, H)), step_params(3))
    with raises(ValueError, "dh_next must have shape (B=2, hidden_size=4)", "(2, 5)"):
        gru_step_backward(np.zeros((B, 5)), cache)


# ------------------------------------------------------------------ Linear


def test_linear_errors():
    linear = Linear(3, 2)
    with pytest.raises(ForwardNotCalledError):
        linear.backward(np.zeros((4, 2)))
    with raises(ValueError, "x must have shape", "in_features=3"):
        linear.forward(np.zeros((4, 5)))
    linear.forward(np.zeros((4, 3)))
    with raises(ValueError, "dy must have shape (N0=4, out_features=2)"):
        linear.backward(np.zeros((4, 3)))

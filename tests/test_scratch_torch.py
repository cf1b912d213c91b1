"""The numpy layers against torch.nn.RNN/LSTM/GRU: outputs, final states and every gradient;
conversion in both directions; torch stays optional."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstm_edu.scratch import GRU, LSTM, RNN, from_torch, to_torch  # noqa: E402

MODULES = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}
NUMPY_LAYERS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}
PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def compare_with_torch(kind, T, B, D, H, dtype, with_state=True, nonlinearity=None, seed=0):
    """Run module and numpy layer on the same data with gradients into outputs and final state.

    Returns a dict of max absolute differences for every compared quantity.
    """
    torch.manual_seed(seed)
    torch_dtype = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
    options = {"nonlinearity": nonlinearity} if nonlinearity else {}
    module = MODULES[kind](D, H, dtype=torch_dtype, **options)
    layer = from_torch(module)
    names = ("h", "c") if kind == "LSTM" else ("h",)
    x = torch.randn(T, B, D, dtype=torch_dtype, requires_grad=True)
    state = [torch.randn(1, B, H, dtype=torch_dtype, requires_grad=True) for _ in names] if with_state else None
    torch_state = None if state is None else (tuple(state) if kind == "LSTM" else state[0])
    outputs, final = module(x, torch_state)
    finals = list(final) if kind == "LSTM" else [final]
    d_outputs = torch.randn_like(outputs)
    d_finals = [torch.randn_like(f) for f in finals]
    loss = (outputs * d_outputs).sum() + sum((f * d).sum() for f, d in zip(finals, d_finals))
    loss.backward()

    def pack(parts):
        return tuple(parts) if kind == "LSTM" else parts[0]

    np_state = None if state is None else pack([s[0].detach().numpy() for s in state])
    np_outputs, np_final = layer.forward(x.detach().numpy(), np_state)
    dx, d_state0 = layer.backward(d_outputs.numpy(), pack([d[0].numpy() for d in d_finals]))
    np_finals = list(np_final) if kind == "LSTM" else [np_final]
    d_state0 = list(d_state0) if kind == "LSTM" else [d_state0]

    assert np_outputs.dtype == dx.dtype == dtype
    diffs = {"outputs": np.abs(np_outputs - outputs.detach().numpy()).max(), "dx": np.abs(dx - x.grad.numpy()).max()}
    for name, mine, theirs in zip(names, np_finals, finals):
        diffs[f"{name}_n"] = np.abs(mine - theirs[0].detach().numpy()).max()
    if state is not None:
        for name, mine, s in zip(names, d_state0, state):
            diffs[f"d{name}0"] = np.abs(mine - s.grad[0].numpy()).max()
    for name in PARAM_NAMES:
        grad = getattr(module, name + "_l0").grad.numpy()
        assert layer.grads[name].dtype == dtype
        diffs[name] = np.abs(layer.grads[name] - grad).max()
    return diffs


SHAPES = [(1, 1, 1, 1), (1, 3, 2, 4), (5, 1, 3, 1), (7, 2, 3, 5), (12, 4, 6, 8)]


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "T{}-B{}-D{}-H{}".format(*s))
def test_equal_to_torch_float64(kind, shape):
    diffs = compare_with_torch(kind, *shape, np.float64)
    assert max(diffs.values()) < 1e-10, diffs


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_equal_to_torch_without_initial_state(kind):
    diffs = compare_with_torch(kind, 6, 3, 2, 4, np.float64, with_state=False)
    assert max(diffs.values()) < 1e-10, diffs


def test_relu_rnn_equal_to_torch():
    diffs = compare_with_torch("RNN", 6, 3, 2, 4, np.float64, nonlinearity="relu")
    assert max(diffs.values()) < 1e-10, diffs


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_equal_to_torch_float32(kind):
    diffs = compare_with_torch(kind, 20, 8, 6, 16, np.float32)
    assert max(diffs.values()) < 1e-4, diffs


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conversion_round_trips(kind, dtype):
    layer = NUMPY_LAYERS[kind](3, 4, seed=0, dtype=dtype)
    module = to_torch(layer)
    assert isinstance(module, MODULES[kind])
    assert (module.input_size, module.hidden_size, module.num_layers, module.batch_first) == (3, 4, 1, False)
    back = from_torch(module)
    assert type(back) is type(layer)
    for name in PARAM_NAMES:
        assert back.params[name].dtype == dtype
        np.testing.assert_array_equal(back.params[name], layer.params[name])
        np.testing.assert_array_equal(getattr(module, name + "_l0").detach().numpy(), layer.params[name])
    # the copies are independent
    back.params["weight_hh"][0, 0] += 1.0
    assert back.params["weight_hh"][0, 0] != layer.params["weight_hh"][0, 0]
    assert getattr(module, "weight_hh_l0")[0, 0].item() == layer.params["weight_hh"][0, 0]


def test_relu_rnn_round_trip_keeps_the_nonlinearity():
    layer = RNN(2, 3, nonlinearity="relu")
    module = to_torch(layer)
    assert module.nonlinearity == "relu"
    assert from_torch(module).nonlinearity == "relu"


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_from_torch_accepts_cells(kind):
    cell = getattr(torch.nn, kind + "Cell")(3, 4, dtype=torch.float64)
    layer = from_torch(cell)
    x = torch.randn(2, 3, dtype=torch.float64)
    expected = cell(x)
    expected = expected[0] if kind == "LSTM" else expected
    outputs, _ = layer.forward(x.numpy()[None])
    np.testing.assert_allclose(outputs[0], expected.detach().numpy(), atol=1e-14)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"num_layers": 2}, "num_layers=2"),
        ({"bidirectional": True}, "bidirectional"),
        ({"batch_first": True}, "batch_first"),
        ({"bias": False}, "bias=False"),
    ],
)
def test_from_torch_refuses_what_it_cannot_represent(options, message):
    module = torch.nn.LSTM(3, 4, **options)
    with pytest.raises(ValueError, match=message):
        from_torch(module)


def test_from_torch_refuses_projection_other_types_and_dtypes():
    with pytest.raises(ValueError, match="proj_size"):
        from_torch(torch.nn.LSTM(3, 4, proj_size=2))
    with pytest.raises(TypeError, match="torch.nn.RNN, LSTM or GRU"):
        from_torch(torch.nn.Linear(3, 4))
    with pytest.raises(TypeError, match="float16"):
        from_torch(torch.nn.GRU(3, 4).half())
    with pytest.raises(TypeError, match="RNN, LSTM or GRU"):
        to_torch(object())


def test_scratch_does_not_import_torch():
    code = (
        "import sys\n"
        "import lstm_edu.scratch, lstm_edu.scratch.demo, lstm_edu.scratch.gradcheck, lstm_edu.scratch.optim, lstm_edu.tasks\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr

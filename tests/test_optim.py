"""lstm_edu.scratch.optim against torch.optim and torch.nn.utils.clip_grad_norm_."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lstm_edu.scratch.optim import SGD, Adam, clip_grad_norm, global_norm
from lstm_edu.scratch import LSTM


def make_params(rng):
    return {"w": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}


def run_both(make_numpy_optimizer, make_torch_optimizer, steps=6, seed=0):
    """Apply the same random gradients with both optimisers; return both final parameter dicts."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    params = make_params(rng)
    tensors = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    optimizer = make_numpy_optimizer(params)
    torch_optimizer = make_torch_optimizer(list(tensors.values()))
    for _ in range(steps):
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        optimizer.step(grads)
        for k, t in tensors.items():
            t.grad = torch.tensor(grads[k])
        torch_optimizer.step()
    return params, {k: t.detach().numpy() for k, t in tensors.items()}


@pytest.mark.parametrize("options", [{}, {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6}])
def test_adam_equals_torch(options):
    torch = pytest.importorskip("torch")
    ours, theirs = run_both(lambda p: Adam(p, **options), lambda p: torch.optim.Adam(p, **options))
    for name in ours:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=0, atol=1e-13)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_equals_torch(momentum):
    torch = pytest.importorskip("torch")
    ours, theirs = run_both(lambda p: SGD(p, lr=0.1, momentum=momentum), lambda p: torch.optim.SGD(p, lr=0.1, momentum=momentum))
    for name in ours:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=0, atol=1e-13)


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_equals_torch(max_norm):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    grads = make_params(rng)
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.tensor(g.copy())
    expected_norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    before = {k: v.copy() for k, v in grads.items()}
    total = clip_grad_norm(grads, max_norm)
    assert total == pytest.approx(expected_norm.item(), rel=1e-14)
    assert total == pytest.approx(global_norm(before), rel=1e-14)
    for t, g in zip(tensors, grads.values()):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=0, atol=1e-15)
    if max_norm > total:
        for k in grads:
            np.testing.assert_array_equal(grads[k], before[k])  # untouched below the threshold
    else:
        assert global_norm(grads) == pytest.approx(max_norm, rel=1e-5)


def test_clip_grad_norm_without_eps_is_pascanus_rule():
    grads = {"a": np.array([3.0, 4.0])}
    assert clip_grad_norm(grads, 1.0, eps=0) == 5.0
    np.testing.assert_allclose(grads["a"], [0.6, 0.8], rtol=1e-15)


def test_clip_grad_norm_with_non_finite_gradients():
    grads = {"a": np.array([np.inf, 1.0])}
    with pytest.raises(ValueError, match="NaN or inf"):
        clip_grad_norm(grads, 1.0)
    assert clip_grad_norm(grads, 1.0, error_if_nonfinite=False) == np.inf
    assert grads["a"][1] == 1.0


def test_optimizer_updates_layer_parameters_in_place():
    layer = LSTM(2, 3, seed=0)
    params = {f"lstm.{k}": v for k, v in layer.params.items()}
    before = layer.params["weight_hh"].copy()
    optimizer = SGD(params, lr=0.1)
    optimizer.step({k: np.ones_like(v) for k, v in params.items()})
    np.testing.assert_allclose(layer.params["weight_hh"], before - 0.1)


def test_float32_parameters_stay_float32():
    params = {"w": np.ones(3, np.float32)}
    Adam(params, lr=0.1).step({"w": np.ones(3)})
    assert params["w"].dtype == np.float32 and np.all(params["w"] < 1)


@pytest.mark.parametrize(
    "make, error, fragment",
    [
        (lambda p: SGD(p, lr=0), ValueError, "lr must be positive"),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), ValueError, "momentum must be in [0, 1)"),
        (lambda p: SGD(p, lr="fast"), TypeError, "lr must be a number"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), ValueError, "betas[1] must be in [0, 1)"),
        (lambda p: Adam(p, betas=0.9), TypeError, "betas must be a pair"),
        (lambda p: Adam(p, eps=-1), ValueError, "eps must be non-negative"),
        (lambda p: Adam({"w": [1.0]}), TypeError, "params['w'] must be a floating-point numpy array"),
        (lambda p: Adam({}), TypeError, "non-empty dict"),
    ],
)
def test_optimizer_arguments(make, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        make(make_params(np.random.default_rng(0)))


def test_step_checks_the_gradients():
    params = make_params(np.random.default_rng(0))
    optimizer = Adam(params)
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        optimizer.step({"w": np.zeros((4, 3))})
    with pytest.raises(ValueError, match=r"grads\['b'\] has shape \(4,\)"):
        optimizer.step({"w": np.zeros((4, 3)), "b": np.zeros(4)})
    with pytest.raises(ValueError, match=r"grads\['w'\] contains NaN"):
        optimizer.step({"w": np.full((4, 3), np.nan), "b": np.zeros(3)})
    with pytest.raises(TypeError, match=r"grads\['b'\] must be a floating-point"):
        optimizer.step({"w": np.zeros((4, 3)), "b": [0.0, 0.0, 0.0]})
    with pytest.raises(ValueError, match="max_norm must be positive"):
        clip_grad_norm({"w": np.zeros(2)}, 0.0)

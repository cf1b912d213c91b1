"""Gradient-flow measurements (lstm_edu.experiments.gradient_flow) against closed forms and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_edu import scratch
from lstm_edu.experiments.gradient_flow import (
    SLOPE_BOUND,
    gradient_flow,
    largest_singular_value,
    scaled_orthogonal,
    spectral_radius,
    vanishing_bound,
    with_largest_singular_value,
)

torch.set_num_threads(1)
NON_NORMAL = np.array([[0.5, 10.0], [0.0, 0.5]])


def spectral(matrix):
    return np.linalg.norm(matrix, ord=2)


# ------------------------------------------------------------------ closed forms


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_linear_rnn_gives_the_norms_of_matrix_powers(backend):
    """h_t = W h_{t-1} + x_t: dh_T/dh_t = W^(T-t) exactly (the non-normal example of results.md)."""
    T = 25
    xs = np.random.default_rng(0).standard_normal((T, 2))
    if backend == "numpy":
        flow = gradient_flow(lambda x, h: NON_NORMAL @ h + x, xs, np.zeros(2))
    else:
        W = torch.from_numpy(NON_NORMAL)
        flow = gradient_flow(lambda x, h: W @ h + x, torch.from_numpy(xs), torch.zeros(2, dtype=torch.float64))
    expected = [spectral(np.linalg.matrix_power(NON_NORMAL, T - t)) for t in range(T + 1)]
    np.testing.assert_allclose(flow.norms("h"), expected, rtol=1e-6)
    by_lag = flow.norms("h")[::-1]
    assert by_lag[1] == pytest.approx(10.02, abs=0.01)
    assert by_lag[5] == pytest.approx(3.13, abs=0.01)
    assert by_lag[10] == pytest.approx(0.195, abs=0.001)
    assert by_lag[20] == pytest.approx(3.8e-4, rel=0.02)


def test_tanh_rnn_module_matches_the_explicit_jacobian_product():
    torch.manual_seed(0)
    rnn = torch.nn.RNN(3, 6).double()
    xs = torch.randn(12, 3, dtype=torch.float64)
    flow = gradient_flow(rnn, xs)
    with torch.no_grad():
        outputs, _ = rnn(xs[:, None])
    hs = np.concatenate([np.zeros((1, 6)), outputs[:, 0].numpy()])
    np.testing.assert_allclose(flow.states["h"], hs, atol=1e-12)
    W = rnn.weight_hh_l0.detach().numpy()
    product = np.eye(6)
    for t in range(12, 0, -1):
        jac = np.diag(1 - hs[t] ** 2) @ W  # dh_t/dh_{t-1}
        assert flow.step_norms("h")[t - 1] == pytest.approx(spectral(jac), rel=1e-10)
        product = product @ jac
        assert flow.norms("h")[t - 1] == pytest.approx(spectral(product), rel=1e-9)
    assert flow.norms("h")[12] == pytest.approx(1.0)


def test_frobenius_norm_option():
    rnn = torch.nn.RNN(2, 5)
    flow = gradient_flow(rnn, torch.randn(4, 2), norm="fro")
    assert flow.norm == "fro"
    assert flow.norms("h")[-1] == pytest.approx(np.sqrt(5))


# ------------------------------------------------------- LSTM, GRU, numpy layers


def _scratch_lstm_c_jacobian(params, xs, h, c, start, eps=1e-6):
    """dc_T/dc_start by centred differences through lstm_edu.scratch step functions."""
    def run(c_start):
        hh, cc = h[start][None], c_start[None]
        for t in range(start, len(xs)):
            hh, cc, _ = scratch.lstm_step_forward(xs[t][None], hh, cc, params)
        return cc[0]

    H = c.shape[1]
    jac = np.empty((H, H))
    for j in range(H):
        bump = np.zeros(H)
        bump[j] = eps
        jac[:, j] = (run(c[start] + bump) - run(c[start] - bump)) / (2 * eps)
    return jac


def test_lstm_cell_path_matches_finite_differences_through_the_scratch_lstm():
    layer = scratch.LSTM(2, 4, seed=1)
    xs = np.random.default_rng(1).standard_normal((9, 2))
    flow = gradient_flow(layer, xs)
    assert flow.parts == ("h", "c")
    h, c = flow.states["h"], flow.states["c"]
    for start in (0, 4, 8):
        expected = spectral(_scratch_lstm_c_jacobian(layer.params, xs, h, c, start))
        assert flow.norms("c")[start] == pytest.approx(expected, rel=1e-6)


def test_torch_lstm_and_scratch_lstm_agree_and_cross_blocks_exist():
    torch.manual_seed(2)
    module = torch.nn.LSTM(3, 5).double()
    layer = scratch.from_torch(module)
    xs = np.random.default_rng(2).standard_normal((15, 3))
    a, b = gradient_flow(module, xs), gradient_flow(layer, xs)
    for of, wrt in (("h", "h"), ("c", "c"), ("c", "h"), ("h", "c")):
        np.testing.assert_allclose(a.log10_norms(of, wrt), b.log10_norms(of, wrt), atol=1e-9)
    assert np.isneginf(a.log10_norms("c", "h")[-1])  # dc_T/dh_T = 0
    assert a.norms("h", "c")[-1] == 0.0


def test_gru_module_matches_a_numpy_step_function_with_finite_differences():
    torch.manual_seed(3)
    module = torch.nn.GRU(2, 4).double()
    layer = scratch.from_torch(module)
    xs = np.random.default_rng(3).standard_normal((10, 2))

    def gru_step(x, h):
        return scratch.gru_step_forward(x[None], h[None], layer.params)[0][0]

    a = gradient_flow(module, xs)
    b = gradient_flow(gru_step, xs, np.zeros(4))
    np.testing.assert_allclose(a.norms("h"), b.norms("h"), rtol=1e-6)


def test_rnn_cell_and_given_initial_state():
    cell = torch.nn.RNNCell(2, 3)
    xs = torch.randn(5, 2)
    h0 = torch.full((3,), 0.9)
    with_h0 = gradient_flow(cell, xs, h0)
    np.testing.assert_allclose(with_h0.states["h"][0], 0.9)
    assert not np.allclose(with_h0.norms("h"), gradient_flow(cell, xs).norms("h"))


def test_batch_of_one_is_accepted_and_model_is_untouched():
    rnn = torch.nn.RNN(2, 3)
    before = [p.detach().clone() for p in rnn.parameters()]
    a = gradient_flow(rnn, torch.randn(6, 1, 2, generator=torch.Generator().manual_seed(0)))
    b = gradient_flow(rnn, torch.randn(6, 2, generator=torch.Generator().manual_seed(0)))
    np.testing.assert_allclose(a.norms("h"), b.norms("h"))
    for p, q in zip(rnn.parameters(), before):
        assert torch.equal(p, q) and p.grad is None and p.dtype == torch.float32


# ------------------------------------------------------------------- the theory


@pytest.mark.parametrize("activation, f", [("tanh", np.tanh), ("sigmoid", lambda a: 1 / (1 + np.exp(-a)))])
def test_every_factor_obeys_the_singular_value_bound(activation, f):
    rng = np.random.default_rng(4)
    W = rng.standard_normal((6, 6))
    U = rng.standard_normal((6, 2))
    xs = rng.standard_normal((30, 2))
    flow = gradient_flow(lambda x, h: f(W @ h + U @ x), xs, np.zeros(6))
    eta = vanishing_bound(W, activation)
    assert eta == pytest.approx(SLOPE_BOUND[activation] * spectral(W))
    assert np.all(flow.step_norms("h") <= eta * (1 + 1e-6))
    lags = flow.T - flow.steps
    assert np.all(flow.log10_norms("h") <= lags * np.log10(eta) + 1e-6)


def test_sigmoid_rnn_vanishes_where_tanh_may_not():
    """sigma_max = 3 < 1/gamma = 4: the sigmoid RNN's gradient must vanish."""
    rng = np.random.default_rng(5)
    W = scaled_orthogonal(8, 3.0, rng)
    flow = gradient_flow(lambda x, h: 1 / (1 + np.exp(-(W @ h + x))), rng.standard_normal((40, 8)), np.zeros(8))
    assert vanishing_bound(W, "sigmoid") == pytest.approx(0.75)
    assert flow.log10_norms("h")[0] < 40 * np.log10(0.75)


def test_log_norms_stay_finite_when_the_norm_underflows():
    W = scaled_orthogonal(4, 0.5, 0)
    flow = gradient_flow(lambda x, h: W @ h, np.zeros((1200, 1)), np.zeros(4))
    assert flow.norms("h")[0] == 0.0  # 0.5**1200 underflows float64
    assert flow.log10_norms("h")[0] == pytest.approx(1200 * np.log10(0.5), rel=1e-9)


def test_matrix_helpers():
    assert spectral_radius(NON_NORMAL) == pytest.approx(0.5)
    assert largest_singular_value(NON_NORMAL) == pytest.approx(10.0249, abs=1e-4)
    Q = scaled_orthogonal(5, 1.5, np.random.default_rng(0))
    np.testing.assert_allclose(np.linalg.svd(Q, compute_uv=False), 1.5)
    np.testing.assert_array_equal(Q, scaled_orthogonal(5, 1.5, 0))
    scaled = with_largest_singular_value(NON_NORMAL, 2.0)
    assert largest_singular_value(scaled) == pytest.approx(2.0)
    assert largest_singular_value(torch.from_numpy(NON_NORMAL)) == pytest.approx(10.0249, abs=1e-4)


# ----------------------------------------------------------------------- errors


def test_bad_inputs_are_explained():
    rnn = torch.nn.RNN(2, 3)
    with pytest.raises(ValueError, match="ONE sequence"):
        gradient_flow(rnn, torch.randn(5, 4, 2))
    with pytest.raises(ValueError, match="input_size"):
        gradient_flow(rnn, torch.randn(5, 3))
    with pytest.raises(ValueError, match="norm"):
        gradient_flow(rnn, torch.randn(5, 2), norm="nuclear")
    with pytest.raises(ValueError, match="num_layers=2"):
        gradient_flow(torch.nn.LSTM(2, 3, num_layers=2), torch.randn(5, 2))
    with pytest.raises(ValueError, match="bidirectional"):
        gradient_flow(torch.nn.GRU(2, 3, bidirectional=True), torch.randn(5, 2))
    with pytest.raises(TypeError, match="Linear"):
        gradient_flow(torch.nn.Linear(2, 3), torch.randn(5, 2))
    with pytest.raises(ValueError, match="state0"):
        gradient_flow(lambda x, h: h, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="shape"):
        gradient_flow(lambda x, h: np.zeros(3), np.zeros((5, 2)), np.zeros(2))
    with pytest.raises(TypeError):
        gradient_flow(lambda x, h: h, np.zeros((5, 2)), [0.0, 0.0])
    with pytest.raises(TypeError):
        gradient_flow("rnn", np.zeros((5, 2)))
    flow = gradient_flow(rnn, torch.randn(5, 2))
    with pytest.raises(ValueError, match="parts"):
        flow.norms("c")
    with pytest.raises(ValueError):
        gradient_flow(lambda x, s: s, np.zeros((3, 1)), (np.zeros(2), np.zeros(2)), parts=("h", "h"))
    with pytest.raises(ValueError):
        vanishing_bound(np.eye(2), "softplus")
    with pytest.raises(ValueError):
        scaled_orthogonal(0, 1.0)
    with pytest.raises(ValueError):
        largest_singular_value(np.ones((2, 3)))


def test_matrix_helpers_refuse_nan_and_explain_bad_scales():
    broken = np.array([[np.nan, 0.0], [0.0, 1.0]])
    for helper in (largest_singular_value, spectral_radius, vanishing_bound,
                   lambda m: with_largest_singular_value(m, 1.0)):
        with pytest.raises(ValueError, match="NaN or infinite"):  # used to be LinAlgError "SVD did not converge"
            helper(broken)
    with pytest.raises(ValueError, match="value must be a finite number"):
        with_largest_singular_value(np.eye(2), "1")
    with pytest.raises(ValueError, match="singular_value"):
        scaled_orthogonal(3, -1.0)


def test_a_nested_list_is_accepted_as_one_sequence():
    torch.manual_seed(0)
    rnn = torch.nn.RNN(2, 3)
    xs = [[0.5, -1.0], [0.1, 0.2], [1.0, 0.0]]
    expected = gradient_flow(rnn, torch.tensor(xs)).log10_norms("h")
    np.testing.assert_allclose(gradient_flow(rnn, xs).log10_norms("h"), expected)


def test_diverging_state_is_reported():
    with pytest.raises(FloatingPointError, match="step"):
        with np.errstate(over="ignore"):
            gradient_flow(lambda x, h: h * 1e200, np.zeros((5, 1)), np.ones(1))

"""The lag split of the W_hh gradient sums to what autograd computes, and shrinks with the lag."""
import numpy as np
import pytest
import torch
from torch import nn

from lstm_edu.experiments.lags import weight_gradient_by_lag


def _setup(nonlinearity="tanh", scale=1.0):
    torch.manual_seed(0)
    rnn = nn.RNN(3, 5, nonlinearity=nonlinearity).double()
    with torch.no_grad():
        rnn.weight_hh_l0.mul_(scale)
    readout = nn.Linear(5, 1).double()
    xs = torch.randn(12, 4, 3, dtype=torch.float64)
    ys = torch.randn(4, dtype=torch.float64)

    def loss(h_T):
        return ((readout(h_T).squeeze(-1) - ys) ** 2).mean()

    return rnn, xs, loss


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_terms_sum_to_autograd_gradient(nonlinearity):
    rnn, xs, loss = _setup(nonlinearity)
    split = weight_gradient_by_lag(rnn, xs, loss)
    _, h_n = rnn(xs)
    loss(h_n[0]).backward()
    assert split.terms.shape == (12, 5, 5)
    np.testing.assert_allclose(split.total, rnn.weight_hh_l0.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert split.share(0) == pytest.approx(1.0)


def test_lag_zero_term_is_the_last_step():
    rnn, xs, loss = _setup()
    split = weight_gradient_by_lag(rnn, xs, loss)
    # lag 0 uses h_(T-1); a sequence of length 1 has only that term, equal to the total
    _, h_prev = rnn(xs[:-1])
    one = weight_gradient_by_lag(rnn, xs[-1:], loss, h0=h_prev[0].detach())
    np.testing.assert_allclose(split.terms[0], one.total, rtol=1e-10, atol=1e-14)


def test_contracting_network_has_vanishing_long_lag_terms():
    rnn, xs, loss = _setup(scale=0.5)
    norms = weight_gradient_by_lag(rnn, xs, loss).norms()
    assert norms[-1] < 1e-3 * norms[:3].max()


def test_bad_input_is_rejected():
    rnn, xs, loss = _setup()
    with pytest.raises(TypeError):
        weight_gradient_by_lag(nn.GRU(3, 5), xs, loss)
    with pytest.raises(ValueError, match="one-layer"):
        weight_gradient_by_lag(nn.RNN(3, 5, num_layers=2).double(), xs, loss)
    with pytest.raises(ValueError, match="shape"):
        weight_gradient_by_lag(rnn, xs[:, :, :2], loss)
    with pytest.raises(ValueError, match="scalar"):
        weight_gradient_by_lag(rnn, xs, lambda h: h.sum(dim=1))
    split = weight_gradient_by_lag(rnn, xs, loss)
    with pytest.raises(ValueError):
        split.share(5, 2)

"""The gradient of the recurrent weights as a sum over lags (Pascanu et al. 2013, section 2, eqs. 3-5).

With a loss computed from the last state ``h_T`` of a tanh RNN, backpropagation through time
gives

    dL/dW_hh = sum_t  a_bar_t^T h_(t-1),     a_bar_t = dL/da_t  (a_t the pre-activation at step t),

and ``a_bar_t`` is the gradient that travelled ``k = T - t`` steps back from the loss.  So the
parameter gradient is a sum of one term per *lag* ``k``; "vanishing" means that the long-lag
terms are exponentially small next to the short-lag ones, while the total need not be small.

:func:`weight_gradient_by_lag` measures those terms for a one-layer ``torch.nn.RNN``;
their sum equals the gradient autograd computes for ``weight_hh_l0`` (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn


@dataclass
class LagSplit:
    """What :func:`weight_gradient_by_lag` returns.

    ``terms[k]`` (shape (H, H)) is the part of dL/dW_hh that comes from lag ``k = T - t``,
    ``k = 0 .. T-1``; ``total`` (H, H) is their sum; ``loss`` the loss value.
    """

    terms: np.ndarray  #: (T, H, H), indexed by the lag k = T - t
    total: np.ndarray  #: (H, H), the whole gradient of weight_hh_l0
    loss: float

    def norms(self) -> np.ndarray:
        """Frobenius norm of each lag's term, shape (T,), index k = T - t."""
        return np.linalg.norm(self.terms.reshape(len(self.terms), -1), axis=1)

    def share(self, first: int, last: int | None = None) -> float:
        """Norm of the summed terms of lags ``first .. last`` (inclusive) over the norm of the total."""
        last = len(self.terms) - 1 if last is None else last
        if not 0 <= first <= last < len(self.terms):
            raise ValueError(f"need 0 <= first <= last < T = {len(self.terms)}, got {first}, {last}")
        part = self.terms[first:last + 1].sum(axis=0)
        return float(np.linalg.norm(part) / np.linalg.norm(self.total))


def weight_gradient_by_lag(rnn: nn.RNN, xs, loss_of_last_state: Callable[[torch.Tensor], torch.Tensor],
                           h0=None) -> LagSplit:
    """Split the gradient of ``rnn.weight_hh_l0`` into one term per lag.

    ``rnn``: a one-layer, unidirectional ``torch.nn.RNN`` (tanh or relu), time-major
    (``batch_first=False``).  ``xs``: inputs (T, B, D), a tensor or an array.
    ``loss_of_last_state``: maps the last state h_T (B, H) to a scalar tensor (e.g. a
    read-out and an MSE).  ``h0``: (B, H) or None for zeros.  The RNN's own parameters
    are not modified and their ``.grad`` is left untouched.
    """
    if not isinstance(rnn, nn.RNN):
        raise TypeError(f"rnn must be a torch.nn.RNN, got {type(rnn).__name__}")
    if rnn.num_layers != 1 or rnn.bidirectional or rnn.batch_first:
        raise ValueError("weight_gradient_by_lag needs a one-layer, unidirectional, time-major nn.RNN")
    weight_ih = rnn.weight_ih_l0.detach()
    weight_hh = rnn.weight_hh_l0.detach().clone().requires_grad_(True)  # a copy: rnn's .grad untouched
    dtype, device = weight_hh.dtype, weight_hh.device
    xs = torch.as_tensor(xs, dtype=dtype, device=device)
    if xs.dim() != 3 or xs.shape[2] != rnn.input_size:
        raise ValueError(f"xs must have shape (T, B, {rnn.input_size}), got {tuple(xs.shape)}")
    T, B, _ = xs.shape
    if T < 1:
        raise ValueError("xs must have at least one time step")
    H = rnn.hidden_size
    h = torch.zeros(B, H, dtype=dtype, device=device) if h0 is None else torch.as_tensor(h0, dtype=dtype,
                                                                                          device=device)
    if h.shape != (B, H):
        raise ValueError(f"h0 must have shape ({B}, {H}), got {tuple(h.shape)}")
    bias = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach() if rnn.bias else torch.zeros(H, dtype=dtype, device=device)
    act = torch.tanh if rnn.nonlinearity == "tanh" else torch.relu
    pre, prev = [], []
    for x in xs:
        a = x @ weight_ih.T + h @ weight_hh.T + bias
        pre.append(a)
        prev.append(h.detach())
        h = act(a)
    loss = loss_of_last_state(h)
    if loss.dim() != 0:
        raise ValueError("loss_of_last_state must return a scalar tensor")
    a_grads = torch.autograd.grad(loss, pre)
    # term of step t: a_bar_t^T h_(t-1); store it at lag k = T - t (t = 1..T, python index T-1-k)
    terms = torch.stack([a_grads[t].T @ prev[t] for t in range(T)])
    terms = terms.flip(0).detach().cpu().numpy()
    return LagSplit(terms=terms, total=terms.sum(axis=0), loss=float(loss.detach()))

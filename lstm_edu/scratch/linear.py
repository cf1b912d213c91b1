"""A fully connected read-out layer, ``y = x W^T + b``, as ``torch.nn.Linear``."""

from __future__ import annotations

import numpy as np

from lstm_edu.scratch.base import check_size, make_rng
from lstm_edu.scratch.validation import ForwardNotCalledError, check_float_array


class Linear:
    """``y = x @ weight.T + bias`` over the last axis of ``x``.

    params: ``weight`` (out_features, in_features) and ``bias`` (out_features,),
    initialised U(-1/sqrt(in_features), 1/sqrt(in_features)) like ``torch.nn.Linear``.
    ``forward`` accepts any leading shape, e.g. (B, H) for the last state of a
    sequence or (T, B, H) for every step.
    """

    def __init__(self, in_features: int, out_features: int, *, seed=None, rng=None, dtype=np.float64):
        self.in_features = check_size(in_features, "in_features")
        self.out_features = check_size(out_features, "out_features")
        generator = make_rng(seed, rng)
        bound = 1.0 / np.sqrt(self.in_features)
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            raise TypeError(f"dtype must be a floating-point type, got {dtype}")
        self.params = {
            "weight": generator.uniform(-bound, bound, (self.out_features, self.in_features)).astype(dtype),
            "bias": generator.uniform(-bound, bound, (self.out_features,)).astype(dtype),
        }
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}
        self._x = None

    def __repr__(self) -> str:
        dtype = self.params["weight"].dtype
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}, dtype={dtype})"

    def __call__(self, x):
        return self.forward(x)

    def _checked_params(self) -> tuple[np.ndarray, np.ndarray]:
        if set(self.params) != {"weight", "bias"}:
            raise ValueError(f"Linear.params must have exactly the keys 'weight' and 'bias', got {sorted(self.params)}")
        rows, columns = ("out_features", self.out_features), ("in_features", self.in_features)
        weight = check_float_array(self.params["weight"], "params['weight']", [rows, columns])
        bias = check_float_array(self.params["bias"], "params['bias']", [rows], weight.dtype)
        return weight, bias

    def forward(self, x) -> np.ndarray:
        """x (..., in_features) -> y (..., out_features)."""
        weight, bias = self._checked_params()
        x = np.asarray(x)
        leading = [(f"N{k}", None) for k in range(max(x.ndim - 1, 1))]
        x = check_float_array(x, "x", leading + [("in_features", self.in_features)], weight.dtype)
        self._x, self._weight = x, weight
        return x @ weight.T + bias

    def backward(self, dy) -> np.ndarray:
        """dy (..., out_features) -> dx (..., in_features); fills ``self.grads``."""
        if self._x is None:
            raise ForwardNotCalledError("Linear.backward() was called before forward(); run layer.forward(x) first")
        x = self._x
        expected = [(f"N{k}", size) for k, size in enumerate(x.shape[:-1])] + [("out_features", self.out_features)]
        dy = check_float_array(dy, "dy", expected, x.dtype, hint="it must match the output of the last forward()")
        x2, dy2 = x.reshape(-1, self.in_features), dy.reshape(-1, self.out_features)
        self.grads = {"weight": dy2.T @ x2, "bias": dy2.sum(axis=0)}
        return dy @ self._weight

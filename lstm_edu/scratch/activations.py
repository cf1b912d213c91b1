"""Activation functions of recurrent cells and their derivatives.

The derivatives are written *in terms of the activation's output*, because that is
what a backward pass has at hand: the forward pass stored ``s = sigmoid(a)`` or
``t = tanh(a)``, and

    sigmoid'(a) = s (1 - s)          tanh'(a) = 1 - t**2          relu'(a) = [a > 0]

so the pre-activation ``a`` never needs to be kept.
"""

from __future__ import annotations

import numpy as np


def sigmoid(a: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-a)), numerically stable.

    The textbook formula overflows ``exp(-a)`` for large negative ``a`` (numpy
    warns and returns ``inf``).  Writing ``e = exp(-|a|)``, which lies in (0, 1],

        sigmoid(a) = 1 / (1 + e)   for a >= 0
        sigmoid(a) = e / (1 + e)   for a <  0

    never overflows and keeps full relative precision in both tails.  Any shape;
    returns a new array of the same shape and floating dtype.
    """
    a = np.asarray(a)
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0, e) / (1.0 + e)


def tanh(a: np.ndarray) -> np.ndarray:
    """The hyperbolic tangent (numpy's, which is already stable). Any shape."""
    return np.tanh(a)


def relu(a: np.ndarray) -> np.ndarray:
    """max(a, 0) element-wise. Any shape."""
    return np.maximum(a, 0)


def sigmoid_grad_from_output(s: np.ndarray) -> np.ndarray:
    """d sigmoid(a) / da written with the output ``s = sigmoid(a)``: s (1 - s)."""
    return s * (1 - s)


def tanh_grad_from_output(t: np.ndarray) -> np.ndarray:
    """d tanh(a) / da written with the output ``t = tanh(a)``: 1 - t**2."""
    return 1 - t * t


def relu_grad_from_output(r: np.ndarray) -> np.ndarray:
    """d relu(a) / da written with the output ``r = relu(a)``: 1 where r > 0, else 0.

    At a = 0 the derivative is undefined; like PyTorch we use 0.
    """
    return (r > 0).astype(r.dtype)


def sigmoid_inplace(a: np.ndarray) -> np.ndarray:
    """Overwrite ``a`` with sigmoid(a) without temporary arrays; returns ``a``.

    Uses the identity sigmoid(a) = (1 + tanh(a / 2)) / 2, which cannot overflow.
    The sequence layers call this on views of their preallocated buffers.
    """
    a *= 0.5
    np.tanh(a, out=a)
    a += 1.0
    a *= 0.5
    return a


#: Activation functions a recurrent layer may use, by the name PyTorch gives them.
NONLINEARITIES = {"tanh": tanh, "relu": relu}
NONLINEARITY_GRADS = {"tanh": tanh_grad_from_output, "relu": relu_grad_from_output}

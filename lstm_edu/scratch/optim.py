"""Optimisers for numpy parameter dicts: SGD (with momentum), Adam and gradient clipping.

They update the arrays **in place**, so a dict may gather the parameters of several
layers without copying them::

    params = {**{f"lstm.{k}": v for k, v in lstm.params.items()}, "out.weight": W, "out.bias": b}
    opt = Adam(params, lr=1e-2)
    ...
    grads = {**{f"lstm.{k}": g for k, g in lstm.grads.items()}, "out.weight": dW, "out.bias": db}
    clip_grad_norm(grads, max_norm=1.0)
    opt.step(grads)                      # lstm.params changes too

The update rules are PyTorch's (``torch.optim.SGD``, ``torch.optim.Adam`` with their
default options), so the same gradients give the same parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

import numpy as np


def _check_positive(value, name: str, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'} and finite, got {value}")
    return float(value)


def _check_grad_arrays(grads: Mapping[str, np.ndarray]) -> None:
    """``grads`` must be a dict of floating-point numpy arrays."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads must be a dict of numpy arrays, got {type(grads).__name__}")
    for name, grad in grads.items():
        if not isinstance(grad, np.ndarray) or not np.issubdtype(grad.dtype, np.floating):
            raise TypeError(f"grads[{name!r}] must be a floating-point numpy array, got {type(grad).__name__}")


def _check_grads_match(grads: Mapping[str, np.ndarray], params: Mapping[str, np.ndarray]) -> None:
    """As :func:`_check_grad_arrays`, plus the keys and shapes of ``params`` and finite values."""
    _check_grad_arrays(grads)
    if set(grads) != set(params):
        missing, extra = sorted(set(params) - set(grads)), sorted(set(grads) - set(params))
        raise ValueError(f"grads must have the same keys as params; missing {missing}, unexpected {extra}")
    for name, grad in grads.items():
        if grad.shape != params[name].shape:
            raise ValueError(
                f"grads[{name!r}] has shape {grad.shape} but params[{name!r}] has shape {params[name].shape}"
            )
        if not np.isfinite(grad).all():
            raise ValueError(f"grads[{name!r}] contains NaN or inf; lower the learning rate or clip the gradients")


class Optimizer:
    """Holds a dict of parameter arrays and updates them in place with :meth:`step`."""

    def __init__(self, params: MutableMapping[str, np.ndarray], lr: float):
        if not isinstance(params, Mapping) or not params:
            raise TypeError("params must be a non-empty dict of numpy arrays")
        for name, array in params.items():
            if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.floating):
                raise TypeError(f"params[{name!r}] must be a floating-point numpy array, got {type(array).__name__}")
        self.params = params
        self.lr = _check_positive(lr, "lr")
        self.state: dict[str, dict[str, np.ndarray]] = {name: {} for name in params}
        self.steps = 0

    def step(self, grads: Mapping[str, np.ndarray]) -> None:
        """Apply one update with ``grads`` (same keys and shapes as the parameters)."""
        _check_grads_match(grads, self.params)
        self.steps += 1
        for name, param in self.params.items():
            self._update(param, grads[name].astype(param.dtype, copy=False), self.state.setdefault(name, {}))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional (heavy-ball) momentum, as ``torch.optim.SGD``::

        v <- momentum * v + g        (v = g at the first step)
        p <- p - lr * v
    """

    def __init__(self, params, lr: float, momentum: float = 0.0):
        super().__init__(params, lr)
        self.momentum = _check_positive(momentum, "momentum", allow_zero=True)
        if self.momentum >= 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")

    def _update(self, param, grad, state):
        if self.momentum == 0:
            param -= self.lr * grad
            return
        if "velocity" not in state:
            state["velocity"] = grad.copy()
        else:
            state["velocity"] *= self.momentum
            state["velocity"] += grad
        param -= self.lr * state["velocity"]


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) as ``torch.optim.Adam``::

        m <- b1 m + (1 - b1) g                       first moment
        v <- b2 v + (1 - b2) g^2                     second moment
        p <- p - lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, lr)
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for k, beta in enumerate(betas):
            if not 0 <= _check_positive(beta, f"betas[{k}]", allow_zero=True) < 1:
                raise ValueError(f"betas[{k}] must be in [0, 1), got {beta}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _check_positive(eps, "eps", allow_zero=True)

    def _update(self, param, grad, state):
        beta1, beta2 = self.betas
        if "m" not in state:
            state["m"], state["v"], state["t"] = np.zeros_like(param), np.zeros_like(param), 0
        state["t"] += 1
        m, v, t = state["m"], state["v"], state["t"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        step_size = self.lr / (1 - beta1**t)
        denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + self.eps
        param -= step_size * m / denom


def global_norm(grads: Mapping[str, np.ndarray]) -> float:
    """The Euclidean norm of all gradients together, sqrt(sum over arrays of ||g||^2)."""
    _check_grad_arrays(grads)
    return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values())))


def clip_grad_norm(
    grads: Mapping[str, np.ndarray], max_norm: float, eps: float = 1e-6, error_if_nonfinite: bool = True
) -> float:
    """Global-norm clipping (Pascanu, Mikolov & Bengio 2013, Algorithm 1), in place.

    If the global norm ``||g||`` of all gradients exceeds ``max_norm``, every gradient
    is scaled by ``max_norm / (||g|| + eps)``, which keeps the direction of the update
    and bounds its length.  ``eps = 1e-6`` is PyTorch's (``clip_grad_norm_``) guard
    against division by zero; ``eps=0`` is the paper's rule exactly.

    Returns the norm *before* clipping (useful to monitor explosions).  A NaN or inf
    norm raises ``ValueError`` unless ``error_if_nonfinite=False``, in which case the
    gradients are left untouched.
    """
    _check_grad_arrays(grads)
    max_norm = _check_positive(max_norm, "max_norm")
    eps = _check_positive(eps, "eps", allow_zero=True)
    total = global_norm(grads)
    if not np.isfinite(total):
        if error_if_nonfinite:
            raise ValueError(f"the total gradient norm is {total}; the gradients contain NaN or inf")
        return total
    scale = max_norm / (total + eps)
    if scale < 1:
        for grad in grads.values():
            grad *= scale
    return total

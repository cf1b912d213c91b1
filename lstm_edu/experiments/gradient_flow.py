"""Gradient flow through time: how much of a change at step t still reaches step T.

A recurrent network updates its state with the same function at every step,
``s_t = F(x_t, s_{t-1})``.  By the chain rule

    ds_T/ds_t = J_T J_{T-1} ... J_{t+1},        J_k = ds_k/ds_{k-1},

a product of ``T - t`` Jacobian matrices.  Backpropagation through time multiplies
the gradient of the loss by exactly this product (transposed), so its norm says
how much of the learning signal at step T reaches step t.  This module measures
it for real modules and for step functions of your own.

Quick start
-----------
::

    import torch
    from lstm_edu.experiments.gradient_flow import gradient_flow

    lstm = torch.nn.LSTM(input_size=3, hidden_size=16)
    xs = torch.randn(100, 3)                 # ONE sequence, (T, D)
    flow = gradient_flow(lstm, xs)
    flow.norms("c")          # (T+1,)  ||dc_T/dc_t||_2 for t = 0..T
    flow.norms("h")          # (T+1,)  ||dh_T/dh_t||_2
    flow.norms("c", "h")     # (T+1,)  ||dc_T/dh_t||_2   (of, wrt)
    flow.log10_norms("h")    # the same as log10, finite even where the norm underflows
    flow.step_norms("h")     # (T,)    ||dh_t/dh_{t-1}||_2 for t = 1..T, the factors
    flow.states["h"]         # (T+1, H) the states the Jacobians were taken at

What ``model`` may be
---------------------
- ``torch.nn.RNN``, ``LSTM`` or ``GRU`` (one layer, one direction, no LSTM
  projection), or ``torch.nn.RNNCell``, ``LSTMCell``, ``GRUCell``;
- an :mod:`lstm_edu.scratch` ``RNN``, ``LSTM`` or ``GRU`` layer (numpy);
- a step function of your own, ``step(x_t, state) -> new_state``, passed together
  with ``state0``.  ``state`` is one array or a tuple of arrays (for example
  ``(h, c)``).  With **torch** tensors the Jacobians come from autograd; with
  **numpy** arrays from centred finite differences (about 1e-9 accurate in
  float64, at the cost of ``2 S`` calls of ``step`` per time step, S being the
  total state size).  ``x_t`` is ``xs[t]`` as given.

The parts of the state are named ``("h",)`` for RNN and GRU and ``("h", "c")``
for the LSTM, in PyTorch's order; for a step function of your own they are
``("h",)`` for one array, ``("h", "c")`` for a pair, or whatever ``parts=`` says.

Conventions
-----------
- ``xs`` is a single sequence, shape (T, D) (or (T, 1, D)).  For a batch, call
  :func:`gradient_flow` once per sequence: the Jacobian of a batch is block
  diagonal, one block per sequence.
- The index t runs over 0..T: t = 0 is the initial state, t = T the last one, so
  ``norms(p)[T]`` is ``||I|| = 1`` (spectral norm) for a part with itself.
- Everything is computed in float64 on the CPU, on a copy of the parameters; the
  model is left untouched and no parameter gradient is accumulated.
- ``norm="spectral"`` (default) is the largest singular value, the norm the
  theory uses; ``norm="fro"`` is the Frobenius norm.
- The running product is rescaled after every step and its scale kept as a
  logarithm, so ``log10_norms`` is exact for any T even where ``norms``
  underflows to 0 or overflows to inf.

The theory in one line (Pascanu, Mikolov & Bengio 2013, section 2.1): for
``h_t = f(x_t W_ih^T + h_{t-1} W_hh^T + b)`` with ``|f'| <= gamma``,

    ||dh_t/dh_{t-1}|| <= gamma * sigma_max(W_hh) = eta,   so   ||dh_T/dh_t|| <= eta ** (T - t),

where gamma = 1 for tanh and 1/4 for the sigmoid (:data:`SLOPE_BOUND`).  If
``eta < 1`` the gradient is guaranteed to vanish exponentially (a *sufficient*
condition); ``eta > 1`` is *necessary* for it to explode.  The spectral radius
(largest |eigenvalue|) decides only for a *linear* RNN, asymptotically.  Helpers:
:func:`vanishing_bound`, :func:`largest_singular_value`, :func:`spectral_radius`,
:func:`scaled_orthogonal`, :func:`with_largest_singular_value`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: gamma, the largest slope of each activation: sup |f'(a)|.
SLOPE_BOUND = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "linear": 1.0}

NORMS = ("spectral", "fro")
_LOG10_E = math.log10(math.e)


def _torch():
    try:
        import torch
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("gradient_flow needs PyTorch for modules and torch step functions; "
                          "install it with `pip install torch`") from err
    return torch


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class GradientFlow:
    """Norms of the Jacobian products ``d(of)_T / d(wrt)_t`` of one sequence.

    Attributes:
        parts: names of the state's parts, e.g. ``("h",)`` or ``("h", "c")``.
        log10_products: (T+1, P, P); ``[t, i, j]`` is log10 ||d part_i(T) / d part_j(t)||.
        log10_steps: (T, P, P); ``[t-1, i, j]`` is log10 ||d part_i(t) / d part_j(t-1)||.
        states: part name -> (T+1, size) array of the states s_0 .. s_T.
        norm: ``"spectral"`` or ``"fro"``.
    """

    parts: tuple[str, ...]
    log10_products: np.ndarray
    log10_steps: np.ndarray
    states: dict
    norm: str = "spectral"

    @property
    def T(self) -> int:
        """The number of steps of the measured sequence."""
        return self.log10_steps.shape[0]

    @property
    def steps(self) -> np.ndarray:
        """t = 0, 1, ..., T (the x axis of :meth:`norms`)."""
        return np.arange(self.T + 1)

    def _indices(self, of: str, wrt: str | None) -> tuple[int, int]:
        wrt = of if wrt is None else wrt
        for name in (of, wrt):
            if name not in self.parts:
                raise ValueError(f"unknown state part {name!r}; this model's state has parts {self.parts}")
        return self.parts.index(of), self.parts.index(wrt)

    def log10_norms(self, of: str = "h", wrt: str | None = None) -> np.ndarray:
        """(T+1,) log10 ||d of_T / d wrt_t|| for t = 0..T (``wrt`` defaults to ``of``)."""
        i, j = self._indices(of, wrt)
        return self.log10_products[:, i, j].copy()

    def norms(self, of: str = "h", wrt: str | None = None) -> np.ndarray:
        """(T+1,) ||d of_T / d wrt_t|| for t = 0..T; may underflow to 0 (use :meth:`log10_norms`)."""
        with np.errstate(over="ignore", under="ignore"):
            return np.power(10.0, self.log10_norms(of, wrt))

    def step_norms(self, of: str = "h", wrt: str | None = None) -> np.ndarray:
        """(T,) ||d of_t / d wrt_{t-1}|| for t = 1..T: the norms of the single factors."""
        i, j = self._indices(of, wrt)
        with np.errstate(over="ignore", under="ignore"):
            return np.power(10.0, self.log10_steps[:, i, j])


# ------------------------------------------------------------------------ the models


@dataclass
class _Stepper:
    """A model reduced to what the measurement needs."""

    parts: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]  # shape of each part as the step function sees it
    state0: np.ndarray  # flat initial state (S,), float64
    forward: Callable[[int, np.ndarray], np.ndarray]  # (t, flat s_{t-1}) -> flat s_t
    jacobian: Callable[[int, np.ndarray], np.ndarray]  # (t, flat s_{t-1}) -> (S, S)

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(int(np.prod(shape)) for shape in self.shapes)


def _split(flat, shapes):
    """Cut a flat state vector into parts of the given shapes (numpy or torch)."""
    parts, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(flat[start:start + size].reshape(shape))
        start += size
    return parts


def _pack(parts: list):
    return parts[0] if len(parts) == 1 else tuple(parts)


def _unpack(state, what: str) -> list:
    if isinstance(state, (tuple, list)):
        if not state:
            raise ValueError(f"{what} is an empty tuple")
        return list(state)
    return [state]


def _default_parts(count: int) -> tuple[str, ...]:
    if count == 1:
        return ("h",)
    if count == 2:
        return ("h", "c")
    return tuple(f"s{k}" for k in range(count))


def _check_parts(parts, count: int) -> tuple[str, ...]:
    if parts is None:
        return _default_parts(count)
    parts = tuple(parts)
    if len(parts) != count or len(set(parts)) != count or not all(isinstance(p, str) for p in parts):
        raise ValueError(f"parts must be {count} distinct names, one per part of the state, got {parts}")
    return parts


def _torch_module_cell(model):
    """A float64 CPU cell with the parameters of a torch RNN/LSTM/GRU module or cell."""
    torch = _torch()
    nn = torch.nn
    if isinstance(model, nn.RNNCellBase):
        cell = copy.deepcopy(model).to(device="cpu", dtype=torch.float64)
    else:
        name = type(model).__name__
        problems = []
        if model.num_layers != 1:
            problems.append(f"num_layers={model.num_layers}")
        if model.bidirectional:
            problems.append("bidirectional=True")
        if getattr(model, "proj_size", 0):
            problems.append(f"proj_size={model.proj_size}")
        if problems:
            raise ValueError(f"gradient_flow measures one layer in one direction; this torch.nn.{name} has "
                             + ", ".join(problems) + ". Measure a single-layer, unidirectional module.")
        if isinstance(model, nn.LSTM):
            cell = nn.LSTMCell(model.input_size, model.hidden_size, bias=model.bias)
        elif isinstance(model, nn.GRU):
            cell = nn.GRUCell(model.input_size, model.hidden_size, bias=model.bias)
        else:
            cell = nn.RNNCell(model.input_size, model.hidden_size, bias=model.bias, nonlinearity=model.nonlinearity)
        cell = cell.to(dtype=torch.float64)
        with torch.no_grad():
            for param_name, param in cell.named_parameters():
                param.copy_(getattr(model, param_name + "_l0").detach().to(device="cpu", dtype=torch.float64))
    for param in cell.parameters():
        param.requires_grad_(False)
    return cell


def _torch_stepper(step, xs, state0, parts) -> _Stepper:
    """Autograd Jacobians of a torch step function ``step(x_t, state) -> state``."""
    torch = _torch()
    state_parts = [torch.as_tensor(p, dtype=torch.float64).detach().cpu() for p in _unpack(state0, "state0")]
    shapes = tuple(tuple(p.shape) for p in state_parts)
    xs = torch.as_tensor(xs, dtype=torch.float64).detach().cpu()

    def flat_step(t, flat):
        new = _unpack(step(xs[t - 1], _pack(_split(flat, shapes))), "the step function's result")
        if len(new) != len(shapes):
            raise ValueError(f"the step function returned {len(new)} state parts, state0 has {len(shapes)}")
        for part, shape in zip(new, shapes):
            if tuple(part.shape) != shape:
                raise ValueError(f"the step function returned a state part of shape {tuple(part.shape)}, "
                                 f"expected {shape} (the shape in state0)")
        return torch.cat([part.reshape(-1) for part in new])

    def forward(t, flat):
        with torch.no_grad():
            return flat_step(t, torch.from_numpy(flat)).numpy()

    def jacobian(t, flat):
        # S reverse passes, one per row; plain autograd (torch.func's first call costs seconds)
        return torch.autograd.functional.jacobian(lambda s: flat_step(t, s), torch.from_numpy(flat)).numpy()

    state0_flat = torch.cat([p.reshape(-1) for p in state_parts]).numpy()
    return _Stepper(_check_parts(parts, len(shapes)), shapes, state0_flat, forward, jacobian)


def _numpy_stepper(step, xs, state0, parts, h: float = 1e-6) -> _Stepper:
    """Centred-difference Jacobians of a numpy step function ``step(x_t, state) -> state``."""
    state_parts = [np.array(p, dtype=np.float64) for p in _unpack(state0, "state0")]
    shapes = tuple(p.shape for p in state_parts)
    xs = np.asarray(xs, dtype=np.float64)

    def forward(t, flat):
        new = _unpack(step(xs[t - 1], _pack(_split(flat.copy(), shapes))), "the step function's result")
        if len(new) != len(shapes):
            raise ValueError(f"the step function returned {len(new)} state parts, state0 has {len(shapes)}")
        for part, shape in zip(new, shapes):
            if np.shape(part) != shape:
                raise ValueError(f"the step function returned a state part of shape {np.shape(part)}, "
                                 f"expected {shape} (the shape in state0)")
        return np.concatenate([np.asarray(part, dtype=np.float64).reshape(-1) for part in new])

    def jacobian(t, flat):
        columns = []
        for j in range(flat.size):
            bumped = flat.copy()
            bumped[j] = flat[j] + h
            plus = forward(t, bumped)
            bumped[j] = flat[j] - h
            minus = forward(t, bumped)
            columns.append((plus - minus) / (2 * h))
        return np.stack(columns, axis=1)

    state0_flat = np.concatenate([p.reshape(-1) for p in state_parts])
    return _Stepper(_check_parts(parts, len(shapes)), shapes, state0_flat, forward, jacobian)


def _is_torch_tensor(value) -> bool:
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def _is_torch_module(model) -> bool:
    return any(cls.__module__.startswith("torch.nn") and cls.__name__ == "Module" for cls in type(model).__mro__)


def _module_stepper(model, xs, state0, parts) -> _Stepper:
    torch = _torch()
    nn = torch.nn
    if not isinstance(model, (nn.RNN, nn.LSTM, nn.GRU, nn.RNNCell, nn.LSTMCell, nn.GRUCell)):
        raise TypeError(f"gradient_flow accepts torch.nn.RNN, LSTM, GRU and their Cell versions, got "
                        f"torch.nn.{type(model).__name__}; for anything else pass a step function and state0")
    cell = _torch_module_cell(model)
    is_lstm = isinstance(cell, nn.LSTMCell)
    names = ("h", "c") if is_lstm else ("h",)
    if parts is not None and tuple(parts) != names:
        raise ValueError(f"the parts of a torch.nn.{type(model).__name__} state are {names}; leave parts=None")
    H = cell.hidden_size
    if state0 is None:
        state0 = tuple(torch.zeros(H, dtype=torch.float64) for _ in names)
    state0 = [torch.as_tensor(p, dtype=torch.float64).detach().cpu().reshape(-1) for p in _unpack(state0, "state0")]
    if len(state0) != len(names) or any(p.numel() != H for p in state0):
        raise ValueError(f"state0 for this module must be {'a tuple (h0, c0)' if is_lstm else 'h0'} "
                         f"with {H} numbers per part")
    if xs.shape[-1] != cell.input_size:
        raise ValueError(f"xs has {xs.shape[-1]} features per step but the module expects input_size={cell.input_size}")

    stepper = _torch_stepper(cell, xs, _pack(state0), names)
    xs = torch.as_tensor(xs, dtype=torch.float64).detach().cpu()

    def batched_jacobian(t, flat):
        # A batch of S copies of the state, row b seeded with the basis vector e_b:
        # one forward and one backward pass give all S rows of the Jacobian.
        size = flat.size
        state = torch.from_numpy(flat).expand(size, size).clone().requires_grad_(True)
        new = _unpack(cell(xs[t - 1].expand(size, -1), _pack(list(state.split(H, dim=1)))), "cell output")
        (rows,) = torch.autograd.grad(torch.cat(new, dim=1), state, grad_outputs=torch.eye(size, dtype=torch.float64))
        return rows.numpy()

    stepper.jacobian = batched_jacobian
    return stepper


def _as_sequence(xs) -> object:
    """Check ``xs`` is one sequence, (T, D) or (T, 1, D); return it as (T, D)."""
    if not hasattr(xs, "shape"):  # nested lists
        xs = np.asarray(xs, dtype=np.float64)
    shape = tuple(xs.shape)
    if len(shape) == 3:
        if shape[1] != 1:
            raise ValueError(f"xs must be ONE sequence, (T, D) or (T, 1, D); got a batch of {shape[1]}. "
                             "Call gradient_flow once per sequence.")
        xs = xs[:, 0]
        shape = (shape[0], shape[2])
    if len(shape) != 2:
        raise ValueError(f"xs must have shape (T, D) (one sequence), got shape {shape}")
    if shape[0] < 1:
        raise ValueError("xs must have at least one time step")
    return xs


# ------------------------------------------------------------------------ measurement


def gradient_flow(model, xs, state0=None, *, parts: Sequence[str] | None = None,
                  norm: str = "spectral") -> GradientFlow:
    """Measure ||d(of)_T / d(wrt)_t|| for every t and every pair of state parts.

    Args:
        model: a torch RNN/LSTM/GRU module or cell, an :mod:`lstm_edu.scratch`
            layer, or a step function ``step(x_t, state) -> state`` (then
            ``state0`` is required and decides torch autograd or numpy finite
            differences).  See the module docstring.
        xs: one input sequence, (T, D) or (T, 1, D), numpy or torch.
        state0: the initial state (zeros for modules and layers if None): one
            array, or a tuple such as ``(h0, c0)``.
        parts: names for the parts of a step function's state (default
            ``("h",)``, ``("h", "c")``, ...).
        norm: ``"spectral"`` (largest singular value) or ``"fro"``.

    Returns:
        A :class:`GradientFlow`.  Cost: T Jacobians of size S x S (S = total
        state size) and T matrix products.
    """
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    xs = _as_sequence(xs)
    from lstm_edu.scratch.base import RecurrentLayer

    if isinstance(model, RecurrentLayer):
        from lstm_edu.scratch.convert import to_torch

        model = to_torch(model)
    if _is_torch_module(model):
        stepper = _module_stepper(model, xs, state0, parts)
    elif callable(model):
        if state0 is None:
            raise ValueError("a step function needs state0 (its initial state, which also fixes the state's shape)")
        first = _unpack(state0, "state0")[0]
        if _is_torch_tensor(first):
            stepper = _torch_stepper(model, xs, state0, parts)
        elif isinstance(first, np.ndarray):
            stepper = _numpy_stepper(model, xs, state0, parts)
        else:
            raise TypeError(f"state0 must be a numpy array or a torch tensor (or a tuple of them), "
                            f"got {type(first).__name__}")
    else:
        raise TypeError(f"model must be a torch RNN/LSTM/GRU, an lstm_edu.scratch layer or a step function, "
                        f"got {type(model).__name__}")
    return _measure(stepper, len(xs), norm)


def _block_log10_norms(matrix: np.ndarray, sizes: Sequence[int], norm: str) -> np.ndarray:
    """(P, P) log10 of the norm of every block of ``matrix`` (a block of zeros gives -inf)."""
    edges = np.concatenate([[0], np.cumsum(sizes)])
    out = np.empty((len(sizes), len(sizes)))
    for i in range(len(sizes)):
        for j in range(len(sizes)):
            block = matrix[edges[i]:edges[i + 1], edges[j]:edges[j + 1]]
            value = np.linalg.norm(block, ord=2 if norm == "spectral" else "fro")
            with np.errstate(divide="ignore"):
                out[i, j] = np.log10(value)
    return out


def _measure(stepper: _Stepper, T: int, norm: str) -> GradientFlow:
    states = np.empty((T + 1, stepper.state0.size))
    states[0] = stepper.state0
    for t in range(1, T + 1):
        states[t] = stepper.forward(t, states[t - 1])
        if not np.all(np.isfinite(states[t])):
            raise FloatingPointError(f"the state became NaN or infinite at step {t}; the network diverged")
    sizes = stepper.sizes
    P = len(sizes)
    products = np.empty((T + 1, P, P))
    steps = np.empty((T, P, P))
    product = np.eye(stepper.state0.size)  # ds_T/ds_T
    log10_scale = 0.0  # the true product is product * 10**log10_scale
    products[T] = _block_log10_norms(product, sizes, norm)
    for t in range(T, 0, -1):
        jac = stepper.jacobian(t, states[t - 1])  # ds_t/ds_{t-1}
        steps[t - 1] = _block_log10_norms(jac, sizes, norm)
        product = product @ jac  # ds_T/ds_{t-1}
        largest = np.max(np.abs(product))
        if largest > 0:
            product /= largest
            log10_scale += math.log10(largest)
        products[t - 1] = _block_log10_norms(product, sizes, norm) + log10_scale
    split = np.split(states, np.cumsum(sizes)[:-1], axis=1)
    return GradientFlow(parts=stepper.parts, log10_products=products, log10_steps=steps,
                        states={name: part.copy() for name, part in zip(stepper.parts, split)}, norm=norm)


# ---------------------------------------------------------------------- matrix tools


def _square(matrix, name: str = "matrix") -> np.ndarray:
    if _is_torch_tensor(matrix):
        matrix = matrix.detach().cpu().numpy()
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return matrix


def _check_scale(value, name: str) -> None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, (bool, str)) or not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def largest_singular_value(matrix) -> float:
    """sigma_max, the spectral norm ||W||_2: the most any vector can be stretched by W."""
    return float(np.linalg.norm(_square(matrix), ord=2))


def spectral_radius(matrix) -> float:
    """rho(W), the largest absolute eigenvalue; rho(W) <= sigma_max(W), with equality for normal W."""
    return float(np.max(np.abs(np.linalg.eigvals(_square(matrix)))))


def with_largest_singular_value(matrix, value: float) -> np.ndarray:
    """``matrix`` rescaled so that its largest singular value is ``value``."""
    matrix = _square(matrix)
    _check_scale(value, "value")
    current = largest_singular_value(matrix)
    if current == 0:
        raise ValueError("cannot rescale a zero matrix")
    return matrix * (value / current)


def scaled_orthogonal(size: int, singular_value: float, rng=None) -> np.ndarray:
    """A random orthogonal (size, size) matrix times ``singular_value``: ALL its singular values equal it.

    ``rng`` is a ``numpy.random.Generator`` or an integer seed.  (QR of a Gaussian
    matrix with the signs of R's diagonal fixed gives a uniformly random orthogonal Q.)
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    _check_scale(singular_value, "singular_value")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    q, r = np.linalg.qr(rng.standard_normal((size, size)))
    q *= np.sign(np.diag(r))
    return singular_value * q


def vanishing_bound(weight_hh, activation: str = "tanh") -> float:
    """eta = gamma * sigma_max(W_hh), the bound on every factor ||dh_t/dh_{t-1}||.

    If eta < 1, ||dh_T/dh_t|| <= eta**(T - t) vanishes exponentially for ANY input
    (Pascanu et al. 2013).  gamma = sup |f'| is :data:`SLOPE_BOUND` [activation].
    """
    if activation not in SLOPE_BOUND:
        raise ValueError(f"activation must be one of {sorted(SLOPE_BOUND)}, got {activation!r}")
    return SLOPE_BOUND[activation] * largest_singular_value(weight_hh)


__all__ = [
    "GradientFlow",
    "NORMS",
    "SLOPE_BOUND",
    "gradient_flow",
    "largest_singular_value",
    "scaled_orthogonal",
    "spectral_radius",
    "vanishing_bound",
    "with_largest_singular_value",
]

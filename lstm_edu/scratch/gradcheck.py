"""Numerical gradient checks: is a hand-written backward pass right?

The centred difference

    df/dx_i  ~  (f(x + h e_i) - f(x - h e_i)) / (2 h)

has an error of order h**2 (plus rounding of order eps * |f| / h), so with float64
and h = 1e-5 a correct analytic gradient agrees to a relative error of about 1e-8
or better, while a wrong one is typically off by 1e-2 or more.

Typical use, checking a step function's ``dx``::

    h_next, cache = rnn_step_forward(x, h_prev, params)
    dh_next = rng.standard_normal(h_next.shape)
    dx, dh_prev, dparams = rnn_step_backward(dh_next, cache)
    num_dx = numerical_gradient(lambda x: rnn_step_forward(x, h_prev, params)[0], x, dh_next)
    relative_error(dx, num_dx)          # ~1e-10

and a whole layer at once: ``check_layer_gradients(layer, x)``.

Always check in float64: float32 rounding swamps the difference quotient.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np


def _check_perturbable(x, name: str) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array (it is perturbed in place), got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name} must be a floating-point array, got dtype {x.dtype}")
    if not x.flags.writeable:
        raise ValueError(f"{name} is read-only; pass a writeable copy")
    return x


def numerical_gradient(f: Callable, x: np.ndarray, df=None, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of ``f`` with respect to the array ``x``.

    ``f`` is called as ``f(x)`` after ``x`` has been changed **in place**, one
    element at a time, to ``x_i + h`` and ``x_i - h`` (and then restored exactly).
    Because the change is in place, ``f`` may ignore its argument and read ``x``
    some other way, e.g. a closure over ``layer.params["weight_hh"]``.

    - If ``df`` is None, ``f`` must return a scalar and the result is df/dx.
    - Otherwise ``f`` returns an array shaped like ``df`` and the result is the
      gradient of ``sum(f(x) * df)``, i.e. what a backward pass receiving the
      upstream gradient ``df`` should return.

    Returns a float64 array with the shape of ``x``.  Costs 2 * x.size calls of ``f``.
    """
    x = _check_perturbable(x, "x")
    if not (isinstance(h, (int, float)) and h > 0):
        raise ValueError(f"h must be a positive number, got {h!r}")
    if df is not None:
        df = np.asarray(df, dtype=np.float64)

    def scalar(value) -> float:
        value = np.asarray(value, dtype=np.float64)
        if df is None:
            if value.size != 1:
                raise ValueError(
                    f"f returned an array of shape {value.shape}; pass df to check an array-valued function"
                )
            return float(value.reshape(()))
        if value.shape != df.shape:
            raise ValueError(f"f returned shape {value.shape} but df has shape {df.shape}")
        return float(np.sum(value * df))

    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index].copy()
        x[index] = original + h
        plus = scalar(f(x))
        x[index] = original - h
        minus = scalar(f(x))
        x[index] = original  # restore exactly, not by subtracting h again
        grad[index] = (plus - minus) / (2 * h)
    return grad


def relative_error(a, b) -> float:
    """Relative difference of two arrays, ``||a - b|| / (||a|| + ||b||)`` (Euclidean norms).

    One number for the whole array: below ~1e-7 in float64 means the gradients
    agree; around 1e-2 or more means a bug.  (An element-wise ratio would blow up
    on entries that are zero up to rounding.)  Two all-zero arrays give 0.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def numerical_param_gradients(loss: Callable[[], float], params: Mapping[str, np.ndarray], h: float = 1e-5) -> dict:
    """Centred-difference gradients of a scalar ``loss()`` w.r.t. every array in ``params``.

    ``loss`` takes no argument and reads the parameters itself (they are perturbed
    in place).  Returns a dict with the same keys.
    """
    return {name: numerical_gradient(lambda _: loss(), array, h=h) for name, array in params.items()}


def compare_gradients(analytic: Mapping[str, np.ndarray], numerical: Mapping[str, np.ndarray]) -> dict:
    """Relative error (see :func:`relative_error`) per key of two gradient dicts."""
    if set(analytic) != set(numerical):
        raise ValueError(f"the dicts have different keys: {sorted(analytic)} vs {sorted(numerical)}")
    return {name: relative_error(analytic[name], numerical[name]) for name in analytic}


def check_layer_gradients(layer, x, state=None, *, seed: int = 0, h: float = 1e-5) -> dict:
    """Gradient-check a sequence layer (:class:`lstm_edu.scratch.RNN`, ``LSTM``, ``GRU``).

    Uses the loss ``L = sum(outputs * W_out) + sum(final_state * W_state)`` with fixed
    random weights, so that gradient flows in through every output and the final
    state.  Compares ``layer.backward`` with centred differences for ``x``, every
    part of the initial state (``h0``, and ``c0`` for an LSTM; zeros if ``state`` is
    None) and every parameter.  The layer must be float64.

    Returns ``{"x": err, "h0": err, ..., "weight_ih": err, ...}`` (relative errors).
    Costs two forward passes per checked number: keep the sizes small.
    """
    if layer.dtype != np.float64:
        raise TypeError(f"gradient checks need float64 parameters, the layer has {layer.dtype}")
    x = np.array(x, dtype=np.float64)  # a private copy, perturbed in place
    T, B = x.shape[:2]
    names = getattr(layer, "state_names", ("h",))
    if state is None:
        parts = [np.zeros((B, layer.hidden_size)) for _ in names]
    else:
        parts = [np.array(s, dtype=np.float64) for s in ((state,) if len(names) == 1 else state)]

    def pack(values):
        return values[0] if len(names) == 1 else tuple(values)

    rng = np.random.default_rng(seed)
    d_outputs = rng.standard_normal((T, B, layer.hidden_size))
    d_final = [rng.standard_normal((B, layer.hidden_size)) for _ in names]

    def loss() -> float:
        outputs, final = layer.forward(x, pack(parts))
        finals = (final,) if len(names) == 1 else final
        return float(np.sum(outputs * d_outputs) + sum(np.sum(s * d) for s, d in zip(finals, d_final)))

    layer.forward(x, pack(parts))
    dx, d_state0 = layer.backward(d_outputs, pack(d_final))
    analytic = {"x": dx, **{f"{n}0": d for n, d in zip(names, (d_state0,) if len(names) == 1 else d_state0)}}
    analytic.update(layer.grads)
    arrays = {"x": x, **{f"{n}0": part for n, part in zip(names, parts)}, **layer.params}
    return compare_gradients(analytic, numerical_param_gradients(loss, arrays, h=h))

"""Input checks shared by the step functions and the sequence layers.

Every check raises an error that names the offending argument and says what was
expected, so that a reader who passes ``(B, T, D)`` instead of ``(T, B, D)`` learns
exactly that instead of meeting a broadcasting error deep inside a matmul:

- ``TypeError`` for the wrong kind of object or dtype (not an array, integer data,
  float32 data with float64 parameters),
- ``ValueError`` for the wrong rank or sizes, NaN/inf values and bad parameter keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

#: The four parameter arrays of a single-layer recurrent cell, named as in PyTorch
#: (``weight_ih_l0`` and so on, without the layer suffix).
PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")

#: Number of stacked gate blocks in each cell: the rows of ``weight_ih`` are
#: ``GATE_COUNT[kind] * hidden_size``.
GATE_COUNT = {"RNN": 1, "LSTM": 4, "GRU": 3}

#: Gate names per block, in PyTorch's row order.
GATE_NAMES = {"RNN": ("h",), "LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n")}

#: A dimension of an expected shape: (label, size), with size None for "any size".
Dim = tuple[str, "int | None"]


class ForwardNotCalledError(ValueError, RuntimeError):
    """``backward`` was called before ``forward``.

    It is a ``ValueError`` (the call is invalid) and a ``RuntimeError`` (the object is
    in the wrong state), so either ``except`` clause catches it.
    """


def shape_description(expected: Sequence[Dim]) -> str:
    """Render an expected shape such as ``(T, B, input_size=3)``."""
    parts = [label if size is None else f"{label}={size}" for label, size in expected]
    return "(" + ", ".join(parts) + (",)" if len(parts) == 1 else ")")


def check_float_array(
    value,
    name: str,
    expected: Sequence[Dim],
    dtype: np.dtype | None = None,
    hint: str = "",
) -> np.ndarray:
    """Return ``value`` as a finite floating-point array of the expected shape.

    ``expected`` lists the dimensions as ``(label, size)`` pairs, e.g.
    ``[("T", None), ("B", None), ("input_size", 3)]``; a size of None accepts any
    positive size.  When ``dtype`` is given the array must already have it (mixing
    float32 and float64 is refused rather than silently converted).  ``hint`` is
    appended to shape errors.
    """
    try:
        array = np.asarray(value)
    except Exception as err:  # e.g. a CUDA tensor or a ragged list
        raise TypeError(f"{name} must be a numpy array, got {type(value).__name__} ({err})") from None
    if array.dtype == object or not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{name} must be a floating-point array, got dtype {array.dtype}; "
            f"convert it with {name}.astype(np.float64) (or float32)"
        )
    wanted = shape_description(expected)
    suffix = f"; {hint}" if hint else ""
    if array.ndim != len(expected):
        raise ValueError(
            f"{name} must be a {len(expected)}-D array of shape {wanted}, "
            f"got a {array.ndim}-D array of shape {array.shape}{suffix}"
        )
    for (label, size), actual in zip(expected, array.shape):
        if (size is not None and actual != size) or actual == 0:
            raise ValueError(f"{name} must have shape {wanted}, got {array.shape}{suffix}")
    if dtype is not None and array.dtype != dtype:
        raise TypeError(
            f"{name} has dtype {array.dtype} but the parameters are {np.dtype(dtype)}; "
            f"convert it with {name}.astype(np.{np.dtype(dtype)}) (precisions are never mixed)"
        )
    check_finite(array, name)
    return array


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``array`` holds a NaN or an infinity."""
    if not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        where = tuple(int(i) for i in bad)
        raise ValueError(f"{name} contains NaN or inf (first at index {where}: {array[where]})")


def check_params(
    params: Mapping[str, np.ndarray],
    kind: str,
    input_size: int | None = None,
    hidden_size: int | None = None,
    name: str = "params",
) -> tuple[np.dtype, int, int]:
    """Check a parameter dict of an RNN, LSTM or GRU cell in PyTorch's layout.

    ``kind`` is ``"RNN"``, ``"LSTM"`` or ``"GRU"``.  The dict must hold exactly
    ``weight_ih`` (G*H, D), ``weight_hh`` (G*H, H), ``bias_ih`` (G*H,) and
    ``bias_hh`` (G*H,) with G = 1, 4 or 3, as finite numpy arrays of one floating
    dtype.  Sizes not given are read from the arrays.  Returns ``(dtype, D, H)``.
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"{name} must be a dict with keys {', '.join(PARAM_NAMES)}, got {type(params).__name__}")
    unknown = sorted(set(params) - set(PARAM_NAMES), key=str)
    missing = [key for key in PARAM_NAMES if key not in params]
    if unknown or missing:
        problems = []
        if unknown:
            problems.append("unknown key(s) " + ", ".join(repr(k) for k in unknown))
        if missing:
            problems.append("missing key(s) " + ", ".join(repr(k) for k in missing))
        raise ValueError(f"{name} has {' and '.join(problems)}; expected exactly {', '.join(PARAM_NAMES)}")
    for key in PARAM_NAMES:
        value = params[key]
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"{name}[{key!r}] must be a numpy array, got {type(value).__name__}"
                " (convert torch tensors with .detach().cpu().numpy(), or use from_torch)"
            )
        if not np.issubdtype(value.dtype, np.floating):
            raise TypeError(f"{name}[{key!r}] must be a floating-point array, got dtype {value.dtype}")
    dtype = params["weight_ih"].dtype
    for key in PARAM_NAMES[1:]:
        if params[key].dtype != dtype:
            raise TypeError(
                f"{name}[{key!r}] has dtype {params[key].dtype} but {name}['weight_ih'] has {dtype}; "
                "all parameters must share one dtype"
            )
    gates = GATE_COUNT[kind]
    for key, rank in zip(PARAM_NAMES, (2, 2, 1, 1)):
        if params[key].ndim != rank:
            raise ValueError(f"{name}[{key!r}] must be a {rank}-D array, got shape {params[key].shape}")
    if hidden_size is None:
        hidden_size = params["weight_hh"].shape[1]
    if input_size is None:
        input_size = params["weight_ih"].shape[1]
    rows = ("hidden_size", hidden_size) if gates == 1 else (f"{gates}*hidden_size", gates * hidden_size)
    expected = {
        "weight_ih": [rows, ("input_size", input_size)],
        "weight_hh": [rows, ("hidden_size", hidden_size)],
        "bias_ih": [rows],
        "bias_hh": [rows],
    }
    hint = "" if gates == 1 else f"the {kind} stacks its gates {', '.join(GATE_NAMES[kind])} row-wise, as PyTorch does"
    for key in PARAM_NAMES:
        check_float_array(params[key], f"{name}[{key!r}]", expected[key], dtype, hint=hint)
    return dtype, input_size, hidden_size


def check_step_inputs(kind: str, params: Mapping[str, np.ndarray], x, *states) -> tuple[np.ndarray, ...]:
    """Check the arguments of a single-step function; return ``(x, *states)`` as arrays.

    ``x`` must be (B, D) and every state (``h_prev``, and ``c_prev`` for an LSTM)
    (B, H), all of the parameters' dtype, with D and H read from ``params``.
    """
    dtype, input_size, hidden_size = check_params(params, kind)
    x = check_float_array(x, "x", [("B", None), ("input_size", input_size)], dtype)
    names = ("h_prev", "c_prev")
    checked = [
        check_float_array(
            state, name, [("B", x.shape[0]), ("hidden_size", hidden_size)], dtype, hint="B is the batch size of x"
        )
        for name, state in zip(names, states)
    ]
    return (x, *checked)


def check_upstream_gradient(grad, name: str, like: np.ndarray) -> np.ndarray:
    """Check a gradient passed to a backward function: same shape and dtype as ``like``."""
    labels = ["B", "hidden_size"] if like.ndim == 2 else ["T", "B", "hidden_size"]
    expected = list(zip(labels, like.shape))
    hint = "it must match the forward output it differentiates"
    return check_float_array(grad, name, expected, like.dtype, hint=hint)

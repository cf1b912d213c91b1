"""Conversion between the numpy layers and ``torch.nn.RNN`` / ``LSTM`` / ``GRU``.

Both use the same parameter layout, so conversion is a copy of four arrays::

    layer = from_torch(torch.nn.LSTM(3, 5, dtype=torch.float64))   # -> lstm_edu.scratch.LSTM
    module = to_torch(layer)                                        # -> torch.nn.LSTM

Only what the numpy layers can represent is accepted: one layer, one direction,
biases on, no LSTM projection, time-major input (``batch_first=False``).  Anything
else raises a ``ValueError`` that says which setting is the problem.  The cells
``torch.nn.RNNCell``/``LSTMCell``/``GRUCell`` are accepted by :func:`from_torch`
too (a layer applies the cell at every step).

torch is imported only when these functions are called, so the rest of
:mod:`lstm_edu.scratch` works without it.
"""

from __future__ import annotations

import numpy as np

from lstm_edu.scratch.base import RecurrentLayer
from lstm_edu.scratch.layers import GRU, LSTM, RNN
from lstm_edu.scratch.validation import PARAM_NAMES, check_params

_NUMPY_DTYPES = {"torch.float32": np.float32, "torch.float64": np.float64}


def _import_torch():
    try:
        import torch
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("converting to or from torch.nn needs PyTorch; install it with `pip install torch`") from err
    return torch


def _check_module_options(module) -> None:
    """Refuse torch settings the numpy layers cannot reproduce."""
    name = type(module).__name__
    problems = []
    if getattr(module, "num_layers", 1) != 1:
        problems.append(
            f"num_layers={module.num_layers} (only single-layer modules convert; stack numpy layers yourself)"
        )
    if getattr(module, "bidirectional", False):
        problems.append("bidirectional=True (the numpy layers run in one direction)")
    if getattr(module, "proj_size", 0):
        problems.append(f"proj_size={module.proj_size} (LSTM projections are not implemented)")
    if getattr(module, "batch_first", False):
        problems.append(
            "batch_first=True (the numpy layers take time-major (T, B, D) input; "
            "build the module with batch_first=False)"
        )
    if not getattr(module, "bias", True):
        problems.append("bias=False (the numpy layers always have bias_ih and bias_hh)")
    if problems:
        raise ValueError(f"cannot convert this torch.nn.{name}: " + "; ".join(problems))


def from_torch(module) -> RecurrentLayer:
    """A numpy :class:`RNN`, :class:`LSTM` or :class:`GRU` with a copy of ``module``'s parameters.

    ``module`` is a ``torch.nn.RNN``, ``LSTM`` or ``GRU`` (single layer, unidirectional,
    ``batch_first=False``) or the matching ``*Cell``.  The layer's dtype is the
    module's (float32 or float64); parameters on a GPU are copied to the CPU.
    """
    torch = _import_torch()
    nn = torch.nn
    kinds = [((nn.LSTM, nn.LSTMCell), LSTM), ((nn.GRU, nn.GRUCell), GRU), ((nn.RNN, nn.RNNCell), RNN)]
    layer_class = next((cls for types, cls in kinds if isinstance(module, types)), None)
    if layer_class is None:
        raise TypeError(
            f"from_torch expects a torch.nn.RNN, LSTM or GRU (or their Cell versions), got {type(module).__name__}"
        )
    _check_module_options(module)
    suffix = "" if isinstance(module, nn.RNNCellBase) else "_l0"
    tensors = {name: getattr(module, name + suffix).detach() for name in PARAM_NAMES}
    dtype = _NUMPY_DTYPES.get(str(tensors["weight_ih"].dtype))
    if dtype is None:
        raise TypeError(
            f"the module's parameters are {tensors['weight_ih'].dtype}; convert it to float32 or float64 first "
            "(e.g. module.double())"
        )
    options = {"nonlinearity": module.nonlinearity} if layer_class is RNN else {}
    layer = layer_class(module.input_size, module.hidden_size, dtype=dtype, seed=0, **options)
    layer.params = {name: tensor.cpu().numpy().copy() for name, tensor in tensors.items()}
    return layer


def to_torch(layer: RecurrentLayer, device=None):
    """A ``torch.nn.RNN``, ``LSTM`` or ``GRU`` holding a copy of ``layer``'s parameters.

    The module has ``num_layers=1``, ``batch_first=False`` and the layer's dtype; it is
    moved to ``device`` if one is given.
    """
    torch = _import_torch()
    modules = {RNN: torch.nn.RNN, LSTM: torch.nn.LSTM, GRU: torch.nn.GRU}
    module_class = next((m for cls, m in modules.items() if isinstance(layer, cls)), None)
    if module_class is None:
        raise TypeError(f"to_torch expects an lstm_edu.scratch RNN, LSTM or GRU, got {type(layer).__name__}")
    dtype, _, _ = check_params(layer.params, layer.kind, layer.input_size, layer.hidden_size, name="layer.params")
    torch_dtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}.get(dtype)
    if torch_dtype is None:
        raise TypeError(f"the layer's parameters are {dtype}; only float32 and float64 convert to torch")
    options = {"nonlinearity": layer.nonlinearity} if isinstance(layer, RNN) else {}
    module = module_class(layer.input_size, layer.hidden_size, dtype=torch_dtype, **options)
    with torch.no_grad():
        for name in PARAM_NAMES:
            getattr(module, name + "_l0").copy_(torch.from_numpy(layer.params[name]))
    return module if device is None else module.to(device)

"""The part of a recurrent sequence layer that RNN, LSTM and GRU share.

A layer runs a cell over a whole sequence ``x`` of shape (T, B, D).  What is the
same for all three cells lives here:

- parameters in PyTorch's layer-0 layout, initialised U(-1/sqrt(H), 1/sqrt(H));
- argument checks (:mod:`lstm_edu.scratch.validation`);
- the **input part of all T steps in one matmul**: ``W_ih x_t`` does not depend on
  the state, so it is computed up front for every t by one (batched) matmul;
- the time loop, forward and backward, over buffers allocated once per call;
- backpropagation through time: the backward loop only carries the state gradient
  from step to step and records the gradient ``da_t`` (G*H, B) of every step's
  pre-activations.  The parameter gradients are sums over time, so with the
  ``da_t`` side by side in one (G*H, T*B) matrix ``dA`` each is **one matmul**::

      dW_ih = sum_t da_t x_t^T      = dA X          (X: (T*B, D), all inputs)
      dW_hh = sum_t da_t h_{t-1}^T  = dA H_prev^T   (H_prev: (H, T*B))
      db    = sum_t sum_b da_t      = dA summed over its columns
      dx_t  = W_ih^T da_t           (all t at once: dA^T W_ih)

Inside the loop states are columns, (H, B): see :mod:`lstm_edu.scratch.layers`
for why.  Subclasses supply the arithmetic of one step, ``_forward_step`` and
``_backward_step``.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from lstm_edu.scratch.validation import (
    GATE_COUNT,
    PARAM_NAMES,
    ForwardNotCalledError,
    check_float_array,
    check_params,
)


def make_rng(seed=None, rng=None) -> np.random.Generator:
    """The random generator a layer initialises from: ``rng`` if given, else ``default_rng(seed)``."""
    if rng is not None:
        if seed is not None:
            raise ValueError("give either seed or rng, not both")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return rng
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an integer or None, got {type(seed).__name__}")
    return np.random.default_rng(seed)


def check_size(value, name: str) -> int:
    """A positive integer size such as ``input_size``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


class RecurrentLayer:
    """Base class of :class:`RNN`, :class:`LSTM` and :class:`GRU` (time-major, one layer, one direction).

    Attributes
    ----------
    params : dict
        ``weight_ih`` (G*H, D), ``weight_hh`` (G*H, H), ``bias_ih`` (G*H,),
        ``bias_hh`` (G*H,), exactly like PyTorch's ``weight_ih_l0`` and friends.  You
        may replace the arrays (shapes and dtypes are checked at every forward).
    grads : dict
        Same keys and shapes; filled by :meth:`backward` (zeros before).
    """

    #: "RNN", "LSTM" or "GRU"; sets the number of gate blocks G.
    kind: str = ""
    #: Names of the parts of the recurrent state.
    state_names: tuple[str, ...] = ("h",)
    #: Whether the gradients of ``W_ih x + b_ih`` and ``W_hh h + b_hh`` differ (only in the GRU).
    separate_recurrent_grad: bool = False

    def __init__(self, input_size: int, hidden_size: int, *, seed=None, rng=None, dtype=np.float64):
        self.input_size = check_size(input_size, "input_size")
        self.hidden_size = check_size(hidden_size, "hidden_size")
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            raise TypeError(f"dtype must be a floating-point type such as np.float64 or np.float32, got {dtype}")
        generator = make_rng(seed, rng)
        rows = GATE_COUNT[self.kind] * self.hidden_size
        shapes = {
            "weight_ih": (rows, self.input_size),
            "weight_hh": (rows, self.hidden_size),
            "bias_ih": (rows,),
            "bias_hh": (rows,),
        }
        bound = 1.0 / np.sqrt(self.hidden_size)  # PyTorch's default for every RNN parameter
        self.params = {name: generator.uniform(-bound, bound, shapes[name]).astype(dtype) for name in PARAM_NAMES}
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}
        self._cache = None

    # ------------------------------------------------------------------ public API

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the parameters, which the whole computation follows."""
        return self.params["weight_ih"].dtype

    @property
    def num_parameters(self) -> int:
        """G*H*(D + H) + 2*G*H, as ``sum(p.numel() for p in module.parameters())`` in PyTorch."""
        return sum(p.size for p in self.params.values())

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(input_size={self.input_size}, hidden_size={self.hidden_size}, dtype={self.dtype})"

    def __call__(self, x, state=None):
        return self.forward(x, state)

    def forward(self, x, state=None):
        """Run the layer over a sequence.

        x: (T, B, input_size).  state: the initial state, ``h0`` (B, H) for RNN/GRU,
        a tuple ``(h0, c0)`` for the LSTM; None means zeros.
        Returns ``outputs`` (T, B, H), every step's h, and the final state (same
        structure as ``state``).  Keeps what :meth:`backward` needs.
        """
        dtype, _, _ = check_params(self.params, self.kind, self.input_size, self.hidden_size, name="layer.params")
        x = check_float_array(x, "x", [("T", None), ("B", None), ("input_size", self.input_size)], dtype)
        T, B, D = x.shape
        H, G = self.hidden_size, GATE_COUNT[self.kind]
        state0 = self._check_state(state, "state", B, dtype)
        p = self.params
        c = SimpleNamespace(x=x, weight_ih=p["weight_ih"], weight_hh=p["weight_hh"], bias_hh=p["bias_hh"])
        # The input part of every step at once, W_ih x_t + b for all t in one matmul
        # (a batched one: (G*H, D) @ (T, D, B) -> (T, G*H, B)).  The steps then add
        # W_hh h_{t-1} and apply the activations in place, so acts[t] ends up holding
        # the gate activations of step t.
        c.acts = np.matmul(p["weight_ih"], x.transpose(0, 2, 1))
        c.acts += self._input_bias(p["bias_ih"], p["bias_hh"])[:, None]
        c.hs = np.empty((T + 1, H, B), dtype)  # hs[0] = h0, hs[t + 1] = h_t, as columns
        c.hs[0] = state0[0].T
        c.tmp_gates = np.empty((G * H, B), dtype)
        c.tmp_h = np.empty((H, B), dtype)
        self._allocate_forward(c, state0)
        for t in range(T):
            self._forward_step(c, t)
        self._cache = c
        return c.hs[1:].transpose(0, 2, 1).copy(), self._final_state(c)

    def backward(self, d_outputs, d_state=None):
        """Backpropagation through time for the last :meth:`forward` call.

        d_outputs: (T, B, H), the gradient of the loss w.r.t. ``outputs`` (None = zeros).
        d_state: the gradient w.r.t. the final state, same structure as the state
        (None = zeros).  Returns ``(dx, d_state0)``: dx (T, B, input_size) and the
        gradient w.r.t. the initial state.  Parameter gradients go to ``self.grads``.
        """
        c = self._cache
        if c is None:
            raise ForwardNotCalledError(
                f"{type(self).__name__}.backward() was called before forward(); run layer.forward(x) first"
            )
        T, H, B = c.hs.shape[0] - 1, self.hidden_size, c.hs.shape[2]
        G, D, dtype = GATE_COUNT[self.kind], self.input_size, c.hs.dtype
        if d_outputs is not None:
            d_outputs = check_float_array(
                d_outputs, "d_outputs", [("T", T), ("B", B), ("hidden_size", H)], dtype,
                hint="it must match the outputs of the last forward()",
            )
        d_final = self._check_state(d_state, "d_state", B, dtype)
        # Gradients of each step's pre-activations, stored gate-major so that all
        # steps together form one (G*H, T*B) matrix for the parameter gradients.
        c.d_pre_x = np.empty((G * H, T, B), dtype)  # of W_ih x_t + b_ih
        c.d_pre_h = np.empty_like(c.d_pre_x) if self.separate_recurrent_grad else c.d_pre_x  # of W_hh h_{t-1} + b_hh
        c.da_x = np.empty((G * H, B), dtype)  # the same for the current step, written by _backward_step
        c.da_h = np.empty_like(c.da_x) if self.separate_recurrent_grad else c.da_x
        dh = d_final[0].T.copy()  # carried backwards: the gradient w.r.t. h_t, as columns
        self._allocate_backward(c, d_final)
        d_hs = None if d_outputs is None else d_outputs.transpose(0, 2, 1).copy()  # (T, H, B) columns
        for t in reversed(range(T)):
            if d_hs is not None:
                dh += d_hs[t]
            self._backward_step(c, t, dh)  # fills da_x, da_h; turns dh into the gradient w.r.t. h_{t-1}
            c.d_pre_x[:, t] = c.da_x
            if self.separate_recurrent_grad:
                c.d_pre_h[:, t] = c.da_h
        # Sums over time as single matmuls over all T*B columns.
        d_pre_x = c.d_pre_x.reshape(G * H, T * B)
        d_pre_h = c.d_pre_h.reshape(G * H, T * B)
        h_prev = c.hs[:-1].transpose(1, 0, 2).reshape(H, T * B)  # column (t, b) = h_{t-1}
        self.grads = {
            "weight_ih": d_pre_x @ c.x.reshape(T * B, D),
            "weight_hh": d_pre_h @ h_prev.T,
            "bias_ih": d_pre_x.sum(axis=1),
            "bias_hh": d_pre_h.sum(axis=1),
        }
        dx = (d_pre_x.T @ c.weight_ih).reshape(T, B, D)
        return dx, self._pack_state([g.T.copy() for g in [dh] + self._initial_state_grads(c)])

    # ----------------------------------------------------------- shared helpers

    def _pack_state(self, parts: list[np.ndarray]):
        """An array for a one-part state (h), a tuple for the LSTM's (h, c)."""
        return parts[0] if len(self.state_names) == 1 else tuple(parts)

    def _check_state(self, state, name: str, batch: int, dtype) -> list[np.ndarray]:
        """Validate a state or state gradient; returns a list of (B, H) arrays (zeros for None)."""
        count = len(self.state_names)
        if state is None:
            parts = [None] * count
        elif count == 1:
            parts = [state]
        else:
            if not isinstance(state, (tuple, list)) or len(state) != count:
                names = ", ".join(self.state_names)
                raise TypeError(
                    f"{name} must be a tuple ({names}) of (B, hidden_size) arrays for an {self.kind}, "
                    f"got {type(state).__name__}"
                )
            parts = list(state)
        expected = [("B", batch), ("hidden_size", self.hidden_size)]
        checked = []
        for part, state_name in zip(parts, self.state_names):
            label = name if count == 1 else f"{name}[{self.state_names.index(state_name)}] ({state_name})"
            if part is None:
                checked.append(np.zeros((batch, self.hidden_size), dtype))
            else:
                checked.append(check_float_array(part, label, expected, dtype, hint="B is the batch size of x"))
        return checked

    # ------------------------------------------------------ what subclasses write

    def _input_bias(self, bias_ih: np.ndarray, bias_hh: np.ndarray) -> np.ndarray:
        """The bias added to the precomputed input projection (G*H,)."""
        return bias_ih + bias_hh

    def _allocate_forward(self, c, state0: list[np.ndarray]) -> None:
        """Allocate cell-specific buffers of the forward pass (e.g. the LSTM's cells)."""

    def _allocate_backward(self, c, d_final: list[np.ndarray]) -> None:
        """Allocate cell-specific buffers of the backward pass."""

    def _final_state(self, c):
        return c.hs[-1].T.copy()

    def _initial_state_grads(self, c) -> list[np.ndarray]:
        """Gradients of the initial state beyond dh (the LSTM's dc0)."""
        return []

    def _forward_step(self, c, t: int) -> None:
        raise NotImplementedError

    def _backward_step(self, c, t: int, dh: np.ndarray) -> None:
        raise NotImplementedError

"""Fast numpy sequence layers: :class:`RNN`, :class:`LSTM` and :class:`GRU`.

The public contract mirrors ``torch.nn.RNN/LSTM/GRU`` with one layer, one direction
and time-major input::

    layer = LSTM(input_size, hidden_size, seed=0)        # dtype=np.float32 also works
    outputs, (h, c) = layer.forward(x)                     # x (T, B, D) -> outputs (T, B, H)
    dx, (dh0, dc0) = layer.backward(d_outputs, (dh, dc))   # parameter gradients in layer.grads

Each class only writes the arithmetic of one time step; the loop, the input part
of all steps at once and the parameter gradients are in
:class:`~lstm_edu.scratch.base.RecurrentLayer`.  The steps compute exactly what
:mod:`lstm_edu.scratch.steps` computes (a test checks it), with two differences
that make them fast:

1. **Columns instead of rows.**  Inside the loop a state is stored as an (H, B)
   array whose columns are the batch elements, and the pre-activations are
   ``W_hh @ h`` (G*H, B), as in the papers' notation ``W h + b``.  Then each gate
   is a block of consecutive rows, i.e. one contiguous piece of memory, and
   numpy's element-wise operations on it run at full speed.  (With rows, ``h @
   W_hh.T`` is (B, G*H) and every gate is a strided slice.)
2. **No new arrays in the loop.**  Every result is written into a buffer allocated
   once per call, with numpy's ``out=`` arguments and in-place operators.

Per-call buffers (``c`` is the cache; T steps, batch B, hidden H, G gate blocks):

- ``c.acts[t]`` (G*H, B): ``W_ih x_t + b``, computed for all t before the loop,
  then overwritten by step t with its gate activations (the RNN keeps h in ``c.hs``);
- ``c.hs[t + 1]`` (H, B): the state after step t, with ``c.hs[0]`` the initial state;
- ``c.da_x`` (G*H, B): the gradient of the current step's pre-activations.
"""

from __future__ import annotations

import numpy as np

from lstm_edu.scratch.activations import sigmoid_inplace
from lstm_edu.scratch.base import RecurrentLayer


class RNN(RecurrentLayer):
    """Vanilla RNN layer, ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``.

    ``nonlinearity="relu"`` uses max(., 0) instead, like ``torch.nn.RNN``.
    Options: ``seed=`` or ``rng=`` for the initialisation, ``dtype=`` (float64 default).
    """

    kind = "RNN"

    def __init__(self, input_size: int, hidden_size: int, *, nonlinearity: str = "tanh", **options):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, **options)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", nonlinearity={self.nonlinearity!r})"

    def _forward_step(self, c, t):
        h = c.hs[t + 1]
        np.matmul(c.weight_hh, c.hs[t], out=c.tmp_gates)
        np.add(c.acts[t], c.tmp_gates, out=h)  # pre-activation
        if self.nonlinearity == "tanh":
            np.tanh(h, out=h)
        else:
            np.maximum(h, 0, out=h)

    def _backward_step(self, c, t, dh):
        h, da = c.hs[t + 1], c.da_x
        if self.nonlinearity == "tanh":
            np.multiply(h, h, out=da)
            np.subtract(1, da, out=da)  # tanh' = 1 - h^2
        else:
            np.sign(h, out=da)  # relu' = 1 where h > 0 (h is never negative)
        da *= dh
        np.matmul(c.weight_hh.T, da, out=dh)  # dh_{t-1}


class LSTM(RecurrentLayer):
    """LSTM layer with PyTorch's equations and gate order i, f, g, o.

    The state is a tuple ``(h, c)``.  Options: ``seed=`` or ``rng=``, ``dtype=``.
    """

    kind = "LSTM"
    state_names = ("h", "c")

    def _allocate_forward(self, c, state0):
        T, H, B = c.acts.shape[0], self.hidden_size, c.acts.shape[2]
        c.cs = np.empty((T + 1, H, B), c.acts.dtype)  # cs[0] = c0, cs[t + 1] = c_t
        c.cs[0] = state0[1].T
        c.tanh_cs = np.empty((T, H, B), c.acts.dtype)  # tanh(c_t)

    def _final_state(self, c):
        return c.hs[-1].T.copy(), c.cs[-1].T.copy()

    def _forward_step(self, c, t):
        H = self.hidden_size
        a = c.acts[t]  # (4H, B): W_ih x_t + b_ih + b_hh
        np.matmul(c.weight_hh, c.hs[t], out=c.tmp_gates)
        a += c.tmp_gates  # pre-activations of i, f, g, o
        sigmoid_inplace(a[: 2 * H])  # i and f
        np.tanh(a[2 * H : 3 * H], out=a[2 * H : 3 * H])  # g
        sigmoid_inplace(a[3 * H :])  # o
        i, f, g, o = a[:H], a[H : 2 * H], a[2 * H : 3 * H], a[3 * H :]
        c_t = c.cs[t + 1]
        np.multiply(f, c.cs[t], out=c_t)  # c_t = f * c_{t-1} + i * g
        np.multiply(i, g, out=c.tmp_h)
        c_t += c.tmp_h
        np.tanh(c_t, out=c.tanh_cs[t])  # h_t = o * tanh(c_t)
        np.multiply(o, c.tanh_cs[t], out=c.hs[t + 1])

    def _allocate_backward(self, c, d_final):
        c.dc = d_final[1].T.copy()  # carried backwards: the gradient w.r.t. c_t

    def _initial_state_grads(self, c):
        return [c.dc]

    def _backward_step(self, c, t, dh):
        H = self.hidden_size
        a, da, tanh_c, dc, tmp = c.acts[t], c.da_x, c.tanh_cs[t], c.dc, c.tmp_h
        i, f, g, o = a[:H], a[H : 2 * H], a[2 * H : 3 * H], a[3 * H :]
        di, df, dg, do = da[:H], da[H : 2 * H], da[2 * H : 3 * H], da[3 * H :]
        # h_t = o * tanh(c_t): do, and dc_t += dh * o * (1 - tanh(c_t)^2)
        np.multiply(dh, tanh_c, out=do)
        np.multiply(tanh_c, tanh_c, out=tmp)
        np.subtract(1, tmp, out=tmp)
        tmp *= o
        tmp *= dh
        dc += tmp
        # c_t = f * c_{t-1} + i * g
        np.multiply(dc, g, out=di)
        np.multiply(dc, c.cs[t], out=df)
        np.multiply(dc, i, out=dg)
        dc *= f  # now dc_{t-1}
        # through the activations: s (1 - s) for the sigmoid gates, then 1 - g^2 for g
        slope = c.tmp_gates
        np.subtract(1, a, out=slope)
        slope *= a
        np.multiply(g, g, out=slope[2 * H : 3 * H])
        np.subtract(1, slope[2 * H : 3 * H], out=slope[2 * H : 3 * H])
        da *= slope
        np.matmul(c.weight_hh.T, da, out=dh)  # dh_{t-1}


class GRU(RecurrentLayer):
    """GRU layer with PyTorch's equations: gate order r, z, n, reset applied after the matmul.

    Options: ``seed=`` or ``rng=``, ``dtype=``.
    """

    kind = "GRU"
    separate_recurrent_grad = True  # r scales the n block of W_hh h + b_hh

    def _input_bias(self, bias_ih, bias_hh):
        # b_hr and b_hz can join the input part; b_hn cannot (r scales it).
        H = self.hidden_size
        bias = bias_ih.copy()
        bias[: 2 * H] += bias_hh[: 2 * H]
        return bias

    def _allocate_forward(self, c, state0):
        T, H, B = c.acts.shape[0], self.hidden_size, c.acts.shape[2]
        c.hns = np.empty((T, H, B), c.acts.dtype)  # W_hn h_{t-1} + b_hn
        c.bias_hn = c.bias_hh[2 * H :, None]  # as a column, to broadcast over the batch

    def _forward_step(self, c, t):
        H = self.hidden_size
        a, hw = c.acts[t], c.tmp_gates  # (3H, B) each; a = W_ih x_t + b_ih + [b_hr, b_hz, 0]
        np.matmul(c.weight_hh, c.hs[t], out=hw)
        a[: 2 * H] += hw[: 2 * H]
        sigmoid_inplace(a[: 2 * H])  # r and z
        r, z, n = a[:H], a[H : 2 * H], a[2 * H :]
        hn = c.hns[t]
        np.add(hw[2 * H :], c.bias_hn, out=hn)
        np.multiply(r, hn, out=c.tmp_h)  # n = tanh(W_in x + b_in + r * hn)
        n += c.tmp_h
        np.tanh(n, out=n)
        h_t = c.hs[t + 1]  # h_t = (1 - z) * n + z * h_{t-1} = n + z * (h_{t-1} - n)
        np.subtract(c.hs[t], n, out=h_t)
        h_t *= z
        h_t += n

    def _backward_step(self, c, t, dh):
        H = self.hidden_size
        a, dax, dah, tmp = c.acts[t], c.da_x, c.da_h, c.tmp_h
        r, z, n = a[:H], a[H : 2 * H], a[2 * H :]
        dar, daz, dan = dax[:H], dax[H : 2 * H], dax[2 * H :]
        # h_t = (1 - z) * n + z * h_{t-1}
        np.subtract(c.hs[t], n, out=daz)
        daz *= dh  # dz
        np.subtract(1, z, out=dan)
        dan *= dh  # dn
        # n = tanh(a_n), a_n = W_in x + b_in + r * hn
        np.multiply(n, n, out=tmp)
        np.subtract(1, tmp, out=tmp)
        dan *= tmp  # d a_n
        np.multiply(dan, c.hns[t], out=dar)  # dr
        # sigmoid slopes of r and z
        slope = c.tmp_gates[: 2 * H]
        np.subtract(1, a[: 2 * H], out=slope)
        slope *= a[: 2 * H]
        dax[: 2 * H] *= slope
        # the recurrent pre-activation: equal for r and z, scaled by r for n
        dah[: 2 * H] = dax[: 2 * H]
        np.multiply(dan, r, out=dah[2 * H :])
        dh *= z  # direct path h_{t-1} -> h_t
        np.matmul(c.weight_hh.T, dah, out=tmp)
        dh += tmp

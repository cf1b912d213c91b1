"""Small demonstrations behind the appendix "Myths and corrections" (``book/myths.ipynb``).

Each function builds or measures one thing that a common myth gets wrong, small enough to
rerun while reading (the whole appendix, which calls them, executed in 4.7 s on the book's
2-core build machine on 2026-12-06):

- cells whose gates are pinned to chosen values: :func:`fixed_gate_lstm_cell`,
  :func:`fixed_gate_gru_cell`, rolled forward by :func:`unroll_cell`;
- gradient products through time: :func:`rnn_jacobian_norms`, :func:`lstm_weight_gradient_norms`;
- cost: :func:`parameter_counts`, :func:`times_per_step`;
- losses: :func:`loss_gradients_at_logit`, :func:`train_logistic_unit`;
- the GRU candidate in its two published forms: :func:`gru_candidates`;
- bidirectional read-out: :func:`steps_read`;
- data-handling bugs: :func:`embedding_rows_touched`, :func:`final_output_after_padding`,
  :func:`best_of_random_classifiers`.

Shapes follow the book (``book/notation.md``): time-major, ``(T, B, D)`` inputs and
``(B, H)`` states.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch import nn

__all__ = [
    "gate_logit",
    "fixed_gate_lstm_cell",
    "fixed_gate_gru_cell",
    "unroll_cell",
    "rnn_jacobian_norms",
    "lstm_weight_gradient_norms",
    "parameter_counts",
    "times_per_step",
    "loss_gradients_at_logit",
    "train_logistic_unit",
    "gru_candidates",
    "steps_read",
    "embedding_rows_touched",
    "final_output_after_padding",
    "best_of_random_classifiers",
]

_RECURRENT = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}


# ----------------------------------------------------------------- input checks
def _check_int(value, name: str, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < least:
        raise ValueError(f"{name} must be at least {least}, got {value}")
    return int(value)


def _check_open_unit(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not 0.0 < float(value) < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1 (a sigmoid never reaches 0 or 1), got {value}")
    return float(value)


def _check_candidate(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not -1.0 < float(value) < 1.0:
        raise ValueError(f"{name} must lie strictly between -1 and 1 (a tanh never reaches ±1), got {value}")
    return float(value)


def _check_kind(kind: str) -> type:
    if kind not in _RECURRENT:
        raise ValueError(f"kind must be one of {sorted(_RECURRENT)}, got {kind!r}")
    return _RECURRENT[kind]


# ----------------------------------------------------------- cells with pinned gates
def gate_logit(p: float) -> float:
    """The pre-activation ``a`` with ``sigmoid(a) = p`` (the inverse sigmoid), for 0 < p < 1."""
    p = _check_open_unit(p, "p")
    return math.log(p) - math.log1p(-p)


def fixed_gate_lstm_cell(hidden_size: int, *, input_gate: float, forget_gate: float, output_gate: float,
                         candidate: float, input_size: int = 1, dtype=torch.float64) -> nn.LSTMCell:
    """A ``torch.nn.LSTMCell`` whose gates take the given constant values at every step.

    All weights are zero and ``bias_hh`` is zero; ``bias_ih`` holds, in PyTorch's gate order
    i, f, g, o, the logits of the three gates and ``atanh(candidate)``.  Whatever the input
    and state, the cell therefore computes ``i = input_gate``, ``f = forget_gate``,
    ``g = candidate``, ``o = output_gate``, which isolates the cell update
    ``c_t = f * c_{t-1} + i * g`` and ``h_t = o * tanh(c_t)``.
    """
    hidden_size = _check_int(hidden_size, "hidden_size")
    input_size = _check_int(input_size, "input_size")
    gates = [
        gate_logit(_check_open_unit(input_gate, "input_gate")),
        gate_logit(_check_open_unit(forget_gate, "forget_gate")),
        math.atanh(_check_candidate(candidate, "candidate")),
        gate_logit(_check_open_unit(output_gate, "output_gate")),
    ]
    cell = nn.LSTMCell(input_size, hidden_size, dtype=dtype)
    with torch.no_grad():
        for parameter in cell.parameters():
            parameter.zero_()
        cell.bias_ih.copy_(torch.tensor(gates, dtype=dtype).repeat_interleave(hidden_size))
    return cell


def fixed_gate_gru_cell(hidden_size: int, *, reset_gate: float, update_gate: float, candidate: float,
                        input_size: int = 1, dtype=torch.float64) -> nn.GRUCell:
    """A ``torch.nn.GRUCell`` with constant gates: ``r = reset_gate``, ``z = update_gate``, ``n = candidate``.

    All weights are zero, ``bias_hh`` is zero and ``bias_ih`` holds (gate order r, z, n) the
    two gate logits and ``atanh(candidate)``, so the cell computes
    ``h_t = (1 - z) * n + z * h_{t-1}`` with the chosen numbers.
    """
    hidden_size = _check_int(hidden_size, "hidden_size")
    input_size = _check_int(input_size, "input_size")
    gates = [
        gate_logit(_check_open_unit(reset_gate, "reset_gate")),
        gate_logit(_check_open_unit(update_gate, "update_gate")),
        math.atanh(_check_candidate(candidate, "candidate")),
    ]
    cell = nn.GRUCell(input_size, hidden_size, dtype=dtype)
    with torch.no_grad():
        for parameter in cell.parameters():
            parameter.zero_()
        cell.bias_ih.copy_(torch.tensor(gates, dtype=dtype).repeat_interleave(hidden_size))
    return cell


def unroll_cell(cell, steps: int, h0: torch.Tensor, c0: torch.Tensor | None = None):
    """Run a ``LSTMCell``, ``GRUCell`` or ``RNNCell`` for ``steps`` steps on zero input.

    ``h0`` (and, for an LSTM cell, ``c0``) have shape (B, H).  Returns the hidden states
    stacked as (steps, B, H); for an LSTM cell returns ``(hidden, cells)``, both (steps, B, H).
    Autograd is left on, so gradients with respect to ``h0``/``c0`` can be taken.
    """
    if not isinstance(cell, nn.RNNCellBase):
        raise TypeError(f"cell must be a torch.nn LSTMCell, GRUCell or RNNCell, got {type(cell).__name__}")
    steps = _check_int(steps, "steps")
    is_lstm = isinstance(cell, nn.LSTMCell)
    if is_lstm and c0 is None:
        raise ValueError("an LSTMCell needs c0 as well as h0")
    if not is_lstm and c0 is not None:
        raise ValueError(f"{type(cell).__name__} has no cell state; leave c0 as None")
    if h0.dim() != 2 or h0.shape[1] != cell.hidden_size:
        raise ValueError(f"h0 must have shape (B, {cell.hidden_size}), got {tuple(h0.shape)}")
    x = torch.zeros(h0.shape[0], cell.input_size, dtype=h0.dtype)
    h, c, hidden, cells = h0, c0, [], []
    for _ in range(steps):
        if is_lstm:
            h, c = cell(x, (h, c))
            cells.append(c)
        else:
            h = cell(x, h)
        hidden.append(h)
    if is_lstm:
        return torch.stack(hidden), torch.stack(cells)
    return torch.stack(hidden)


# ------------------------------------------------------------ gradients through time
def rnn_jacobian_norms(weight, steps: int, *, h0=None, dtype=np.float64) -> np.ndarray:
    """Spectral norms of ``d h_k / d h_0`` for k = 1 … steps of ``h_k = tanh(W h_{k-1})`` (zero input).

    ``weight`` is the (H, H) recurrent matrix, ``h0`` the start state (zeros if None).  The
    Jacobian is accumulated exactly as ``J_k = diag(1 - h_k**2) W J_{k-1}`` in ``dtype``
    (float32 or float64), so the same computation can be compared in two precisions.
    Returns an array of ``steps`` norms.
    """
    weight = np.asarray(weight, dtype=dtype)
    if weight.ndim != 2 or weight.shape[0] != weight.shape[1]:
        raise ValueError(f"weight must be a square (H, H) matrix, got shape {weight.shape}")
    steps = _check_int(steps, "steps")
    size = weight.shape[0]
    h = np.zeros(size, dtype=dtype) if h0 is None else np.asarray(h0, dtype=dtype)
    if h.shape != (size,):
        raise ValueError(f"h0 must have shape ({size},), got {h.shape}")
    jacobian = np.eye(size, dtype=dtype)
    norms = np.empty(steps, dtype=dtype)
    for k in range(steps):
        h = np.tanh(weight @ h)
        jacobian = ((1 - h * h)[:, None] * weight) @ jacobian
        norms[k] = np.linalg.norm(jacobian.astype(np.float64), 2)
    return norms


def lstm_weight_gradient_norms(lengths, *, hidden_size: int = 32, recurrent_scale: float = 10.0,
                               forget_bias: float = 3.0, seed: int = 0) -> list[float]:
    """Norm of ``d (sum of h_T) / d weight_hh`` of one ``nn.LSTM`` for each length T in ``lengths``.

    The LSTM (input size 1, float64) has recurrent weights drawn from
    N(0, (recurrent_scale / sqrt(H))**2), zero biases except ``forget_bias`` on the forget
    rows, and reads one fixed random input sequence, truncated to each length.  With large
    recurrent weights the norm grows by orders of magnitude with T: gating does not
    prevent exploding gradients.
    """
    lengths = [_check_int(t, "each length") for t in lengths]
    if not lengths:
        raise ValueError("lengths must not be empty")
    hidden_size = _check_int(hidden_size, "hidden_size")
    generator = torch.Generator().manual_seed(seed)
    lstm = nn.LSTM(1, hidden_size, dtype=torch.float64)
    with torch.no_grad():
        lstm.weight_ih_l0.normal_(0.0, 1.0, generator=generator)
        lstm.weight_hh_l0.normal_(0.0, recurrent_scale / math.sqrt(hidden_size), generator=generator)
        lstm.bias_ih_l0.zero_()
        lstm.bias_hh_l0.zero_()
        lstm.bias_ih_l0[hidden_size:2 * hidden_size] = forget_bias
    x = torch.randn(max(lengths), 1, 1, dtype=torch.float64, generator=generator)
    norms = []
    for length in lengths:
        output, _ = lstm(x[:length])
        (gradient,) = torch.autograd.grad(output[-1].sum(), lstm.weight_hh_l0)
        norms.append(float(gradient.norm()))
    return norms


# ------------------------------------------------------------------------- cost
def parameter_counts(input_size: int, hidden_size: int, *, bias: bool = True) -> dict[str, int]:
    """Trainable parameters of one-layer ``nn.RNN``, ``nn.GRU`` and ``nn.LSTM``, counted by torch.

    Returns ``{"RNN": n, "GRU": n, "LSTM": n}``; analytically G * (H * (D + H) + 2H) with
    G = 1, 3, 4 gate blocks (the ``2H`` only with ``bias=True``).
    """
    input_size = _check_int(input_size, "input_size")
    hidden_size = _check_int(hidden_size, "hidden_size")
    return {name: sum(p.numel() for p in module(input_size, hidden_size, bias=bias).parameters())
            for name, module in _RECURRENT.items()}


def times_per_step(kinds=("RNN", "GRU", "LSTM"), *, input_size: int, hidden_size: int, steps: int,
                   batch: int, rounds: int = 5, seed: int = 0) -> dict[str, float]:
    """Seconds per time step of a forward pass of one-layer ``nn.RNN``/``nn.GRU``/``nn.LSTM`` modules.

    Each module reads the same random (steps, batch, input_size) float32 tensor under
    ``torch.no_grad`` on one CPU thread.  The kinds are timed in turn, ``rounds`` times
    (after one warm-up round), and the fastest run of each kind is divided by ``steps``:
    interleaving and taking the minimum keep the comparison fair on a busy machine.
    Absolute figures depend on the hardware; compare kinds measured together.
    Returns ``{kind: seconds per step}``.
    """
    classes = {kind: _check_kind(kind) for kind in kinds}
    if not classes:
        raise ValueError("kinds must name at least one of 'RNN', 'GRU', 'LSTM'")
    input_size, hidden_size = _check_int(input_size, "input_size"), _check_int(hidden_size, "hidden_size")
    steps, batch, rounds = (_check_int(v, n) for v, n in ((steps, "steps"), (batch, "batch"), (rounds, "rounds")))
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(steps, batch, input_size, generator=generator)
    modules = {kind: cls(input_size, hidden_size) for kind, cls in classes.items()}
    best = dict.fromkeys(modules, math.inf)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            for round_index in range(rounds + 1):
                for kind, module in modules.items():
                    start = time.perf_counter()
                    module(x)
                    elapsed = time.perf_counter() - start
                    if round_index > 0:  # round 0 warms up
                        best[kind] = min(best[kind], elapsed)
    finally:
        torch.set_num_threads(threads)
    return {kind: seconds / steps for kind, seconds in best.items()}


# ------------------------------------------------------------------------ losses
def loss_gradients_at_logit(logit: float, target: float) -> dict[str, float]:
    """d loss / d logit of a sigmoid output for squared error and for binary cross-entropy.

    With ``p = sigmoid(logit)``: MSE ``(p - y)**2`` has gradient ``2 (p - y) p (1 - p)``, which
    vanishes when the unit saturates on the wrong side; cross-entropy (``BCEWithLogitsLoss``)
    has gradient ``p - y``.  Both are computed by autograd.  ``target`` must be 0 or 1.
    """
    if target not in (0, 1):
        raise ValueError(f"target must be 0 or 1, got {target!r}")
    z = torch.tensor(float(logit), dtype=torch.float64, requires_grad=True)
    y = torch.tensor(float(target), dtype=torch.float64)
    (mse,) = torch.autograd.grad((torch.sigmoid(z) - y) ** 2, z)
    (cross_entropy,) = torch.autograd.grad(nn.functional.binary_cross_entropy_with_logits(z, y), z)
    return {"mse": float(mse), "cross_entropy": float(cross_entropy)}


def train_logistic_unit(loss: str, *, n: int = 200, steps: int = 100, lr: float = 1.0,
                        start_weight: float = -6.0, seed: int = 0) -> np.ndarray:
    """Train one sigmoid unit ``p = sigmoid(w x + b)`` by full-batch gradient descent; return accuracy per step.

    Data: ``x`` ~ N(0, 1), label ``x > 0``.  The unit starts confidently wrong
    (``w = start_weight`` < 0, ``b = 0``).  ``loss`` is ``"mse"`` (squared error on p) or
    ``"cross_entropy"`` (binary cross-entropy on the logit).  Returns ``steps + 1`` accuracies,
    the first one before any update.
    """
    if loss not in ("mse", "cross_entropy"):
        raise ValueError(f"loss must be 'mse' or 'cross_entropy', got {loss!r}")
    n, steps = _check_int(n, "n"), _check_int(steps, "steps")
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, generator=generator, dtype=torch.float64)
    y = (x > 0).double()
    w = torch.tensor(float(start_weight), dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    accuracy = np.empty(steps + 1)
    for step in range(steps + 1):
        logits = w * x + b
        accuracy[step] = float(((logits > 0).double() == y).double().mean())
        if step == steps:
            break
        if loss == "mse":
            value = ((torch.sigmoid(logits) - y) ** 2).mean()
        else:
            value = nn.functional.binary_cross_entropy_with_logits(logits, y)
        gw, gb = torch.autograd.grad(value, (w, b))
        with torch.no_grad():
            w -= lr * gw
            b -= lr * gb
    return accuracy


# ---------------------------------------------------------------------------- GRU
def gru_candidates(gru, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The GRU candidate n in its two published forms, with one module's weights.

    ``gru`` is a ``torch.nn.GRUCell`` or a one-layer ``torch.nn.GRU``; ``x`` (B, D), ``h`` (B, H).
    Returns ``(reset_after, reset_before)``:

    - reset after the matmul (PyTorch, cuDNN, Keras ``reset_after=True``):
      ``tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))``;
    - reset before the matmul (Cho et al. 2014, Keras ``reset_after=False``):
      ``tanh(x W_in^T + b_in + (r * h) W_hn^T + b_hn)``.
    """
    if isinstance(gru, nn.GRUCell):
        suffix = ""
    elif isinstance(gru, nn.GRU):
        if gru.num_layers != 1 or gru.bidirectional or not gru.bias:
            raise ValueError("gru must be a one-layer, one-direction nn.GRU with biases")
        suffix = "_l0"
    else:
        raise TypeError(f"gru must be a torch.nn.GRU or GRUCell, got {type(gru).__name__}")
    w_ih, w_hh = getattr(gru, "weight_ih" + suffix), getattr(gru, "weight_hh" + suffix)
    b_ih, b_hh = getattr(gru, "bias_ih" + suffix), getattr(gru, "bias_hh" + suffix)
    size = gru.hidden_size
    if h.dim() != 2 or h.shape[1] != size:
        raise ValueError(f"h must have shape (B, {size}), got {tuple(h.shape)}")
    ax = x @ w_ih.T + b_ih
    ah = h @ w_hh.T + b_hh
    r = torch.sigmoid(ax[:, :size] + ah[:, :size])
    w_hn, b_hn = w_hh[2 * size:], b_hh[2 * size:]
    reset_after = torch.tanh(ax[:, 2 * size:] + r * (h @ w_hn.T + b_hn))
    reset_before = torch.tanh(ax[:, 2 * size:] + (r * h) @ w_hn.T + b_hn)
    return reset_after, reset_before


# ------------------------------------------------------------ bidirectional read-out
def steps_read(layer: nn.RNNBase, x: torch.Tensor, position: int) -> dict[str, torch.Tensor]:
    """How strongly each half of a bidirectional ``output[position]`` depends on each input step.

    ``layer`` is a one-layer, time-major, bidirectional ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM``
    with hidden size H; ``x`` is one sequence of shape (T, 1, D).  The output at ``position``
    has shape (2H,): its first H entries come from the forward direction, its last H from the
    backward one.  Returns ``{"forward": (T,), "backward": (T,)}``: for each input step t the
    Frobenius norm of the Jacobian of that half with respect to ``x[t]``.  A step the half has
    not read gets exactly 0 (no path in the graph), so the nonzero entries show which steps
    each half has seen.
    """
    if not isinstance(layer, (nn.RNN, nn.GRU, nn.LSTM)):
        raise TypeError(f"layer must be a torch.nn RNN, GRU or LSTM, got {type(layer).__name__}")
    if not layer.bidirectional or layer.num_layers != 1 or layer.batch_first:
        raise ValueError("layer must be one bidirectional, time-major layer "
                         "(bidirectional=True, num_layers=1, batch_first=False)")
    if x.dim() != 3 or x.shape[1] != 1 or x.shape[2] != layer.input_size:
        raise ValueError(f"x must be one sequence of shape (T, 1, {layer.input_size}), got {tuple(x.shape)}")
    steps = x.shape[0]
    if isinstance(position, bool) or not isinstance(position, int) or not -steps <= position < steps:
        raise ValueError(f"position must be an integer index into the {steps} steps, got {position!r}")
    size = layer.hidden_size
    jacobian = torch.autograd.functional.jacobian(lambda inputs: layer(inputs)[0][position, 0], x)  # (2H, T, 1, D)
    per_step = jacobian.square().sum(dim=(2, 3)).sqrt()  # (2H, T) -> norms over input features
    return {"forward": per_step[:size].square().sum(dim=0).sqrt(),
            "backward": per_step[size:].square().sum(dim=0).sqrt()}


# ------------------------------------------------------------- data-handling bugs
def embedding_rows_touched(embedding: nn.Embedding, batch: torch.Tensor) -> list[int]:
    """Rows of ``embedding.weight`` that receive a gradient when ``batch`` is looked up.

    ``batch`` is whatever a model feeds the layer (it must be an integer tensor).  Only the
    rows named by its *values* are used; a multi-hot (B, V) matrix therefore touches rows
    0 and 1 only, however many words the reviews contain.
    """
    if not isinstance(embedding, nn.Embedding):
        raise TypeError(f"embedding must be a torch.nn.Embedding, got {type(embedding).__name__}")
    if batch.dtype in (torch.float16, torch.float32, torch.float64, torch.bfloat16):
        raise TypeError("nn.Embedding looks up integer ids; convert the batch with .long() first")
    weight = embedding.weight
    (gradient,) = torch.autograd.grad(embedding(batch).sum(), weight)
    return torch.nonzero(gradient.abs().sum(dim=1)).flatten().tolist()


def final_output_after_padding(lstm: nn.LSTM, embedding: nn.Embedding, ids, *, pad_id: int, pad_count: int,
                               pack: bool = False) -> torch.Tensor:
    """What a classifier reads at the end of a post-padded sequence.

    ``ids`` (a list of token ids) is extended with ``pad_count`` copies of ``pad_id``,
    embedded and run through ``lstm`` (one layer, one direction, time-major).  Without
    packing the function returns ``output[-1]``, the state after the pad run; with
    ``pack=True`` it packs the true length and returns ``h_n``, the state after the last
    real token (which does not depend on ``pad_count``).  Returns a (H,) tensor.
    """
    if lstm.bidirectional or lstm.batch_first:
        raise ValueError("use a one-direction, time-major nn.LSTM (bidirectional=False, batch_first=False)")
    ids = [_check_int(i, "each id", least=0) for i in ids]
    if not ids:
        raise ValueError("ids must hold at least one token")
    pad_count = _check_int(pad_count, "pad_count", least=0)
    padded = torch.tensor(ids + [pad_id] * pad_count).unsqueeze(1)  # (T, 1)
    embedded = embedding(padded)  # (T, 1, E)
    if pack:
        packed = nn.utils.rnn.pack_padded_sequence(embedded, torch.tensor([len(ids)]))
        _, (h_n, _) = lstm(packed)
        return h_n[-1, 0]
    output, _ = lstm(embedded)
    return output[-1, 0]


def best_of_random_classifiers(n_models: int, n_test: int, n_fresh: int, rng: np.random.Generator,
                               *, n_features: int = 20) -> dict[str, float]:
    """Choose the best of ``n_models`` random linear classifiers on a test set; score it again on fresh data.

    Features are Gaussian and the labels are fair coins independent of them, so every
    classifier ``x -> [x . w > 0]`` (random ``w``) has true accuracy 0.5.  Returns
    ``{"test": the chosen model's test accuracy, "fresh": its accuracy on n_fresh new
    examples, "best_model": its index}``: selecting on the test set inflates the first
    number; the second is an honest estimate.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    n_models, n_test, n_fresh, n_features = (
        _check_int(v, n) for v, n in
        ((n_models, "n_models"), (n_test, "n_test"), (n_fresh, "n_fresh"), (n_features, "n_features")))
    weights = rng.standard_normal((n_features, n_models))

    def accuracies(n: int) -> np.ndarray:
        x = rng.standard_normal((n, n_features))
        labels = rng.integers(0, 2, size=n)
        return ((x @ weights > 0) == labels[:, None]).mean(axis=0)  # (n_models,)

    test = accuracies(n_test)
    best = int(np.argmax(test))
    fresh = accuracies(n_fresh)
    return {"test": float(test[best]), "fresh": float(fresh[best]), "best_model": best}

"""Experiments on the LSTM's gates: variants, the forget-gate bias, and a trainer for the adding problem.

Everything here is small and seeded so that chapters 3 and 4 can run it in seconds
on a CPU; the chapters pass bigger sizes when :func:`lstm_edu.full_size` is True.

- :class:`VariantLSTM`: a one-layer LSTM in PyTorch's parameter layout with one of
  the changes studied by Greff et al. (2017), *LSTM: A Search Space Odyssey*:
  ``"nfg"`` no forget gate (f = 1), ``"noaf"`` no output activation
  (h = o * c), ``"cifg"`` coupled input and forget gate (f = 1 - i); ``"vanilla"``
  computes exactly what ``torch.nn.LSTM`` computes.
- :func:`make_adding_model`: an ``nn.RNN``/``GRU``/``LSTM`` or a :class:`VariantLSTM`
  with a linear read-out of the last hidden state, optionally with the forget-gate
  bias set (Jozefowicz et al. 2015; via :func:`lstm_edu.nets.models.set_forget_gate_bias`).
- :func:`train_adding`: Adam on fresh batches of :func:`lstm_edu.tasks.adding_problem`,
  global-norm clipping, and a report (:class:`AddingRun`) of losses, gradient norms
  before clipping, test MSE against the baseline 1/6, and timing.
- :class:`LSTMGrid` and :func:`train_grid`: many LSTM variants and seeds trained side by
  side in one batched loop (the Python overhead of one model), each exactly as if alone;
- :func:`run_grid` / :func:`run_lstm_grid`: several models and seeds, trained alike, as rows
  of results; :func:`summarise` groups them.
- :func:`numpy_times_per_step`: the forward cost of the numpy layers of
  :mod:`lstm_edu.scratch` per time step (torch's is :func:`lstm_edu.experiments.myths.times_per_step`).

Shapes are time-major like ``torch.nn.LSTM``'s default: x (T, B, D).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from lstm_edu.tasks import ADDING_BASELINE_MSE, adding_problem

#: Greff et al.'s variants implemented by :class:`VariantLSTM`.
VARIANTS = ("vanilla", "nfg", "noaf", "cifg")
#: What each variant changes, in words.
VARIANT_NAMES = {
    "vanilla": "vanilla (torch.nn.LSTM's equations)",
    "nfg": "NFG: no forget gate, f = 1",
    "noaf": "NOAF: no output activation, h = o * c",
    "cifg": "CIFG: coupled gates, f = 1 - i",
}
#: Cells accepted by :func:`make_adding_model`.
CELLS = ("rnn", "gru", "lstm") + tuple(f"lstm-{v}" for v in VARIANTS)


class VariantLSTM(nn.Module):
    """A one-layer LSTM with one of Greff et al.'s changes, written step by step.

    Parameters have the names and shapes of ``torch.nn.LSTMCell`` (``weight_ih``
    (4H, D), ``weight_hh`` (4H, H), ``bias_ih``, ``bias_hh`` (4H,), gate order i, f,
    g, o) and are initialised by copying a fresh ``torch.nn.LSTM``, so the same torch
    seed gives every variant the same starting weights.  In ``"nfg"`` and ``"cifg"``
    the forget rows exist but are unused (they get no gradient).

    ``forward(x (T, B, D), state=None) -> (outputs (T, B, H), (h_T, c_T))``, like ``nn.LSTM``.
    """

    def __init__(self, input_size: int, hidden_size: int, variant: str = "vanilla"):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.input_size, self.hidden_size, self.variant = input_size, hidden_size, variant
        template = nn.LSTM(input_size, hidden_size)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            self.register_parameter(name, nn.Parameter(getattr(template, name + "_l0").detach().clone()))

    @classmethod
    def from_lstm(cls, lstm: nn.LSTM, variant: str = "vanilla") -> "VariantLSTM":
        """A variant holding a copy of a one-layer, unidirectional, time-major ``nn.LSTM``'s weights."""
        if not isinstance(lstm, nn.LSTM):
            raise TypeError(f"from_lstm needs an nn.LSTM, got {type(lstm).__name__}")
        if lstm.num_layers != 1 or lstm.bidirectional or lstm.batch_first or lstm.proj_size or not lstm.bias:
            raise ValueError("from_lstm copies a one-layer, unidirectional, time-major nn.LSTM with biases")
        model = cls(lstm.input_size, lstm.hidden_size, variant)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                model.get_parameter(name).copy_(getattr(lstm, name + "_l0"))
        return model.to(lstm.weight_ih_l0.dtype)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, variant={self.variant!r}"

    def forward(self, x: torch.Tensor, state=None):
        if x.dim() != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"x must be (T, B, {self.input_size}), got shape {tuple(x.shape)}")
        T, B, _ = x.shape
        H = self.hidden_size
        if state is None:
            h = x.new_zeros(B, H)
            c = x.new_zeros(B, H)
        else:
            h, c = (s.reshape(B, H) for s in state)
        ax = torch.nn.functional.linear(x, self.weight_ih, self.bias_ih + self.bias_hh)  # all steps at once
        outputs = []
        # unbind/chunk (not indexing) keep the backward pass linear in T: an indexed slice
        # would send back a zero-filled gradient of the whole tensor at every step
        for ax_t in ax.unbind(0):
            a = torch.addmm(ax_t, h, self.weight_hh.t())
            i, f, _, o = torch.sigmoid(a).chunk(4, dim=1)  # g's sigmoid is computed but unused
            g = torch.tanh(a.chunk(4, dim=1)[2])
            if self.variant == "nfg":
                c = c + i * g
            elif self.variant == "cifg":
                c = (1 - i) * c + i * g
            else:
                c = f * c + i * g
            h = o * (c if self.variant == "noaf" else torch.tanh(c))
            outputs.append(h)
        return torch.stack(outputs), (h.unsqueeze(0), c.unsqueeze(0))


class AddingRegressor(nn.Module):
    """A recurrent layer and a linear read-out of its last hidden state: x (T, B, D) -> (B,)."""

    def __init__(self, recurrent: nn.Module, hidden_size: int):
        super().__init__()
        self.recurrent = recurrent
        self.readout = nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs, _ = self.recurrent(x)
        return self.readout(outputs[-1])[:, 0]


def make_adding_model(cell: str, hidden_size: int, *, input_size: int = 2, forget_bias: float | None = None,
                      seed: int = 0) -> AddingRegressor:
    """A model for the adding problem: one of :data:`CELLS` with ``hidden_size`` units and a read-out.

    ``"lstm"`` is ``torch.nn.LSTM``; ``"lstm-<variant>"`` a :class:`VariantLSTM`.
    ``forget_bias`` (LSTM cells only) sets the forget rows of ``bias_ih`` to that
    value and of ``bias_hh`` to 0; ``None`` keeps PyTorch's default initialisation.
    The weights are drawn after ``torch.manual_seed(seed)``: equal seeds give the
    LSTM variants equal starting weights.
    """
    from lstm_edu.nets.models import set_forget_gate_bias

    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    if forget_bias is not None and not cell.startswith("lstm"):
        raise ValueError(f"forget_bias applies to LSTM cells only, not {cell!r}")
    if forget_bias is not None and cell in ("lstm-nfg", "lstm-cifg"):
        raise ValueError(f"{cell!r} does not use its forget-gate bias (f is fixed or 1 - i)")
    torch.manual_seed(seed)
    if cell.startswith("lstm-"):
        recurrent = VariantLSTM(input_size, hidden_size, cell.split("-", 1)[1])
        if forget_bias is not None:
            with torch.no_grad():
                recurrent.bias_ih[hidden_size:2 * hidden_size] = forget_bias
                recurrent.bias_hh[hidden_size:2 * hidden_size] = 0.0
    else:
        recurrent = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](input_size, hidden_size)
        if forget_bias is not None:
            set_forget_gate_bias(recurrent, forget_bias)
    return AddingRegressor(recurrent, hidden_size)


class LSTMGrid(nn.Module):
    """Many small LSTM regressors for the adding problem, computed side by side in one batched loop.

    ``members`` is a list of dicts with keys ``variant`` (one of :data:`VARIANTS`),
    ``forget_bias`` (``None`` for PyTorch's initialisation) and ``seed``.  Member k
    starts from exactly the weights of ``make_adding_model("lstm-<variant>", hidden_size,
    forget_bias=..., seed=...)``; the grid stacks them along a leading axis and runs
    every member's recurrence with batched matrix products, so S members cost about
    as much Python overhead as one.  The members never interact: the loss is a sum
    of per-member losses, :func:`train_grid` clips each member's gradient separately,
    and Adam works element by element, so training the grid is training each member
    alone on the same stream of batches.

    ``forward(x (T, B, D)) -> (S, B)``: every member's prediction for the same inputs.
    :meth:`member` returns member k as a stand-alone :class:`AddingRegressor`.
    """

    def __init__(self, members, hidden_size: int, *, input_size: int = 2):
        super().__init__()
        members = [dict(m) for m in members]
        if not members:
            raise ValueError("an LSTMGrid needs at least one member")
        models = []
        for m in members:
            unknown = set(m) - {"variant", "forget_bias", "seed"}
            if unknown or "variant" not in m:
                raise ValueError(f"each member is a dict with 'variant' and optionally 'forget_bias' and 'seed', got {m}")
            m.setdefault("forget_bias", None)
            m.setdefault("seed", 0)
            models.append(make_adding_model(f"lstm-{m['variant']}", hidden_size, input_size=input_size,
                                            forget_bias=m["forget_bias"], seed=m["seed"]))
        self.members, self.hidden_size, self.input_size = members, hidden_size, input_size
        stack = lambda get: nn.Parameter(torch.stack([get(model).detach().clone() for model in models]))
        self.weight_ih = stack(lambda m: m.recurrent.weight_ih)  # (S, 4H, D)
        self.weight_hh = stack(lambda m: m.recurrent.weight_hh)  # (S, 4H, H)
        self.bias_ih = stack(lambda m: m.recurrent.bias_ih)  # (S, 4H)
        self.bias_hh = stack(lambda m: m.recurrent.bias_hh)
        self.readout_weight = stack(lambda m: m.readout.weight)  # (S, 1, H)
        self.readout_bias = stack(lambda m: m.readout.bias)  # (S, 1)
        variants = [m["variant"] for m in members]
        for name in ("nfg", "cifg", "noaf"):
            self.register_buffer(f"is_{name}", torch.tensor([v == name for v in variants]).view(-1, 1, 1))
        self.uses = {name: name in variants for name in ("nfg", "cifg", "noaf")}  # skip what no member needs

    def __len__(self) -> int:
        return len(self.members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"x must be (T, B, {self.input_size}), got shape {tuple(x.shape)}")
        T, B, _ = x.shape
        S, H = len(self), self.hidden_size
        bias = (self.bias_ih + self.bias_hh)[:, None, None, :]  # (S, 1, 1, 4H)
        ax = torch.einsum("tbd,sgd->stbg", x, self.weight_ih) + bias  # (S, T, B, 4H)
        h = x.new_zeros(S, B, H)
        c = x.new_zeros(S, B, H)
        w_hh = self.weight_hh.transpose(1, 2)  # (S, H, 4H)
        for ax_t in ax.unbind(1):  # unbind/chunk keep the backward linear in T (see VariantLSTM)
            a = torch.baddbmm(ax_t, h, w_hh)
            i, f, _, o = torch.sigmoid(a).chunk(4, dim=-1)
            g = torch.tanh(a.chunk(4, dim=-1)[2])
            if self.uses["cifg"]:
                f = torch.where(self.is_cifg, 1 - i, f)
            if self.uses["nfg"]:
                f = torch.where(self.is_nfg, torch.ones_like(f), f)
            c = f * c + i * g
            h = o * (torch.where(self.is_noaf, c, torch.tanh(c)) if self.uses["noaf"] else torch.tanh(c))
        return torch.baddbmm(self.readout_bias[:, None, :], h, self.readout_weight.transpose(1, 2))[..., 0]

    @torch.no_grad()
    def member(self, k: int) -> AddingRegressor:
        """Member ``k`` as a stand-alone model (a :class:`VariantLSTM` and a read-out) with its current weights."""
        if not 0 <= k < len(self):
            raise IndexError(f"member index must be in [0, {len(self) - 1}], got {k}")
        spec = self.members[k]
        model = AddingRegressor(VariantLSTM(self.input_size, self.hidden_size, spec["variant"]), self.hidden_size)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            model.recurrent.get_parameter(name).copy_(getattr(self, name)[k])
        model.readout.weight.copy_(self.readout_weight[k])
        model.readout.bias.copy_(self.readout_bias[k])
        return model.to(device=self.weight_ih.device, dtype=self.weight_ih.dtype)

    def member_grad_norms(self) -> torch.Tensor:
        """(S,) the norm of each member's gradient (over all its parameters)."""
        squares = sum(p.grad.flatten(1).pow(2).sum(1) for p in self.parameters() if p.grad is not None)
        return squares.sqrt()


@dataclass
class AddingRun:
    """What :func:`train_adding` returns (and :func:`train_grid`, once per member)."""

    losses: np.ndarray  #: training MSE of every step (each on a fresh batch)
    grad_norms: np.ndarray  #: global gradient norm of every step, before clipping
    test_mse: float  #: MSE on fresh test sequences
    test_accuracy: float  #: share of test sequences predicted within ``tolerance`` of the target
    seconds: float  #: wall-clock training time (for a grid: of the whole grid)
    config: dict = field(default_factory=dict)
    baseline: float = ADDING_BASELINE_MSE  #: MSE of always predicting 1

    def solved_at(self, threshold: float = 0.05, window: int = 20) -> int | None:
        """The first step at which the running mean of ``window`` losses is below ``threshold``, or None."""
        return first_step_below(self.losses, threshold, window)


def first_step_below(losses, threshold: float, window: int = 20) -> int | None:
    """The step (index of the window's last loss) where the running mean first drops below ``threshold``."""
    losses = np.asarray(losses, dtype=np.float64)
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"window must be a positive integer, got {window!r}")
    if losses.ndim != 1:
        raise ValueError(f"losses must be one-dimensional, got shape {losses.shape}")
    if len(losses) < window:
        return None
    running = np.convolve(losses, np.ones(window) / window, mode="valid")
    below = np.flatnonzero(running < threshold)
    return int(below[0] + window - 1) if below.size else None


def _check_training(T, steps, batch_size, test_size, clip) -> None:
    for name, value in (("T", T), ("steps", steps), ("batch_size", batch_size), ("test_size", test_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if clip is not None and not clip > 0:
        raise ValueError(f"clip must be positive or None, got {clip!r}")


def _numpy_dtype(model: nn.Module):
    return np.float64 if next(model.parameters()).dtype == torch.float64 else np.float32


def _clip(model: nn.Module, parameters, clip: float | None) -> np.ndarray:
    """Clip the gradient (per member for a grid, globally otherwise); return the norms before clipping."""
    if isinstance(model, LSTMGrid):
        norms = model.member_grad_norms()
        if clip is not None:
            scale = torch.clamp(clip / (norms + 1e-6), max=1.0)  # torch's clip_grad_norm_ rule, per member
            for p in parameters:
                p.grad.mul_(scale.view(-1, *([1] * (p.grad.dim() - 1))))
        return norms.detach().cpu().numpy()
    norm = torch.nn.utils.clip_grad_norm_(parameters, clip if clip is not None else math.inf)
    return np.array([float(norm)])


def _train(model: nn.Module, *, T, steps, batch_size, lr, clip, seed, test_size, tolerance, device):
    """The one training loop behind :func:`train_adding` and :func:`train_grid` (a model is a grid of one)."""
    _check_training(T, steps, batch_size, test_size, clip)
    if device is not None:
        model.to(device)
    device = next(model.parameters()).device
    numpy_dtype = _numpy_dtype(model)
    rng = np.random.default_rng([seed, 0])
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(parameters, lr=lr)
    members = len(model) if isinstance(model, LSTMGrid) else 1
    losses, norms = np.empty((steps, members)), np.empty((steps, members))
    model.train()
    start = time.perf_counter()
    for step in range(steps):
        x, y = (torch.from_numpy(a).to(device) for a in adding_problem(batch_size, T, rng, dtype=numpy_dtype))
        per_member = torch.mean((model(x) - y) ** 2, dim=-1)
        optimizer.zero_grad()
        per_member.sum().backward()  # members are independent: each gets its own MSE gradient
        norms[step] = _clip(model, parameters, clip)
        optimizer.step()
        losses[step] = per_member.detach().cpu().numpy()
    seconds = time.perf_counter() - start
    mse, accuracy = evaluate_adding(model, T=T, n=test_size, seed=seed, tolerance=tolerance)
    config = dict(T=T, steps=steps, batch_size=batch_size, lr=lr, clip=clip, seed=seed, tolerance=tolerance)
    return [AddingRun(losses[:, k], norms[:, k], float(np.atleast_1d(mse)[k]), float(np.atleast_1d(accuracy)[k]),
                      seconds, dict(config)) for k in range(members)]


def train_adding(model: nn.Module, *, T: int, steps: int, batch_size: int = 64, lr: float = 1e-2,
                 clip: float | None = 1.0, seed: int = 0, test_size: int = 1000,
                 tolerance: float = 0.1, device=None) -> AddingRun:
    """Train ``model`` (x (T, B, 2) -> (B,)) on the adding problem of length ``T`` with Adam and MSE.

    Every step draws a fresh batch from a generator seeded with ``seed``; the
    gradient's global norm is recorded, then clipped to ``clip`` (``None``: no
    clipping).  The test set (``test_size`` fresh sequences from a second
    generator) gives the MSE and the share of predictions within ``tolerance`` of
    the target (the target, a sum of two U[0, 1) values, lies in [0, 2)).
    ``device`` (e.g. ``lstm_edu.get_device()``) moves the model there first; by default
    it trains where its parameters are.
    """
    if isinstance(model, LSTMGrid):
        raise TypeError("train an LSTMGrid with train_grid (it returns one run per member)")
    return _train(model, T=T, steps=steps, batch_size=batch_size, lr=lr, clip=clip, seed=seed,
                  test_size=test_size, tolerance=tolerance, device=device)[0]


def train_grid(grid: LSTMGrid, *, T: int, steps: int, batch_size: int = 64, lr: float = 1e-2,
               clip: float | None = 1.0, seed: int = 0, test_size: int = 1000,
               tolerance: float = 0.1, device=None) -> list[AddingRun]:
    """Train every member of ``grid`` as :func:`train_adding` would, on one shared stream of batches.

    ``seed`` seeds the data (the members' own ``seed`` chose their initial weights).
    Returns one :class:`AddingRun` per member, in order; ``seconds`` is the whole grid's time.
    """
    if not isinstance(grid, LSTMGrid):
        raise TypeError(f"train_grid needs an LSTMGrid, got {type(grid).__name__}")
    return _train(grid, T=T, steps=steps, batch_size=batch_size, lr=lr, clip=clip, seed=seed,
                  test_size=test_size, tolerance=tolerance, device=device)


@torch.no_grad()
def evaluate_adding(model: nn.Module, *, T: int, n: int = 1000, seed: int = 0,
                    tolerance: float = 0.1):
    """(MSE, share within ``tolerance``) of ``model`` on ``n`` fresh adding-problem sequences.

    For an :class:`LSTMGrid` both are arrays with one entry per member.
    """
    device = next(model.parameters()).device
    x, y = (torch.from_numpy(a).to(device)
            for a in adding_problem(n, T, np.random.default_rng([seed, 1]), dtype=_numpy_dtype(model)))
    model.eval()
    error = model(x) - y
    model.train()
    mse = torch.mean(error**2, dim=-1).cpu().numpy()
    accuracy = torch.mean((error.abs() < tolerance).to(error.dtype), dim=-1).cpu().numpy()
    if mse.ndim == 0:
        return float(mse), float(accuracy)
    return mse, accuracy


def _row(cell, seed, bias, parameters, run, model=None) -> dict:
    return {"cell": cell, "seed": seed, "forget_bias": bias, "parameters": parameters,
            "test_mse": run.test_mse, "test_accuracy": run.test_accuracy, "solved_at": run.solved_at(),
            "seconds": run.seconds, "run": run, "model": model}


def run_grid(cells, *, seeds=(0,), hidden_size: int, T: int, steps: int, forget_bias=None,
             **train_options) -> list[dict]:
    """Train every cell of ``cells`` with every seed, one after the other; one result dict per run.

    ``forget_bias`` is one value for all cells or a dict ``{cell: value}``.  Each row
    has ``cell``, ``seed``, ``forget_bias``, ``parameters`` (of the recurrent layer,
    counting unused rows too), ``test_mse``, ``test_accuracy``, ``solved_at`` (see
    :meth:`AddingRun.solved_at`), ``seconds``, the ``run`` and the trained ``model``.
    """
    rows = []
    for cell in cells:
        bias = forget_bias.get(cell) if isinstance(forget_bias, dict) else forget_bias
        for seed in seeds:
            model = make_adding_model(cell, hidden_size, forget_bias=bias, seed=seed)
            run = train_adding(model, T=T, steps=steps, seed=seed, **train_options)
            rows.append(_row(cell, seed, bias, sum(p.numel() for p in model.recurrent.parameters()), run, model))
    return rows


def run_lstm_grid(members, *, hidden_size: int, T: int, steps: int, **train_options) -> list[dict]:
    """Train LSTM members (see :class:`LSTMGrid`) side by side; rows like :func:`run_grid`'s.

    ``cell`` is ``"lstm-<variant>"``; ``seconds`` is the grid's time divided by the
    number of members; ``model`` is the member as a stand-alone model.
    """
    grid = LSTMGrid(members, hidden_size)
    runs = train_grid(grid, T=T, steps=steps, **train_options)
    parameters = sum(p[0].numel() for name, p in grid.named_parameters() if not name.startswith("readout"))
    rows = []
    for k, (spec, run) in enumerate(zip(grid.members, runs)):
        run.seconds /= len(grid)
        rows.append(_row(f"lstm-{spec['variant']}", spec["seed"], spec["forget_bias"], parameters, run, grid.member(k)))
    return rows


def summarise(rows: list[dict], key: str = "cell") -> list[dict]:
    """Group rows by ``key``: mean and spread of test MSE, solved runs, mean seconds."""
    groups: dict = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    summary = []
    for name, members in groups.items():
        mse = np.array([m["test_mse"] for m in members])
        solved = [m["solved_at"] for m in members if m["solved_at"] is not None]
        summary.append({
            key: name, "runs": len(members), "mean_test_mse": float(mse.mean()),
            "min_test_mse": float(mse.min()), "max_test_mse": float(mse.max()),
            "mean_test_accuracy": float(np.mean([m["test_accuracy"] for m in members])),
            "solved": len(solved), "median_solved_at": float(np.median(solved)) if solved else None,
            "mean_seconds": float(np.mean([m["seconds"] for m in members])),
        })
    return summary


def numpy_times_per_step(kinds=("RNN", "GRU", "LSTM"), *, input_size: int, hidden_size: int, steps: int,
                         batch: int, rounds: int = 5, seed: int = 0, dtype=np.float32) -> dict[str, float]:
    """Seconds per time step of a forward pass of the numpy ``RNN``/``GRU``/``LSTM`` of :mod:`lstm_edu.scratch`.

    The protocol of :func:`lstm_edu.experiments.myths.times_per_step`, which times ``torch.nn``: every
    layer reads the same random (steps, batch, input_size) input; the kinds are timed in
    turn, ``rounds`` times after one warm-up round, and the fastest run of each kind is
    divided by ``steps`` (interleaving and the minimum keep the comparison fair on a busy
    machine).  float32 by default, like torch.  Returns ``{kind: seconds per step}``.
    """
    from lstm_edu import scratch

    layers = {"RNN": scratch.RNN, "GRU": scratch.GRU, "LSTM": scratch.LSTM}
    keys = [str(kind).upper() for kind in kinds]
    if not keys or any(key not in layers for key in keys):
        raise ValueError(f"kinds must be a non-empty list of 'RNN', 'GRU' and 'LSTM', got {kinds!r}")
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size), ("steps", steps),
                        ("batch", batch), ("rounds", rounds)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    x = np.random.default_rng(seed).standard_normal((steps, batch, input_size)).astype(dtype)
    modules = {key: layers[key](input_size, hidden_size, seed=seed, dtype=dtype) for key in keys}
    best = dict.fromkeys(modules, math.inf)
    for round_index in range(rounds + 1):
        for key, layer in modules.items():
            start = time.perf_counter()
            layer.forward(x)
            elapsed = time.perf_counter() - start
            if round_index > 0:  # round 0 warms up
                best[key] = min(best[key], elapsed)
    return {key: seconds / steps for key, seconds in best.items()}

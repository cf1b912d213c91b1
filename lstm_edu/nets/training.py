"""A small, reusable training loop for the torch chapters and the capstone.

:func:`fit` trains a model for some epochs and returns a :class:`History` of
per-epoch losses and metrics that can plot itself; :func:`evaluate` and
:func:`predict` run a model over a loader without training.
:func:`fit_truncated_bptt` trains on one long stream in chunks (truncated
backpropagation through time, with or without carrying the state).

The batch protocol
------------------

A batch is a tuple (or list) whose **last element is the target**; everything
before it is passed to the model, in order::

    (inputs, targets)               ->  outputs = model(inputs)
    (inputs, lengths, targets)      ->  outputs = model(inputs, lengths)
    (source, decoder_in, targets)   ->  outputs = model(source, decoder_in)   # teacher forcing

then ``loss = loss_fn(outputs, targets)``.  Every tensor in the batch is moved
to the training device.  A model that packs sequences must call
``lengths.cpu()`` itself (``pack_padded_sequence`` wants lengths on the CPU);
the models in :mod:`lstm_edu.nets.models` do.  A ``torch.utils.data.TensorDataset``
of ``(x, y)`` or ``(x, lengths, y)`` gives exactly these batches.

Losses and metrics
------------------

``loss_fn(outputs, targets)`` returns the mean loss of the batch.  A metric is
a function ``metric(outputs, targets) -> float or 0-d tensor``, the mean over
the batch (:func:`accuracy` is one).  Per-epoch values are averages over
batches weighted by the batch size (``len(targets)``), so they are exact for
per-example means whatever the size of the last batch.  ``metrics`` is a
``{name: function}`` dict or a list of functions (named after ``__name__``).

History keys are ``"train_loss"``, ``"val_loss"``, ``"train_<metric>"``,
``"val_<metric>"``, ``"grad_norm"`` (mean gradient norm before clipping, when
``clip_norm`` is given), ``"lr"`` and ``"seconds"``; ``history["val_loss"]``
is a list with one value per epoch.

Devices and mixed precision
---------------------------

``device="auto"`` picks CUDA, then MPS, then the CPU (:func:`lstm_edu.get_device`);
the model is moved there.  ``amp="auto"`` uses mixed precision on CUDA only:
float16 autocast with a ``GradScaler`` (supported by cuDNN's recurrent kernels on
every CUDA GPU, including Colab's T4, which has no native bfloat16).  ``amp``
may also be ``"bf16"`` (bfloat16 autocast, no scaler; for GPUs with native
bfloat16), ``"fp16"`` (CUDA only) or ``None``/``False`` for full precision.

Early stopping and checkpoints
------------------------------

With ``early_stopping_patience=p``, training stops after ``p`` epochs without
improvement of ``monitor`` (``"val_loss"`` by default, minimised; any other
name, e.g. ``"val_accuracy"``, is maximised) and the best weights are put back
into the model.  With ``checkpoint_path``, the model, optimiser, history and
best weights are saved after every epoch, atomically (a temporary file in the
same folder, then ``os.replace``), so an interrupted run never leaves a
half-written file; ``resume=True`` continues from it.  Checkpoints hold only
tensors and plain Python values and are read back with
``torch.load(weights_only=True)`` (:func:`load_checkpoint`).

Example::

    history = fit(model, train_loader, loss_fn=nn.CrossEntropyLoss(),
                  optimizer=torch.optim.Adam(model.parameters(), 1e-3), epochs=3,
                  val_loader=val_loader, metrics={"accuracy": accuracy}, clip_norm=1.0)
    history.plot()
"""

from __future__ import annotations

import copy
import math
import os
import pickle
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import torch
from torch import nn

from lstm_edu.settings import get_device, seed_everything

#: Targets equal to this are ignored by :func:`accuracy` (PyTorch's ``ignore_index`` default).
IGNORE_INDEX = -100
CHECKPOINT_FORMAT = "lstm_edu.fit/1"

__all__ = [
    "History",
    "accuracy",
    "accuracy_by_position",
    "evaluate",
    "fit",
    "fit_truncated_bptt",
    "load_checkpoint",
    "predict",
    "read_checkpoint",
    "save_checkpoint",
    "sequence_cross_entropy",
    "split_batch",
    "stream_batches",
]


# ----------------------------------------------------------------- metrics


def accuracy(outputs: torch.Tensor, targets: torch.Tensor, ignore_index: int = IGNORE_INDEX) -> torch.Tensor:
    """Fraction of correct predictions, as a 0-d tensor.

    - class scores ``(..., C)`` with integer targets ``(...)``: the arg-max is
      compared with the target (works for ``(B, C)`` and per-step ``(B, T, C)``);
    - one logit per example, ``(B,)`` or ``(B, 1)``, with 0/1 targets: the
      prediction is ``logit > 0`` (a probability of 0.5).

    Targets equal to ``ignore_index`` (e.g. padding positions) are left out.
    """
    if not isinstance(outputs, torch.Tensor) or not isinstance(targets, torch.Tensor):
        raise TypeError("accuracy expects two tensors: the model's outputs and the targets")
    if outputs.shape == targets.shape or (outputs.dim() == 2 and outputs.shape[-1] == 1
                                          and outputs.shape[:1] == targets.shape):
        predicted = (outputs.reshape(targets.shape) > 0).long()
    elif outputs.shape[:-1] == targets.shape:
        predicted = outputs.argmax(dim=-1)
    else:
        raise ValueError(
            f"accuracy: outputs of shape {tuple(outputs.shape)} do not match targets of shape "
            f"{tuple(targets.shape)}; expected class scores (..., C) with targets (...), "
            "or one logit per example with targets of the same shape"
        )
    keep = targets != ignore_index
    if not bool(keep.any()):
        return torch.tensor(float("nan"))
    return (predicted[keep] == targets[keep].long()).float().mean()


def sequence_cross_entropy(logits: torch.Tensor, targets: torch.Tensor,
                           ignore_index: int = IGNORE_INDEX) -> torch.Tensor:
    """Mean cross-entropy of per-step class scores ``(B, T, C)`` against targets ``(B, T)``.

    ``nn.CrossEntropyLoss`` wants the class axis second; this flattens the
    steps instead.  Positions whose target is ``ignore_index`` do not count.
    """
    if not isinstance(logits, torch.Tensor) or not isinstance(targets, torch.Tensor):
        raise TypeError("sequence_cross_entropy expects two tensors: logits (B, T, C) and targets (B, T)")
    if logits.dim() != 3 or targets.shape != logits.shape[:2]:
        raise ValueError(
            f"sequence_cross_entropy expects logits (B, T, C) and targets (B, T), got "
            f"{tuple(logits.shape)} and {tuple(targets.shape)}"
        )
    if targets.is_floating_point():
        raise TypeError(f"sequence_cross_entropy: targets must be integer class ids, got {targets.dtype}")
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                       ignore_index=ignore_index)


def _metric_dict(metrics) -> dict[str, Callable]:
    if metrics is None:
        return {}
    if isinstance(metrics, str):
        raise TypeError(f"metrics must be {{name: function}} or a list of functions, got the string {metrics!r}; "
                        "e.g. metrics={'accuracy': accuracy}")
    if isinstance(metrics, Mapping):
        named = dict(metrics)
    elif callable(metrics):
        named = {metrics.__name__: metrics}
    else:
        named = {getattr(fn, "__name__", f"metric{i}"): fn for i, fn in enumerate(metrics)}
    for name, fn in named.items():
        if not isinstance(name, str) or not callable(fn):
            raise TypeError(f"metric {name!r} must be a function metric(outputs, targets) named by a string, "
                            f"got {fn!r}")
        if name in {"loss", "lr", "seconds"}:
            raise ValueError(f"a metric cannot be called {name!r}: that name is used by the history")
    return named


# ------------------------------------------------------------------ batches


def split_batch(batch) -> tuple[tuple, torch.Tensor]:
    """Split a batch into the model's inputs (all but the last element) and the target."""
    if isinstance(batch, torch.Tensor) or not isinstance(batch, (tuple, list)):
        raise TypeError(
            f"a batch must be a tuple (inputs, ..., targets), got {type(batch).__name__}; "
            "wrap the data in a TensorDataset(x, y) or return (x, y) from your Dataset"
        )
    if len(batch) < 2:
        raise ValueError(f"a batch needs at least (inputs, targets), got {len(batch)} element(s)")
    return tuple(batch[:-1]), batch[-1]


def _to_device(value, device: torch.device):
    if isinstance(value, torch.Tensor):
        return value.to(device, non_blocking=True)
    return value


def _batch_size(targets) -> int:
    return len(targets) if hasattr(targets, "__len__") else 1


# ------------------------------------------------------------------ history


class History:
    """Per-epoch training record: ``history["val_loss"]`` is a list, one value per epoch.

    Attributes: ``records`` (a list of dicts, one per epoch, each with an
    ``"epoch"`` key counting from 1), ``best_epoch`` (the epoch whose weights the
    model ends with when early stopping is on), ``stopped_early``, ``device``.
    """

    def __init__(self, records: Iterable[Mapping] = (), *, device: str = "", best_epoch: int | None = None,
                 stopped_early: bool = False):
        self.records: list[dict] = [dict(record) for record in records]
        self.device = str(device)
        self.best_epoch = best_epoch
        self.stopped_early = bool(stopped_early)

    def append(self, record: Mapping) -> None:
        self.records.append(dict(record))

    @property
    def epochs(self) -> list[int]:
        return [record["epoch"] for record in self.records]

    def keys(self) -> list[str]:
        """Every quantity recorded in at least one epoch, in first-seen order."""
        seen: dict[str, None] = {}
        for record in self.records:
            seen.update(dict.fromkeys(key for key in record if key != "epoch"))
        return list(seen)

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.keys():
            raise KeyError(f"{key!r} was not recorded; the history has {self.keys()}")
        return [record.get(key, math.nan) for record in self.records]

    def __contains__(self, key) -> bool:
        return key in self.keys()

    def __len__(self) -> int:
        return len(self.records)

    def last(self, key: str) -> float:
        """The value of ``key`` in the last epoch."""
        return self[key][-1]

    def to_dict(self) -> dict:
        """Plain Python values only (safe for ``torch.load(weights_only=True)`` and JSON)."""
        return {"records": [dict(record) for record in self.records], "device": self.device,
                "best_epoch": self.best_epoch, "stopped_early": self.stopped_early}

    @classmethod
    def from_dict(cls, data: Mapping) -> History:
        return cls(data.get("records", ()), device=data.get("device", ""), best_epoch=data.get("best_epoch"),
                   stopped_early=data.get("stopped_early", False))

    def quantities(self) -> list[str]:
        """The plotted quantities: ``"loss"`` and each metric (without train_/val_ prefixes)."""
        names: dict[str, None] = {}
        for key in self.keys():
            for prefix in ("train_", "val_"):
                if key.startswith(prefix):
                    names[key[len(prefix):]] = None
        return list(names)

    def plot(self, quantities: Iterable[str] | None = None, *, axes=None, title: str | None = None):
        """One panel per quantity (loss first, then metrics), train solid and validation dashed.

        Returns the matplotlib figure.  ``axes`` may be a sequence of existing
        axes, one per quantity.  The best epoch (early stopping) is marked.
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        quantities = list(quantities) if quantities is not None else self.quantities()
        if not self.records or not quantities:
            raise ValueError("nothing to plot: the history is empty")
        if axes is None:
            fig, axes = plt.subplots(1, len(quantities), figsize=(4.2 * len(quantities), 3.2), squeeze=False)
            axes = axes[0]
        else:
            axes = list(axes)
            if len(axes) != len(quantities):
                raise ValueError(f"got {len(axes)} axes for {len(quantities)} quantities {quantities}")
            fig = axes[0].figure
        for ax, name in zip(axes, quantities):
            for prefix, style in (("train_", "-"), ("val_", "--")):
                key = prefix + name
                if key in self:
                    ax.plot(self.epochs, self[key], style, marker="o", markersize=3, label=prefix.rstrip("_"))
            if self.best_epoch is not None:
                ax.axvline(self.best_epoch, color="grey", linewidth=0.8, linestyle=":", label="best epoch")
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel(name)
            ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        if not self.records:
            return "History(no epochs)"
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.records[-1].items()
                         if k not in {"epoch", "seconds", "lr"} and isinstance(v, float))
        return f"History({len(self)} epochs on {self.device or '?'}; last: {last})"


# ---------------------------------------------------------------- checkpoints


def _checkpoint_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"the checkpoint path {path} is a folder; give a file name such as "
                                f"{path / 'model.pt'}")
    return path


def save_checkpoint(path: str | os.PathLike, payload: Mapping) -> Path:
    """Save ``payload`` with ``torch.save``, atomically: a temporary file in the same folder, then ``os.replace``."""
    if not isinstance(payload, Mapping):
        raise TypeError(f"a checkpoint's payload must be a dict, got {type(payload).__name__}")
    path = _checkpoint_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            torch.save(dict(payload), stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_checkpoint(path: str | os.PathLike, expected_format: str, description: str, *,
                    map_location="cpu") -> dict:
    """The payload of a checkpoint file (``torch.load(weights_only=True)``), checked for its ``"format"``.

    A missing file raises ``FileNotFoundError``; a file that cannot be unpickled
    (corrupt, partly written, not a checkpoint at all, or holding objects other
    than tensors and plain Python values) or whose ``"format"`` is not
    ``expected_format`` raises ``ValueError`` saying it is not ``description``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except PermissionError:
        raise
    except (pickle.UnpicklingError, EOFError, RuntimeError, struct.error, OSError) as err:  # OSError: a cut zip
        first_line = (str(err).strip().splitlines() or [""])[0]
        raise ValueError(
            f"{path} cannot be read as {description}: it is corrupt or only partly written, or it holds "
            "objects other than tensors and plain Python values, which torch.load(weights_only=True) "
            f"refuses ({type(err).__name__}: {first_line})"
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != expected_format:
        raise ValueError(f"{path} is not {description}")
    return payload


def load_checkpoint(path: str | os.PathLike, model: nn.Module | None = None, optimizer=None,
                    map_location="cpu") -> dict:
    """Read a checkpoint written by :func:`fit` (``torch.load(weights_only=True)``).

    Loads the weights into ``model`` and the state into ``optimizer`` when given,
    and returns the whole payload (``"epoch"``, ``"model"``, ``"optimizer"``,
    ``"history"`` as a dict, ``"best_model"``, ...).
    """
    payload = read_checkpoint(path, CHECKPOINT_FORMAT, "a checkpoint written by lstm_edu.nets.training.fit",
                              map_location=map_location)
    if not isinstance(payload.get("model"), Mapping) or not isinstance(payload.get("history"), Mapping):
        raise ValueError(f"{path} is an incomplete checkpoint: it lacks the model's weights or the history")
    if model is not None:
        model.load_state_dict(payload["model"])
    if optimizer is not None and payload.get("optimizer") is not None:
        optimizer.load_state_dict(payload["optimizer"])
    return payload


# ------------------------------------------------------------------ helpers


def _amp_dtype(amp, device: torch.device):
    """The autocast dtype for ``amp`` on ``device`` (None: full precision)."""
    if amp in (None, False, "off", "none"):
        return None
    if amp not in ("auto", "bf16", "fp16", True):
        raise ValueError(f"amp must be 'auto', 'bf16', 'fp16' or None, got {amp!r}")
    if device.type != "cuda":
        if amp in ("auto", True):
            return None
        raise ValueError(f"amp={amp!r} needs a CUDA device (mixed precision is used on CUDA only), "
                         f"but training runs on {device.type}; use amp='auto' or None")
    return torch.bfloat16 if amp == "bf16" else torch.float16


def _show_progress(progress) -> bool:
    """Progress bars only where someone watches live: a terminal or Colab (not a book build)."""
    if progress in (False, None):
        return False
    if progress == "always":
        return True
    if "google.colab" in sys.modules:
        return True
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def _progress_bar(iterable, total, description: str, enabled: bool):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=description, leave=False, dynamic_ncols=True)


def _loader_length(loader) -> int | None:
    try:
        return len(loader)
    except TypeError:
        return None


class _Averages:
    """Running sums weighted by batch size; tensors stay on the device until the end of the epoch."""

    def __init__(self):
        self.sums: dict[str, object] = {}
        self.count = 0

    def add(self, name: str, value, weight: int) -> None:
        if isinstance(value, torch.Tensor):
            value = value.detach().float()
        self.sums[name] = self.sums.get(name, 0.0) + value * weight

    def result(self, prefix: str = "") -> dict[str, float]:
        if self.count == 0:
            return {}
        return {prefix + name: float(total) / self.count for name, total in self.sums.items()}


def _run_metrics(metrics: dict, outputs, targets, averages: _Averages, weight: int) -> None:
    for name, fn in metrics.items():
        averages.add(name, fn(outputs.detach(), targets), weight)


# ---------------------------------------------------------------- evaluate


def evaluate(model: nn.Module, loader, *, loss_fn=None, metrics=None, device="auto", amp="auto",
             progress=False) -> dict[str, float]:
    """Average loss and metrics of ``model`` over ``loader`` without training.

    Returns ``{"loss": ..., "<metric>": ...}`` (``"loss"`` only when ``loss_fn``
    is given).  The model is put in eval mode and left there.
    """
    _check_model(model, loss_fn)
    device = get_device(device) if not isinstance(device, torch.device) else device
    metrics = _metric_dict(metrics)
    model.to(device)
    model.eval()
    dtype = _amp_dtype(amp, device)
    averages = _Averages()
    with torch.no_grad():
        for batch in _progress_bar(loader, _loader_length(loader), "evaluate", _show_progress(progress)):
            inputs, targets = split_batch(batch)
            inputs = tuple(_to_device(value, device) for value in inputs)
            targets = _to_device(targets, device)
            with torch.autocast(device_type=device.type, dtype=dtype, enabled=dtype is not None):
                outputs = model(*inputs)
                loss = loss_fn(outputs, targets) if loss_fn is not None else None
            weight = _batch_size(targets)
            averages.count += weight
            if loss is not None:
                averages.add("loss", loss, weight)
            _run_metrics(metrics, outputs.float(), targets, averages, weight)
    if averages.count == 0:
        raise ValueError("the loader gave no batches")
    return averages.result()


def predict(model: nn.Module, loader, *, device="auto", amp="auto") -> tuple[torch.Tensor, torch.Tensor]:
    """The model's outputs and the targets for every batch of ``loader``, concatenated on the CPU."""
    _check_model(model)
    device = get_device(device) if not isinstance(device, torch.device) else device
    dtype = _amp_dtype(amp, device)
    model.to(device)
    model.eval()
    outputs, targets = [], []
    with torch.no_grad():
        for batch in loader:
            inputs, target = split_batch(batch)
            inputs = tuple(_to_device(value, device) for value in inputs)
            with torch.autocast(device_type=device.type, dtype=dtype, enabled=dtype is not None):
                output = model(*inputs)
            outputs.append(output.float().cpu())
            targets.append(target.cpu() if isinstance(target, torch.Tensor) else torch.as_tensor(target))
    if not outputs:
        raise ValueError("the loader gave no batches")
    return torch.cat(outputs), torch.cat(targets)


# --------------------------------------------------------------------- fit


def _check_model(model, loss_fn=None, *, needs_loss: bool = False) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if (needs_loss or loss_fn is not None) and not callable(loss_fn):
        raise TypeError("loss_fn must be a function loss_fn(outputs, targets), e.g. nn.CrossEntropyLoss()")


def _check_positive_int(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _check_fit_arguments(model, loss_fn, optimizer, epochs, clip_norm, early_stopping_patience, val_loader,
                         monitor):
    _check_model(model, loss_fn, needs_loss=True)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    _check_positive_int(epochs, "epochs")
    if clip_norm is not None and (isinstance(clip_norm, bool) or not isinstance(clip_norm, (int, float))
                                  or not clip_norm > 0):
        raise ValueError(f"clip_norm must be a positive number or None, got {clip_norm!r}")
    if not isinstance(monitor, str):
        raise TypeError(f"monitor must be a history key such as 'val_loss', got {type(monitor).__name__}")
    if early_stopping_patience is not None:
        _check_positive_int(early_stopping_patience, "early_stopping_patience")
        if val_loader is None and monitor.startswith("val_"):
            raise ValueError(f"early stopping on {monitor!r} needs a val_loader")


def _check_monitor(monitor: str, metrics: dict, clip_norm, val_loader, early_stopping_patience, scheduler) -> None:
    """Before training: ``monitor`` must be a key every epoch will record, when something watches it."""
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if early_stopping_patience is None and not (plateau and monitor != "val_loss"):
        return  # nothing watches it (a plateau scheduler without validation falls back to the training loss)
    keys = ["train_loss", *(f"train_{name}" for name in metrics)]
    if val_loader is not None:
        keys += ["val_loss", *(f"val_{name}" for name in metrics)]
    if clip_norm is not None:
        keys.append("grad_norm")
    keys += ["lr", "seconds"]
    if monitor not in keys:
        raise ValueError(f"monitor {monitor!r} is not a quantity this run records; choose one of {keys}")


def _improved(value: float, best: float | None, minimise: bool) -> bool:
    if math.isnan(value):
        return False
    if best is None:
        return True
    return value < best if minimise else value > best


def fit(model: nn.Module, train_loader, *, loss_fn, optimizer, epochs: int, val_loader=None, device="auto",
        clip_norm: float | None = None, amp="auto", metrics=None, early_stopping_patience: int | None = None,
        monitor: str = "val_loss", checkpoint_path: str | os.PathLike | None = None, resume: bool = False,
        scheduler=None, progress=True, seed: int | None = None, verbose: bool = False) -> History:
    """Train ``model`` and return its :class:`History` (see the module docstring for the protocol).

    Args:
        model: any ``nn.Module``; called as ``model(*batch[:-1])``.
        train_loader: an iterable of batches, e.g. a ``DataLoader``.
        loss_fn: ``loss_fn(outputs, targets)`` -> mean loss of the batch.
        optimizer: a ``torch.optim`` optimiser over the model's parameters.
        epochs: number of passes over ``train_loader`` (including resumed ones).
        val_loader: optional loader evaluated after every epoch.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"mps"`` or a ``torch.device``.
        clip_norm: rescale the gradient to this global norm when it is larger
            (Pascanu et al. 2013); the mean norm before clipping is recorded.
        amp: mixed precision on CUDA: ``"auto"`` (= ``"fp16"`` with a GradScaler on
            CUDA, off elsewhere), ``"bf16"``, ``"fp16"`` or None.
        metrics: ``{name: metric}`` or a list of metrics, e.g. ``{"accuracy": accuracy}``.
        early_stopping_patience: stop after this many epochs without improvement
            of ``monitor`` and restore the best weights.
        monitor: the history key early stopping watches (``"val_loss"`` is
            minimised; anything else, e.g. ``"val_accuracy"``, maximised); a key
            the run would not record is refused before training starts.
        checkpoint_path: save a checkpoint there after every epoch (atomically).
        resume: continue from ``checkpoint_path`` if it exists (a corrupt file
            raises ``ValueError``).
        scheduler: a learning-rate scheduler stepped once per epoch
            (``ReduceLROnPlateau`` receives the monitored value).
        progress: tqdm bars while someone watches (a terminal or Colab); False
            turns them off, ``"always"`` forces them.
        seed: call :func:`lstm_edu.seed_everything` first (shuffling, dropout).
        verbose: print one line per epoch.
    """
    _check_fit_arguments(model, loss_fn, optimizer, epochs, clip_norm, early_stopping_patience, val_loader,
                         monitor)
    if resume and checkpoint_path is None:
        raise ValueError("resume=True needs the checkpoint_path to resume from")
    if checkpoint_path is not None:
        _checkpoint_file(checkpoint_path)  # a folder fails now, not after the first epoch
    if seed is not None:
        seed_everything(seed)
    device = get_device(device) if not isinstance(device, torch.device) else device
    metrics = _metric_dict(metrics)
    _check_monitor(monitor, metrics, clip_norm, val_loader, early_stopping_patience, scheduler)
    model.to(device)
    dtype = _amp_dtype(amp, device)
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    minimise = monitor.endswith("loss")
    show = _show_progress(progress)

    history = History(device=str(device))
    best_score: float | None = None
    best_state: dict | None = None
    start_epoch = 1
    if resume and checkpoint_path is not None and Path(checkpoint_path).is_file():
        payload = load_checkpoint(checkpoint_path, model, optimizer, map_location=device)
        history = History.from_dict(payload["history"])
        history.device = str(device)
        best_score, best_state = payload.get("best_score"), payload.get("best_model")
        if scaler is not None and payload.get("scaler"):
            scaler.load_state_dict(payload["scaler"])
        if scheduler is not None and payload.get("scheduler"):
            scheduler.load_state_dict(payload["scheduler"])
        start_epoch = int(payload["epoch"]) + 1
    parameters = [p for p in model.parameters() if p.requires_grad]
    epochs_without_improvement = 0

    for epoch in range(start_epoch, epochs + 1):
        started = time.perf_counter()
        model.train()
        averages = _Averages()
        bar = _progress_bar(train_loader, _loader_length(train_loader), f"epoch {epoch}/{epochs}", show)
        for batch in bar:
            inputs, targets = split_batch(batch)
            inputs = tuple(_to_device(value, device) for value in inputs)
            targets = _to_device(targets, device)
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device_type=device.type, dtype=dtype, enabled=dtype is not None):
                outputs = model(*inputs)
                loss = loss_fn(outputs, targets)
            if not torch.isfinite(loss.detach()).all():
                raise FloatingPointError(
                    f"epoch {epoch}: the training loss became {loss.item()}; lower the learning rate "
                    "or clip gradients (clip_norm=1.0)"
                )
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
            else:
                loss.backward()
            weight = _batch_size(targets)
            averages.count += weight
            if clip_norm is not None:
                norm = torch.nn.utils.clip_grad_norm_(parameters, clip_norm)
                averages.add("grad_norm", norm, weight)
            if scaler is not None:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            averages.add("loss", loss, weight)
            _run_metrics(metrics, outputs.float(), targets, averages, weight)
            if show and hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
        if averages.count == 0:
            raise ValueError("the training loader gave no batches")
        train = averages.result()
        record = {"epoch": epoch}
        record.update({("grad_norm" if key == "grad_norm" else f"train_{key}"): value
                       for key, value in train.items()})
        if val_loader is not None:
            validation = evaluate(model, val_loader, loss_fn=loss_fn, metrics=metrics, device=device, amp=amp)
            record.update({f"val_{key}": value for key, value in validation.items()})
        record["lr"] = float(optimizer.param_groups[0]["lr"])
        record["seconds"] = time.perf_counter() - started
        history.append(record)
        if verbose:
            shown = ", ".join(f"{k} {v:.4f}" for k, v in record.items() if k not in {"epoch", "lr", "seconds"})
            print(f"epoch {epoch}/{epochs}: {shown} ({record['seconds']:.1f} s)")

        if scheduler is not None:
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(record.get(monitor, train["loss"]))
            else:
                scheduler.step()

        stop = False
        if early_stopping_patience is not None:
            if _improved(record[monitor], best_score, minimise):
                best_score, history.best_epoch = record[monitor], epoch
                best_state = copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})
                epochs_without_improvement = 0
            else:
                epochs_without_improvement += 1
                stop = epochs_without_improvement >= early_stopping_patience
        if checkpoint_path is not None:
            save_checkpoint(checkpoint_path, {
                "format": CHECKPOINT_FORMAT,
                "epoch": epoch,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "history": history.to_dict(),
                "best_model": best_state,
                "best_score": best_score,
                "scaler": scaler.state_dict() if scaler is not None else None,
                "scheduler": scheduler.state_dict() if scheduler is not None else None,
            })
        if stop:
            history.stopped_early = True
            break

    if early_stopping_patience is not None and best_state is not None:
        model.load_state_dict(best_state)
    return history


# ------------------------------------------------------- truncated BPTT on a stream


def stream_batches(x, y, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut one long stream into ``batch_size`` parallel streams: (length,) -> (batch_size, length // batch_size).

    Row ``b`` is the ``b``-th consecutive piece of the stream, so moving along
    a row is moving forward in time; the remainder that does not fill a row
    is dropped.  This is the layout for truncated BPTT with carried state.
    """
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    if x.shape[:1] != y.shape[:1] or x.dim() < 1:
        raise ValueError(f"x and y must be streams of the same length, got {tuple(x.shape)} and {tuple(y.shape)}")
    _check_positive_int(batch_size, "batch_size")
    steps = x.shape[0] // batch_size
    if steps == 0:
        raise ValueError(f"a stream of {x.shape[0]} steps cannot fill {batch_size} rows")
    trim = steps * batch_size
    return (x[:trim].reshape(batch_size, steps, *x.shape[1:]), y[:trim].reshape(batch_size, steps, *y.shape[1:]))


def _detach_state(state):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(part.detach() for part in state)
    return state.detach()


def _stream_pass(model, x_rows, y_rows, chunk_length, carry_state, loss_fn, optimizer=None, clip_norm=None):
    """One pass over the stream rows chunk by chunk; returns per-chunk (loss, logits, targets)."""
    state = None
    results = []
    for start in range(0, x_rows.shape[1], chunk_length):
        x_chunk = x_rows[:, start:start + chunk_length]
        y_chunk = y_rows[:, start:start + chunk_length]
        logits, new_state = model(x_chunk, state=state if carry_state else None, return_state=True)
        loss = loss_fn(logits, y_chunk)
        if optimizer is not None:
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if clip_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            optimizer.step()
        state = _detach_state(new_state)  # truncation: the gradient stops at the chunk boundary
        results.append((loss.detach(), logits.detach(), y_chunk))
    return results


def fit_truncated_bptt(model: nn.Module, x, y, *, chunk_length: int, batch_size: int, carry_state: bool,
                       loss_fn, optimizer, epochs: int, val=None, clip_norm: float | None = None,
                       device="cpu", seed: int | None = None) -> History:
    """Train on one long stream with truncated backpropagation through time.

    The stream ``x``, ``y`` (length, ...) is cut into ``batch_size`` parallel
    rows (:func:`stream_batches`) and processed ``chunk_length`` steps at a
    time; the optimiser steps after every chunk.  With ``carry_state`` the
    final state of one chunk, *detached*, starts the next (the forward pass
    sees the whole past; the gradient flows back at most ``chunk_length``
    steps); without it every chunk starts from zeros.

    The model is called as ``model(x_chunk, state=..., return_state=True)`` and
    returns ``(logits (B, chunk, C), state)`` (:class:`lstm_edu.nets.models.SequenceTagger`
    does).  ``val=(x_val, y_val)`` is a second stream, evaluated the same way
    after every epoch.  The history records loss and per-step accuracy.
    """
    _check_fit_arguments(model, loss_fn, optimizer, epochs, clip_norm, None, val, "val_loss")
    _check_positive_int(chunk_length, "chunk_length")
    if val is not None and (not isinstance(val, (tuple, list)) or len(val) != 2):
        raise TypeError("val must be a pair (x_val, y_val) of streams")
    if seed is not None:
        seed_everything(seed)
    device = get_device(device) if not isinstance(device, torch.device) else device
    model.to(device)
    rows = [tensor.to(device) for tensor in stream_batches(x, y, batch_size)]
    val_rows = [tensor.to(device) for tensor in stream_batches(*val, batch_size)] if val is not None else None
    history = History(device=str(device))
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        model.train()
        train = _stream_pass(model, *rows, chunk_length, carry_state, loss_fn, optimizer, clip_norm)
        record = {"epoch": epoch, **_stream_summary(train, "train_")}
        if not math.isfinite(record["train_loss"]):
            raise FloatingPointError(
                f"epoch {epoch}: the training loss became {record['train_loss']}; lower the learning rate "
                "or clip gradients (clip_norm=1.0)"
            )
        if val_rows is not None:
            model.eval()
            with torch.no_grad():
                record.update(_stream_summary(_stream_pass(model, *val_rows, chunk_length, carry_state, loss_fn),
                                              "val_"))
        record["seconds"] = time.perf_counter() - started
        history.append(record)
    return history


def _stream_summary(results, prefix: str) -> dict[str, float]:
    losses = torch.stack([loss for loss, _, _ in results])
    correct = total = 0
    for _, logits, targets in results:
        keep = targets != IGNORE_INDEX
        correct += int((logits.argmax(-1)[keep] == targets[keep]).sum())
        total += int(keep.sum())
    return {f"{prefix}loss": float(losses.mean()), f"{prefix}accuracy": correct / max(total, 1)}


def accuracy_by_position(model: nn.Module, x, y, *, chunk_length: int, batch_size: int, carry_state: bool,
                         device="cpu") -> torch.Tensor:
    """Per-step accuracy on a stream, by position inside the chunk: (chunk_length,) on the CPU.

    Shows *where* a model that resets its state at chunk boundaries fails:
    at the first steps of every chunk.
    """
    _check_model(model)
    _check_positive_int(chunk_length, "chunk_length")
    device = get_device(device) if not isinstance(device, torch.device) else device
    model.to(device).eval()
    x_rows, y_rows = (tensor.to(device) for tensor in stream_batches(x, y, batch_size))
    correct = torch.zeros(chunk_length)
    total = torch.zeros(chunk_length)
    with torch.no_grad():
        results = _stream_pass(model, x_rows, y_rows, chunk_length, carry_state,
                               lambda logits, targets: logits.new_zeros(()))
    for _, logits, targets in results:
        width = targets.shape[1]
        keep = (targets != IGNORE_INDEX).cpu()
        hits = (logits.argmax(-1) == targets).cpu() & keep
        correct[:width] += hits.sum(0).float()
        total[:width] += keep.sum(0).float()
    return correct / total.clamp(min=1)

"""A small, reusable training loop for the torch chapters and the capstone.

:func:`fit` trains a model for some epochs and returns a :class:`~lstm_edu.nets.history.History`
of per-epoch losses and metrics that can plot itself; :func:`evaluate` and
:func:`predict` run a model over a loader without training.  ``fit`` reads as
its steps: :func:`train_one_epoch`, then :func:`evaluate` on the validation
loader, the scheduler step, :class:`_EarlyStopping`'s update and the checkpoint
(:mod:`lstm_edu.nets.checkpoints`).  Training on one long stream in chunks is
:mod:`lstm_edu.nets.truncated_bptt`.

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
the batch (:func:`lstm_edu.nets.metrics.accuracy` is one).  Per-epoch values are averages over
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
``torch.load(weights_only=True)`` (:func:`lstm_edu.nets.checkpoints.load_checkpoint`).

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
import sys
import time
from pathlib import Path

import torch
from torch import nn

from lstm_edu.nets.checkpoints import CHECKPOINT_FORMAT, checkpoint_file, load_checkpoint, save_checkpoint
from lstm_edu.nets.history import History
from lstm_edu.nets.metrics import Averages, metric_dict, run_metrics
from lstm_edu.settings import get_device, seed_everything

__all__ = ["evaluate", "fit", "predict", "split_batch", "train_one_epoch"]


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


# ---------------------------------------------------------------- evaluate


def evaluate(model: nn.Module, loader, *, loss_fn=None, metrics=None, device="auto", amp="auto",
             progress=False) -> dict[str, float]:
    """Average loss and metrics of ``model`` over ``loader`` without training.

    Returns ``{"loss": ..., "<metric>": ...}`` (``"loss"`` only when ``loss_fn``
    is given).  The model is put in eval mode and left there.
    """
    check_model(model, loss_fn)
    device = get_device(device) if not isinstance(device, torch.device) else device
    metrics = metric_dict(metrics)
    model.to(device)
    model.eval()
    dtype = _amp_dtype(amp, device)
    averages = Averages()
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
            run_metrics(metrics, outputs.float(), targets, averages, weight)
    if averages.count == 0:
        raise ValueError("the loader gave no batches")
    return averages.result()


def predict(model: nn.Module, loader, *, device="auto", amp="auto") -> tuple[torch.Tensor, torch.Tensor]:
    """The model's outputs and the targets for every batch of ``loader``, concatenated on the CPU."""
    check_model(model)
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


def check_model(model, loss_fn=None, *, needs_loss: bool = False) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if (needs_loss or loss_fn is not None) and not callable(loss_fn):
        raise TypeError("loss_fn must be a function loss_fn(outputs, targets), e.g. nn.CrossEntropyLoss()")


def check_positive_int(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_fit_arguments(model, loss_fn, optimizer, epochs, clip_norm, early_stopping_patience, val_loader,
                         monitor):
    check_model(model, loss_fn, needs_loss=True)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    check_positive_int(epochs, "epochs")
    if clip_norm is not None and (isinstance(clip_norm, bool) or not isinstance(clip_norm, (int, float))
                                  or not clip_norm > 0):
        raise ValueError(f"clip_norm must be a positive number or None, got {clip_norm!r}")
    if not isinstance(monitor, str):
        raise TypeError(f"monitor must be a history key such as 'val_loss', got {type(monitor).__name__}")
    if early_stopping_patience is not None:
        check_positive_int(early_stopping_patience, "early_stopping_patience")
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

# ------------------------------------------------------------- fit, step by step


class _Precision:
    """Mixed precision for one run: the autocast dtype, and a GradScaler for float16 on CUDA."""

    def __init__(self, amp, device: torch.device):
        self.device = device
        self.dtype = _amp_dtype(amp, device)
        self.scaler = torch.amp.GradScaler("cuda") if self.dtype == torch.float16 else None

    def autocast(self):
        return torch.autocast(device_type=self.device.type, dtype=self.dtype, enabled=self.dtype is not None)

    def backward(self, loss: torch.Tensor, optimizer) -> None:
        """Backpropagate; with a scaler, unscale the gradients so that clipping sees their true norm."""
        if self.scaler is None:
            loss.backward()
            return
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(optimizer)

    def step(self, optimizer) -> None:
        if self.scaler is None:
            optimizer.step()
            return
        self.scaler.step(optimizer)
        self.scaler.update()


def train_one_epoch(model: nn.Module, batches, *, loss_fn, optimizer, device: torch.device, precision: _Precision,
                    clip_norm: float | None, metrics: dict, epoch: int) -> dict[str, float]:
    """One pass over ``batches`` with an optimiser step per batch.

    Returns the epoch's averages weighted by batch size: ``"loss"``, each
    metric, and ``"grad_norm"`` (the mean norm before clipping) when
    ``clip_norm`` is given.  With float16 mixed precision, the steps whose
    gradients overflowed (which the GradScaler skips while it lowers its scale)
    do not count in ``"grad_norm"``, so it stays the norm of the updates made.  A non-finite loss stops training with an error.
    """
    model.train()
    parameters = [p for p in model.parameters() if p.requires_grad]
    averages = Averages()
    norms = Averages()  # over the steps the optimiser takes (a GradScaler skips overflowed ones)
    for batch in batches:
        inputs, targets = split_batch(batch)
        inputs = tuple(_to_device(value, device) for value in inputs)
        targets = _to_device(targets, device)
        optimizer.zero_grad(set_to_none=True)
        with precision.autocast():
            outputs = model(*inputs)
            loss = loss_fn(outputs, targets)
        if not torch.isfinite(loss.detach()).all():
            raise FloatingPointError(
                f"epoch {epoch}: the training loss became {loss.item()}; lower the learning rate "
                "or clip gradients (clip_norm=1.0)"
            )
        precision.backward(loss, optimizer)
        weight = _batch_size(targets)
        averages.count += weight
        if clip_norm is not None:
            norm = torch.nn.utils.clip_grad_norm_(parameters, clip_norm)
            if precision.scaler is None or torch.isfinite(norm):
                norms.count += weight
                norms.add("grad_norm", norm, weight)
        precision.step(optimizer)
        averages.add("loss", loss, weight)
        run_metrics(metrics, outputs.float(), targets, averages, weight)
        if hasattr(batches, "set_postfix"):  # a progress bar
            batches.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
    if averages.count == 0:
        raise ValueError("the training loader gave no batches")
    return {**averages.result(), **norms.result()}


def _print_epoch(record: dict, epochs: int) -> None:
    shown = ", ".join(f"{k} {v:.4f}" for k, v in record.items() if k not in {"epoch", "lr", "seconds"})
    print(f"epoch {record['epoch']}/{epochs}: {shown} ({record['seconds']:.1f} s)")


def _step_scheduler(scheduler, monitored: float) -> None:
    """Once per epoch; ``ReduceLROnPlateau`` receives the monitored value."""
    if scheduler is None:
        return
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(monitored)
    else:
        scheduler.step()


class _EarlyStopping:
    """Watches one history key, keeps the best weights, and says when to stop.

    With ``patience=None`` it never stops and never restores; ``"...loss"`` keys
    are minimised, every other key is maximised.
    """

    def __init__(self, monitor: str, patience: int | None):
        self.monitor = monitor
        self.patience = patience
        self.minimise = monitor.endswith("loss")
        self.best_score: float | None = None
        self.best_state: dict | None = None
        self.epochs_without_improvement = 0

    def update(self, record: dict, model: nn.Module, history: History) -> bool:
        """After an epoch: remember improved weights (and the epoch in ``history``); True means stop."""
        if self.patience is None:
            return False
        if _improved(record[self.monitor], self.best_score, self.minimise):
            self.best_score, history.best_epoch = record[self.monitor], record["epoch"]
            self.best_state = copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})
            self.epochs_without_improvement = 0
            return False
        self.epochs_without_improvement += 1
        return self.epochs_without_improvement >= self.patience

    def restore_best(self, model: nn.Module) -> None:
        if self.patience is not None and self.best_state is not None:
            model.load_state_dict(self.best_state)


def _save_fit_checkpoint(path, epoch: int, model: nn.Module, optimizer, history: History, stopper: _EarlyStopping,
                         precision: _Precision, scheduler) -> None:
    """Everything needed to resume after ``epoch``, written atomically."""
    save_checkpoint(path, {
        "format": CHECKPOINT_FORMAT,
        "epoch": epoch,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "history": history.to_dict(),
        "best_model": stopper.best_state,
        "best_score": stopper.best_score,
        "scaler": precision.scaler.state_dict() if precision.scaler is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
    })


def _resume(path, model: nn.Module, optimizer, device: torch.device, precision: _Precision, scheduler,
            stopper: _EarlyStopping) -> tuple[History, int]:
    """Load the model, optimiser, scaler, scheduler and best weights; return the history and the next epoch."""
    payload = load_checkpoint(path, model, optimizer, map_location=device)
    history = History.from_dict(payload["history"])
    history.device = str(device)
    stopper.best_score, stopper.best_state = payload.get("best_score"), payload.get("best_model")
    if precision.scaler is not None and payload.get("scaler"):
        precision.scaler.load_state_dict(payload["scaler"])
    if scheduler is not None and payload.get("scheduler"):
        scheduler.load_state_dict(payload["scheduler"])
    return history, int(payload["epoch"]) + 1


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
    check_fit_arguments(model, loss_fn, optimizer, epochs, clip_norm, early_stopping_patience, val_loader, monitor)
    if resume and checkpoint_path is None:
        raise ValueError("resume=True needs the checkpoint_path to resume from")
    if checkpoint_path is not None:
        checkpoint_file(checkpoint_path)  # a folder fails now, not after the first epoch
    if seed is not None:
        seed_everything(seed)
    device = get_device(device) if not isinstance(device, torch.device) else device
    metrics = metric_dict(metrics)
    _check_monitor(monitor, metrics, clip_norm, val_loader, early_stopping_patience, scheduler)
    model.to(device)
    precision = _Precision(amp, device)
    stopper = _EarlyStopping(monitor, early_stopping_patience)
    history, start_epoch = History(device=str(device)), 1
    if resume and Path(checkpoint_path).is_file():
        history, start_epoch = _resume(checkpoint_path, model, optimizer, device, precision, scheduler, stopper)
    show = _show_progress(progress)

    for epoch in range(start_epoch, epochs + 1):
        started = time.perf_counter()
        bar = _progress_bar(train_loader, _loader_length(train_loader), f"epoch {epoch}/{epochs}", show)
        train = train_one_epoch(model, bar, loss_fn=loss_fn, optimizer=optimizer, device=device,
                                precision=precision, clip_norm=clip_norm, metrics=metrics, epoch=epoch)
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
            _print_epoch(record, epochs)
        _step_scheduler(scheduler, record.get(monitor, train["loss"]))
        stop = stopper.update(record, model, history)
        if checkpoint_path is not None:
            _save_fit_checkpoint(checkpoint_path, epoch, model, optimizer, history, stopper, precision, scheduler)
        if stop:
            history.stopped_early = True
            break

    stopper.restore_best(model)
    return history

"""Truncated backpropagation through time on one long stream (chapter 6).

:func:`stream_batches` cuts a stream into parallel rows, :func:`fit_truncated_bptt`
trains chunk by chunk with or without carrying the (detached) state across chunk
boundaries, and :func:`accuracy_by_position` shows where inside a chunk a model fails.
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn

from lstm_edu.nets.history import History
from lstm_edu.nets.metrics import IGNORE_INDEX
from lstm_edu.nets.training import check_fit_arguments, check_model, check_positive_int
from lstm_edu.settings import get_device, seed_everything

__all__ = ["accuracy_by_position", "fit_truncated_bptt", "stream_batches"]


def stream_batches(x, y, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut one long stream into ``batch_size`` parallel streams: (length,) -> (batch_size, length // batch_size).

    Row ``b`` is the ``b``-th consecutive piece of the stream, so moving along
    a row is moving forward in time; the remainder that does not fill a row
    is dropped.  This is the layout for truncated BPTT with carried state.
    """
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    if x.shape[:1] != y.shape[:1] or x.dim() < 1:
        raise ValueError(f"x and y must be streams of the same length, got {tuple(x.shape)} and {tuple(y.shape)}")
    check_positive_int(batch_size, "batch_size")
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
    check_fit_arguments(model, loss_fn, optimizer, epochs, clip_norm, None, val, "val_loss")
    check_positive_int(chunk_length, "chunk_length")
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
    check_model(model)
    check_positive_int(chunk_length, "chunk_length")
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

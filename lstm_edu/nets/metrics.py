"""Metrics for the training loop: accuracy, a per-step cross-entropy, and batch-weighted averages.

A metric is a function ``metric(outputs, targets) -> float or 0-d tensor``, the
mean over the batch; :class:`Averages` accumulates such means weighted by the
batch size, so per-epoch values are exact whatever the size of the last batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn

#: Targets equal to this are ignored by :func:`accuracy` (PyTorch's ``ignore_index`` default).
IGNORE_INDEX = -100

__all__ = ["IGNORE_INDEX", "Averages", "accuracy", "metric_dict", "run_metrics", "sequence_cross_entropy"]


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


def metric_dict(metrics) -> dict[str, Callable]:
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


class Averages:
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


def run_metrics(metrics: dict, outputs, targets, averages: Averages, weight: int) -> None:
    for name, fn in metrics.items():
        averages.add(name, fn(outputs.detach(), targets), weight)

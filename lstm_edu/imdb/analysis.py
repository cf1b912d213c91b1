"""Looking inside a trained classifier: confusion matrix, confident errors, gate activations.

The gate activations come from a *replay*: the trained ``nn.LSTM``'s first-layer
weights are copied into the book's numpy LSTM cell
(:func:`lstm_edu.scratch.lstm_step_forward`, chapter 3) and the review is run
through it one token at a time, keeping the input, forget and output gates, the
candidate and the cell state that ``nn.LSTM`` computes but does not return.  The
replayed hidden states equal ``nn.LSTM``'s outputs (tests check it), so the
gates are the ones the model really used.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import torch

from lstm_edu.imdb.models import SentimentRNN
from lstm_edu.scratch import lstm_step_forward

GATES = ("input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden")


# -------------------------------------------------------------- errors


def confusion_matrix(labels: Sequence[int], predictions: Sequence[int]) -> np.ndarray:
    """``(2, 2)`` counts: row = true class (0 neg, 1 pos), column = predicted class."""
    labels, predictions = np.asarray(labels).astype(int), np.asarray(predictions).astype(int)
    if labels.shape != predictions.shape:
        raise ValueError(f"labels {labels.shape} and predictions {predictions.shape} differ in shape")
    if not np.isin(labels, (0, 1)).all() or not np.isin(predictions, (0, 1)).all():
        raise ValueError("labels and predictions must be 0 (negative) or 1 (positive)")
    matrix = np.zeros((2, 2), dtype=np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def most_confident_errors(probabilities: Sequence[float], labels: Sequence[int], k: int = 5) -> np.ndarray:
    """Indices of the ``k`` misclassified reviews the model was surest about, surest first.

    ``probabilities`` are P(positive); a review is wrong when ``p > 0.5`` disagrees
    with its label, and the confidence of the wrong answer is ``max(p, 1 - p)``.
    """
    p, labels = np.asarray(probabilities, dtype=float), np.asarray(labels).astype(int)
    if p.shape != labels.shape:
        raise ValueError(f"probabilities {p.shape} and labels {labels.shape} differ in shape")
    wrong = np.flatnonzero((p > 0.5).astype(int) != labels)
    confidence = np.maximum(p[wrong], 1 - p[wrong])
    return wrong[np.argsort(-confidence, kind="stable")[:k]]


def plot_confusion_matrix(matrix: np.ndarray, ax=None, title: str = "test reviews"):
    """A labelled 2×2 heat map of counts (and row percentages); returns the axes."""
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix)
    if ax is None:
        _, ax = plt.subplots(figsize=(3.6, 3.2))
    ax.imshow(matrix, cmap="Blues")
    names = ("negative", "positive")
    ax.set_xticks([0, 1], names)
    ax.set_yticks([0, 1], names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    rows = matrix.sum(axis=1, keepdims=True).clip(min=1)
    for (i, j), count in np.ndenumerate(matrix):
        colour = "white" if count > matrix.max() / 2 else "black"
        ax.text(j, i, f"{count}\n({100 * count / rows[i, 0]:.1f}%)", ha="center", va="center", color=colour)
    ax.set_title(title)
    return ax


# --------------------------------------------------------------- gates


@dataclass
class GateTrace:
    """The first LSTM layer's gates over one review; every array is ``(T, H)``.

    ``tokens`` holds the T words; ``direction`` is ``"forward"`` (left to right)
    or ``"backward"`` (the right-to-left half of a BiLSTM, re-aligned so that row
    ``t`` belongs to word ``t``).
    """

    tokens: list[str]
    input_gate: np.ndarray
    forget_gate: np.ndarray
    candidate: np.ndarray
    output_gate: np.ndarray
    cell: np.ndarray
    hidden: np.ndarray
    direction: str = "forward"

    def __len__(self) -> int:
        return len(self.tokens)

    def mean(self, gate: str) -> np.ndarray:
        """``(T,)`` the gate averaged over the hidden units."""
        if gate not in GATES:
            raise ValueError(f"gate must be one of {GATES}, got {gate!r}")
        return getattr(self, gate).mean(axis=1)


def layer_parameters(lstm: torch.nn.LSTM, direction: str = "forward") -> dict[str, np.ndarray]:
    """The first layer's weights of one direction as the numpy dict the scratch cell expects (float64)."""
    if not isinstance(lstm, torch.nn.LSTM):
        raise TypeError(f"gate traces need an nn.LSTM, got {type(lstm).__name__} (a GRU has no input/forget gates)")
    if direction not in ("forward", "backward"):
        raise ValueError(f"direction must be 'forward' or 'backward', got {direction!r}")
    if direction == "backward" and not lstm.bidirectional:
        raise ValueError("this LSTM is not bidirectional: it has no backward direction")
    suffix = "_l0" + ("_reverse" if direction == "backward" else "")
    return {name: getattr(lstm, name + suffix).detach().cpu().double().numpy()
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


@torch.no_grad()
def lstm_gate_trace(model: SentimentRNN, ids: Sequence[int], tokens: Sequence[str] | None = None,
                    direction: str = "forward") -> GateTrace:
    """Replay one review (token ids, no padding) through the model's first LSTM layer.

    ``tokens`` labels the steps (default: the ids as strings).
    """
    ids = [int(i) for i in ids]
    if not ids:
        raise ValueError("the review has no tokens")
    params = layer_parameters(model.rnn, direction)
    embedded = model.embedding(torch.tensor(ids, device=model.embedding.weight.device)).double().cpu().numpy()
    order = range(len(ids)) if direction == "forward" else range(len(ids) - 1, -1, -1)
    hidden_size = params["weight_hh"].shape[1]
    h = np.zeros((1, hidden_size))
    c = np.zeros((1, hidden_size))
    rows = {name: np.zeros((len(ids), hidden_size)) for name in GATES}
    for t in order:
        h, c, cache = lstm_step_forward(embedded[t:t + 1], h, c, params)
        for name, value in (("input_gate", cache["i"]), ("forget_gate", cache["f"]), ("candidate", cache["g"]),
                            ("output_gate", cache["o"]), ("cell", c), ("hidden", h)):
            rows[name][t] = value[0]
    labels = list(tokens) if tokens is not None else [str(i) for i in ids]
    if len(labels) != len(ids):
        raise ValueError(f"{len(labels)} tokens for {len(ids)} ids")
    return GateTrace(tokens=labels, direction=direction, **rows)


def words_by_gate(traces: Iterable[GateTrace], gate: str = "input_gate", *, min_count: int = 5, k: int = 12,
                  highest: bool = True) -> list[tuple[str, float, int]]:
    """Words ranked by the mean activation of ``gate`` (over units and occurrences).

    Returns up to ``k`` ``(word, mean activation, occurrences)`` for words seen at
    least ``min_count`` times; ``highest=False`` lists the lowest first (e.g. the
    words where the forget gate closes most).
    """
    sums: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for trace in traces:
        for word, value in zip(trace.tokens, trace.mean(gate)):
            sums[word] += float(value)
            counts[word] += 1
    rows = [(word, sums[word] / counts[word], counts[word]) for word in sums if counts[word] >= min_count]
    rows.sort(key=lambda row: (-row[1] if highest else row[1], row[0]))
    return rows[:k]


def plot_gate_trace(trace: GateTrace, *, gates: Sequence[str] = ("input_gate", "forget_gate"), units: int = 12,
                    max_tokens: int = 45, title: str | None = None):
    """Heat maps of ``gates`` over the words of a review (the ``units`` most variable units).

    Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    steps = min(len(trace), max_tokens)
    first = getattr(trace, gates[0])[:steps]
    chosen = np.argsort(-first.std(axis=0), kind="stable")[:units]
    # Sized to be read at the width of a book page: about 0.25 inch per word, 10-12 point text.
    fig, axes = plt.subplots(len(gates) + 1, 1, figsize=(min(0.25 * steps + 1.8, 10), 0.9 * len(gates) + 2.6),
                             sharex=True, gridspec_kw={"height_ratios": [1] * len(gates) + [1.1]})
    for ax, gate in zip(axes, gates):
        values = getattr(trace, gate)[:steps, chosen].T
        image = ax.imshow(values, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        ax.set_ylabel(gate.replace("_", " "), fontsize=10)
        ax.set_yticks([])
        fig.colorbar(image, ax=ax, fraction=0.02, pad=0.01)
    means = axes[-1]
    for gate in gates:
        means.plot(trace.mean(gate)[:steps], marker=".", label=f"mean {gate.replace('_', ' ')}")
    means.set_ylim(0, 1)
    means.set_ylabel("mean", fontsize=10)
    means.legend(fontsize=10, loc="upper left", bbox_to_anchor=(0, -0.55), ncol=len(gates), frameon=False)
    means.set_xticks(range(steps), trace.tokens[:steps], rotation=70, fontsize=10)
    fig.suptitle(title or f"LSTM gates over a review ({trace.direction} direction, {len(chosen)} units)",
                 fontsize=12)
    fig.tight_layout()
    return fig

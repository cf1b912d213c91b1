"""A numpy LSTM that learns: end-to-end training on the adding problem.

The original tutorial trained a numpy LSTM whose backward pass was wrong, so it
never learned.  Here the model, the loss, the gradients and the optimiser are all
numpy, and the result beats the task's constant-prediction baseline:

    x (T, B, 2) -> LSTM -> h_T (B, H) -> Linear -> prediction (B,)
    loss = mean((prediction - y)^2)

:func:`train_adding_lstm` returns the loss of every training step, the baseline
MSE of 1/6 and the MSE on fresh test sequences.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from lstm_edu.scratch.optim import Adam, clip_grad_norm
from lstm_edu.scratch.layers import LSTM
from lstm_edu.scratch.linear import Linear
from lstm_edu.tasks import ADDING_BASELINE_MSE, adding_problem


@dataclass
class AddingDemoResult:
    """What :func:`train_adding_lstm` returns."""

    losses: np.ndarray  #: training MSE of every step (each on a fresh batch)
    baseline: float  #: MSE of always predicting 1, i.e. 1/6
    test_mse: float  #: MSE of the trained model on fresh test sequences
    seconds: float  #: wall-clock training time
    lstm: LSTM = field(repr=False)
    readout: Linear = field(repr=False)
    config: dict = field(default_factory=dict)


def _merge(**dicts: dict) -> dict:
    """One flat dict ``{"lstm.weight_ih": ..., "readout.weight": ...}`` sharing the arrays."""
    return {f"{prefix}.{key}": array for prefix, d in dicts.items() for key, array in d.items()}


def predict(lstm: LSTM, readout: Linear, x: np.ndarray) -> np.ndarray:
    """Prediction of the model for sequences x (T, B, 2): shape (B,)."""
    _, (h_last, _) = lstm.forward(x)
    return readout.forward(h_last)[:, 0]


def train_adding_lstm(
    T: int = 20,
    hidden_size: int = 32,
    steps: int = 800,
    batch_size: int = 64,
    lr: float = 1e-2,
    max_norm: float = 1.0,
    seed: int = 0,
    test_size: int = 1000,
) -> AddingDemoResult:
    """Train a numpy LSTM with a linear read-out on the adding problem of length ``T``.

    Each step draws a fresh batch from :func:`lstm_edu.tasks.adding_problem`, runs
    forward and backward through time, clips the global gradient norm to
    ``max_norm`` and takes one Adam step.  Everything is seeded by ``seed``.
    The defaults train in a few seconds on a CPU and end well below the baseline.
    """
    rng = np.random.default_rng(seed)
    lstm = LSTM(2, hidden_size, rng=rng)
    readout = Linear(hidden_size, 1, rng=rng)
    # One dict for the optimiser; the arrays are shared, so updates reach both layers.
    params = _merge(lstm=lstm.params, readout=readout.params)
    optimizer = Adam(params, lr=lr)
    losses = np.empty(steps)
    start = time.perf_counter()
    for step in range(steps):
        x, y = adding_problem(batch_size, T, rng)
        prediction = predict(lstm, readout, x)
        error = prediction - y
        losses[step] = np.mean(error**2)
        # backward: loss -> prediction -> h_T -> LSTM (no gradient enters other outputs)
        dh_last = readout.backward((2 * error / batch_size)[:, None])
        lstm.backward(None, (dh_last, None))
        grads = _merge(lstm=lstm.grads, readout=readout.grads)
        clip_grad_norm(grads, max_norm)
        optimizer.step(grads)
    seconds = time.perf_counter() - start
    x_test, y_test = adding_problem(test_size, T, rng)
    test_mse = float(np.mean((predict(lstm, readout, x_test) - y_test) ** 2))
    config = dict(T=T, hidden_size=hidden_size, steps=steps, batch_size=batch_size, lr=lr, max_norm=max_norm, seed=seed)
    return AddingDemoResult(losses, ADDING_BASELINE_MSE, test_mse, seconds, lstm, readout, config)

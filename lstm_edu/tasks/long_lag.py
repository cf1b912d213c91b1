"""Synthetic sequence tasks with known baselines, used by several chapters."""

from __future__ import annotations

import numpy as np

#: Mean squared error of the best constant prediction on :func:`adding_problem`:
#: predicting 1 = E[u1 + u2] leaves Var(u1 + u2) = 2 * (1/12) = 1/6 ~ 0.167.
ADDING_BASELINE_MSE = 1.0 / 6.0


def as_generator(rng) -> np.random.Generator:
    """``rng`` itself when it is a numpy Generator, else a new one seeded with the integer (or None)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator or an integer seed, got {type(rng).__name__}")


def _float_dtype(dtype) -> np.dtype:
    """``dtype`` as a numpy floating-point dtype; an integer dtype would silently round the data to 0 and 1."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dtype must be a floating-point type such as np.float32 or np.float64, got {dtype}")
    return dtype


def adding_problem(n: int, T: int, rng=None, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem in its modern form (Arjovsky, Shah & Bengio 2016, *Unitary
    Evolution Recurrent Neural Networks*, ICML; after Hochreiter & Schmidhuber 1997).

    Each sequence has two input channels over ``T`` steps:

    - channel 0: values drawn uniformly from [0, 1);
    - channel 1: a marker, 0 everywhere except exactly two steps, one drawn
      uniformly from the first half ``[0, T // 2)`` and one from the second half
      ``[T // 2, T)``.

    The target is the sum of the two marked values.  A model that ignores the input
    and predicts 1 scores MSE = Var(u1 + u2) = 1/6 (:data:`ADDING_BASELINE_MSE`); only
    a model that remembers a value across up to T - 1 steps beats it.

    ``rng`` is a ``numpy.random.Generator`` or an integer seed.  Returns
    ``x`` (T, n, 2), time-major like the numpy layers, and ``y`` (n,).
    """
    for name, value, least in (("n", n, 1), ("T", T, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        if value < least:
            raise ValueError(f"{name} must be at least {least}, got {value}")
    dtype = _float_dtype(dtype)
    rng = as_generator(rng)
    values = rng.uniform(0.0, 1.0, size=(T, n))
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    columns = np.arange(n)
    markers = np.zeros((T, n))
    markers[first, columns] = 1.0
    markers[second, columns] = 1.0
    x = np.stack([values, markers], axis=-1).astype(dtype)
    y = (values[first, columns] + values[second, columns]).astype(dtype)
    return x, y


def adding_baseline_mse() -> float:
    """MSE of the best input-blind prediction on :func:`adding_problem`: exactly 1/6.

    A model that ignores its input can only predict a constant c; the MSE
    E[(u1 + u2 - c)^2] is smallest for c = E[u1 + u2] = 1, where it equals
    Var(u1 + u2) = Var(u1) + Var(u2) = 1/12 + 1/12 = 1/6 (u1, u2 independent,
    uniform on [0, 1)).  A recurrent network whose loss stays at 1/6 has learnt
    nothing about the marked values.
    """
    return ADDING_BASELINE_MSE


#: Token ids of :func:`copy_task`: 0 is the blank; the data symbols are 1..n_symbols;
#: the delimiter ("start copying now") is n_symbols + 1.
COPY_BLANK = 0


def copy_delimiter(n_symbols: int = 8) -> int:
    """The delimiter's token id in :func:`copy_task` (9 with the default 8 symbols)."""
    return _positive_int(n_symbols, "n_symbols") + 1


def copy_num_classes(n_symbols: int = 8) -> int:
    """The number of token ids in :func:`copy_task`: blank, the symbols, the delimiter (10 by default)."""
    return _positive_int(n_symbols, "n_symbols") + 2


def _positive_int(value, name: str, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < least:
        raise ValueError(f"{name} must be at least {least}, got {value}")
    return int(value)


def copy_task(n: int, T: int, rng=None, *, n_symbols: int = 8, copy_length: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """The copy (memory) task of Arjovsky, Shah & Bengio 2016 (after Hochreiter & Schmidhuber 1997).

    Every sequence has ``T + 2 * copy_length`` steps of token ids (defaults: 8 data
    symbols, copy 10 of them, 10 classes):

    - input ``x``: ``copy_length`` symbols drawn uniformly from 1..n_symbols, then
      ``T - 1`` blanks (0), the delimiter (n_symbols + 1), then ``copy_length`` blanks;
    - target ``y``: ``T + copy_length`` blanks, then the same ``copy_length`` symbols.

    So the network must hold the symbols for T steps and write them out after the
    delimiter.  The loss is the cross-entropy averaged over all steps; a model
    without memory scores :func:`copy_baseline` (``10 ln 8 / (T + 20)`` by default).

    ``rng`` is a ``numpy.random.Generator`` or an integer seed.  Returns ``x`` and
    ``y``, both int64 of shape (T + 2 * copy_length, n), time-major.
    """
    n = _positive_int(n, "n")
    T = _positive_int(T, "T")
    n_symbols = _positive_int(n_symbols, "n_symbols")
    copy_length = _positive_int(copy_length, "copy_length")
    rng = as_generator(rng)
    length = T + 2 * copy_length
    symbols = rng.integers(1, n_symbols + 1, size=(copy_length, n))
    x = np.full((length, n), COPY_BLANK, dtype=np.int64)
    y = np.full((length, n), COPY_BLANK, dtype=np.int64)
    x[:copy_length] = symbols
    x[copy_length + T - 1] = copy_delimiter(n_symbols)
    y[T + copy_length:] = symbols
    return x, y


def copy_baseline(T: int, *, n_symbols: int = 8, copy_length: int = 10) -> float:
    """Cross-entropy (nats per step) of the best memoryless strategy on :func:`copy_task`.

    Without memory a model can still output a blank with certainty (loss 0) on the
    first ``T + copy_length`` steps, and after the delimiter it can only guess each
    symbol uniformly (loss ln n_symbols each).  Averaged over all steps:

        copy_length * ln(n_symbols) / (T + 2 * copy_length)     (10 ln 8 / (T + 20) by default)

    e.g. 0.1733 for T = 100 (Arjovsky, Shah & Bengio 2016).
    """
    T = _positive_int(T, "T")
    n_symbols = _positive_int(n_symbols, "n_symbols")
    copy_length = _positive_int(copy_length, "copy_length")
    return copy_length * float(np.log(n_symbols)) / (T + 2 * copy_length)


def echo_task(n: int, T: int, delay: int, rng=None, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Repeat the input ``delay`` steps later: a short-memory regression task.

    ``x`` (T, n, 1) holds standard normal values; the target ``y`` (T, n) is
    ``y[t] = x[t - delay]`` for ``t >= delay`` and 0 before.  Predicting 0 scores
    MSE 1 (the variance of x) on the steps ``t >= delay``; a recurrent network
    that keeps the last ``delay`` inputs in its state can reach 0.  Chapter 2 uses
    it for a training run where gradient clipping decides the outcome.

    ``rng`` is a ``numpy.random.Generator`` or an integer seed.
    """
    n = _positive_int(n, "n")
    T = _positive_int(T, "T", least=2)
    delay = _positive_int(delay, "delay")
    if delay >= T:
        raise ValueError(f"delay must be smaller than T, got delay={delay} and T={T}")
    dtype = _float_dtype(dtype)
    rng = as_generator(rng)
    x = rng.standard_normal((T, n, 1))
    y = np.zeros((T, n))
    y[delay:] = x[:-delay, :, 0]
    return x.astype(dtype), y.astype(dtype)

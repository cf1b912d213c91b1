"""Small synthetic tasks for the sequence modes (chapter 5) and training practice (chapter 6).

Every generator takes ``rng`` (a ``numpy.random.Generator`` or an integer seed)
and returns numpy arrays, **batch-first** like ``nn.LSTM(batch_first=True)``:

=========================  ==================  ========================================
generator                  mode                returns
=========================  ==================  ========================================
:func:`waveforms`          one-to-many         params (n, 3), signals (n, T)
:func:`regime_signal`      many-to-many synced x (n, T, 1), labels (n, T)
:func:`regime_posterior`   (its exact answer)   P(regime 1) (n, T), the Bayes-optimal tagger
:func:`reversal_pairs`     many-to-many delayed source (n, L), target (n, L)
:func:`sorting_pairs`      many-to-many delayed source (n, L), target (n, L)
:func:`echo_stream`        one long stream      x (length,), y (length,)
:func:`future_tags`        synced, needs future x (n, T), y (n, T)
:func:`last_token_task`    many-to-one, padded  tokens (n, T), lengths (n,), labels (n,)
=========================  ==================  ========================================

Targets that must be ignored (no answer exists) are :data:`IGNORE` (-100,
PyTorch's ``ignore_index``).  Token tasks reserve id 0 (:data:`BOS` for the
decoder, :data:`PAD` for padding) and use symbols ``1 … n_symbols``.
"""

from __future__ import annotations

import numpy as np

from lstm_edu.tasks.long_lag import as_generator

#: Target value meaning "no target here" (the default ignore_index of PyTorch's losses).
IGNORE = -100
#: Token id 0: the decoder's begin-of-sequence input and the padding id.
BOS = PAD = 0

__all__ = ["BOS", "IGNORE", "PAD", "echo_stream", "future_tags", "last_token_task", "regime_posterior",
           "regime_signal", "reversal_pairs", "sorting_pairs", "waveforms"]


def _positive(**values) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")


def _check_shift_noise(shift, noise, *, zero_noise: bool) -> None:
    if not np.isfinite(shift):
        raise ValueError(f"shift must be a finite number, got {shift}")
    if not (np.isfinite(noise) and (noise >= 0 if zero_noise else noise > 0)):
        raise ValueError(f"noise must be a finite number {'>=' if zero_noise else '>'} 0, got {noise}")


# -------------------------------------------------------------- one-to-many


def waveforms(n: int, steps: int = 40, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Sine waves described by three numbers: the one-to-many task.

    ``params[:, 0]`` frequency in cycles per 40 steps, uniform in [1, 3);
    ``params[:, 1]`` phase in [0, 2π); ``params[:, 2]`` amplitude in [0.5, 1).
    ``signals[k, t] = amplitude * sin(2π · frequency · t / 40 + phase)``.
    Returns ``params`` (n, 3) float32 and ``signals`` (n, steps) float32.
    """
    _positive(n=n, steps=steps)
    rng = as_generator(rng)
    frequency = rng.uniform(1.0, 3.0, n)
    phase = rng.uniform(0.0, 2 * np.pi, n)
    amplitude = rng.uniform(0.5, 1.0, n)
    t = np.arange(steps)
    signals = amplitude[:, None] * np.sin(2 * np.pi * frequency[:, None] * t / 40.0 + phase[:, None])
    params = np.stack([frequency, phase, amplitude], axis=1)
    return params.astype(np.float32), signals.astype(np.float32)


# ------------------------------------------------------- many-to-many synced


def regime_signal(n: int, T: int = 60, rng=None, *, switch_probability: float = 0.05, shift: float = 0.6,
                  noise: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A noisy signal whose mean switches between two hidden regimes: tag every step.

    The regime (0 or 1) starts at random and flips with probability
    ``switch_probability`` at each step; the observation is ``±shift`` plus
    Gaussian noise of standard deviation ``noise``.  One step alone is a weak
    clue (the best single-step rule, the sign, is right with probability
    Φ(shift / noise)); a model that averages over the recent past does better.
    Returns ``x`` (n, T, 1) float32 and ``labels`` (n, T) int64.
    """
    _positive(n=n, T=T)
    if not 0.0 <= switch_probability <= 1.0:
        raise ValueError(f"switch_probability must be in [0, 1], got {switch_probability}")
    _check_shift_noise(shift, noise, zero_noise=True)
    rng = as_generator(rng)
    flips = rng.random((n, T)) < switch_probability
    flips[:, 0] = rng.random(n) < 0.5
    labels = np.cumsum(flips, axis=1) % 2
    x = (2 * labels - 1) * shift + noise * rng.standard_normal((n, T))
    return x[..., None].astype(np.float32), labels.astype(np.int64)


def regime_posterior(x: np.ndarray, *, switch_probability: float = 0.05, shift: float = 0.6, noise: float = 1.0,
                     smooth: bool = False) -> np.ndarray:
    """The exact probability of regime 1 at every step of :func:`regime_signal`: the best possible tagger.

    The regime is a two-state hidden Markov chain, so the forward algorithm
    gives ``P(label_t = 1 | x_1 … x_t)`` (``smooth=False``: what a
    unidirectional network could at best know) and the forward–backward
    algorithm ``P(label_t = 1 | x_1 … x_T)`` (``smooth=True``: the whole
    sequence, as a bidirectional network sees it).  Tagging with
    ``posterior > 0.5`` is the Bayes-optimal rule; its accuracy is the
    ceiling no model can beat on average.  ``x`` is (n, T, 1) or (n, T);
    returns (n, T) float64.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 3 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 2:
        raise ValueError(f"x must be (n, T) or (n, T, 1), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or infinite values")
    if not 0.0 < switch_probability < 1.0:
        raise ValueError(f"switch_probability must be in (0, 1), got {switch_probability}")
    _check_shift_noise(shift, noise, zero_noise=False)
    q = switch_probability
    # log-likelihood ratio of regime 1 (mean +shift) against regime 0 (mean -shift)
    evidence = 2.0 * shift * x / noise**2
    n, steps = x.shape
    forward = np.empty((n, steps))
    prior = np.full(n, 0.5)
    for t in range(steps):
        odds = np.log(prior) - np.log1p(-prior) + evidence[:, t]
        forward[:, t] = 1.0 / (1.0 + np.exp(-odds))
        prior = forward[:, t] * (1 - q) + (1 - forward[:, t]) * q
    if not smooth:
        return forward
    # backward messages: beta_t(s) = p(x_{t+1..T} | s_t = s), normalised each step
    posterior = np.empty((n, steps))
    beta = np.ones((n, 2))
    for t in range(steps - 1, -1, -1):
        joint = np.stack([1 - forward[:, t], forward[:, t]], axis=1) * beta
        posterior[:, t] = joint[:, 1] / joint.sum(1)
        likelihood = np.stack([np.exp(-evidence[:, t] / 2), np.exp(evidence[:, t] / 2)], axis=1)
        weighted = likelihood * beta
        beta = np.stack([weighted[:, 0] * (1 - q) + weighted[:, 1] * q,
                         weighted[:, 0] * q + weighted[:, 1] * (1 - q)], axis=1)
        beta /= beta.sum(1, keepdims=True)
    return posterior


def future_tags(n: int, T: int = 30, rng=None, *, offset: int = 3, n_symbols: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Tag each step with the symbol that comes ``offset`` steps *later*.

    Tokens are ``1 … n_symbols``; ``y[:, t] = x[:, t + offset]``, and the last
    ``offset`` steps have no answer (:data:`IGNORE`).  A unidirectional network
    cannot beat chance (1 / n_symbols); a bidirectional one can.
    Returns ``x`` (n, T) and ``y`` (n, T), int64.
    """
    _positive(n=n, T=T, offset=offset, n_symbols=n_symbols)
    if offset >= T:
        raise ValueError(f"offset must be smaller than T, got offset={offset}, T={T}")
    rng = as_generator(rng)
    x = rng.integers(1, n_symbols + 1, size=(n, T))
    y = np.full((n, T), IGNORE)
    y[:, :-offset] = x[:, offset:]
    return x.astype(np.int64), y.astype(np.int64)


# ------------------------------------------------------ many-to-many delayed


def _symbols(n, length, n_symbols, rng):
    _positive(n=n, length=length, n_symbols=n_symbols)
    return as_generator(rng).integers(1, n_symbols + 1, size=(n, length)).astype(np.int64)


def reversal_pairs(n: int, length: int = 6, rng=None, *, n_symbols: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Source sequences of symbols ``1 … n_symbols`` and their reversals: ``target = source[:, ::-1]``."""
    source = _symbols(n, length, n_symbols, rng)
    return source, source[:, ::-1].copy()


def sorting_pairs(n: int, length: int = 6, rng=None, *, n_symbols: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Source sequences of symbols ``1 … n_symbols`` and the same symbols sorted ascending."""
    source = _symbols(n, length, n_symbols, rng)
    return source, np.sort(source, axis=1)


# ---------------------------------------------------------- practice tasks


def echo_stream(length: int, rng=None, *, delay: int = 5, n_symbols: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """One long stream of symbols ``1 … n_symbols`` whose target is the input ``delay`` steps earlier.

    ``y[t] = x[t - delay]``; the first ``delay`` targets are :data:`IGNORE`.  Cut
    into chunks for truncated BPTT, a network that resets its state at every
    chunk cannot answer the first ``delay`` steps of each chunk; one that
    carries its state across chunks can.  Returns ``x`` and ``y`` (length,), int64.
    """
    _positive(length=length, delay=delay, n_symbols=n_symbols)
    if delay >= length:
        raise ValueError(f"delay must be smaller than length, got delay={delay}, length={length}")
    x = as_generator(rng).integers(1, n_symbols + 1, size=length)
    y = np.full(length, IGNORE)
    y[delay:] = x[:-delay]
    return x.astype(np.int64), y.astype(np.int64)


def last_token_task(n: int, rng=None, *, min_length: int = 3, max_length: int = 30,
                    n_symbols: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Variable-length sequences, padded at the end with :data:`PAD`; the label is the last real token.

    Tokens are ``1 … n_symbols``; the label is ``tokens[k, lengths[k] - 1] - 1``
    (a class in ``0 … n_symbols-1``).  Reading a classifier's input at the
    final *padded* position means reading after up to ``max_length - min_length``
    pad steps; reading at ``lengths - 1`` (or packing) reads the answer directly.
    Returns ``tokens`` (n, max_length), ``lengths`` (n,), ``labels`` (n,), int64.
    """
    _positive(n=n, min_length=min_length, max_length=max_length, n_symbols=n_symbols)
    if min_length > max_length:
        raise ValueError(f"min_length ({min_length}) must not exceed max_length ({max_length})")
    rng = as_generator(rng)
    lengths = rng.integers(min_length, max_length + 1, size=n)
    tokens = rng.integers(1, n_symbols + 1, size=(n, max_length))
    tokens[np.arange(max_length)[None, :] >= lengths[:, None]] = PAD
    labels = tokens[np.arange(n), lengths - 1] - 1
    return tokens.astype(np.int64), lengths.astype(np.int64), labels.astype(np.int64)

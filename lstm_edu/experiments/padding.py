"""How much of a padded batch is padding (chapter 7): random batches against length-bucketed ones.

A batch of token ids is a rectangle ``(B, T)`` with ``T`` the longest (cut) review in it; every
position past a review's own length is padding.  :func:`padding_share` simulates one epoch of
batches from a list of review lengths, with or without bucketing, so the chapter can show how the
share depends on the cut length without tokenising or training anything.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["padding_share", "padding_table"]


def _check_int(value, name: str, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def padding_share(lengths: Sequence[int], batch_size: int, *, cut: int | None = None, pool: int = 1,
                  rng=0) -> float:
    """Fraction of padding positions over one epoch of batches.

    ``lengths`` (N,) are the reviews' token counts; ``cut`` truncates them first (``None``: no
    cut).  The reviews are shuffled with ``rng`` and, when ``pool > 1``, each run of ``pool``
    batches is sorted by length before it is cut into batches (length bucketing, as
    :class:`lstm_edu.imdb.batching.BucketedBatches` does); ``pool=1`` gives random batches.
    Returns padding positions / all positions of the padded rectangles, in [0, 1).
    """
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or lengths.size == 0:
        raise ValueError(f"lengths must be a non-empty 1-D sequence, got shape {lengths.shape}")
    if not np.issubdtype(lengths.dtype, np.integer) or (lengths < 1).any():
        raise ValueError("lengths must be positive integers")
    _check_int(batch_size, "batch_size")
    _check_int(pool, "pool")
    if cut is not None:
        _check_int(cut, "cut")
        lengths = np.minimum(lengths, cut)
    order = np.random.default_rng(rng).permutation(lengths.size)
    shuffled = lengths[order]
    span = batch_size * pool
    if pool > 1:
        shuffled = np.concatenate([np.sort(shuffled[i:i + span]) for i in range(0, shuffled.size, span)])
    real = padded = 0
    for start in range(0, shuffled.size, batch_size):
        batch = shuffled[start:start + batch_size]
        real += int(batch.sum())
        padded += int(batch.max()) * batch.size
    return 1.0 - real / padded


def padding_table(lengths: Sequence[int], batch_size: int, cuts: Sequence[int | None], *, pool: int = 50,
                  rng=0) -> list[tuple[int | None, float, float]]:
    """``(cut, share with random batches, share with length-bucketed batches)`` for each cut."""
    return [(cut, padding_share(lengths, batch_size, cut=cut, pool=1, rng=rng),
             padding_share(lengths, batch_size, cut=cut, pool=pool, rng=rng)) for cut in cuts]

"""Validation split, padding and length-bucketed batches.

- :func:`train_validation_split` holds out whole *movies* of the training set
  (reviews of one film are correlated, and the test films are disjoint from the
  training films), never touching the test split (myth M33).
- :func:`pad_batch` pads with id 0 *after* each review and returns the true
  lengths, which the models use to skip the padding (packing or masks).
- :class:`BucketedBatches` groups reviews of similar length, so that a batch
  carries little padding, and yields ``(ids, lengths, labels)``: the batch
  protocol of :func:`lstm_edu.nets.training.fit` (``model(ids, lengths)``).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from lstm_edu.imdb.text import PAD_ID


def train_validation_split(n: int, *, fraction: float = 0.2, groups: Sequence[str] | None = None,
                           seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, validation)`` of ``n`` training reviews.

    With ``groups`` (one movie id per review; ``""`` or None means unknown), whole
    groups go to one side: the validation part holds about ``fraction`` of the
    reviews and shares no movie with the training part.  Without groups each
    review is its own group.  Both index arrays are sorted.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction!r}")
    if groups is None:
        keys = np.arange(n)
    else:
        if len(groups) != n:
            raise ValueError(f"groups has {len(groups)} entries for {n} reviews")
        # unknown movies become singleton groups
        labels = [g if g else f"__review{i}" for i, g in enumerate(groups)]
        _, keys = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
    rng = np.random.default_rng(seed)
    unique = np.unique(keys)
    order = rng.permutation(unique)
    sizes = np.bincount(keys, minlength=int(unique.max()) + 1)
    target = max(1, int(round(fraction * n)))
    taken, held = 0, []
    for group in order:
        if taken >= target:
            break
        held.append(group)
        taken += int(sizes[group])
    in_validation = np.isin(keys, held)
    validation = np.flatnonzero(in_validation)
    train = np.flatnonzero(~in_validation)
    if len(train) == 0:
        raise ValueError("the validation split took every review; lower fraction or give more reviews")
    return train, validation


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int = PAD_ID) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad a list of id sequences to ``(B, T_max)`` after their end.

    Returns ``ids`` (int64, ``(B, T_max)``, ``pad_id`` after each review) and
    ``lengths`` (int64, ``(B,)``, the number of real tokens, all >= 1).
    """
    if len(sequences) == 0:
        raise ValueError("pad_batch needs at least one sequence")
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.int64)
    if int(lengths.min()) < 1:
        raise ValueError("every sequence needs at least one token (an empty review cannot be classified)")
    ids = torch.full((len(sequences), int(lengths.max())), pad_id, dtype=torch.int64)
    for row, sequence in enumerate(sequences):
        sequence = np.asarray(sequence)
        if sequence.dtype.kind not in "iu":  # float ids would be cut to integers silently
            raise TypeError(f"sequence {row} must hold integer token ids, got dtype {sequence.dtype}")
        ids[row, : len(sequence)] = torch.as_tensor(sequence, dtype=torch.int64)
    return ids, lengths


def bucket_batches(lengths: Sequence[int], batch_size: int, *, shuffle: bool = True,
                   rng: np.random.Generator | None = None, pool: int = 50) -> list[np.ndarray]:
    """Split indices into batches of reviews with similar lengths.

    Shuffled (``shuffle=True``): the indices are shuffled, cut into pools of
    ``pool * batch_size``, each pool is sorted by length and cut into batches,
    and the batches are shuffled, so every epoch sees different, but still
    length-homogeneous, batches.  Not shuffled: all indices sorted by length
    (the least padding, for evaluation).
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    lengths = np.asarray(lengths)
    if not shuffle:
        order = np.argsort(lengths, kind="stable")
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng = rng if rng is not None else np.random.default_rng()
    order = rng.permutation(len(lengths))
    batches = []
    step = max(1, pool) * batch_size
    for start in range(0, len(order), step):
        chunk = order[start:start + step]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


class BucketedBatches:
    """An iterable of ``(ids, lengths, labels)`` batches with little padding.

    Args:
        sequences: one int array of token ids per review (no padding).
        labels: ``(n,)`` 0/1 labels.
        batch_size: reviews per batch.
        shuffle: new length-bucketed batches in a new order on every pass
            (training); False gives a fixed, length-sorted order (evaluation).
        seed: seeds the shuffling; pass ``i`` gives the same batches in every run.
        label_dtype: ``torch.float32`` for one sigmoid logit (``BCEWithLogitsLoss``),
            ``torch.int64`` for two-class scores (``CrossEntropyLoss``).

    Yields ``ids`` ``(B, T)`` int64, ``lengths`` ``(B,)`` int64 and ``labels`` ``(B,)``.
    ``.order`` holds the indices of the last pass, batch after batch, so that
    outputs can be matched with the reviews.
    """

    def __init__(self, sequences: Sequence[np.ndarray], labels, batch_size: int, *, shuffle: bool = False,
                 seed: int = 0, label_dtype: torch.dtype = torch.float32, pool: int = 50):
        if len(sequences) != len(labels):
            raise ValueError(f"{len(sequences)} sequences but {len(labels)} labels")
        if len(sequences) == 0:
            raise ValueError("BucketedBatches needs at least one review")
        labels = np.asarray(labels)
        if labels.ndim != 1 or not np.isin(labels, (0, 1)).all():
            raise ValueError(f"labels must be (n,) 0/1 labels, got shape {labels.shape} with values "
                             f"{np.unique(labels)[:5].tolist()}")
        self.sequences = list(sequences)
        self.labels = torch.as_tensor(labels).to(label_dtype)
        self.lengths = np.array([len(s) for s in self.sequences])
        self.batch_size, self.shuffle, self.pool = batch_size, shuffle, pool
        self.rng = np.random.default_rng(seed)
        self.order = np.concatenate(bucket_batches(self.lengths, batch_size, shuffle=False))

    def __len__(self) -> int:
        return -(-len(self.sequences) // self.batch_size)

    def __iter__(self):
        batches = bucket_batches(self.lengths, self.batch_size, shuffle=self.shuffle, rng=self.rng,
                                 pool=self.pool)
        self.order = np.concatenate(batches)
        for indices in batches:
            ids, lengths = pad_batch([self.sequences[i] for i in indices])
            yield ids, lengths, self.labels[torch.as_tensor(indices)]

    def padding_fraction(self) -> float:
        """The share of padding positions over one pass (lower is better)."""
        total = real = 0
        for indices in bucket_batches(self.lengths, self.batch_size, shuffle=self.shuffle,
                                      rng=np.random.default_rng(0), pool=self.pool):
            lengths = self.lengths[indices]
            total += len(indices) * int(lengths.max())
            real += int(lengths.sum())
        return 1 - real / total

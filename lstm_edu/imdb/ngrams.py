"""NBSVM: the strong bag-of-n-grams baseline of Wang & Manning (2012), in numpy and torch.

The classical anchor that an LSTM on IMDB has to beat.  Each review becomes the
*set* of its unigrams and bigrams (binarised counts, ``f̂``); every n-gram gets a
naive-Bayes **log-count ratio**

    r = log( (p / ||p||_1) / (q / ||q||_1) ),   p = α + Σ_{positive reviews} f̂,   q = α + Σ_{negative} f̂

and a linear L2-regularised SVM with the squared hinge loss (what ``liblinear``
minimises by default) is trained on the scaled features ``x = r ∘ f̂``:

    min_w,b  ½ ||w||² + C Σ_i max(0, 1 - y_i (w·x_i + b))²,   y_i ∈ {-1, +1}.

Finally the weights are *interpolated* towards their mean magnitude,
``w' = (1 - β) w̄ + β w`` with ``w̄ = ||w||_1 / |V|`` (β = 0.25 in the paper), which
mixes the naive-Bayes vote (all weights equal, so the score is Σ r) with the SVM.
The defaults are the paper's (α = 1, C = 1, β = 0.25).

Data handling follows the rest of :mod:`lstm_edu.imdb`: the tokens come from the
cached :class:`~lstm_edu.imdb.corpus.Corpus`, the n-gram vocabulary and the
ratios ``r`` are counted on the training part of the split only (whole movies
are held out for validation), and the test split is scored once.

Shapes: a batch of reviews becomes a sparse matrix in CSR form,
:class:`SparseRows` (``indptr (n + 1,)``, ``indices (nnz,)`` column ids,
values implicitly 1); the SVM is fitted by L-BFGS in float64 on the CPU: a few hundred
passes over every (review, n-gram) pair of the training reviews, minutes of
CPU rather than seconds (the ``imdb-ngram`` record gives the measured time).
"""

from __future__ import annotations

import datetime
import json
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lstm_edu.imdb.corpus import TokenizedReviews

__all__ = ["NBSVM", "NgramVocabulary", "SparseRows", "log_count_ratio", "ngram_keys", "run_nbsvm", "squared_hinge"]


@dataclass
class SparseRows:
    """A binary sparse matrix ``(n_rows, n_columns)`` in CSR form (every stored value is 1)."""

    indptr: np.ndarray      # (n_rows + 1,) int64
    indices: np.ndarray     # (nnz,) int64 column ids, sorted within each row, no duplicates
    n_columns: int

    def __post_init__(self):
        if self.indptr.ndim != 1 or len(self.indptr) < 1 or self.indptr[0] != 0 \
                or self.indptr[-1] != len(self.indices) or np.any(np.diff(self.indptr) < 0):
            raise ValueError("indptr must start at 0, never decrease and end at len(indices)")
        if len(self.indices) and (self.indices.min() < 0 or self.indices.max() >= self.n_columns):
            raise ValueError(f"column ids must be in [0, {self.n_columns})")

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def rows(self) -> np.ndarray:
        """``(nnz,)`` the row of every stored entry."""
        return np.repeat(np.arange(self.n_rows), np.diff(self.indptr))

    def column_sums(self, row_mask: np.ndarray | None = None) -> np.ndarray:
        """``(n_columns,)`` number of rows (among ``row_mask``) holding each column."""
        weights = None if row_mask is None else row_mask[self.rows].astype(np.float64)
        return np.bincount(self.indices, weights=weights, minlength=self.n_columns).astype(np.float64)

    def dense(self) -> np.ndarray:
        """The ``(n_rows, n_columns)`` 0/1 matrix (for tests on small data)."""
        out = np.zeros((self.n_rows, self.n_columns))
        out[self.rows, self.indices] = 1
        return out


def ngram_keys(reviews: TokenizedReviews, n_words: int, *, bigrams: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Every distinct n-gram of every review, as ``(rows, keys)`` int64 arrays sorted by row, then key.

    A unigram of corpus word ``a`` has key ``a``; a bigram ``(a, b)`` has key
    ``n_words + a * n_words + b``.  Bigrams never span two reviews.
    """
    if n_words < 1:
        raise ValueError(f"n_words must be positive, got {n_words}")
    flat = reviews.flat.astype(np.int64)
    if len(flat) and (flat.min() < 0 or flat.max() >= n_words):
        raise ValueError(f"token indices must be in [0, {n_words})")
    lengths = reviews.lengths
    rows = np.repeat(np.arange(len(reviews), dtype=np.int64), lengths)
    keys, key_rows = [flat], [rows]
    if bigrams and len(flat) > 1:
        same = rows[:-1] == rows[1:]
        keys.append(n_words + flat[:-1][same] * n_words + flat[1:][same])
        key_rows.append(rows[:-1][same])
    keys, key_rows = np.concatenate(keys), np.concatenate(key_rows)
    span = n_words + n_words * n_words
    if len(reviews) * span >= np.iinfo(np.int64).max:
        raise ValueError("too many reviews or words to number the n-grams in int64")
    combined = np.unique(key_rows * span + keys)     # sorted, each (review, n-gram) once: binarised
    return combined // span, combined % span


class NgramVocabulary:
    """The n-grams seen in at least ``min_count`` training reviews, as columns ``0 .. len - 1``."""

    def __init__(self, keys: np.ndarray):
        keys = np.asarray(keys, dtype=np.int64)
        if np.any(np.diff(keys) <= 0):
            raise ValueError("the vocabulary's keys must be sorted and distinct")
        self.keys = keys

    @classmethod
    def fit(cls, keys: np.ndarray, *, min_count: int = 1) -> "NgramVocabulary":
        """From the ``keys`` of :func:`ngram_keys` (one per review and n-gram, so counts are review counts)."""
        if not isinstance(min_count, int) or min_count < 1:
            raise ValueError(f"min_count must be a positive integer, got {min_count!r}")
        unique, counts = np.unique(keys, return_counts=True)
        return cls(unique[counts >= min_count])

    def __len__(self) -> int:
        return len(self.keys)

    def transform(self, rows: np.ndarray, keys: np.ndarray, n_rows: int) -> SparseRows:
        """The CSR matrix of ``n_rows`` reviews; n-grams outside the vocabulary are dropped."""
        position = np.searchsorted(self.keys, keys)
        known = position < len(self.keys)
        known[known] = self.keys[position[known]] == keys[known]
        rows, columns = rows[known], position[known]
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
        return SparseRows(indptr, columns.astype(np.int64), len(self))


def log_count_ratio(features: SparseRows, labels: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """``(n_columns,)`` the naive-Bayes log-count ratio ``r`` (module docstring) of every column."""
    labels = np.asarray(labels)
    if labels.shape != (features.n_rows,) or not np.isin(labels, (0, 1)).all():
        raise ValueError(f"labels must be {features.n_rows} values 0/1")
    if not (labels == 1).any() or not (labels == 0).any():
        raise ValueError("log-count ratios need reviews of both classes")
    if not alpha > 0:
        raise ValueError(f"alpha (smoothing) must be positive, got {alpha!r}")
    p = alpha + features.column_sums(labels == 1)
    q = alpha + features.column_sums(labels == 0)
    return np.log(p / p.sum()) - np.log(q / q.sum())


def squared_hinge(w, b, rows, columns, values, y, C: float):
    """The L2-SVM objective ``½||w||² + C Σ max(0, 1 - y_i (w·x_i + b))²`` and its gradient.

    ``x`` is sparse: entry ``(rows[k], columns[k])`` holds ``values[k]``.  Returns
    ``(loss, grad_w, grad_b)``.  The gradient is written out by hand because autograd's
    backward of ``w[columns]`` accumulates through a sort of all nonzeros, which makes
    each step about a hundred times slower on a CPU.
    """
    with torch.no_grad():
        scores = torch.zeros(len(y), dtype=w.dtype).index_add_(0, rows, values * w[columns]) + b
        slack = torch.clamp(1 - y * scores, min=0)                  # (n,), 0 where the margin is met
        loss = 0.5 * w.dot(w) + C * slack.square().sum()
        d_scores = -2 * C * y * slack                                # d loss / d score_i
        grad_w = w.clone().index_add_(0, columns, values * d_scores[rows])
        return loss, grad_w, d_scores.sum().reshape(1)


class NBSVM:
    """SVM on naive-Bayes features with interpolation (Wang & Manning 2012, NBSVM).

    ``fit(features, labels)`` learns ``r``, ``w``, ``b``; ``decision_function``
    returns ``(n,)`` scores (positive = positive review), ``predict`` 0/1 labels.
    """

    def __init__(self, *, C: float = 1.0, beta: float = 0.25, alpha: float = 1.0, max_iter: int = 300):
        for name, value in (("C", C), ("alpha", alpha)):
            if not 0 < value < np.inf:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not 0 <= beta <= 1:
            raise ValueError(f"beta (interpolation) must be in [0, 1], got {beta!r}")
        self.C, self.beta, self.alpha, self.max_iter = float(C), float(beta), float(alpha), int(max_iter)
        self.r = self.w = None
        self.b = 0.0

    def fit(self, features: SparseRows, labels: np.ndarray) -> "NBSVM":
        labels = np.asarray(labels)
        self.r = log_count_ratio(features, labels, self.alpha)
        rows = torch.from_numpy(features.rows)
        columns = torch.from_numpy(features.indices)
        values = torch.from_numpy(self.r[features.indices])          # x_ij = r_j for the n-grams present
        y = torch.from_numpy(np.where(labels == 1, 1.0, -1.0))
        w = torch.zeros(features.n_columns, dtype=torch.float64, requires_grad=True)
        b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.LBFGS([w, b], lr=1, max_iter=self.max_iter, tolerance_grad=1e-6,
                                      tolerance_change=1e-9, history_size=20, line_search_fn="strong_wolfe")

        def objective():
            loss, w.grad, b.grad = squared_hinge(w.detach(), b.detach(), rows, columns, values, y, self.C)
            return loss

        optimizer.step(objective)
        w = w.detach().numpy()
        mean_magnitude = np.abs(w).sum() / len(w)
        self.w = (1 - self.beta) * mean_magnitude + self.beta * w
        self.b = float(b.detach()[0])
        return self

    def decision_function(self, features: SparseRows) -> np.ndarray:
        if self.w is None:
            raise RuntimeError("call fit before decision_function")
        if features.n_columns != len(self.w):
            raise ValueError(f"features have {features.n_columns} columns, the model {len(self.w)}")
        contributions = self.r[features.indices] * self.w[features.indices]
        return np.bincount(features.rows, weights=contributions, minlength=features.n_rows) + self.b

    def predict(self, features: SparseRows) -> np.ndarray:
        return (self.decision_function(features) > 0).astype(np.int64)


def run_nbsvm(data=None, *, out=None, bigrams: bool = True, C: float = 1.0, beta: float = 0.25,
              alpha: float = 1.0, min_count: int = 1, val_fraction: float = 0.1, seed: int = 0,
              limit: int | None = None, cache_dir=None, root=None) -> dict:
    """Train NBSVM on the training reviews (minus whole held-out movies), score validation and test once.

    Returns (and with ``out``, writes to ``out/metrics.json``) ``test_accuracy``,
    ``val_accuracy``, ``train_seconds`` (features + fit), ``n_features``, the
    split sizes, the options, the device and the date.  The split is the one of
    :func:`lstm_edu.imdb.train.prepare_data` for the same ``seed`` and ``val_fraction``.
    """
    from lstm_edu.imdb import data as imdb_data
    from lstm_edu.imdb.batching import train_validation_split
    from lstm_edu.imdb.corpus import load_corpus
    from lstm_edu.imdb.text import atomic_write_text

    root = Path(root) if root is not None else imdb_data.locate(data, cache_dir=cache_dir)
    corpus = load_corpus(root, limit=limit, seed=seed, cache_dir=cache_dir)
    train_index, val_index = train_validation_split(len(corpus.train), fraction=val_fraction,
                                                    groups=corpus.train.movies, seed=seed)
    parts = {"train": corpus.train.subset(train_index), "val": corpus.train.subset(val_index),
             "test": corpus.test}
    started, started_cpu = time.perf_counter(), time.process_time()
    n_words = max(len(corpus.words), 1)
    keys = {name: ngram_keys(part, n_words, bigrams=bigrams) for name, part in parts.items()}
    vocabulary = NgramVocabulary.fit(keys["train"][1], min_count=min_count)
    matrices = {name: vocabulary.transform(*keys[name], len(parts[name])) for name in parts}
    model = NBSVM(C=C, beta=beta, alpha=alpha).fit(matrices["train"], parts["train"].labels)
    train_seconds, train_cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu

    def accuracy(name):
        return float(np.mean(model.predict(matrices[name]) == parts[name].labels))

    metrics = {
        "model": "nbsvm-bi" if bigrams else "nbsvm-uni",
        "test_accuracy": accuracy("test"),
        "val_accuracy": accuracy("val"),
        "train_accuracy": accuracy("train"),
        "train_seconds": train_seconds,
        "train_cpu_seconds": train_cpu_seconds,
        "n_features": len(vocabulary),
        "n_train": len(parts["train"]), "n_val": len(parts["val"]), "n_test": len(parts["test"]),
        "device": f"cpu ({platform.machine() or 'unknown'}, {torch.get_num_threads()} threads)",
        "torch_version": torch.__version__,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "config": {"bigrams": bigrams, "C": C, "beta": beta, "alpha": alpha, "min_count": min_count,
                   "val_fraction": val_fraction, "seed": seed, "limit": limit},
    }
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=1))
    return metrics

"""Word vectors from co-occurrence counts: the cheapest way to learn from unlabelled reviews.

A word is known by the company it keeps.  Count, over the unlabelled and the
training reviews, how often each pair of vocabulary words occurs within
``window`` tokens of each other (a pair ``d`` tokens apart adds ``1 / d``),
turn the counts into *positive pointwise mutual information* (how much more
often the pair occurs than if the two words were independent, negative values
set to zero) and keep the ``dim`` strongest directions of that matrix (a
truncated singular value decomposition).  Levy, Goldberg and Dagan (2015)
found that this count-based recipe, with the context counts raised to the
power 0.75 and the singular values square-rooted, gives word vectors that
compete with word2vec's on word-similarity tasks; here it takes about half a
minute on a CPU (one core does the work) for the 72,500 reviews, where a language model of
:mod:`lstm_edu.imdb.pretrain` reads only a tenth of them in a quarter of an hour.

The vectors are only an initialisation: :func:`lstm_edu.imdb.train.train` with
``word_vectors=True`` copies them into the classifier's embedding and trains on.
Only unlabelled and training reviews may be counted, never validation or test
reviews (:func:`lstm_edu.imdb.train.train` passes exactly those).

Shapes: ``sequences`` is a list of 1-D int64 arrays of vocabulary ids; the
counts and PPMI matrices are sparse ``(V, V)``; the vectors are ``(V, dim)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from lstm_edu.imdb.text import PAD_ID, UNK_ID, Vocab

#: The settings of :func:`word_vectors`: pairs up to 5 tokens apart, weighted 1/distance as GloVe weights
#: them (Pennington et al. 2014); context counts to the power 0.75 and square-rooted singular values, as
#: Levy, Goldberg & Dagan (2015) recommend.  They found a shorter window (2 tokens) best for SVD on their
#: word-similarity benchmarks; the 5 here was chosen once and not tuned.
WINDOW, CONTEXT_POWER, SINGULAR_POWER = 5, 0.75, 0.5


def _check_sequences(sequences, vocab_size: int) -> None:
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 3:
        raise ValueError(f"vocab_size must be an integer >= 3 (<pad>, <unk> and a word), got {vocab_size!r}")
    if isinstance(sequences, (str, bytes, np.ndarray)) or not isinstance(sequences, Sequence) or not sequences:
        raise ValueError("sequences must be a non-empty list of 1-D arrays of token ids")
    for i, seq in enumerate(sequences):
        seq = np.asarray(seq)
        if seq.ndim != 1 or (seq.size and not np.issubdtype(seq.dtype, np.integer)):
            raise ValueError(f"sequence {i} must be a 1-D array of integer token ids, got dtype {seq.dtype} and "
                             f"shape {seq.shape}")
        if seq.size and (seq.min() < 0 or seq.max() >= vocab_size):
            raise ValueError(f"sequence {i} holds ids outside [0, {vocab_size}): min {seq.min()}, max {seq.max()}")


def cooccurrence_counts(sequences, vocab_size: int, *, window: int = WINDOW) -> torch.Tensor:
    """Symmetric ``(V, V)`` sparse float32 counts: a pair ``d <= window`` tokens apart in one review adds ``1 / d``.

    ``<pad>`` and ``<unk>`` are neither counted nor counted as context, and pairs
    never cross from one review into the next.
    """
    _check_sequences(sequences, vocab_size)
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError(f"window must be a positive integer, got {window!r}")
    gap = np.full(window, -1, dtype=np.int64)            # between reviews: no pair spans it
    flat = np.concatenate([part for seq in sequences for part in (np.asarray(seq, np.int64), gap)])
    flat[(flat == PAD_ID) | (flat == UNK_ID)] = -1
    keys, weights = [], []
    for distance in range(1, window + 1):
        left, right = flat[:-distance], flat[distance:]
        real = (left >= 0) & (right >= 0)
        pairs, n = np.unique(left[real] * vocab_size + right[real], return_counts=True)
        keys.append(pairs)
        weights.append(n / distance)
    pairs, where = np.unique(np.concatenate(keys), return_inverse=True)
    totals = np.bincount(where, weights=np.concatenate(weights)).astype(np.float32)
    rows, cols = pairs // vocab_size, pairs % vocab_size
    indices = torch.from_numpy(np.stack([np.concatenate([rows, cols]), np.concatenate([cols, rows])]))
    values = torch.from_numpy(np.concatenate([totals, totals]))
    return torch.sparse_coo_tensor(indices, values, (vocab_size, vocab_size), check_invariants=True).coalesce()


def ppmi(counts: torch.Tensor, *, context_power: float = CONTEXT_POWER) -> torch.Tensor:
    """Positive pointwise mutual information of sparse ``(V, V)`` counts (zero where the PMI is not positive).

    ``PMI(w, c) = log( n(w, c) * sum_c' n(c')^a / (n(w) * n(c)^a) )`` with ``a = context_power``:
    raising the context counts to 0.75 keeps rare context words from getting
    huge PMI values.
    """
    if not isinstance(counts, torch.Tensor) or not counts.is_sparse or counts.dim() != 2:
        raise ValueError("counts must be a sparse (V, V) tensor (see cooccurrence_counts)")
    if not 0 < context_power <= 1:
        raise ValueError(f"context_power must be in (0, 1], got {context_power!r}")
    counts = counts.coalesce()
    (rows, cols), values = counts.indices(), counts.values().double()
    if values.numel() == 0:
        raise ValueError("counts are all zero: the reviews hold no pair of vocabulary words")
    if not torch.isfinite(values).all() or (values < 0).any():
        raise ValueError("counts must be finite and non-negative")
    size = counts.shape[0]
    word_totals = torch.zeros(size, dtype=torch.float64).index_add_(0, rows, values)
    context_weights = torch.zeros(size, dtype=torch.float64).index_add_(0, cols, values) ** context_power
    pmi = torch.log(values * context_weights.sum() / (word_totals[rows] * context_weights[cols]))
    keep = pmi > 0
    return torch.sparse_coo_tensor(counts.indices()[:, keep], pmi[keep].float(), counts.shape,
                                   check_invariants=False).coalesce()   # indices of a coalesced tensor: valid


def svd_vectors(matrix: torch.Tensor, dim: int, *, seed: int = 0, singular_power: float = SINGULAR_POWER) -> torch.Tensor:
    """``(V, dim)``: the top ``dim`` left singular vectors of ``matrix`` times the singular values to ``singular_power``.

    A randomised truncated SVD (``torch.svd_lowrank``, seeded, so the result is
    reproducible) of a sparse or dense ``(V, V)`` matrix.
    """
    if isinstance(dim, bool) or not isinstance(dim, int) or not 1 <= dim < min(matrix.shape):
        raise ValueError(f"dim must be an integer in [1, {min(matrix.shape)}), got {dim!r}")
    with torch.random.fork_rng(devices=[]):      # the caller's CPU random state is left as it was
        torch.default_generator.manual_seed(seed)  # the CPU generator only: a GPU's is not touched
        left, singular, _ = torch.svd_lowrank(matrix, q=dim, niter=4)
    return (left * singular.pow(singular_power)).float()


def word_vectors(sequences, vocab_size: int, dim: int, *, window: int = WINDOW, seed: int = 0) -> torch.Tensor:
    """``(V, dim)`` PPMI-SVD vectors of the words in ``sequences``, each scaled to length ``sqrt(dim)``.

    ``sqrt(dim)`` is the typical length of a row of a fresh ``nn.Embedding``
    (entries drawn from N(0, 1)), so the classifier starts at the scale it is
    built for.  Rows of words with no positive PMI with any other word (and of
    ``<pad>`` and ``<unk>``) are zero.
    """
    matrix = ppmi(cooccurrence_counts(sequences, vocab_size, window=window))
    vectors = svd_vectors(matrix, dim, seed=seed)
    has_vector = torch.zeros(vocab_size, dtype=torch.bool)
    has_vector[matrix.indices()[0]] = True                  # a positive PMI with some context word
    lengths = vectors.norm(dim=1, keepdim=True)
    has_vector &= lengths.squeeze(1) > 1e-6 * lengths.max()
    scaled = vectors / lengths.clamp_min(1e-12) * dim ** 0.5
    return torch.where(has_vector.unsqueeze(1), scaled, torch.zeros_like(vectors))


def nearest_words(vectors: torch.Tensor, vocab: Vocab, word: str, k: int = 8) -> list[tuple[str, float]]:
    """The ``k`` words whose vectors point most nearly the way ``word``'s does, with their cosine similarities."""
    if vectors.dim() != 2 or vectors.shape[0] != len(vocab):
        raise ValueError(f"vectors must be (len(vocab), dim) = ({len(vocab)}, dim), got {tuple(vectors.shape)}")
    if word not in vocab.stoi:
        raise KeyError(f"{word!r} is not in the vocabulary")
    index = vocab.stoi[word]
    unit = torch.nn.functional.normalize(vectors.float(), dim=1)
    if unit[index].abs().sum() == 0:
        raise ValueError(f"{word!r} has no vector (it never occurred next to another vocabulary word)")
    similarity = unit @ unit[index]
    similarity[[index, PAD_ID, UNK_ID]] = -2.0
    top = similarity.topk(min(k, len(vocab) - 3))
    return [(vocab.itos[i], float(s)) for s, i in zip(top.values.tolist(), top.indices.tolist())]

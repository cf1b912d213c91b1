"""The two IMDB set-ups of the tutorial articles this book replaces, rebuilt with their bugs fixed.

System A (a Keras BiLSTM): embedding 64, reviews cut to 100 tokens, a
bidirectional LSTM with 64 units, one sigmoid output, Adam, batch 32, 10 epochs,
20% of the training reviews for validation.  **Bug:** the reviews were turned
into multi-hot vectors (one 0/1 entry per vocabulary word) and then fed to an
``Embedding`` layer, which expects token ids; it reads the 0/1 vector as a
"sentence" of the ids 0 and 1 (myth M28).  **Fix:** feed the token ids.

System D (a Keras LSTM/GRU): a 10,000-word vocabulary, 500 tokens, embedding
64, an LSTM or GRU with 64 units, dropout 0.2, a 2-way softmax output, Adam,
batch 32.  **Bug:** ``return_sequences=True`` on the last recurrent layer, so
the classifier ran at every step and the model became many-to-many: one
prediction per token instead of one per review (myth M31).  **Fix:** classify
the state after the last real token (``pooling="last"``).

What the articles leave open is filled in explicitly: system A's vocabulary is
10,000 words like system D's; both cut reviews the way Keras ``pad_sequences``
does by default (keeping the *last* tokens, ``truncate="tail"``); Keras'
``LSTM(dropout=0.2)`` drops the layer's *inputs*, here ``embedding_dropout``;
system D trains for 5 epochs.  Neither article used early stopping or gradient
clipping, so neither does the reproduction; the validation reviews are whole movies held out of the
training split, never the test split (myth M33).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from lstm_edu.imdb.train import TrainConfig

SYSTEMS: dict[str, dict] = {
    "A": dict(
        model="bilstm", epochs=10, vocab_size=10_000, min_freq=1, max_len=100, truncate="tail", embedding_dim=64,
        hidden_size=64, pooling="last", dropout=0.0, embedding_dropout=0.0, num_outputs=1, batch_size=32, lr=1e-3,
        val_fraction=0.2, patience=None, clip_norm=None,
        description="article system A: Keras BiLSTM, embedding 64, 100 tokens, BiLSTM 64, sigmoid, Adam, batch 32, "
                    "10 epochs, 20% validation (multi-hot input bug fixed: token ids)",
    ),
    "D": dict(
        model="lstm", epochs=5, vocab_size=10_000, min_freq=1, max_len=500, truncate="tail", embedding_dim=64,
        hidden_size=64, pooling="last", dropout=0.0, embedding_dropout=0.2, num_outputs=2, batch_size=32, lr=1e-3,
        val_fraction=0.2, patience=None, clip_norm=None,
        description="article system D: Keras LSTM/GRU, 10,000 words, 500 tokens, embedding 64, 64 units, "
                    "dropout 0.2, 2-way softmax, Adam, batch 32 (return_sequences=True bug fixed: last state)",
    ),
}


def article_config(system: str, *, cell: str = "lstm", **overrides) -> TrainConfig:
    """The :class:`TrainConfig` of article system ``"A"`` or ``"D"`` (``cell`` picks D's LSTM or GRU)."""
    if system not in SYSTEMS:
        raise ValueError(f"system must be one of {sorted(SYSTEMS)}, got {system!r}")
    values = dict(SYSTEMS[system])
    if system == "D":
        if cell not in ("lstm", "gru"):
            raise ValueError(f"system D used an LSTM or a GRU; cell must be 'lstm' or 'gru', got {cell!r}")
        values["model"] = cell
    values.update(overrides)
    return TrainConfig(**values)  # not resolve_config: its None values mean "keep", here None means "off"


def multi_hot(sequences: Sequence[Sequence[int]], vocab_size: int) -> torch.Tensor:
    """The buggy input of system A: ``(B, vocab_size)`` with 1.0 where a word occurs in the review.

    A bag of words: order and counts are gone.  Fed to ``nn.Embedding`` (after a
    cast to integers) it becomes a "sentence" of ``vocab_size`` tokens that are all
    id 0 or id 1, so the embedding can only ever return two different vectors.
    """
    out = torch.zeros(len(sequences), vocab_size)
    for row, sequence in enumerate(sequences):
        ids = np.asarray(sequence, dtype=np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
            raise ValueError(f"token ids must be in [0, {vocab_size}), got {ids.min()}..{ids.max()}")
        out[row, ids] = 1.0
    return out


def many_to_many_logits(model, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """System D's bug made visible: the classifier applied at *every* step, ``(B, T, num_outputs)``.

    This is what ``return_sequences=True`` followed by a dense layer computes:
    one prediction per token, padding positions included, instead of one per review.
    """
    outputs, _, _ = model.run(ids, lengths)
    return model.classifier(outputs)

"""Recurrent sentiment classifiers that never read padding.

:class:`SentimentRNN` embeds token ids, runs an LSTM or GRU (optionally
bidirectional and stacked) over the *packed* batch, pools the outputs into one
vector per review and maps it to one logit (sigmoid, ``num_outputs=1``) or two
class scores (softmax, ``num_outputs=2``).  Pooling choices:

========  ==================================================================
``last``  the state after each review's last real token (``h_n`` of the packed
          run); for a bidirectional layer, the forward state at the last token
          joined to the backward state at the first token
``max``   the element-wise maximum over the real positions (padding masked to -inf)
``mean``  the average over the real positions (padding masked out)
========  ==================================================================

Packing (``pack_padded_sequence``) makes the recurrent layer stop at each
review's length, so no state ever sees a padding token; the masks keep padding
out of ``max`` and ``mean``.  Changing the ids in padding positions therefore
never changes a prediction (``tests/test_imdb_models.py`` checks it).
"""

from __future__ import annotations

import inspect
from numbers import Integral

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from lstm_edu.imdb.text import PAD_ID
from lstm_edu.nets.models import (
    _check_lengths,
    _check_positive_ints,
    _check_token_ids,
    count_parameters,
    final_states,
    recurrent_layer,
    set_forget_gate_bias,
)

__all__ = ["ARCHITECTURES", "POOLINGS", "BagOfWords", "SentimentRNN", "build_model", "count_parameters",
           "length_mask", "rebuild_model"]

def _check_pad_id(pad_id, vocab_size: int) -> None:
    if isinstance(pad_id, bool) or not isinstance(pad_id, Integral) or not 0 <= pad_id < vocab_size:
        raise ValueError(f"pad_id must be a token id in [0, {vocab_size}), got {pad_id!r}")


CELLS = ("lstm", "gru")
POOLINGS = ("last", "max", "mean")
#: The recurrent model names of the command line: cell type and direction.
RECURRENT = {"lstm": ("lstm", False), "gru": ("gru", False), "bilstm": ("lstm", True), "bigru": ("gru", True)}
#: Every model name :func:`build_model` knows: the recurrent ones and the bag-of-words baseline.
ARCHITECTURES = (*RECURRENT, "bow")


def length_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """``(B, max_len)`` bool mask, True at the first ``lengths[b]`` positions of row ``b``."""
    positions = torch.arange(max_len, device=lengths.device)
    return positions.unsqueeze(0) < lengths.unsqueeze(1)


class SentimentRNN(nn.Module):
    """Embedding -> (Bi)LSTM/GRU over packed sequences -> pooling -> dropout -> linear.

    Args:
        vocab_size: number of token ids (the :class:`~lstm_edu.imdb.text.Vocab`'s length).
        cell: ``"lstm"`` or ``"gru"``.
        embedding_dim, hidden_size, num_layers: sizes of the layers.
        bidirectional: add a right-to-left direction (features double).
        pooling: ``"last"``, ``"max"`` or ``"mean"`` (see the module docstring).
        dropout: on the pooled features and between stacked recurrent layers.
        embedding_dropout: on the embedded tokens.
        num_outputs: 1 (one logit, for ``BCEWithLogitsLoss``) or 2 (class scores,
            for ``CrossEntropyLoss``); never apply a softmax before the loss (M32).
        forget_bias: initial forget-gate bias of an LSTM (1.0, Jozefowicz et al. 2015;
            ``None`` keeps PyTorch's initialisation).

    Shapes: ``forward(ids (B, T) int64, lengths (B,) int64)`` returns ``(B,)``
    logits for ``num_outputs=1`` and ``(B, 2)`` scores otherwise.
    """

    def __init__(self, vocab_size: int, *, cell: str = "lstm", embedding_dim: int = 128, hidden_size: int = 128,
                 num_layers: int = 1, bidirectional: bool = False, pooling: str = "last", dropout: float = 0.0,
                 embedding_dropout: float = 0.0, num_outputs: int = 1, forget_bias: float | None = 1.0,
                 pad_id: int = PAD_ID):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if num_outputs not in (1, 2):
            raise ValueError(f"num_outputs must be 1 (sigmoid logit) or 2 (two class scores), got {num_outputs!r}")
        _check_positive_ints(vocab_size=vocab_size, embedding_dim=embedding_dim, hidden_size=hidden_size,
                             num_layers=num_layers)
        for name, value in (("dropout", dropout), ("embedding_dropout", embedding_dropout)):
            if not 0 <= value < 1:
                raise ValueError(f"{name} must be in [0, 1), got {value!r}")
        _check_pad_id(pad_id, vocab_size)
        self.config = dict(vocab_size=vocab_size, cell=cell, embedding_dim=embedding_dim, hidden_size=hidden_size,
                           num_layers=num_layers, bidirectional=bool(bidirectional), pooling=pooling,
                           dropout=float(dropout), embedding_dropout=float(embedding_dropout),
                           num_outputs=num_outputs, forget_bias=forget_bias, pad_id=pad_id)
        self.pooling = pooling
        self.num_directions = 2 if bidirectional else 1
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_id)
        self.embedding_dropout = nn.Dropout(embedding_dropout)
        self.rnn = recurrent_layer(cell, embedding_dim, hidden_size, num_layers=num_layers,
                                   bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden_size * self.num_directions, num_outputs)
        if cell == "lstm" and forget_bias is not None:
            set_forget_gate_bias(self.rnn, forget_bias)

    @property
    def feature_size(self) -> int:
        return self.classifier.in_features

    def _check(self, ids: torch.Tensor, lengths: torch.Tensor) -> None:
        if not isinstance(ids, torch.Tensor) or not isinstance(lengths, torch.Tensor):
            raise TypeError(f"ids and lengths must be tensors, got {type(ids).__name__} and {type(lengths).__name__}")
        if ids.dim() != 2:
            raise ValueError(f"ids must be (B, T) token ids, got shape {tuple(ids.shape)}")
        if ids.dtype not in (torch.int64, torch.int32):
            raise TypeError(f"ids must be integer token ids, got {ids.dtype} (multi-hot vectors? see M28)")
        _check_token_ids(ids, self.embedding.num_embeddings, "ids")
        _check_lengths(lengths, ids.shape[0], ids.shape[1])

    def run(self, ids: torch.Tensor, lengths: torch.Tensor):
        """The recurrent layer over the packed batch.

        Returns ``outputs`` ``(B, T, H * directions)`` (zeros at padding), the
        ``mask`` ``(B, T)`` of real positions, and ``h_n``
        ``(layers * directions, B, H)``, the state after each review's last real token.
        """
        self._check(ids, lengths)
        embedded = self.embedding_dropout(self.embedding(ids))
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_outputs, state = self.rnn(packed)
        h_n = state[0] if isinstance(state, tuple) else state
        outputs, _ = pad_packed_sequence(packed_outputs, batch_first=True, total_length=ids.shape[1])
        return outputs, length_mask(lengths.to(ids.device), ids.shape[1]), h_n

    def features(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The pooled review vectors, ``(B, H * directions)``."""
        outputs, mask, h_n = self.run(ids, lengths)
        if self.pooling == "last":
            return final_states(h_n, self.num_directions == 2)
        if self.pooling == "max":
            return outputs.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(dim=1)
        total = (outputs * mask.unsqueeze(-1)).sum(dim=1)
        return total / mask.sum(dim=1, keepdim=True).to(total.dtype)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        logits = self.classifier(self.dropout(self.features(ids, lengths)))
        return logits.squeeze(-1) if logits.shape[-1] == 1 else logits

    def probabilities(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``(B,)`` probability that each review is positive."""
        logits = self.forward(ids, lengths).float()
        return torch.sigmoid(logits) if logits.dim() == 1 else torch.softmax(logits, dim=-1)[:, 1]


class BagOfWords(nn.Module):
    """The baseline of myth M27: logistic regression on the *set* of words of a review.

    Each distinct word of the review adds its learned weight once (a binary bag of
    words; order and counts are ignored, padding adds nothing), plus a bias.  This
    is what system A's multi-hot vectors should have been fed to: a linear layer,
    not an embedding (myth M28).  ``forward(ids (B, T), lengths (B,))`` returns
    ``(B,)`` logits (or ``(B, 2)`` scores with ``num_outputs=2``).
    """

    def __init__(self, vocab_size: int, *, num_outputs: int = 1, pad_id: int = PAD_ID):
        super().__init__()
        if num_outputs not in (1, 2):
            raise ValueError(f"num_outputs must be 1 or 2, got {num_outputs!r}")
        _check_positive_ints(vocab_size=vocab_size)
        _check_pad_id(pad_id, vocab_size)
        self.config = dict(architecture="bow", vocab_size=vocab_size, num_outputs=num_outputs, pad_id=pad_id)
        self.pad_id = pad_id
        self.embedding = nn.EmbeddingBag(vocab_size, num_outputs, mode="sum", padding_idx=pad_id)
        nn.init.zeros_(self.embedding.weight)
        self.bias = nn.Parameter(torch.zeros(num_outputs))

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if ids.dim() != 2 or ids.is_floating_point():
            raise TypeError(f"ids must be (B, T) integer token ids, got {ids.dtype} of shape {tuple(ids.shape)}")
        _check_token_ids(ids, self.embedding.num_embeddings, "ids")
        ordered, _ = ids.sort(dim=1)
        repeated = torch.zeros_like(ordered, dtype=torch.bool)
        repeated[:, 1:] = ordered[:, 1:] == ordered[:, :-1]
        ordered = ordered.masked_fill(repeated, self.pad_id)  # each word once; padding is skipped by the bag
        logits = self.embedding(ordered) + self.bias
        return logits.squeeze(-1) if logits.shape[-1] == 1 else logits


def build_model(name: str, vocab_size: int, **options) -> nn.Module:
    """A model by command-line name: ``lstm``, ``gru``, ``bilstm``, ``bigru`` or ``bow``.

    ``bow`` (:class:`BagOfWords`) uses only ``num_outputs`` of the options.
    """
    if name not in ARCHITECTURES:
        raise ValueError(f"model must be one of {sorted(ARCHITECTURES)}, got {name!r}")
    unknown = set(options) - set(inspect.signature(SentimentRNN).parameters)
    if unknown:
        raise TypeError(f"unknown model option(s) {sorted(unknown)}")
    if name == "bow":
        return BagOfWords(vocab_size, num_outputs=options.get("num_outputs", 1))
    cell, bidirectional = RECURRENT[name]
    return SentimentRNN(vocab_size, cell=cell, bidirectional=bidirectional, **options)


def rebuild_model(config: dict) -> nn.Module:
    """Rebuild an untrained model from its ``.config`` dict (as saved in ``model.pt``)."""
    config = dict(config)
    if config.pop("architecture", "rnn") == "bow":
        return BagOfWords(**config)
    return SentimentRNN(**config)

"""Small, reusable recurrent models for the sequence modes, the practice chapter and the capstone.

All models are **batch-first**: sequences are ``(B, T, D)`` float features or
``(B, T)`` token ids.  Each follows the batch protocol of
:mod:`lstm_edu.nets.training` (the model is called with everything but the target):

=========================  ===================  =============================================
model                      mode                 call -> output
=========================  ===================  =============================================
:class:`MLPClassifier`     one-to-one           ``model(x (B, ...))`` -> logits (B, C)
:class:`VectorToSequence`  one-to-many          ``model(v (B, K))`` -> (B, steps, out)
:class:`SequenceClassifier` many-to-one         ``model(x, lengths=None)`` -> logits (B, C)
:class:`SequenceTagger`    many-to-many synced  ``model(x, lengths=None)`` -> logits (B, T, C)
:class:`Seq2Seq`           many-to-many delayed ``model(source, decoder_inputs)`` -> (B, T, V)
=========================  ===================  =============================================

Helpers: :func:`recurrent_layer` (an ``nn.RNN``/``nn.GRU``/``nn.LSTM``),
:func:`last_valid_step` (the output at each sequence's real last step, not at
the padding), :func:`final_states` (the top layer's final state of both
directions, read from ``h_n``), :func:`set_forget_gate_bias`,
:func:`teacher_forcing_inputs` and :func:`count_parameters`.

Padded batches: pass ``lengths`` (a 1-D tensor, one length per sequence) and
the models pack the batch with ``pack_padded_sequence``, so the recurrent layer
never runs over padding and the final state is the state at each sequence's
own last step.  Without ``lengths`` every position counts as real.
"""

from __future__ import annotations

import math
from numbers import Integral

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

__all__ = [
    "CELLS",
    "MLPClassifier",
    "Seq2Seq",
    "SequenceClassifier",
    "SequenceEncoder",
    "SequenceTagger",
    "VectorToSequence",
    "count_parameters",
    "final_states",
    "last_valid_step",
    "recurrent_layer",
    "set_forget_gate_bias",
    "teacher_forcing_inputs",
]

#: The recurrent cells by name.
CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
READOUTS = ("final", "mean", "max")


def _check_positive_ints(**values) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _check_token_ids(ids: torch.Tensor, vocab_size: int, name: str) -> None:
    """Every id in [0, vocab_size): an embedding would fail with a bare IndexError deep inside torch."""
    if ids.numel():
        low, high = (int(value) for value in torch.aminmax(ids))
        if low < 0 or high >= vocab_size:
            raise ValueError(f"{name} holds token ids from {low} to {high}, but the vocabulary has ids "
                             f"0 to {vocab_size - 1} (vocab_size={vocab_size})")


def recurrent_layer(cell: str, input_size: int, hidden_size: int, *, num_layers: int = 1,
                    bidirectional: bool = False, dropout: float = 0.0) -> nn.RNNBase:
    """A batch-first ``nn.RNN`` (tanh), ``nn.GRU`` or ``nn.LSTM``.

    ``dropout`` acts between stacked layers only (PyTorch applies it to the
    outputs of every layer except the last), so it needs ``num_layers >= 2``.
    """
    key = str(cell).lower()
    if key not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    _check_positive_ints(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    if dropout > 0 and num_layers == 1:
        raise ValueError("dropout in a recurrent layer acts between stacked layers; with num_layers=1 it would "
                         "do nothing. Use num_layers >= 2, or nn.Dropout on the layer's outputs")
    return CELLS[key](input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                      dropout=dropout, batch_first=True)


def _check_lengths(lengths: torch.Tensor, batch: int, steps: int) -> torch.Tensor:
    lengths = torch.as_tensor(lengths)
    if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
        raise TypeError(f"lengths must be integers (the number of real steps of each sequence), got {lengths.dtype}")
    if lengths.dim() != 1 or lengths.shape[0] != batch:
        raise ValueError(f"lengths must be a 1-D tensor with one length per sequence ({batch}), got shape "
                         f"{tuple(lengths.shape)}")
    if lengths.numel() and (int(lengths.min()) < 1 or int(lengths.max()) > steps):
        raise ValueError(f"lengths must be in [1, {steps}] (the padded length), got min {int(lengths.min())} "
                         f"and max {int(lengths.max())}")
    return lengths


def last_valid_step(outputs: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
    """The output at each sequence's last *real* step: ``outputs[b, lengths[b] - 1]``, shape (B, F).

    ``outputs`` is batch-first ``(B, T, F)``.  Without ``lengths`` it is
    ``outputs[:, -1]``, which is right only when no sequence is padded.
    """
    if outputs.dim() != 3:
        raise ValueError(f"outputs must be batch-first (B, T, F), got shape {tuple(outputs.shape)}")
    if lengths is None:
        return outputs[:, -1]
    lengths = _check_lengths(lengths, outputs.shape[0], outputs.shape[1]).to(outputs.device)
    index = (lengths - 1).long().view(-1, 1, 1).expand(-1, 1, outputs.shape[2])
    return outputs.gather(1, index).squeeze(1)


def final_states(h_n: torch.Tensor, bidirectional: bool) -> torch.Tensor:
    """The top layer's final hidden state, both directions concatenated: (B, H) or (B, 2H).

    ``h_n`` is ``(num_layers * num_directions, B, H)`` as ``nn.LSTM`` returns it
    (for an LSTM pass ``h_n``, not ``c_n``).  For a bidirectional layer the
    forward direction's final state is after the *last* step and the backward
    direction's after the *first* step; ``outputs[:, -1]`` would instead hold
    the backward direction's state after reading a single step (myth M19).
    """
    if h_n.dim() != 3:
        raise ValueError(f"h_n must be (num_layers * num_directions, B, H), got shape {tuple(h_n.shape)}")
    if bidirectional and h_n.shape[0] % 2:
        raise ValueError(f"h_n of a bidirectional layer has an even number of rows (two per layer), got "
                         f"shape {tuple(h_n.shape)}; is the layer really bidirectional?")
    if bidirectional:
        return torch.cat([h_n[-2], h_n[-1]], dim=-1)
    return h_n[-1]


@torch.no_grad()
def set_forget_gate_bias(lstm: nn.LSTM, value: float = 1.0) -> nn.LSTM:
    """Make the forget-gate bias equal ``value`` in every layer and direction of an ``nn.LSTM``.

    PyTorch keeps two bias vectors whose sum enters the gate, in gate order
    i, f, g, o; this sets the forget block (rows ``H:2H``) of ``bias_ih`` to
    ``value`` and of ``bias_hh`` to 0, leaving everything else untouched.
    PyTorch's own initialisation does *not* do this (myth M14).
    """
    if not isinstance(lstm, nn.LSTM):
        raise TypeError(f"set_forget_gate_bias needs an nn.LSTM, got {type(lstm).__name__}")
    if not lstm.bias:
        raise ValueError("this LSTM was built with bias=False: it has no forget-gate bias to set")
    if not math.isfinite(value):
        raise ValueError(f"the forget-gate bias must be a finite number, got {value!r}")
    hidden = lstm.hidden_size
    for name, parameter in lstm.named_parameters():
        if name.startswith("bias_ih"):
            parameter[hidden:2 * hidden] = value
        elif name.startswith("bias_hh"):
            parameter[hidden:2 * hidden] = 0.0
    return lstm


def teacher_forcing_inputs(targets: torch.Tensor, bos: int = 0) -> torch.Tensor:
    """The decoder's inputs under teacher forcing: ``bos`` then the targets shifted right by one.

    ``targets`` (B, T) -> ``(B, T)``: the decoder reads the *true* previous token
    at every step and must predict the current one, never seeing it.
    """
    if not isinstance(targets, torch.Tensor):
        raise TypeError(f"targets must be a tensor of (B, T) token ids, got {type(targets).__name__}")
    if targets.dim() != 2 or targets.is_floating_point():
        raise ValueError(f"targets must be (B, T) token ids, got {targets.dtype} of shape {tuple(targets.shape)}")
    start = torch.full_like(targets[:, :1], bos)
    return torch.cat([start, targets[:, :-1]], dim=1)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters of a model."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"count_parameters needs an nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


# ----------------------------------------------------------------- one-to-one


class MLPClassifier(nn.Module):
    """The non-recurrent baseline: flatten the input, one hidden ReLU layer, class logits."""

    def __init__(self, in_features: int, hidden_size: int, num_classes: int):
        super().__init__()
        _check_positive_ints(in_features=in_features, hidden_size=hidden_size, num_classes=num_classes)
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(in_features, hidden_size), nn.ReLU(),
                                 nn.Linear(hidden_size, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


# ---------------------------------------------------------------- one-to-many


class VectorToSequence(nn.Module):
    """One vector in, a sequence out: the vector sets the initial state, the recurrence unrolls it.

    ``v`` (B, K) -> ``(B, steps, output_size)``.  The initial hidden (and cell)
    state is a learned function of ``v``; the input at every step is zero, so
    every value of the output sequence is produced by the recurrence itself.
    """

    def __init__(self, vector_size: int, hidden_size: int, output_size: int = 1, *, steps: int = 40,
                 cell: str = "lstm"):
        super().__init__()
        _check_positive_ints(vector_size=vector_size, output_size=output_size, steps=steps)
        cell = str(cell).lower()
        self.steps, self.cell = steps, cell
        self.rnn = recurrent_layer(cell, 1, hidden_size)
        self.to_hidden = nn.Linear(vector_size, hidden_size)
        self.to_cell = nn.Linear(vector_size, hidden_size) if cell == "lstm" else None
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, v: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        steps = self.steps if steps is None else steps
        _check_positive_ints(steps=steps)
        if v.dim() != 2:
            raise ValueError(f"v must be a batch of vectors (B, K), got shape {tuple(v.shape)}")
        h0 = torch.tanh(self.to_hidden(v)).unsqueeze(0)
        state = (h0, self.to_cell(v).unsqueeze(0)) if self.to_cell is not None else h0
        zeros = v.new_zeros(v.shape[0], steps, 1)
        outputs, _ = self.rnn(zeros, state)
        return self.head(outputs)


# -------------------------------------------------- many-to-one, many-to-many


class SequenceEncoder(nn.Module):
    """Token embedding (optional) and a recurrent layer; handles padding by packing.

    Give ``input_size`` for float features ``(B, T, input_size)`` or
    ``vocab_size`` for token ids ``(B, T)`` (then ``embedding_dim`` sets the
    embedding width and ``padding_idx`` the id whose embedding stays zero).
    ``forward(x, lengths=None, state=None)`` returns ``outputs`` (B, T, F),
    the final state as the layer returns it, and ``F`` = H or 2H.
    """

    def __init__(self, input_size: int | None = None, hidden_size: int = 64, *, vocab_size: int | None = None,
                 embedding_dim: int | None = None, padding_idx: int | None = 0, cell: str = "lstm",
                 num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0):
        super().__init__()
        if (input_size is None) == (vocab_size is None):
            raise ValueError("give exactly one of input_size (float features) and vocab_size (token ids)")
        if vocab_size is not None:
            embedding_dim = embedding_dim or hidden_size
            _check_positive_ints(vocab_size=vocab_size, embedding_dim=embedding_dim)
            self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
            input_size = embedding_dim
        else:
            self.embedding = None
        self.rnn = recurrent_layer(cell, input_size, hidden_size, num_layers=num_layers,
                                   bidirectional=bidirectional, dropout=dropout)
        self.bidirectional = bidirectional
        self.output_size = hidden_size * (2 if bidirectional else 1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None, state=None):
        if self.embedding is not None:
            if x.dim() != 2 or x.is_floating_point():
                raise ValueError(f"this encoder embeds token ids: x must be an integer tensor (B, T), got "
                                 f"{x.dtype} of shape {tuple(x.shape)}")
            _check_token_ids(x, self.embedding.num_embeddings, "x")
            x = self.embedding(x)
        elif x.dim() != 3:
            raise ValueError(f"x must be batch-first features (B, T, D), got shape {tuple(x.shape)}")
        if lengths is None:
            outputs, final = self.rnn(x, state)
            return outputs, final
        lengths = _check_lengths(lengths, x.shape[0], x.shape[1])
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_outputs, final = self.rnn(packed, state)
        outputs, _ = pad_packed_sequence(packed_outputs, batch_first=True, total_length=x.shape[1])
        return outputs, final

    def summary(self, final) -> torch.Tensor:
        """The top layer's final hidden state(s) as one (B, F) tensor."""
        h_n = final[0] if isinstance(final, tuple) else final
        return final_states(h_n, self.bidirectional)


def _valid_mask(lengths: torch.Tensor | None, batch: int, steps: int, device) -> torch.Tensor:
    if lengths is None:
        return torch.ones(batch, steps, dtype=torch.bool, device=device)
    return torch.arange(steps, device=device)[None, :] < lengths.to(device)[:, None]


class SequenceClassifier(nn.Module):
    """Many-to-one: read a whole sequence, output one label's logits.

    ``forward(x, lengths=None)`` -> logits ``(B, num_classes)``, or ``(B,)``
    when ``num_classes == 1`` (for ``BCEWithLogitsLoss``).  The classifier
    reads ``readout``:

    - ``"final"``: the final hidden state of the top layer (both directions
      for a bidirectional layer, from ``h_n``); with ``lengths`` the batch is
      packed, so this is each sequence's state after its own last real step;
    - ``"mean"`` / ``"max"``: pooled over the real (unpadded) steps.

    Other arguments as :class:`SequenceEncoder`; ``head_dropout`` is applied
    to the features before the linear head.
    """

    def __init__(self, input_size: int | None = None, hidden_size: int = 64, num_classes: int = 2, *,
                 vocab_size: int | None = None, embedding_dim: int | None = None, padding_idx: int | None = 0,
                 cell: str = "lstm", num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0,
                 readout: str = "final", head_dropout: float = 0.0):
        super().__init__()
        if readout not in READOUTS:
            raise ValueError(f"readout must be one of {READOUTS}, got {readout!r}")
        _check_positive_ints(num_classes=num_classes)
        self.encoder = SequenceEncoder(input_size, hidden_size, vocab_size=vocab_size, embedding_dim=embedding_dim,
                                       padding_idx=padding_idx, cell=cell, num_layers=num_layers,
                                       bidirectional=bidirectional, dropout=dropout)
        self.readout, self.num_classes = readout, num_classes
        self.dropout = nn.Dropout(head_dropout)
        self.head = nn.Linear(self.encoder.output_size, num_classes)

    def features(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """The (B, F) vector the head classifies."""
        outputs, final = self.encoder(x, lengths)
        if self.readout == "final":
            return self.encoder.summary(final)
        mask = _valid_mask(lengths, outputs.shape[0], outputs.shape[1], outputs.device).unsqueeze(-1)
        if self.readout == "mean":
            return (outputs * mask).sum(1) / mask.sum(1).clamp(min=1)
        return outputs.masked_fill(~mask, float("-inf")).amax(1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        logits = self.head(self.dropout(self.features(x, lengths)))
        return logits.squeeze(-1) if self.num_classes == 1 else logits


class SequenceTagger(nn.Module):
    """Many-to-many, synchronised: one label's logits per input step.

    ``forward(x, lengths=None, state=None)`` -> logits ``(B, T, num_classes)``
    (padded positions, if any, get logits too: give their targets
    ``ignore_index`` so the loss skips them).  With ``return_state=True`` it
    also returns the final recurrent state, for carrying it into the next
    chunk of a long stream (truncated BPTT).
    """

    def __init__(self, input_size: int | None = None, hidden_size: int = 64, num_classes: int = 2, *,
                 vocab_size: int | None = None, embedding_dim: int | None = None, padding_idx: int | None = 0,
                 cell: str = "lstm", num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0):
        super().__init__()
        _check_positive_ints(num_classes=num_classes)
        self.encoder = SequenceEncoder(input_size, hidden_size, vocab_size=vocab_size, embedding_dim=embedding_dim,
                                       padding_idx=padding_idx, cell=cell, num_layers=num_layers,
                                       bidirectional=bidirectional, dropout=dropout)
        self.head = nn.Linear(self.encoder.output_size, num_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None, state=None, return_state: bool = False):
        outputs, final = self.encoder(x, lengths, state)
        logits = self.head(outputs)
        return (logits, final) if return_state else logits


# ---------------------------------------------------------- many-to-many delayed


class Seq2Seq(nn.Module):
    """Encoder–decoder (Sutskever et al. 2014; Cho et al. 2014) without attention.

    The encoder reads the source; its final state starts the decoder.  Token
    ids run ``0 … vocab_size-1`` and id ``bos`` (0 by default) starts decoding.

    - training, teacher forcing: ``model(source (B, S), decoder_inputs (B, T))``
      -> logits ``(B, T, vocab_size)``, where ``decoder_inputs`` are the true
      targets shifted right (:func:`teacher_forcing_inputs`);
    - inference: :meth:`greedy_decode` feeds back the model's own most likely
      token at every step.
    """

    def __init__(self, vocab_size: int, hidden_size: int = 64, *, embedding_dim: int = 32, cell: str = "lstm",
                 bos: int = 0):
        super().__init__()
        _check_positive_ints(vocab_size=vocab_size, embedding_dim=embedding_dim)
        if isinstance(bos, bool) or not isinstance(bos, Integral) or not 0 <= bos < vocab_size:
            raise ValueError(f"bos must be a token id in [0, {vocab_size}), got {bos!r}")
        self.vocab_size, self.bos = vocab_size, bos
        self.source_embedding = nn.Embedding(vocab_size, embedding_dim)
        self.target_embedding = nn.Embedding(vocab_size, embedding_dim)
        self.encoder = recurrent_layer(cell, embedding_dim, hidden_size)
        self.decoder = recurrent_layer(cell, embedding_dim, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def encode(self, source: torch.Tensor):
        """The encoder's final state, the decoder's initial state."""
        if source.dim() != 2 or source.is_floating_point():
            raise ValueError(f"source must be token ids (B, S), got {source.dtype} of shape {tuple(source.shape)}")
        _check_token_ids(source, self.vocab_size, "source")
        _, state = self.encoder(self.source_embedding(source))
        return state

    def decode(self, decoder_inputs: torch.Tensor, state):
        """Run the decoder over ``decoder_inputs`` (B, T) from ``state``; return (logits (B, T, V), state)."""
        outputs, state = self.decoder(self.target_embedding(decoder_inputs), state)
        return self.head(outputs), state

    def forward(self, source: torch.Tensor, decoder_inputs: torch.Tensor) -> torch.Tensor:
        if decoder_inputs.dim() != 2 or decoder_inputs.is_floating_point() or len(decoder_inputs) != len(source):
            raise ValueError(f"decoder_inputs must be token ids (B, T) for the {len(source)} source sequences, "
                             f"got {decoder_inputs.dtype} of shape {tuple(decoder_inputs.shape)}")
        _check_token_ids(decoder_inputs, self.vocab_size, "decoder_inputs")
        logits, _ = self.decode(decoder_inputs, self.encode(source))
        return logits

    @torch.no_grad()
    def greedy_decode(self, source: torch.Tensor, steps: int) -> torch.Tensor:
        """Generate ``steps`` tokens per source sequence, each time feeding back the arg-max: (B, steps)."""
        _check_positive_ints(steps=steps)
        state = self.encode(source)
        token = torch.full((source.shape[0], 1), self.bos, dtype=torch.long, device=source.device)
        generated = []
        for _ in range(steps):
            logits, state = self.decode(token, state)
            token = logits[:, -1].argmax(-1, keepdim=True)
            generated.append(token)
        return torch.cat(generated, dim=1)

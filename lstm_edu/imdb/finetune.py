"""Fine-tuning a classifier from a pretrained language model (``train --init FROM``).

:func:`transfer_weights` copies the embedding and the LSTM(s) of a
:class:`~lstm_edu.imdb.pretrain.LanguageModel` into a
:class:`~lstm_edu.imdb.models.SentimentRNN` of the same sizes (the backward
language model becomes the BiLSTM's right-to-left direction); anything that does
not fit raises a ``ValueError`` that names the sizes.

Two of ULMFiT's tricks (Howard & Ruder 2018, §3.2-3.3), kept because they guard
what pretraining learned from the large, noisy gradients of a fresh classifier
head:

- **discriminative learning rates**: the head (the linear layer) learns at
  ``lr``, the LSTM at ``lr / factor`` and the embedding at ``lr / factor²``
  (ULMFiT's factor: 2.6);
- **gradual unfreezing**: epoch 1 trains the head only, epoch 2 adds the LSTM,
  epoch 3 the embedding.  A frozen group gets a learning rate of 0, which with
  Adam (no weight decay) leaves it exactly unchanged.

ULMFiT's slanted triangular learning rates are replaced by the per-epoch decay
the other presets use (one schedule less to explain).
"""

from __future__ import annotations

import torch

from lstm_edu.imdb.models import SentimentRNN
from lstm_edu.imdb.pretrain import LanguageModel

__all__ = ["FineTuneSchedule", "parameter_groups", "transfer_weights"]

#: The parameter groups, from the top of the network down (the order of unfreezing).
GROUPS = ("head", "rnn", "embedding")


def transfer_weights(classifier: SentimentRNN, lm: LanguageModel) -> list[str]:
    """Copy ``lm``'s embedding and LSTM weights into ``classifier``; return the names of the tensors copied."""
    if not isinstance(classifier, SentimentRNN) or classifier.config["cell"] != "lstm":
        raise ValueError("only an LSTM classifier (lstm or bilstm) can start from a pretrained language model")
    mine, theirs = classifier.config, lm.config
    differ = [f"{name}: classifier {mine[name]}, language model {theirs[name]}"
              for name in ("vocab_size", "embedding_dim", "hidden_size", "num_layers") if mine[name] != theirs[name]]
    if differ:
        raise ValueError("the classifier and the pretrained language model have different sizes ("
                         + "; ".join(differ) + "); pass the language model's sizes to train "
                         "(--embedding-dim, --hidden-size, --num-layers) or pretrain again")
    if mine["bidirectional"] and not theirs["bidirectional"]:
        raise ValueError("a bidirectional classifier needs a bidirectional language model (pretrain without "
                         "--forward-only), or train --model lstm")
    if mine["bidirectional"] and mine["num_layers"] > 1:
        raise ValueError("a stacked BiLSTM's upper layers read both directions, which separate forward and backward "
                         "language models never do; pretrain for a one-layer BiLSTM or a unidirectional LSTM")
    copied = []
    with torch.no_grad():
        classifier.embedding.weight.copy_(lm.embedding.weight)
        copied.append("embedding.weight")
        sources = [("", lm.rnn)] + ([("_reverse", lm.rnn_backward)] if mine["bidirectional"] else [])
        for suffix, rnn in sources:
            for name, tensor in rnn.named_parameters():
                target = getattr(classifier.rnn, name + suffix)
                target.copy_(tensor)
                copied.append(f"rnn.{name}{suffix}")
    return copied


def parameter_groups(classifier: SentimentRNN, lr: float, factor: float) -> list[dict]:
    """Adam parameter groups ``head``, ``rnn``, ``embedding`` with learning rates ``lr``, ``lr/factor``, ``lr/factor²``."""
    if not factor >= 1:
        raise ValueError(f"the discriminative factor must be >= 1, got {factor!r}")
    head = [p for name, p in classifier.named_parameters() if not name.startswith(("embedding.", "rnn."))]
    return [
        {"name": "head", "params": head, "lr": lr},
        {"name": "rnn", "params": list(classifier.rnn.parameters()), "lr": lr / factor},
        {"name": "embedding", "params": list(classifier.embedding.parameters()), "lr": lr / factor ** 2},
    ]


class FineTuneSchedule:
    """Per-epoch learning rates: discriminative, gradually unfrozen, decayed by ``decay`` per epoch.

    Used as the ``scheduler`` of :func:`lstm_edu.nets.training.fit` (``step()`` once per
    epoch; ``state_dict``/``load_state_dict`` for resumed runs).  In epoch ``e``
    (counting from 0) group ``g`` (0 = head) learns at ``base_g · decay^e`` if
    ``g <= e`` (or always, when ``gradual`` is False), else at 0.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, *, decay: float = 1.0, gradual: bool = True):
        names = [group.get("name") for group in optimizer.param_groups]
        if names != list(GROUPS):
            raise ValueError(f"the optimizer's parameter groups must be {GROUPS} (see parameter_groups), got {names}")
        self.optimizer, self.decay, self.gradual = optimizer, float(decay), bool(gradual)
        self.base = [group["lr"] for group in optimizer.param_groups]
        self.epoch = 0
        self._apply()

    def _apply(self) -> None:
        for index, group in enumerate(self.optimizer.param_groups):
            unfrozen = not self.gradual or index <= self.epoch
            group["lr"] = self.base[index] * self.decay ** self.epoch if unfrozen else 0.0

    def learning_rates(self) -> dict[str, float]:
        return {group["name"]: group["lr"] for group in self.optimizer.param_groups}

    def step(self) -> None:
        self.epoch += 1
        self._apply()

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "base": list(self.base), "decay": self.decay, "gradual": self.gradual}

    def load_state_dict(self, state: dict) -> None:
        self.epoch, self.base = int(state["epoch"]), list(state["base"])
        self.decay, self.gradual = float(state["decay"]), bool(state["gradual"])
        self._apply()


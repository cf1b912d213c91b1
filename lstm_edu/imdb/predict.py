"""Load a trained classifier from its run folder and classify new text."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from lstm_edu.imdb.batching import pad_batch
from lstm_edu.imdb.corpus import TRUNCATE_CHOICES
from lstm_edu.imdb.models import rebuild_model
from lstm_edu.imdb.text import Vocab, tokenize
from lstm_edu.imdb.train import CHECKPOINT_FORMAT, MODEL_FILE, VOCAB_FILE, positive_probability
from lstm_edu.settings import get_device
from lstm_edu.nets.checkpoints import read_checkpoint

LABELS = ("negative", "positive")


def _run_folder(checkpoint: str | os.PathLike) -> Path:
    path = Path(checkpoint)
    if path.is_file() and path.name == MODEL_FILE:
        path = path.parent
    if not (path / MODEL_FILE).is_file() or not (path / VOCAB_FILE).is_file():
        raise FileNotFoundError(
            f"{path} is not a trained run folder: it needs {MODEL_FILE} and {VOCAB_FILE} "
            "(written by `python -m lstm_edu.imdb train --out DIR`)"
        )
    return path


class SentimentPredictor:
    """A trained classifier (:mod:`lstm_edu.imdb.models`) with its vocabulary and text settings.

    ``predictor.predict("A wonderful film")`` -> ``("positive", 0.97)``: the label
    and the probability the model gives to that label.
    """

    def __init__(self, model: torch.nn.Module, vocab: Vocab, *, max_len: int | None = None, truncate: str = "head",
                 device="cpu"):
        if not isinstance(model, torch.nn.Module) or not hasattr(model, "embedding"):
            raise TypeError(f"model must be a classifier from lstm_edu.imdb.models, got {type(model).__name__}")
        if not isinstance(vocab, Vocab):
            raise TypeError(f"vocab must be a lstm_edu.imdb.text.Vocab, got {type(vocab).__name__}")
        if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1):
            raise ValueError(f"max_len must be None or a positive integer, got {max_len!r}")
        if truncate not in TRUNCATE_CHOICES:
            raise ValueError(f"truncate must be one of {TRUNCATE_CHOICES}, got {truncate!r}")
        if len(vocab) != model.embedding.num_embeddings:
            raise ValueError(f"the vocabulary has {len(vocab)} ids but the model embeds "
                             f"{model.embedding.num_embeddings}")
        self.device = device if isinstance(device, torch.device) else get_device(device)
        self.model = model.to(self.device).eval()
        self.vocab, self.max_len, self.truncate = vocab, max_len, truncate

    @classmethod
    def load(cls, checkpoint: str | os.PathLike, device="cpu") -> "SentimentPredictor":
        """Read a run folder (or its ``model.pt``) with ``torch.load(weights_only=True)``."""
        folder = _run_folder(checkpoint)
        payload = read_checkpoint(folder / MODEL_FILE, CHECKPOINT_FORMAT, "a model saved by lstm_edu.imdb.train")
        if not isinstance(payload.get("model_config"), dict) or not isinstance(payload.get("state_dict"), dict):
            raise ValueError(f"{folder / MODEL_FILE} is incomplete: it lacks the model configuration or weights")
        model = rebuild_model(payload["model_config"])
        model.load_state_dict(payload["state_dict"])
        settings = payload.get("train_config", {})
        return cls(model, Vocab.load(folder / VOCAB_FILE), max_len=settings.get("max_len"),
                   truncate=settings.get("truncate", "head"), device=device)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` as the model saw its training reviews (same tokeniser and cut)."""
        ids = self.vocab.encode(tokenize(text))
        if not ids:
            raise ValueError(f"the text {text!r} has no words to classify")
        if self.max_len is not None and len(ids) > self.max_len:
            ids = ids[: self.max_len] if self.truncate == "head" else ids[-self.max_len:]
        return ids

    @torch.no_grad()
    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """``(n,)`` probability that each text is positive."""
        if isinstance(texts, str):
            raise TypeError("probabilities expects a list of texts; use predict() for one text")
        ids, lengths = pad_batch([self.encode(text) for text in texts])
        outputs = self.model(ids.to(self.device), lengths.to(self.device))
        return positive_probability(outputs).cpu().numpy().astype(np.float64)

    def predict(self, text: str) -> tuple[str, float]:
        """``(label, probability of that label)`` for one text."""
        positive = float(self.probabilities([text])[0])
        return (LABELS[1], positive) if positive >= 0.5 else (LABELS[0], 1.0 - positive)

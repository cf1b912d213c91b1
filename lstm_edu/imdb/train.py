"""Train an IMDB sentiment classifier: presets, data preparation, training, saving.

The training itself is :func:`lstm_edu.nets.training.fit` (device choice, mixed
precision on CUDA, gradient clipping, tqdm progress, history, early stopping,
atomic checkpoints, seeding); this module prepares the data, builds the model
from a :class:`TrainConfig`, evaluates on the test split once at the end, and
writes the run folder:

=====================  =====================================================
``metrics.json``       test accuracy, validation accuracy of the kept weights,
                       training seconds, device, model, epochs, sizes of the
                       splits, the configuration, the date
``history.json``       per-epoch losses and accuracies (train and validation)
``model.pt``           weights + model configuration (``torch.load(weights_only=True)``)
``vocab.json``         the vocabulary (``<pad>`` = 0, ``<unk>`` = 1)
``training.pt``        ``fit``'s per-epoch checkpoint (optimizer state, to resume)
=====================  =====================================================

Presets (explicit options override them; see :data:`PRESETS`):

==============  ======  =====  ========  =======  ====  ====  =====  ======  ==========  =====
preset          model   vocab  max_len   emb/hid  pool  drop  batch  epochs  lr (decay)  limit
==============  ======  =====  ========  =======  ====  ====  =====  ======  ==========  =====
quick           bilstm  10k    200       32/32    max   0.3   32     3       1e-2        3000
cpu             bilstm  30k    400 tail  64/64 *  max   0.4   128    2       4e-3 (0.5)  all
gpu             bilstm  30k    all       500/500  max   0.5   50     8       1e-3 (0.7)  all
gpu-pretrained  bilstm  (LM)   all       300/512  max   0.5   64     6       2e-3 (0.7)  all
==============  ======  =====  ========  =======  ====  ====  =====  ======  ==========  =====

``quick`` is a demonstration that finishes in about a minute on a CPU (the
book's build); ``cpu`` aims at >= 89% test accuracy within 15 minutes of training
on 2 CPU cores (it keeps the *last* 400 tokens, where reviewers tend to sum up,
halves the learning rate after every epoch and, marked ``*``, starts its embedding
from word vectors counted on the unlabelled and training reviews,
:mod:`lstm_edu.imdb.word_vectors`, half a minute before training); ``gpu`` is the full model for one
GPU (fp16 autocast with a ``GradScaler``), aimed at >= 91.5% in under 2 minutes, designed after Johnson & Zhang's (2016) supervised
BiLSTM with max pooling (large vocabulary, whole reviews, wide layers; an embedding of 500 stands in for
their one-hot input); ``gpu-pretrained`` fine-tunes from the language model of
``python -m lstm_edu.imdb pretrain --preset gpu`` (:mod:`lstm_edu.imdb.pretrain`, :mod:`lstm_edu.imdb.finetune`),
aimed at >= 93%.  The two GPU presets are owed: no GPU has run them yet.  Every preset holds out a
validation split from the training reviews (grouped by movie) for early
stopping; the test split is used once, for the reported figure.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lstm_edu.imdb import data as imdb_data
from lstm_edu.imdb.batching import BucketedBatches, train_validation_split
from lstm_edu.imdb.corpus import TRUNCATE_CHOICES, Corpus, TokenizedReviews, encode_indices, load_corpus
from lstm_edu.imdb.models import ARCHITECTURES, POOLINGS, build_model, count_parameters
from lstm_edu.imdb.presets import resolve_preset
from lstm_edu.imdb.text import Vocab, atomic_write_text
from lstm_edu.settings import get_device, seed_everything
from lstm_edu.nets.checkpoints import save_checkpoint
from lstm_edu.nets.metrics import accuracy
from lstm_edu.nets.training import _amp_dtype, fit, predict

MODEL_FILE, VOCAB_FILE, METRICS_FILE, HISTORY_FILE, FIT_CHECKPOINT = (
    "model.pt", "vocab.json", "metrics.json", "history.json", "training.pt")
CHECKPOINT_FORMAT = "lstm_edu.imdb/1"


@dataclass
class TrainConfig:
    """Everything that defines a training run (the defaults are the ``cpu`` preset)."""

    model: str = "bilstm"             # lstm, gru, bilstm, bigru (or bow, the bag-of-words baseline)
    epochs: int = 3
    limit: int | None = None          # reviews per split (half per class); None = all 25,000
    train_size: int | None = None     # keep this many of the training reviews (after the validation split)
    vocab_size: int = 20_000          # ids including <pad> and <unk>
    min_freq: int = 2
    max_len: int | None = 400         # tokens kept per review
    truncate: str = "head"            # keep the first ("head") or last ("tail") max_len tokens
    embedding_dim: int = 64
    hidden_size: int = 64
    num_layers: int = 1
    pooling: str = "max"              # last, max or mean
    dropout: float = 0.4
    embedding_dropout: float = 0.1
    num_outputs: int = 1              # 1: sigmoid logit + BCE; 2: two scores + cross-entropy
    batch_size: int = 64
    lr: float = 3e-3
    lr_decay: float = 1.0             # the learning rate is multiplied by this after every epoch
    weight_decay: float = 0.0
    clip_norm: float | None = 1.0
    val_fraction: float = 0.1
    patience: int | None = 2          # early stopping on validation accuracy
    amp: str | None = "fp16"          # mixed precision, used on CUDA only
    seed: int = 0
    split_seed: int | None = None     # seed of the validation split (None: seed); fix it to vary only the rest
    init: str | None = None           # a pretrain folder: start from its embedding and LSTM, use its vocabulary
    lr_factor: float = 2.6            # with init: the LSTM learns at lr / factor, the embedding at lr / factor²
    gradual_unfreezing: bool = True   # with init: epoch 1 trains the head, epoch 2 adds the LSTM, 3 the embedding
    word_vectors: bool = False        # start the embedding from PPMI-SVD vectors of the unlabelled + training reviews
    preset: str | None = None         # the preset this configuration started from (informational)
    description: str = ""

    def __post_init__(self):
        if self.model not in ARCHITECTURES:
            raise ValueError(f"model must be one of {sorted(ARCHITECTURES)}, got {self.model!r}")
        for name in ("epochs", "vocab_size", "embedding_dim", "hidden_size", "num_layers", "batch_size", "min_freq"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.limit is not None and (isinstance(self.limit, bool) or not isinstance(self.limit, int)
                                       or self.limit < 4):
            raise ValueError(f"limit must be None or an integer >= 4 (reviews per split), got {self.limit!r}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"val_fraction must be in (0, 1), got {self.val_fraction!r}")
        if not 0 < self.lr < math.inf:
            raise ValueError(f"lr must be positive, got {self.lr!r}")
        if not 1 <= self.lr_factor < math.inf:
            raise ValueError(f"lr_factor must be a number >= 1, got {self.lr_factor!r}")
        if not isinstance(self.word_vectors, bool):
            raise ValueError(f"word_vectors must be True or False, got {self.word_vectors!r}")
        if self.word_vectors and (self.init is not None or self.model == "bow"):
            raise ValueError("word_vectors starts a recurrent model's embedding from word vectors; it cannot be "
                             "combined with init (a pretrained language model: pass word_vectors=False) or the "
                             "bag-of-words model")
        if self.init is not None and self.model not in ("lstm", "bilstm"):
            raise ValueError(f"init (a pretrained language model) needs model lstm or bilstm, got {self.model!r}")
        if not 0 < self.lr_decay <= 1:
            raise ValueError(f"lr_decay must be in (0, 1] (1 keeps the rate constant), got {self.lr_decay!r}")
        # the rest would otherwise fail (or be ignored) only after the reviews were read and tokenised
        if self.vocab_size < 2:
            raise ValueError(f"vocab_size counts <pad> and <unk>, so it must be at least 2, got {self.vocab_size}")
        for name, value in (("max_len", self.max_len), ("patience", self.patience), ("train_size", self.train_size)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be None or a positive integer, got {value!r}")
        if self.truncate not in TRUNCATE_CHOICES:
            raise ValueError(f"truncate must be one of {TRUNCATE_CHOICES}, got {self.truncate!r}")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        if self.num_outputs not in (1, 2):
            raise ValueError(f"num_outputs must be 1 (sigmoid logit) or 2 (two class scores), got {self.num_outputs!r}")
        for name in ("dropout", "embedding_dropout"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if not 0 <= self.weight_decay < math.inf:
            raise ValueError(f"weight_decay must be a finite number >= 0, got {self.weight_decay!r}")
        if self.clip_norm is not None and not self.clip_norm > 0:  # inf: measure the norm, never rescale
            raise ValueError(f"clip_norm must be None or a positive number, got {self.clip_norm!r}")
        _amp_dtype(self.amp, torch.device("cuda"))  # checks the name only; amp is used on CUDA only

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


#: The documented configurations (the table in the module docstring).
PRESETS: dict[str, dict] = {
    "quick": dict(
        model="bilstm", epochs=3, limit=3000, vocab_size=10_000, min_freq=2, max_len=200, embedding_dim=32,
        hidden_size=32, pooling="max", dropout=0.3, embedding_dropout=0.1, batch_size=32, lr=1e-2,
        patience=None,
        description="a demonstration: 3,000 reviews per split, 200 tokens, 3 epochs (a minute or two on a CPU)",
    ),
    "cpu": dict(
        model="bilstm", epochs=2, limit=None, vocab_size=30_000, min_freq=2, max_len=400, truncate="tail",
        embedding_dim=64, hidden_size=64, pooling="max", dropout=0.4, embedding_dropout=0.2, batch_size=128,
        lr=4e-3, lr_decay=0.5, patience=2, word_vectors=True,
        description="all 25,000 reviews, the last 400 tokens, a small BiLSTM with max pooling whose embedding "
                    "starts from word vectors of the unlabelled + training reviews, 2 epochs, a halving learning "
                    "rate: aimed at >= 89% within 15 min on 2 CPU cores",
    ),
    "gpu": dict(
        model="bilstm", epochs=8, limit=None, vocab_size=30_000, min_freq=1, max_len=None, embedding_dim=500,
        hidden_size=500, pooling="max", dropout=0.5, embedding_dropout=0.3, batch_size=50, lr=1e-3, lr_decay=0.7,
        weight_decay=0.0, patience=3, amp="fp16",
        description="whole reviews, 30k words, a wide BiLSTM (500 units per direction) with max pooling over "
                    "time, after Johnson & Zhang's supervised oh-2LSTMp; fp16 on one GPU (owed: not yet run)",
    ),
    "gpu-pretrained": dict(
        model="bilstm", epochs=6, limit=None, vocab_size=30_000, min_freq=2, max_len=None, embedding_dim=300,
        hidden_size=512, pooling="max", dropout=0.5, embedding_dropout=0.2, batch_size=64, lr=2e-3, lr_decay=0.7,
        patience=3, amp="fp16",
        description="fine-tuning from 'pretrain --preset gpu' (train --init FROM): whole reviews, the language "
                    "model's sizes and vocabulary, discriminative rates and gradual unfreezing (owed: not yet run)",
    ),
}


def resolve_config(preset: str | None = "cpu", **overrides) -> TrainConfig:
    """A :class:`TrainConfig` from a preset, with ``overrides`` (None values are ignored) on top.

    A preset's ``word_vectors`` is dropped when the overrides ask for the bag-of-words model (it has
    no embedding) or for ``init`` (the language model's embedding is used), unless ``word_vectors``
    is itself given, which then meets :class:`TrainConfig`'s check.
    """
    if overrides.get("word_vectors") is None and (overrides.get("model") == "bow" or overrides.get("init")):
        overrides = {**overrides, "word_vectors": False}
    return resolve_preset(PRESETS, TrainConfig, preset, overrides, "training")


# ------------------------------------------------------------------- data


@dataclass
class PreparedData:
    """The encoded reviews of one run: vocabulary, splits and id sequences."""

    corpus: Corpus
    vocab: Vocab
    train: TokenizedReviews
    val: TokenizedReviews
    test: TokenizedReviews
    train_sequences: list = field(repr=False)
    val_sequences: list = field(repr=False)
    test_sequences: list = field(repr=False)
    settings: dict = field(default_factory=dict)  # the configuration fields the data depend on

    def sizes(self) -> dict[str, int]:
        return {"n_train": len(self.train), "n_val": len(self.val), "n_test": len(self.test)}


#: The fields of a :class:`TrainConfig` that :func:`prepare_data` depends on.
DATA_FIELDS = ("limit", "train_size", "seed", "split_seed", "val_fraction", "vocab_size", "min_freq", "max_len", "truncate",
               "init")


def data_settings(config: TrainConfig) -> dict:
    return {name: getattr(config, name) for name in DATA_FIELDS}


def prepare_data(config: TrainConfig, data=None, *, cache_dir=None, root=None,
                 vocab: Vocab | None = None) -> PreparedData:
    """Locate, tokenise (cached), split and encode the reviews for ``config``.

    The validation reviews are whole movies held out of the training split; the
    vocabulary is counted on the remaining training reviews only, unless ``vocab``
    is given (that of a pretrained language model, counted on the same reviews
    plus the unlabelled ones).
    """
    root = (Path(root) if root is not None
            else imdb_data.locate(data, cache_dir=cache_dir, include_unsup=config.word_vectors))
    corpus = load_corpus(root, limit=config.limit, seed=effective_split_seed(config), cache_dir=cache_dir)
    train_index, val_index = train_validation_split(len(corpus.train), fraction=config.val_fraction,
                                                    groups=corpus.train.movies, seed=effective_split_seed(config))
    if config.train_size is not None and config.train_size < len(train_index):  # few labels: a random subset
        picks = np.random.default_rng(config.seed).choice(len(train_index), size=config.train_size, replace=False)
        train_index = train_index[np.sort(picks)]
    train, val = corpus.train.subset(train_index), corpus.train.subset(val_index)
    if vocab is None:
        vocab = corpus.build_vocab(train, min_freq=config.min_freq, max_size=config.vocab_size)
    table = corpus.lookup(vocab)

    def encode(part: TokenizedReviews) -> list:
        return encode_indices(part, table, max_len=config.max_len, truncate=config.truncate)

    return PreparedData(corpus, vocab, train, val, corpus.test, encode(train), encode(val), encode(corpus.test),
                        settings=data_settings(config))


def make_loaders(prepared: PreparedData, config: TrainConfig, eval_batch_size: int = 256):
    """``(train, validation, test)`` :class:`BucketedBatches`; only training batches are shuffled."""
    dtype = torch.float32 if config.num_outputs == 1 else torch.int64
    train = BucketedBatches(prepared.train_sequences, prepared.train.labels, config.batch_size, shuffle=True,
                            seed=config.seed, label_dtype=dtype)
    val = BucketedBatches(prepared.val_sequences, prepared.val.labels, eval_batch_size, label_dtype=dtype)
    test = BucketedBatches(prepared.test_sequences, prepared.test.labels, eval_batch_size, label_dtype=dtype)
    return train, val, test


def model_from_config(config: TrainConfig, vocab_size: int) -> nn.Module:
    """The untrained classifier that ``config`` describes."""
    return build_model(config.model, vocab_size, embedding_dim=config.embedding_dim,
                       hidden_size=config.hidden_size, num_layers=config.num_layers, pooling=config.pooling,
                       dropout=config.dropout, embedding_dropout=config.embedding_dropout,
                       num_outputs=config.num_outputs)


def loss_function(num_outputs: int) -> nn.Module:
    """``BCEWithLogitsLoss`` for one logit, ``CrossEntropyLoss`` for two scores (never softmax first, M32)."""
    if num_outputs not in (1, 2):
        raise ValueError(f"num_outputs must be 1 or 2, got {num_outputs!r}")
    return nn.BCEWithLogitsLoss() if num_outputs == 1 else nn.CrossEntropyLoss()


def positive_probability(outputs: torch.Tensor) -> torch.Tensor:
    """``(B,)`` probability of the positive class from one logit ``(B,)`` or two scores ``(B, 2)``."""
    if outputs.dim() not in (1, 2) or (outputs.dim() == 2 and outputs.shape[1] != 2):
        raise ValueError(f"outputs must be one logit per review (B,) or two class scores (B, 2), got shape "
                         f"{tuple(outputs.shape)}")
    outputs = outputs.float()
    return torch.sigmoid(outputs) if outputs.dim() == 1 else torch.softmax(outputs, dim=-1)[:, 1]


# ---------------------------------------------------------------- training


@dataclass
class TrainResult:
    """What :func:`train` returns: the trained model and everything needed to analyse it."""

    model: nn.Module
    config: TrainConfig
    prepared: PreparedData
    history: object
    metrics: dict
    test_probabilities: np.ndarray      # (n_test,) P(positive), in the order of prepared.test
    out: Path | None = None


def _ordered(probabilities: torch.Tensor, order: np.ndarray) -> np.ndarray:
    """Undo the length-sorted order of an evaluation loader."""
    result = np.empty(len(order), dtype=np.float64)
    result[order] = probabilities.numpy()
    return result


def evaluate_probabilities(model: nn.Module, loader: BucketedBatches, device, amp=None) -> np.ndarray:
    """P(positive) for every review of ``loader``, in the loader's review order."""
    outputs, _ = predict(model, loader, device=device, amp=amp)
    return _ordered(positive_probability(outputs), loader.order)


def train(config: TrainConfig, data=None, *, out=None, device="auto", cache_dir=None, root=None,
          progress=True, verbose: bool = False, prepared: PreparedData | None = None) -> TrainResult:
    """Train ``config`` on the IMDB reviews and evaluate it once on the test split.

    Args:
        config: a :class:`TrainConfig` (see :func:`resolve_config`).
        data: where the reviews are (see :func:`lstm_edu.imdb.data.locate`); None = cache/download.
        out: a folder for the run's files (metrics, history, model, vocabulary); None writes nothing.
        device: ``"auto"``, ``"cpu"``, ``"cuda"`` or a ``torch.device``.
        cache_dir: where archives are extracted and tokens cached (default
            :func:`lstm_edu.imdb.data.default_cache_dir`, ``~/.cache/lstm_edu/imdb``).
        root: an ``aclImdb`` folder, skipping :func:`~lstm_edu.imdb.data.locate`.
        progress: tqdm bars (shown in terminals and Colab).
        verbose: print one line per epoch.
        prepared: reuse data prepared by :func:`prepare_data` for the same data settings
            (:data:`DATA_FIELDS`; only the model and training options may differ).
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig (use resolve_config), got {type(config).__name__}")
    device = device if isinstance(device, torch.device) else get_device(device)
    seed_everything(config.seed)
    language_model = pretrained_vocab = None
    if config.init is not None:
        language_model, pretrained_vocab = load_pretrained(config)
    if prepared is None:
        prepared = prepare_data(config, data, cache_dir=cache_dir, root=root, vocab=pretrained_vocab)
    elif prepared.settings != data_settings(config):
        differ = sorted(k for k in DATA_FIELDS if prepared.settings.get(k) != getattr(config, k))
        raise ValueError(f"the prepared data were made for other settings ({', '.join(differ)}); "
                         "call prepare_data(config) again")
    train_loader, val_loader, test_loader = make_loaders(prepared, config)
    model = model_from_config(config, len(prepared.vocab))
    vectors_seconds = None
    if config.word_vectors:
        started = time.perf_counter()
        copy_word_vectors(model, initial_word_vectors(prepared, config.embedding_dim, seed=config.seed,
                                                      cache_dir=cache_dir))
        vectors_seconds = time.perf_counter() - started
    if language_model is not None:
        from lstm_edu.imdb.finetune import FineTuneSchedule, parameter_groups, transfer_weights

        transfer_weights(model, language_model)
        optimizer = torch.optim.Adam(parameter_groups(model, config.lr, config.lr_factor),
                                     weight_decay=config.weight_decay)
        scheduler = FineTuneSchedule(optimizer, decay=config.lr_decay, gradual=config.gradual_unfreezing)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        scheduler = (torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=config.lr_decay)
                     if config.lr_decay != 1 else None)
    amp = config.amp if device.type == "cuda" else None
    out = Path(out) if out is not None else None
    checkpoint = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        checkpoint = out / FIT_CHECKPOINT
        checkpoint.unlink(missing_ok=True)  # a new run, not a resumed one
    started, started_cpu = time.perf_counter(), time.process_time()
    history = fit(model, train_loader, loss_fn=loss_function(config.num_outputs), optimizer=optimizer,
                  epochs=config.epochs, val_loader=val_loader, device=device, clip_norm=config.clip_norm,
                  amp=amp, metrics={"accuracy": accuracy}, early_stopping_patience=config.patience,
                  monitor="val_accuracy", checkpoint_path=checkpoint, scheduler=scheduler, progress=progress,
                  seed=config.seed, verbose=verbose)
    train_seconds = time.perf_counter() - started
    train_cpu_seconds = time.process_time() - started_cpu
    probabilities = evaluate_probabilities(model, test_loader, device, amp)
    test_accuracy = float(np.mean((probabilities > 0.5) == (prepared.test.labels == 1)))
    kept = kept_epoch(history)
    metrics = {
        "test_accuracy": test_accuracy,
        # the validation accuracy of the weights the model ends with (not the best epoch's, unless
        # early stopping restored that epoch's weights)
        "val_accuracy": (float(history["val_accuracy"][history.epochs.index(kept)])
                         if "val_accuracy" in history else None),
        "train_seconds": train_seconds,          # wall-clock time of fit (training + validation passes)
        "train_cpu_seconds": train_cpu_seconds,  # CPU time of this process in fit (all threads)
        "word_vectors_seconds": vectors_seconds,  # counting and factorising the word vectors (before fit)
        "device": device_description(device),
        "model": config.model,
        "preset": config.preset,
        "epochs": len(history),
        "epochs_requested": config.epochs,
        "best_epoch": history.best_epoch,
        "kept_epoch": kept,                      # the epoch whose weights were evaluated and saved
        **prepared.sizes(),
        "vocab_size": len(prepared.vocab),
        "parameters": count_parameters(model),
        "amp": amp,
        "torch_threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "config": config.to_dict(),
    }
    if out is not None:
        save_run(out, model, prepared.vocab, config, history, metrics)
    return TrainResult(model, config, prepared, history, metrics, probabilities, out)


def initial_word_vectors(prepared: PreparedData, dim: int, *, seed: int = 0, cache_dir=None) -> torch.Tensor:
    """``(V, dim)`` word vectors (:mod:`lstm_edu.imdb.word_vectors`) for ``prepared.vocab``.

    Counted over the 50,000 unlabelled reviews and the *training* part of the
    labelled ones, whole (not cut to ``max_len``): never a validation or a test review.  The
    unlabelled reviews must be next to the labelled ones
    (:func:`lstm_edu.imdb.data.locate` with ``include_unsup=True``).
    """
    from lstm_edu.imdb.unlabelled import UNSUP_FOLDER, load_unlabelled
    from lstm_edu.imdb.word_vectors import word_vectors

    if not prepared.corpus.root.joinpath(*UNSUP_FOLDER).is_dir():
        raise imdb_data.IMDBDataError(
            f"word vectors are counted on the unlabelled reviews, but {prepared.corpus.root} has no "
            f"{'/'.join(UNSUP_FOLDER)}: prepare the data with a configuration that has word_vectors=True "
            "(prepare_data then extracts them too, from the official archive or aclImdb_unsup.tar.gz next to "
            "the labelled one), or train with word_vectors=False")
    unlabelled = load_unlabelled(prepared.corpus.root, cache_dir=cache_dir)
    training = encode_indices(prepared.train, prepared.corpus.lookup(prepared.vocab))
    return word_vectors(training + unlabelled.encode(prepared.vocab), len(prepared.vocab), dim, seed=seed)


def copy_word_vectors(model: nn.Module, vectors: torch.Tensor) -> None:
    """Copy ``vectors`` ``(V, E)`` into ``model.embedding``; rows that are zero (no vector) keep their random start."""
    weight = model.embedding.weight
    if tuple(vectors.shape) != tuple(weight.shape):
        raise ValueError(f"word vectors of shape {tuple(vectors.shape)} do not fit an embedding of shape "
                         f"{tuple(weight.shape)}")
    has_vector = vectors.norm(dim=1) > 0
    with torch.no_grad():
        weight[has_vector] = vectors[has_vector].to(weight.dtype)


def effective_split_seed(config: TrainConfig) -> int:
    """The seed of the validation split: ``split_seed``, or ``seed`` when that is None."""
    return config.seed if config.split_seed is None else config.split_seed


def load_pretrained(config: TrainConfig):
    """The language model and vocabulary of ``config.init``, checked against ``config``'s validation split.

    The language model must have read the same training reviews, and none of the
    validation reviews, that this run uses: same ``limit``, split seed and ``val_fraction``.
    """
    from lstm_edu.imdb.pretrain import SPLIT_FIELDS, load_language_model

    language_model, vocab, payload = load_language_model(config.init)
    current = {"limit": config.limit, "seed": effective_split_seed(config), "val_fraction": config.val_fraction}
    differ = [f"{name}: pretrained with {payload['split'].get(name)!r}, now {current[name]!r}"
              for name in SPLIT_FIELDS if payload["split"].get(name) != current[name]]
    if differ:
        raise ValueError(f"{config.init} was pretrained on another split of the training reviews ({'; '.join(differ)}): "
                         "its language model may have read this run's validation reviews. Use the same "
                         "--limit/--seed, or pretrain again")
    return language_model, vocab


def kept_epoch(history) -> int:
    """The epoch (counting from 1) whose weights the model holds after :func:`~lstm_edu.nets.training.fit`.

    With early stopping, ``fit`` restores the best epoch's weights (``history.best_epoch``);
    without it the model keeps the last epoch's weights, whatever an earlier epoch scored.
    """
    return history.best_epoch if history.best_epoch is not None else len(history)


def device_description(device: torch.device) -> str:
    """``"cuda (NVIDIA H100 80GB HBM3)"``, ``"cpu (x86_64, 2 threads)"``, ..."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        threads = torch.get_num_threads()
        return f"cpu ({platform.machine() or 'unknown'}, {threads} thread{'' if threads == 1 else 's'})"
    return str(device)


def save_run(out, model: nn.Module, vocab: Vocab, config: TrainConfig, history, metrics: dict) -> None:
    """Write ``model.pt``, ``vocab.json``, ``history.json`` and ``metrics.json`` (each atomically)."""
    out = Path(out)
    save_checkpoint(out / MODEL_FILE, {
        "format": CHECKPOINT_FORMAT,
        "model_config": dict(model.config),
        "train_config": config.to_dict(),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
    })
    vocab.save(out / VOCAB_FILE)
    atomic_write_text(out / HISTORY_FILE, json.dumps(history.to_dict(), indent=1))
    atomic_write_text(out / METRICS_FILE, json.dumps(metrics, indent=1))

"""Language-model pretraining on the unlabelled and training reviews (Dai & Le 2015; ULMFiT, Howard & Ruder 2018).

A :class:`LanguageModel` reads a review word by word and predicts the next word
(the forward model) and, read backwards, the previous word (the backward model).
Its embedding and LSTMs have exactly the shapes of a :class:`~lstm_edu.imdb.models.SentimentRNN`
with the same sizes, so a classifier can start from them
(:mod:`lstm_edu.imdb.finetune`): the forward LSTM becomes the classifier's
left-to-right direction and the backward LSTM its right-to-left direction (the
two are trained as separate language models sharing the embedding, as in ELMo
and ULMFiT's forward + backward models).

Choices, and why:

- **Weight tying** (Press & Wolf 2017; Inan et al. 2017): the output layer that
  scores the next word reuses the embedding matrix (through a linear projection
  when the hidden size differs from the embedding size).  It removes
  ``vocab × size`` parameters and makes the embedding learn from every predicted
  word, not only from the words it reads; this is the part the classifier keeps.
- **Data**: the 50,000 unlabelled reviews plus the *training part* of the
  labelled ones; never the test reviews, and never the validation reviews that
  the classifier holds out (the split is the classifier's: same seed and
  fraction, checked again when fine-tuning).  The vocabulary is counted on the
  same reviews and saved with the model; the classifier must use it.
- **Chunks**: reviews are cut into pieces of ``bptt`` tokens, each read from a
  fresh state (truncated back-propagation, chapter 6), batched by length.
- **Regularisation**: dropout on the embedded words and on the LSTM outputs
  (a light version of AWD-LSTM's scheme), gradient clipping, Adam.

Outputs of :func:`pretrain` (a folder): ``lm.pt`` (weights, sizes, the data
settings), ``vocab.json``, ``history.json`` (per-epoch training and validation
perplexity), ``metrics.json`` and ``samples.txt`` (text the model generates).

Shapes: ``LanguageModel.loss(ids (B, T), lengths (B,))`` returns the summed
negative log-likelihood and the number of predicted tokens (both directions).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from lstm_edu.imdb import data as imdb_data
from lstm_edu.imdb.batching import BucketedBatches, train_validation_split
from lstm_edu.imdb.corpus import encode_indices, load_corpus
from lstm_edu.imdb.models import length_mask
from lstm_edu.imdb.presets import resolve_preset
from lstm_edu.imdb.text import PAD_ID, UNK_ID, Vocab, atomic_write_text
from lstm_edu.imdb.unlabelled import load_unlabelled, merged_counts
from lstm_edu.nets.checkpoints import read_checkpoint, save_checkpoint
from lstm_edu.nets.models import _check_positive_ints, recurrent_layer, set_forget_gate_bias
from lstm_edu.settings import get_device, seed_everything

LM_FILE, LM_FORMAT = "lm.pt", "lstm_edu.imdb.lm/1"
VOCAB_FILE, METRICS_FILE, HISTORY_FILE, SAMPLES_FILE = "vocab.json", "metrics.json", "history.json", "samples.txt"

__all__ = ["PRETRAIN_PRESETS", "LanguageModel", "PretrainConfig", "chunk_sequences", "generate", "load_language_model",
           "pretrain", "resolve_pretrain_config", "reverse_padded"]


def reverse_padded(ids: torch.Tensor, lengths: torch.Tensor, pad_id: int = PAD_ID) -> torch.Tensor:
    """``(B, T)``: each row's first ``lengths[b]`` ids in reverse order, padding left where it was."""
    steps = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
    lengths = lengths.to(ids.device).unsqueeze(1)
    source = (lengths - 1 - steps).clamp(min=0)
    reversed_ids = ids.gather(1, source)
    return reversed_ids.masked_fill(steps >= lengths, pad_id)


class LanguageModel(nn.Module):
    """Embedding -> LSTM (forward, and backward when ``bidirectional``) -> dropout -> tied output layer.

    Args:
        vocab_size, embedding_dim, hidden_size, num_layers: sizes (those of the classifier to fine-tune).
        bidirectional: also train a backward language model (for a BiLSTM classifier).
        dropout: on the LSTM outputs (and between stacked layers).
        embedding_dropout: on the embedded words.
        tie_weights: the output layer reuses the embedding matrix (module docstring).
    """

    def __init__(self, vocab_size: int, *, embedding_dim: int = 64, hidden_size: int = 64, num_layers: int = 1,
                 bidirectional: bool = True, dropout: float = 0.2, embedding_dropout: float = 0.1,
                 tie_weights: bool = True, pad_id: int = PAD_ID):
        super().__init__()
        _check_positive_ints(vocab_size=vocab_size, embedding_dim=embedding_dim, hidden_size=hidden_size,
                             num_layers=num_layers)
        for name, value in (("dropout", dropout), ("embedding_dropout", embedding_dropout)):
            if not 0 <= value < 1:
                raise ValueError(f"{name} must be in [0, 1), got {value!r}")
        if vocab_size < 3:
            raise ValueError(f"vocab_size counts <pad> and <unk>, so a language model needs at least 3, got {vocab_size}")
        self.config = dict(vocab_size=vocab_size, embedding_dim=embedding_dim, hidden_size=hidden_size,
                           num_layers=num_layers, bidirectional=bool(bidirectional), dropout=float(dropout),
                           embedding_dropout=float(embedding_dropout), tie_weights=bool(tie_weights), pad_id=pad_id)
        self.pad_id = pad_id
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_id)
        self.embedding_dropout = nn.Dropout(embedding_dropout)
        between = dropout if num_layers > 1 else 0.0
        self.rnn = recurrent_layer("lstm", embedding_dim, hidden_size, num_layers=num_layers, dropout=between)
        self.rnn_backward = (recurrent_layer("lstm", embedding_dim, hidden_size, num_layers=num_layers,
                                             dropout=between) if bidirectional else None)
        for rnn in (self.rnn, self.rnn_backward):
            if rnn is not None:
                set_forget_gate_bias(rnn, 1.0)   # as the classifier starts
        self.dropout = nn.Dropout(dropout)
        output_size = embedding_dim if tie_weights else hidden_size
        self.projection = nn.Linear(hidden_size, embedding_dim) if tie_weights and hidden_size != embedding_dim \
            else None
        self.decoder = nn.Linear(output_size, vocab_size)
        if tie_weights:
            self.decoder.weight = self.embedding.weight

    def _directions(self):
        yield "forward", self.rnn
        if self.rnn_backward is not None:
            yield "backward", self.rnn_backward

    def hidden_states(self, rnn: nn.LSTM, ids: torch.Tensor, lengths: torch.Tensor, state=None):
        """``(B, T, H)`` outputs of ``rnn`` over the packed batch (zeros at padding) and its final state."""
        embedded = self.embedding_dropout(self.embedding(ids))
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs, state = rnn(packed, state)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=ids.shape[1])
        return outputs, state

    def scores(self, outputs: torch.Tensor) -> torch.Tensor:
        """Next-word scores ``(..., V)`` from LSTM outputs ``(..., H)``."""
        outputs = self.dropout(outputs)
        if self.projection is not None:
            outputs = self.projection(outputs)
        return self.decoder(outputs)

    def loss(self, ids: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, int]:
        """Summed negative log-likelihood of every predicted word (both directions) and how many there were."""
        if ids.dim() != 2 or ids.dtype not in (torch.int64, torch.int32):
            raise ValueError(f"ids must be (B, T) integer token ids, got {ids.dtype} of shape {tuple(ids.shape)}")
        if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= self.embedding.num_embeddings):
            raise ValueError(f"token ids must be in [0, {self.embedding.num_embeddings})")
        total, count = ids.new_zeros((), dtype=torch.float32), 0
        predicted = length_mask((lengths - 1).clamp(min=0).to(ids.device), ids.shape[1] - 1)  # (B, T - 1)
        for direction, rnn in self._directions():
            sequence = ids if direction == "forward" else reverse_padded(ids, lengths, self.pad_id)
            outputs, _ = self.hidden_states(rnn, sequence, lengths)
            chosen = outputs[:, :-1][predicted]                  # (N, H): states that have a next word
            targets = sequence[:, 1:][predicted]                 # (N,)
            total = total + nn.functional.cross_entropy(self.scores(chosen).float(), targets, reduction="sum")
            count += int(targets.numel())
        return total, count


# ------------------------------------------------------------------ configuration


@dataclass
class PretrainConfig:
    """A pretraining run (the defaults are the ``cpu`` preset)."""

    vocab_size: int = 20_000
    min_freq: int = 2
    embedding_dim: int = 64
    hidden_size: int = 64
    num_layers: int = 1
    bidirectional: bool = True
    tie_weights: bool = True
    dropout: float = 0.2
    embedding_dropout: float = 0.1
    bptt: int = 70                       # tokens per chunk
    batch_size: int = 64
    lr: float = 3e-3
    epochs: int = 1
    clip_norm: float = 1.0
    unlabelled: bool = True              # read train/unsup as well
    unlabelled_limit: int | None = None  # how many unlabelled reviews (None: all 50,000)
    max_train_tokens: int | None = None  # stop an epoch after this many tokens (a CPU budget)
    eval_every: int | None = 50          # batches between perplexity checks on (part of) the validation chunks
    eval_chunks: int = 200               # validation chunks used by those checks (the epoch's end uses all)
    limit: int | None = None             # labelled reviews per split, as the classifier's TrainConfig.limit
    val_fraction: float = 0.1            # the classifier's validation split: same value, same seed
    seed: int = 0
    amp: str | None = "fp16"             # on CUDA only
    preset: str | None = None
    description: str = ""

    def __post_init__(self):
        for name in ("vocab_size", "min_freq", "embedding_dim", "hidden_size", "num_layers", "bptt", "batch_size",
                     "epochs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.vocab_size < 3:
            raise ValueError(f"vocab_size must be at least 3 (<pad>, <unk> and a word), got {self.vocab_size}")
        if self.bptt < 2:
            raise ValueError(f"bptt must be at least 2 (a word and the next), got {self.bptt}")
        for name in ("unlabelled_limit", "max_train_tokens", "limit", "eval_every"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be None or a positive integer, got {value!r}")
        if self.limit is not None and self.limit < 4:
            raise ValueError(f"limit must be None or >= 4 (reviews per split), got {self.limit}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"val_fraction must be in (0, 1), got {self.val_fraction!r}")
        if not 0 < self.lr < math.inf or not 0 < self.clip_norm < math.inf:
            raise ValueError(f"lr and clip_norm must be positive numbers, got {self.lr!r} and {self.clip_norm!r}")
        for name in ("dropout", "embedding_dropout"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


#: Pretraining configurations; each matches the classifier preset of the same name in its sizes.
PRETRAIN_PRESETS: dict[str, dict] = {
    "quick": dict(vocab_size=10_000, embedding_dim=32, hidden_size=32, bptt=50, batch_size=64, lr=1e-2, epochs=1,
                  unlabelled_limit=2000, limit=3000, max_train_tokens=300_000,
                  description="a demonstration: 2,000 unlabelled + the training reviews of 'quick', 300k tokens"),
    "cpu": dict(vocab_size=20_000, embedding_dim=64, hidden_size=64, bptt=70, batch_size=64, lr=3e-3, epochs=1,
                unlabelled_limit=None, max_train_tokens=1_500_000,
                description="1.5 million tokens (a tenth of one pass) of the unlabelled + training reviews, the "
                            "sizes of the 'cpu' classifier; the 20,000-word output layer is most of the cost"),
    "gpu": dict(vocab_size=30_000, embedding_dim=300, hidden_size=512, bptt=100, batch_size=128, lr=2e-3, epochs=3,
                dropout=0.3, embedding_dropout=0.1, unlabelled_limit=None, max_train_tokens=None, amp="fp16",
                description="all 72,500 unlabelled + training reviews, 3 epochs, the sizes of the 'gpu-pretrained' "
                            "classifier; about 20 million tokens per epoch"),
}


def resolve_pretrain_config(preset: str | None = "cpu", **overrides) -> PretrainConfig:
    """A :class:`PretrainConfig` from a preset with ``overrides`` (None values ignored) on top."""
    return resolve_preset(PRETRAIN_PRESETS, PretrainConfig, preset, overrides, "pretraining")


#: The settings that decide which reviews the language model read; fine-tuning checks them.
SPLIT_FIELDS = ("limit", "seed", "val_fraction")


# ------------------------------------------------------------------ data


def chunk_sequences(sequences, bptt: int) -> list[np.ndarray]:
    """Cut each id sequence into pieces of at most ``bptt`` ids; pieces of one id (nothing to predict) are dropped."""
    if bptt < 2:
        raise ValueError(f"bptt must be at least 2, got {bptt}")
    chunks = []
    for sequence in sequences:
        for start in range(0, len(sequence), bptt):
            piece = sequence[start:start + bptt]
            if len(piece) >= 2:
                chunks.append(np.asarray(piece, dtype=np.int64))
    return chunks


@dataclass
class PretrainData:
    vocab: Vocab
    train_chunks: list
    val_chunks: list
    n_labelled: int
    n_unlabelled: int
    n_val: int


def prepare_pretrain_data(config: PretrainConfig, data=None, *, cache_dir=None, root=None) -> PretrainData:
    """Vocabulary and chunks: training part of the labelled reviews + unlabelled ones; validation = the classifier's."""
    if root is None:
        root = imdb_data.locate(data, cache_dir=cache_dir, include_unsup=config.unlabelled)
    corpus = load_corpus(root, limit=config.limit, seed=config.seed, cache_dir=cache_dir)
    train_index, val_index = train_validation_split(len(corpus.train), fraction=config.val_fraction,
                                                    groups=corpus.train.movies, seed=config.seed)
    train, val = corpus.train.subset(train_index), corpus.train.subset(val_index)
    counts = train.word_counts(len(corpus.words))
    labelled_counts = {word: int(n) for word, n in zip(corpus.words, counts) if n}
    unlabelled = (load_unlabelled(root, limit=config.unlabelled_limit, seed=config.seed, cache_dir=cache_dir)
                  if config.unlabelled else None)
    total = merged_counts(labelled_counts, unlabelled.counts()) if unlabelled is not None else labelled_counts
    vocab = Vocab.from_counts(total, min_freq=config.min_freq, max_size=config.vocab_size)
    table = corpus.lookup(vocab)
    sequences = encode_indices(train, table)
    if unlabelled is not None:
        sequences += unlabelled.encode(vocab)
    rng = np.random.default_rng(config.seed)
    train_chunks = chunk_sequences(sequences, config.bptt)
    train_chunks = [train_chunks[i] for i in rng.permutation(len(train_chunks))]
    val_chunks = chunk_sequences(encode_indices(val, table), config.bptt)
    if not train_chunks or not val_chunks:
        raise ValueError("too few tokens to pretrain on: no chunk of at least two words")
    return PretrainData(vocab, train_chunks, val_chunks, len(train), len(unlabelled) if unlabelled else 0, len(val))


def _batches(chunks, batch_size: int, *, shuffle: bool, seed: int) -> BucketedBatches:
    return BucketedBatches(chunks, np.zeros(len(chunks), dtype=np.int64), batch_size, shuffle=shuffle, seed=seed)


# ------------------------------------------------------------------ training


def _amp_context(device: torch.device, amp: str | None):
    if device.type == "cuda" and amp is not None:
        return torch.autocast("cuda", dtype=torch.float16 if amp == "fp16" else torch.bfloat16)
    import contextlib
    return contextlib.nullcontext()


@torch.no_grad()
def evaluate_perplexity(model: LanguageModel, batches, device, amp=None) -> float:
    """``exp`` of the mean negative log-likelihood per predicted word over ``batches``."""
    model.eval()
    total, count = 0.0, 0
    for ids, lengths, _ in batches:
        with _amp_context(device, amp):
            nll, n = model.loss(ids.to(device), lengths)
        total, count = total + float(nll), count + n
    return math.exp(total / max(count, 1))


def pretrain(config: PretrainConfig, data=None, *, out=None, device="auto", cache_dir=None, root=None,
             verbose: bool = False, sample_prompts=("this movie was", "the acting")) -> dict:
    """Train the language model of ``config``; return (and with ``out``, write) its metrics.

    Returns ``{"metrics": ..., "history": ..., "model": LanguageModel, "vocab": Vocab, "samples": [...]}``.
    """
    if not isinstance(config, PretrainConfig):
        raise TypeError(f"config must be a PretrainConfig, got {type(config).__name__}")
    device = device if isinstance(device, torch.device) else get_device(device)
    seed_everything(config.seed)
    prepared = prepare_pretrain_data(config, data, cache_dir=cache_dir, root=root)
    model = LanguageModel(len(prepared.vocab), embedding_dim=config.embedding_dim, hidden_size=config.hidden_size,
                          num_layers=config.num_layers, bidirectional=config.bidirectional, dropout=config.dropout,
                          embedding_dropout=config.embedding_dropout, tie_weights=config.tie_weights).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    amp = config.amp if device.type == "cuda" else None
    scaler = torch.amp.GradScaler("cuda") if amp == "fp16" else None
    train_batches = _batches(prepared.train_chunks, config.batch_size, shuffle=True, seed=config.seed)
    val_batches = _batches(prepared.val_chunks, 256, shuffle=False, seed=config.seed)
    history = {"epoch": [], "train_perplexity": [], "val_perplexity": [], "tokens": [], "seconds": [],
               "step": [], "step_tokens": [], "step_val_perplexity": []}   # the curve within epochs
    probe = _batches(prepared.val_chunks[:config.eval_chunks], 256, shuffle=False, seed=config.seed)
    step = 0
    started, started_cpu = time.perf_counter(), time.process_time()
    tokens_seen = 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        epoch_start, total, count, epoch_tokens = time.perf_counter(), 0.0, 0, 0
        for ids, lengths, _ in train_batches:
            optimizer.zero_grad(set_to_none=True)
            with _amp_context(device, amp):
                nll, n = model.loss(ids.to(device), lengths)
            loss = nll / max(n, 1)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
            else:
                loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
            if scaler is not None:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            total, count = total + float(nll.detach()), count + n
            tokens_seen += int(lengths.sum())
            epoch_tokens += int(lengths.sum())
            step += 1
            if config.eval_every is not None and step % config.eval_every == 0:
                history["step"].append(step)
                history["step_tokens"].append(tokens_seen)
                history["step_val_perplexity"].append(evaluate_perplexity(model, probe, device, amp))
                model.train()
            if config.max_train_tokens is not None and epoch_tokens >= config.max_train_tokens:
                break
        history["epoch"].append(epoch)
        history["train_perplexity"].append(math.exp(total / max(count, 1)))
        history["val_perplexity"].append(evaluate_perplexity(model, val_batches, device, amp))
        history["tokens"].append(tokens_seen)
        history["seconds"].append(time.perf_counter() - epoch_start)
        if verbose:
            print(f"epoch {epoch}: train perplexity {history['train_perplexity'][-1]:.1f}, validation "
                  f"{history['val_perplexity'][-1]:.1f} ({history['seconds'][-1]:.0f} s)", flush=True)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
    samples = [generate(model, prepared.vocab, prompt, n_words=30, seed=config.seed) for prompt in sample_prompts]
    from lstm_edu.imdb.train import device_description

    metrics = {
        "val_perplexity": history["val_perplexity"][-1],
        "train_perplexity": history["train_perplexity"][-1],
        "unigram_perplexity": unigram_perplexity(prepared),
        "train_seconds": seconds, "train_cpu_seconds": cpu_seconds, "tokens_seen": tokens_seen,
        "n_labelled_train": prepared.n_labelled, "n_unlabelled": prepared.n_unlabelled, "n_val": prepared.n_val,
        "vocab_size": len(prepared.vocab), "device": device_description(device),
        "torch_threads": torch.get_num_threads(), "torch_version": torch.__version__,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "config": config.to_dict(),
    }
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        save_checkpoint(out / LM_FILE, {
            "format": LM_FORMAT, "model_config": dict(model.config), "pretrain_config": config.to_dict(),
            "split": {name: getattr(config, name) for name in SPLIT_FIELDS},
            "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        })
        prepared.vocab.save(out / VOCAB_FILE)
        atomic_write_text(out / HISTORY_FILE, json.dumps(history, indent=1))
        atomic_write_text(out / METRICS_FILE, json.dumps(metrics, indent=1))
        atomic_write_text(out / SAMPLES_FILE, "\n\n".join(samples) + "\n")
    return {"metrics": metrics, "history": history, "model": model, "vocab": prepared.vocab, "samples": samples}


def unigram_perplexity(prepared: PretrainData) -> float:
    """The perplexity on the validation chunks of a model that ignores context (word frequencies of training).

    A language model's perplexity means something only next to this baseline.
    """
    vocab_size = len(prepared.vocab)
    counts = np.ones(vocab_size)                      # add-one smoothing
    for chunk in prepared.train_chunks:
        counts += np.bincount(chunk[1:], minlength=vocab_size)
    counts[PAD_ID] = 0
    log_p = np.log(counts / counts.sum(), where=counts > 0, out=np.full(vocab_size, -np.inf))
    targets = np.concatenate([chunk[1:] for chunk in prepared.val_chunks])
    return float(np.exp(-log_p[targets].mean()))


@torch.no_grad()
def generate(model: LanguageModel, vocab: Vocab, prompt: str, *, n_words: int = 30, temperature: float = 0.8,
             seed: int = 0) -> str:
    """Continue ``prompt`` with ``n_words`` words sampled from the forward model (``<unk>`` never sampled)."""
    from lstm_edu.imdb.text import tokenize

    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}")
    model.eval()
    device = next(model.parameters()).device
    words = tokenize(prompt) or ["the"]
    ids = torch.tensor([vocab.encode(words)], device=device)
    generator = torch.Generator(device="cpu").manual_seed(seed)
    outputs, state = model.hidden_states(model.rnn, ids, torch.tensor([ids.shape[1]]))
    last = outputs[:, -1]
    for _ in range(n_words):
        scores = model.scores(last).float().squeeze(0) / temperature
        scores[[PAD_ID, UNK_ID]] = -math.inf
        next_id = int(torch.multinomial(torch.softmax(scores, -1).cpu(), 1, generator=generator))
        words.append(vocab.itos[next_id])
        step = torch.tensor([[next_id]], device=device)
        outputs, state = model.hidden_states(model.rnn, step, torch.tensor([1]), state)
        last = outputs[:, -1]
    return " ".join(words)


def load_language_model(folder, map_location="cpu") -> tuple[LanguageModel, Vocab, dict]:
    """``(model, vocab, payload)`` from a :func:`pretrain` folder, with clear errors for what is missing or corrupt."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder written by 'python -m lstm_edu.imdb pretrain'")
    payload = read_checkpoint(folder / LM_FILE, LM_FORMAT, "a language model written by lstm_edu.imdb.pretrain",
                              map_location=map_location)
    if not isinstance(payload.get("model_config"), dict) or not isinstance(payload.get("state_dict"), dict) \
            or not isinstance(payload.get("split"), dict):
        raise ValueError(f"{folder / LM_FILE} is incomplete: it lacks the model's sizes, weights or data split")
    if not (folder / VOCAB_FILE).is_file():
        raise FileNotFoundError(f"{folder / VOCAB_FILE} is missing: the language model is useless without its "
                                "vocabulary")
    vocab = Vocab.load(folder / VOCAB_FILE)
    config = payload["model_config"]
    if config.get("vocab_size") != len(vocab):
        raise ValueError(f"{folder}: the vocabulary has {len(vocab)} words but the language model was trained with "
                         f"{config.get('vocab_size')}; the two files do not belong together")
    model = LanguageModel(**config)
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as error:
        raise ValueError(f"{folder / LM_FILE}: the weights do not fit the sizes it records ({error})") from error
    return model, vocab, payload

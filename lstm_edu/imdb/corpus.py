"""The tokenised reviews, cached on disk so that a second run starts in a second.

Tokenising 50,000 reviews in pure Python takes 10-20 s.  :func:`load_corpus` does
it once per ``aclImdb`` folder and stores the result in the data cache as one
``.npz`` file (written atomically): every distinct token once, and each review as
a run of indices into that list (``flat[offsets[i]:offsets[i + 1]]``).

A :class:`Vocab` is then built from the counts of any subset of reviews (the
training part of the split, never validation or test) with one ``bincount``, and
reviews are encoded through a lookup array, which takes a fraction of a second.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from lstm_edu.imdb.data import CLASSES, SPLITS, default_cache_dir, read_reviews
from lstm_edu.imdb.text import TOKENIZER_VERSION, UNK_ID, Vocab, tokenize

TRUNCATE_CHOICES = ("head", "tail")


@dataclass
class TokenizedReviews:
    """The reviews of one split as token indices into :attr:`Corpus.words`.

    ``flat`` (int32) holds every review's tokens one after another and
    ``offsets`` (int64, ``n + 1`` values) where each starts; ``labels``,
    ``ratings``, ``file_ids`` are ``(n,)`` int64 arrays and ``movies`` a list of
    IMDB title ids (``""`` when unknown).
    """

    flat: np.ndarray
    offsets: np.ndarray
    labels: np.ndarray
    ratings: np.ndarray
    movies: list[str]
    file_ids: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def lengths(self) -> np.ndarray:
        """``(n,)`` number of tokens of each review (before truncation)."""
        return np.diff(self.offsets)

    def token_indices(self, i: int) -> np.ndarray:
        """The corpus word indices of review ``i``."""
        return self.flat[self.offsets[i]:self.offsets[i + 1]]

    def subset(self, indices: Sequence[int] | np.ndarray) -> "TokenizedReviews":
        """The reviews at ``indices``, in that order."""
        indices = np.asarray(indices, dtype=np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= len(self)):
            raise IndexError(f"subset indices must be in [0, {len(self)}), got {indices.min()}..{indices.max()}")
        pieces = [self.token_indices(int(i)) for i in indices]
        lengths = np.array([len(p) for p in pieces], dtype=np.int64)
        return TokenizedReviews(
            flat=np.concatenate(pieces).astype(np.int32) if pieces else np.zeros(0, np.int32),
            offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            labels=self.labels[indices], ratings=self.ratings[indices],
            movies=[self.movies[int(i)] for i in indices], file_ids=self.file_ids[indices],
        )

    def word_counts(self, n_words: int) -> np.ndarray:
        """``(n_words,)`` how often each corpus word occurs in these reviews."""
        return np.bincount(self.flat, minlength=n_words)


@dataclass
class Corpus:
    """Tokenised ``train`` and ``test`` splits of one ``aclImdb`` folder (``root``)."""

    words: list[str]
    train: TokenizedReviews
    test: TokenizedReviews
    root: Path

    def split(self, name: str) -> TokenizedReviews:
        if name not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {name!r}")
        return getattr(self, name)

    def tokens(self, reviews: TokenizedReviews, i: int) -> list[str]:
        """The tokens of review ``i`` of ``reviews``."""
        return [self.words[j] for j in reviews.token_indices(i)]

    def text(self, reviews: TokenizedReviews, i: int, split: str) -> str:
        """The raw text of review ``i`` of ``reviews`` (read again from ``root``)."""
        name = CLASSES[int(reviews.labels[i])]
        path = self.root / split / name / f"{int(reviews.file_ids[i])}_{int(reviews.ratings[i])}.txt"
        return path.read_text(encoding="utf-8")

    def build_vocab(self, reviews: TokenizedReviews, *, min_freq: int = 1, max_size: int | None = None) -> Vocab:
        """A :class:`Vocab` counted over ``reviews`` only (pass the training part)."""
        counts = reviews.word_counts(len(self.words))
        present = np.flatnonzero(counts)
        return Vocab.from_counts({self.words[i]: int(counts[i]) for i in present},
                                 min_freq=min_freq, max_size=max_size)

    def lookup(self, vocab: Vocab) -> np.ndarray:
        """``(len(words),)`` int64: the vocabulary id of every corpus word (``<unk>`` = 1 if absent)."""
        table = np.full(len(self.words), UNK_ID, dtype=np.int64)
        for index, word in enumerate(self.words):
            token_id = vocab.stoi.get(word)
            if token_id is not None:
                table[index] = token_id
        return table

    def encode(self, reviews: TokenizedReviews, vocab: Vocab, *, max_len: int | None = None,
               truncate: str = "head") -> list[np.ndarray]:
        """Each review as an int64 array of vocabulary ids, cut to ``max_len`` tokens.

        ``truncate="head"`` keeps the first ``max_len`` tokens, ``"tail"`` the last
        ones (what Keras ``pad_sequences`` does by default).  Empty reviews become
        one ``<unk>`` so that every sequence has a length of at least 1.
        """
        return encode_indices(reviews, self.lookup(vocab), max_len=max_len, truncate=truncate)


def encode_indices(reviews: TokenizedReviews, table: np.ndarray, *, max_len: int | None = None,
                   truncate: str = "head") -> list[np.ndarray]:
    """Map corpus word indices through ``table`` (see :meth:`Corpus.encode`)."""
    if truncate not in TRUNCATE_CHOICES:
        raise ValueError(f"truncate must be one of {TRUNCATE_CHOICES}, got {truncate!r}")
    if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1):
        raise ValueError(f"max_len must be None or a positive integer, got {max_len!r}")
    ids = table[reviews.flat]
    sequences = []
    for start, stop in zip(reviews.offsets[:-1], reviews.offsets[1:]):
        if max_len is not None and stop - start > max_len:
            start, stop = (start, start + max_len) if truncate == "head" else (stop - max_len, stop)
        sequence = ids[start:stop]
        sequences.append(sequence if len(sequence) else np.array([UNK_ID], dtype=np.int64))
    return sequences


# ------------------------------------------------------------- building


def _tokenize_split(texts: Sequence[str], word_index: dict[str, int], words: list[str]):
    flat: list[int] = []
    offsets = [0]
    for text in texts:
        for token in tokenize(text):
            index = word_index.get(token)
            if index is None:
                index = word_index[token] = len(words)
                words.append(token)
            flat.append(index)
        offsets.append(len(flat))
    return np.array(flat, dtype=np.int32), np.array(offsets, dtype=np.int64)


def tokenize_folder(root: str | os.PathLike, *, limit: int | None = None, seed: int = 0) -> Corpus:
    """Read and tokenise both splits of ``root`` (no cache; see :func:`load_corpus`)."""
    root = Path(root)
    words: list[str] = []
    word_index: dict[str, int] = {}
    splits = {}
    for split in SPLITS:
        reviews = read_reviews(root, split, limit=limit, seed=seed)
        flat, offsets = _tokenize_split(reviews.texts, word_index, words)
        splits[split] = TokenizedReviews(flat, offsets, reviews.labels, reviews.ratings, reviews.movies,
                                         reviews.file_ids)
    return Corpus(words=words, train=splits["train"], test=splits["test"], root=root)


def _cache_key(root: Path, limit: int | None, seed: int) -> str:
    """Changes when the folder, the tokeniser, the subset or the review files change."""
    parts = [str(root.resolve()), f"tokenizer{TOKENIZER_VERSION}", f"limit{limit}", f"seed{seed}"]
    for split in SPLITS:
        for name in CLASSES:
            folder = root / split / name
            stat = folder.stat()
            parts.append(f"{split}/{name}:{stat.st_mtime_ns}:{sum(1 for _ in os.scandir(folder))}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def _join(strings: Sequence[str]) -> np.ndarray:
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def _split_strings(array: np.ndarray) -> list[str]:
    return array.tobytes().decode("utf-8").split("\n")


def save_corpus(corpus: Corpus, path: str | os.PathLike) -> Path:
    """Write ``corpus`` to one ``.npz`` file, atomically."""
    path = Path(path)
    arrays = {"words": _join(corpus.words)}
    for split in SPLITS:
        part = corpus.split(split)
        arrays.update({f"{split}_flat": part.flat, f"{split}_offsets": part.offsets,
                       f"{split}_labels": part.labels, f"{split}_ratings": part.ratings,
                       f"{split}_file_ids": part.file_ids, f"{split}_movies": _join(part.movies)})
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_corpus(path: str | os.PathLike, root: str | os.PathLike) -> Corpus:
    """Read a file written by :func:`save_corpus`; ``root`` is the ``aclImdb`` folder it came from."""
    with np.load(path, allow_pickle=False) as data:
        splits = {}
        for split in SPLITS:
            labels = data[f"{split}_labels"]
            movies = _split_strings(data[f"{split}_movies"]) if len(labels) else []
            splits[split] = TokenizedReviews(data[f"{split}_flat"], data[f"{split}_offsets"], labels,
                                             data[f"{split}_ratings"], movies, data[f"{split}_file_ids"])
        words = _split_strings(data["words"]) if data["words"].size else []
    return Corpus(words=words, train=splits["train"], test=splits["test"], root=Path(root))


def load_corpus(root: str | os.PathLike, *, limit: int | None = None, seed: int = 0,
                cache_dir: str | os.PathLike | None = None, use_cache: bool = True) -> Corpus:
    """The tokenised reviews of ``root``, from the cache when possible.

    ``limit`` (reviews per split, half per class) and ``seed`` choose the same
    subset as :func:`lstm_edu.imdb.data.read_reviews`.  The cache file lives in
    ``cache_dir/tokens/`` (default: the data cache).
    """
    root = Path(root)
    if not use_cache:
        return tokenize_folder(root, limit=limit, seed=seed)
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cache_dir / "tokens" / f"{_cache_key(root, limit, seed)}.npz"
    if path.is_file():
        try:
            return read_corpus(path, root)
        except (OSError, ValueError, KeyError):  # an unreadable cache file is rebuilt, never trusted
            path.unlink(missing_ok=True)
    corpus = tokenize_folder(root, limit=limit, seed=seed)
    save_corpus(corpus, path)
    return corpus

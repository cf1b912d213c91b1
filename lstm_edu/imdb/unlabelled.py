"""The 50,000 unlabelled reviews (``aclImdb/train/unsup``), tokenised and cached, for language-model pretraining.

They come with the official archive and, in the book's offline copy, in a second
archive, ``aclImdb_unsup.tar.gz``; :func:`lstm_edu.imdb.data.locate` with
``include_unsup=True`` extracts it next to the labelled reviews.  They are *not*
part of the test split (whose reviews a language model must never read).

:func:`load_unlabelled` tokenises them with the same tokeniser as the labelled
reviews and caches the result (one ``.npz`` per folder, like
:mod:`lstm_edu.imdb.corpus`).  The word list is its own: :func:`merged_counts`
adds its counts to those of the training reviews when a vocabulary is built.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_edu.imdb.corpus import _join, _split_strings, _tokenize_split
from lstm_edu.imdb.data import IMDBDataError, default_cache_dir
from lstm_edu.imdb.text import TOKENIZER_VERSION, UNK_ID, Vocab

UNSUP_FOLDER = ("train", "unsup")
_FILE = re.compile(r"^(\d+)_(\d+)\.txt$")


@dataclass
class UnlabelledReviews:
    """Tokenised unlabelled reviews: review ``i`` is ``words[flat[offsets[i]:offsets[i + 1]]]``."""

    words: list[str]
    flat: np.ndarray       # (n_tokens,) int32 indices into words
    offsets: np.ndarray    # (n + 1,) int64

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def counts(self) -> dict[str, int]:
        """``{word: occurrences}`` over all these reviews."""
        numbers = np.bincount(self.flat, minlength=len(self.words))
        return {word: int(n) for word, n in zip(self.words, numbers) if n}

    def encode(self, vocab: Vocab, *, max_len: int | None = None) -> list[np.ndarray]:
        """Each review as int64 vocabulary ids (``<unk>`` for unknown words), cut to its first ``max_len`` tokens."""
        table = np.array([vocab.stoi.get(word, UNK_ID) for word in self.words], dtype=np.int64)
        ids = table[self.flat] if len(self.flat) else np.zeros(0, np.int64)
        sequences = []
        for start, stop in zip(self.offsets[:-1], self.offsets[1:]):
            if max_len is not None:
                stop = min(stop, start + max_len)
            if stop > start:
                sequences.append(ids[start:stop])
        return sequences


def unsup_folder(root: str | os.PathLike) -> Path:
    """``root/train/unsup``, or a clear error saying how to get it."""
    folder = Path(root).joinpath(*UNSUP_FOLDER)
    if not folder.is_dir():
        raise IMDBDataError(
            f"{folder} is missing: the unlabelled reviews are not in {root}. They come with the official archive "
            "(aclImdb_v1.tar.gz) or, in the book's offline copy, in aclImdb_unsup.tar.gz next to "
            "aclImdb_labelled.tar.gz (pass that folder with --data); or pretrain without them (--no-unlabelled)")
    return folder


def _files(folder: Path, limit: int | None, seed: int) -> list[Path]:
    rows = sorted((int(m.group(1)), p) for p in folder.iterdir() if (m := _FILE.match(p.name)))
    paths = [p for _, p in rows]
    if limit is not None and limit < len(paths):
        picks = np.sort(np.random.default_rng(seed).choice(len(paths), size=limit, replace=False))
        paths = [paths[i] for i in picks]
    return paths


def load_unlabelled(root: str | os.PathLike, *, limit: int | None = None, seed: int = 0,
                    cache_dir: str | os.PathLike | None = None) -> UnlabelledReviews:
    """The unlabelled reviews of ``root`` (all, or ``limit`` chosen with ``seed``), tokenised, from the cache when possible."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be None or a positive integer, got {limit!r}")
    folder = unsup_folder(root)
    stat = folder.stat()
    key = hashlib.sha256(f"{folder.resolve()}|{stat.st_mtime_ns}|tokenizer{TOKENIZER_VERSION}|{limit}|{seed}"
                         .encode()).hexdigest()[:20]
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cache_dir / "tokens" / f"unsup-{key}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as data:
                words = _split_strings(data["words"]) if data["words"].size else []
                return UnlabelledReviews(words, data["flat"], data["offsets"])
        except (OSError, ValueError, KeyError):   # an unreadable cache file is rebuilt, never trusted
            path.unlink(missing_ok=True)
    texts = [p.read_text(encoding="utf-8") for p in _files(folder, limit, seed)]
    words: list[str] = []
    flat, offsets = _tokenize_split(texts, {}, words)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.npz")
    np.savez(temporary, words=_join(words), flat=flat, offsets=offsets)
    os.replace(temporary, path)
    return UnlabelledReviews(words, flat, offsets)


def merged_counts(*counts: dict[str, int]) -> dict[str, int]:
    """The sum of several ``{word: count}`` dicts."""
    total: dict[str, int] = {}
    for part in counts:
        for word, n in part.items():
            total[word] = total.get(word, 0) + n
    return total

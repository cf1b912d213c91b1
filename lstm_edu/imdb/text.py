"""Turning review text into token ids: the tokeniser and the vocabulary.

The vocabulary reserves two *different* ids: ``0`` for padding and ``1`` for
words it does not know.  d2l's IMDB pipeline has no padding token, so its padding
is looked up as the unknown word and shares its id (myth M36); here padding is a
token of its own that no review ever contains, which is what lets the models
ignore it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

#: Bump when :func:`tokenize` changes, so that cached tokenisations are rebuilt.
TOKENIZER_VERSION = 1

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1

_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
# A word is a run of letters/digits, possibly with inner apostrophes ("don't",
# "director's"); "!" and "?" are kept as tokens of their own because they carry
# sentiment; every other punctuation mark separates words and is dropped.
_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*|[!?]")


def tokenize(text: str) -> list[str]:
    """Split a review into lower-case tokens.

    - the ``<br />`` line breaks of the IMDB files (and U+0085) become spaces;
    - words keep their inner apostrophes (``"don't"``), curly ones become ``'``;
    - ``!`` and ``?`` become separate tokens, every other punctuation mark is dropped.

    >>> tokenize("Great film!<br /><br />Don't miss it...")
    ['great', 'film', '!', "don't", 'miss', 'it']
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize expects a str, got {type(text).__name__}")
    text = _BREAK.sub(" ", text).replace("\x85", " ").lower()
    return [token.replace("\u2019", "'") for token in _TOKEN.findall(text)]


class Vocab:
    """A word ↔ id mapping with ``<pad>`` = 0 and ``<unk>`` = 1.

    Build it from the training reviews only with :meth:`build`; ids 2, 3, ... go to
    words in order of decreasing frequency (ties broken alphabetically, so the
    result does not depend on the order of the reviews).
    """

    def __init__(self, words: Sequence[str]):
        if isinstance(words, str):
            raise TypeError("a Vocab needs a list of words, got a str")
        words = list(words)
        if not all(isinstance(word, str) for word in words):
            raise TypeError("a Vocab's words must be strings")
        if words[:2] != [PAD, UNK]:
            raise ValueError(f"a Vocab's first two words must be {PAD!r} and {UNK!r}, got {words[:2]}")
        if len(set(words)) != len(words):
            raise ValueError("a Vocab's words must be distinct")
        self.itos: list[str] = words
        self.stoi: dict[str, int] = {word: index for index, word in enumerate(words)}

    pad_id = PAD_ID
    unk_id = UNK_ID

    @classmethod
    def from_counts(cls, counts: Counter | dict, *, min_freq: int = 1, max_size: int | None = None) -> "Vocab":
        """A vocabulary of the words seen at least ``min_freq`` times.

        ``max_size`` is the total number of ids *including* ``<pad>`` and
        ``<unk>`` (so it is the ``num_embeddings`` of the embedding layer).
        """
        if not isinstance(min_freq, int) or min_freq < 1:
            raise ValueError(f"min_freq must be an integer >= 1, got {min_freq!r}")
        if max_size is not None and (not isinstance(max_size, int) or max_size < 2):
            raise ValueError(f"max_size must be None or an integer >= 2 (pad + unk), got {max_size!r}")
        kept = [(word, n) for word, n in counts.items() if n >= min_freq and word not in (PAD, UNK)]
        kept.sort(key=lambda item: (-item[1], item[0]))
        if max_size is not None:
            kept = kept[: max_size - 2]
        return cls([PAD, UNK] + [word for word, _ in kept])

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], *, min_freq: int = 1,
              max_size: int | None = None) -> "Vocab":
        """Count the tokens of ``token_lists`` (one list per review) and keep the frequent ones."""
        counts: Counter = Counter()
        for tokens in token_lists:
            if isinstance(tokens, str):
                raise TypeError("Vocab.build expects lists of tokens, got a str (tokenize it first)")
            counts.update(tokens)
        return cls.from_counts(counts, min_freq=min_freq, max_size=max_size)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: str) -> bool:
        return word in self.stoi

    def __getitem__(self, word: str) -> int:
        return self.stoi.get(word, UNK_ID)

    def __eq__(self, other) -> bool:
        return isinstance(other, Vocab) and self.itos == other.itos

    def __repr__(self) -> str:
        return f"Vocab({len(self)} ids: pad={PAD_ID}, unk={UNK_ID}, then {self.itos[2:5]}...)"

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Token ids of ``tokens``; unknown words map to ``<unk>`` (1), never to ``<pad>`` (0)."""
        if isinstance(tokens, str):
            raise TypeError("encode expects a list of tokens, got a str (call tokenize first)")
        get = self.stoi.get
        return [get(token, UNK_ID) for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Words of ``ids`` (padding included, shown as ``<pad>``)."""
        words = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.itos):  # a negative id would silently wrap around to the end
                raise ValueError(f"token id {i} is outside this vocabulary's ids 0 to {len(self.itos) - 1}")
            words.append(self.itos[i])
        return words

    def save(self, path: str | os.PathLike) -> Path:
        """Write the vocabulary as JSON (atomically: a reader never sees half a file)."""
        path = Path(path)
        payload = {"format": "lstm_edu.imdb.Vocab", "version": 1, "pad_id": PAD_ID,
                   "unk_id": UNK_ID, "itos": self.itos}
        atomic_write_text(path, json.dumps(payload, ensure_ascii=False))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocab":
        """Read a vocabulary written by :meth:`save`."""
        try:
            payload = json.loads(Path(path).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"{path} cannot be read as a vocabulary: it is corrupt or only partly written "
                             f"({err})") from err
        if not isinstance(payload, dict) or payload.get("format") != "lstm_edu.imdb.Vocab" \
                or not isinstance(payload.get("itos"), list):
            raise ValueError(f"{path} is not a vocabulary written by lstm_edu.imdb.Vocab.save")
        if payload.get("pad_id") != PAD_ID or payload.get("unk_id") != UNK_ID:
            raise ValueError(f"{path}: unexpected reserved ids pad={payload.get('pad_id')}, "
                             f"unk={payload.get('unk_id')}")
        return cls(payload["itos"])


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())  # the data reach the disk before the rename, as in save_checkpoint
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

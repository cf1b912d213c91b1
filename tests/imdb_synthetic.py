"""Tiny synthetic IMDB trees and archives for the tests of lstm_edu.imdb (no real reviews needed).

Positive reviews contain words from POSITIVE, negative ones from NEGATIVE, both
padded with neutral filler, ``<br />`` markup and punctuation, so a classifier can
learn the task in a few epochs.  Train and test use different movie ids.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np

POSITIVE = ["great", "wonderful", "loved", "brilliant", "superb"]
NEGATIVE = ["awful", "boring", "terrible", "waste", "worst"]
FILLER = ["the", "film", "movie", "plot", "actor", "scene", "story", "and", "was", "it", "this", "a", "of"]


def review_text(label: int, rng: np.random.Generator) -> str:
    words = list(rng.choice(FILLER, size=int(rng.integers(4, 16))))
    cue = POSITIVE if label == 1 else NEGATIVE
    for _ in range(int(rng.integers(3, 5))):
        words.insert(int(rng.integers(0, len(words) + 1)), str(rng.choice(cue)))
    text = " ".join(words).capitalize()
    return text.replace(" and ", ", and ", 1) + "!<br /><br />" + " ".join(rng.choice(FILLER, size=3)) + "."


def make_tree(parent: Path, n_per_class: int = 20, *, seed: int = 0, reviews_per_movie: int = 4,
              with_urls: bool = True) -> Path:
    """Write ``parent/aclImdb`` with ``n_per_class`` reviews per class and split; return it."""
    rng = np.random.default_rng(seed)
    root = Path(parent) / "aclImdb"
    for s, split in enumerate(("train", "test")):
        for label, name in enumerate(("neg", "pos")):
            folder = root / split / name
            folder.mkdir(parents=True)
            urls = []
            for i in range(n_per_class):
                rating = int(rng.integers(7, 11)) if label else int(rng.integers(1, 5))
                (folder / f"{i}_{rating}.txt").write_text(review_text(label, rng), encoding="utf-8")
                movie = 1_000_000 * (s + 1) + 1000 * label + i // reviews_per_movie
                urls.append(f"http://www.imdb.com/title/tt{movie:07d}/usercomments")
            if with_urls:
                (root / split / f"urls_{name}.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    (root / "README").write_text("synthetic aclImdb for tests\n", encoding="utf-8")
    return root


def make_archive(tree_parent: Path, archive: Path) -> Path:
    """Pack ``tree_parent/aclImdb`` into a ``.tar.gz`` with the official layout."""
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(Path(tree_parent) / "aclImdb", arcname="aclImdb")
    return archive


def archive_with_member(archive: Path, name: str, *, kind: str = "file", linkname: str = "") -> Path:
    """A small ``.tar.gz`` holding a valid-looking tree plus one crafted member ``name``."""
    with tarfile.open(archive, "w:gz") as tar:
        for split in ("train", "test"):
            for label in ("neg", "pos"):
                data = b"fine review"
                info = tarfile.TarInfo(f"aclImdb/{split}/{label}/0_{8 if label == 'pos' else 2}.txt")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo(name)
        if kind == "file":
            data = b"escaped!"
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        else:
            info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
            info.linkname = linkname
            tar.addfile(info)
    return archive

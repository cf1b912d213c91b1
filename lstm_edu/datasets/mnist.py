"""MNIST (LeCun, Cortes & Burges), read from the original IDX files without torchvision.

:func:`load_mnist` returns one split as numpy arrays::

    images, labels = load_mnist("train")      # uint8 (60000, 28, 28), int64 (60000,)
    images, labels = load_mnist("test")       # uint8 (10000, 28, 28), int64 (10000,)

Where the four ``.gz`` files come from, in order:

1. ``root=...``: a folder holding them (e.g. a copy you downloaded by hand);
2. otherwise ``$LSTM_EDU_DATA/mnist/`` when ``LSTM_EDU_DATA`` is set, else
   ``~/.cache/lstm_edu/mnist/`` (see :mod:`lstm_edu.datasets.download`);
3. if a file is missing (or its checksum is wrong) and ``download=True``, it is
   downloaded into that folder from the mirrors in :data:`MIRRORS`, verified
   and cached; offline, a :class:`~lstm_edu.datasets.download.DataUnavailableError`
   says where to put the files.

Every file is checked against the published sha256 and md5 sums before it is
read, and the IDX parser (:func:`read_idx`) checks magic numbers and sizes, so
a corrupt or truncated file gives a clear error, never wrong data.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from lstm_edu.datasets.download import DATA_ENV, RemoteFile, dataset_folder, fetch

#: Mirrors tried in order (yann.lecun.com has answered 403/404 since 2024, pytorch/vision#8568).
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: (file name, sha256, md5, size in bytes) of the four original files.
_FILES = {
    ("train", "images"): ("train-images-idx3-ubyte.gz",
                          "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                          "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9_912_422),
    ("train", "labels"): ("train-labels-idx1-ubyte.gz",
                          "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                          "d53e105ee54ea40749a09fcbcd1e9432", 28_881),
    ("test", "images"): ("t10k-images-idx3-ubyte.gz",
                         "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                         "9fb629c4189551a2d022fa330f9573f3", 1_648_877),
    ("test", "labels"): ("t10k-labels-idx1-ubyte.gz",
                         "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                         "ec29112dd5afa0611ce80d1b7f02629c", 4_542),
}

SPLITS = ("train", "test")
SPLIT_SIZES = {"train": 60_000, "test": 10_000}
IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049
ROWS = COLUMNS = 28
NUM_CLASSES = 10
#: Mean and standard deviation of the training pixels after scaling to [0, 1].
PIXEL_MEAN, PIXEL_STD = 0.1307, 0.3081

#: IDX type codes (third byte of the magic number) and their big-endian numpy types.
IDX_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
             0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}

__all__ = ["MIRRORS", "Mnist", "IdxFormatError", "load_mnist", "mnist_files", "read_idx", "parse_idx",
           "to_sequences"]


class IdxFormatError(ValueError):
    """A file is not a valid IDX file (wrong magic number, header or size)."""


class Mnist(NamedTuple):
    """One split of MNIST: ``images`` uint8 (N, 28, 28), ``labels`` int64 (N,) in 0…9."""

    images: np.ndarray
    labels: np.ndarray


def mnist_files(split: str) -> tuple[RemoteFile, RemoteFile]:
    """The two :class:`RemoteFile` s (images, labels) of a split."""
    _check_split(split)
    return tuple(
        RemoteFile(name, urls=tuple(mirror + name for mirror in MIRRORS), sha256=sha256, md5=md5, size=size)
        for name, sha256, md5, size in (_FILES[(split, "images")], _FILES[(split, "labels")])
    )


def _check_split(split) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")


# ----------------------------------------------------------------------- IDX


def parse_idx(data: bytes, name: str = "data") -> np.ndarray:
    """Parse the bytes of an (uncompressed) IDX file into an array.

    Layout: two zero bytes, a type code, the number of dimensions ``d``, then
    ``d`` big-endian 32-bit sizes, then the values, row-major and big-endian.
    The data must fill exactly the declared shape.
    """
    if len(data) < 4:
        raise IdxFormatError(f"{name}: {len(data)} bytes is too short for an IDX header (4 bytes at least)")
    if data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise IdxFormatError(
            f"{name}: bad IDX magic number 0x{int.from_bytes(data[:4], 'big'):08x}; an IDX file starts with "
            "two zero bytes, a type code (0x08 for unsigned bytes) and the number of dimensions"
        )
    dtype, ndim = IDX_TYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxFormatError(f"{name}: the file ends inside its header ({len(data)} of {header} bytes)")
    shape = tuple(int(size) for size in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header
    if found != expected:
        kind = "truncated (a partial download?)" if found < expected else "longer than its header says"
        raise IdxFormatError(f"{name}: the header declares shape {shape} ({expected:,} bytes of data) but the "
                             f"file holds {found:,}; it is {kind}")
    values = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path: str | os.PathLike) -> tuple[int, np.ndarray]:
    """Read an IDX file (gzip-compressed when its name ends in ``.gz``); return (magic number, array)."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as stream:
                data = stream.read()
        else:
            data = path.read_bytes()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise IdxFormatError(f"{path}: not a complete gzip file ({error}); it is corrupt or partially "
                             "downloaded, delete it and load again") from error
    array = parse_idx(data, str(path))
    return int.from_bytes(data[:4], "big"), array


def _read_split(images_path: Path, labels_path: Path) -> Mnist:
    image_magic, images = read_idx(images_path)
    label_magic, labels = read_idx(labels_path)
    if image_magic != IMAGE_MAGIC or images.shape[1:] != (ROWS, COLUMNS):
        raise IdxFormatError(f"{images_path}: expected MNIST images (magic {IMAGE_MAGIC}, N x 28 x 28), got "
                             f"magic {image_magic} and shape {images.shape}")
    if label_magic != LABEL_MAGIC or labels.ndim != 1:
        raise IdxFormatError(f"{labels_path}: expected MNIST labels (magic {LABEL_MAGIC}, one dimension), got "
                             f"magic {label_magic} and shape {labels.shape}")
    if len(images) != len(labels):
        raise IdxFormatError(f"{images_path.name} holds {len(images):,} images but {labels_path.name} holds "
                             f"{len(labels):,} labels")
    if labels.size and labels.max() >= NUM_CLASSES:
        raise IdxFormatError(f"{labels_path}: labels must be digits 0-9, found {int(labels.max())}")
    return Mnist(images, labels.astype(np.int64))


# -------------------------------------------------------------------- loader


def _offline_hint(folder: Path) -> str:
    names = ", ".join(_FILES[key][0] for key in sorted(_FILES))
    return (f"MNIST needs the four files {names} in {folder}. Download them from {' or '.join(MIRRORS[:2])} "
            "on a machine with internet access and copy them there, or pass "
            f"load_mnist(root='folder/with/the/files'), or set {DATA_ENV} to a folder holding mnist/.")


def load_mnist(split: str = "train", root: str | os.PathLike | None = None, *, download: bool = True,
               progress: bool = True) -> Mnist:
    """Load one MNIST split as ``Mnist(images uint8 (N, 28, 28), labels int64 (N,))``.

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000).
        root: folder holding the ``.gz`` files; by default the cache folder
            ``$LSTM_EDU_DATA/mnist`` or ``~/.cache/lstm_edu/mnist``.
        download: fetch missing or damaged files from the mirrors into that folder.
        progress: show a download progress bar.
    """
    _check_split(split)
    folder = Path(root).expanduser() if root is not None else dataset_folder("mnist")
    if root is not None and not folder.is_dir() and not download:
        raise FileNotFoundError(f"root={str(root)!r} is not a folder")
    hint = _offline_hint(folder)
    images_file, labels_file = mnist_files(split)
    images_path = fetch(images_file, folder, download=download, progress=progress, hint=hint)
    labels_path = fetch(labels_file, folder, download=download, progress=progress, hint=hint)
    return _read_split(images_path, labels_path)


def to_sequences(images: np.ndarray, *, normalise: bool = True, dtype=np.float32) -> np.ndarray:
    """Images (N, 28, 28) uint8 as row sequences (N, 28 steps, 28 features) scaled to [0, 1].

    Row ``t`` of an image is the input at time step ``t``: the batch-first
    layout ``nn.LSTM(batch_first=True)`` expects.  With ``normalise`` the
    values are standardised with the training-set mean and standard deviation.
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (ROWS, COLUMNS):
        raise ValueError(f"expected images of shape (N, 28, 28), got {images.shape}")
    values = images.astype(dtype) / 255.0
    if normalise:
        values = (values - PIXEL_MEAN) / PIXEL_STD
    return values.astype(dtype, copy=False)

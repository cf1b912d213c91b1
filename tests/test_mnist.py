"""Tests of lstm_edu.datasets.mnist: IDX parsing, validation, the cache and the real files.

The real-data tests use the offline copy beside the repository (../shared/data/mnist) and
are skipped, with the reason, when it is absent.  Everything else uses tiny synthetic IDX
files; the checksums are patched to match them.
"""

from __future__ import annotations

import gzip
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from lstm_edu.datasets import download as dl
from lstm_edu.datasets import mnist
from lstm_edu.datasets.download import ChecksumError, DataUnavailableError, file_digest
from lstm_edu.datasets.mnist import IdxFormatError, load_mnist, parse_idx, read_idx, to_sequences

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
needs_shared = pytest.mark.skipif(not (SHARED / "train-images-idx3-ubyte.gz").is_file(),
                                  reason=f"offline MNIST copy not found at {SHARED}")


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    return header + array.astype(mnist.IDX_TYPES[type_code]).tobytes()


def write_gz(path: Path, data: bytes) -> Path:
    with gzip.open(path, "wb") as stream:
        stream.write(data)
    return path


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch):
    """A folder with a 5-image 'train' and 3-image 'test' split; checksums patched to match."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "mnist"
    folder.mkdir()
    table = {}
    for split, n in (("train", 5), ("test", 3)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        for kind, array in (("images", images), ("labels", labels)):
            name = mnist._FILES[(split, kind)][0]
            path = write_gz(folder / name, idx_bytes(array))
            table[(split, kind)] = (name, file_digest(path), file_digest(path, "md5"), path.stat().st_size)
        table[(split, "arrays")] = (images, labels)
    monkeypatch.setattr(mnist, "_FILES", {k: v for k, v in table.items() if k[1] != "arrays"})
    monkeypatch.delenv(dl.OFFLINE_ENV, raising=False)
    return folder, table


# ----------------------------------------------------------------------- IDX


def test_parse_idx_round_trips_every_type():
    for code, dtype in mnist.IDX_TYPES.items():
        array = np.arange(24, dtype=dtype.newbyteorder("=")).reshape(2, 3, 4)
        parsed = parse_idx(idx_bytes(array, code))
        assert parsed.dtype == dtype.newbyteorder("=") and np.array_equal(parsed, array)


@pytest.mark.parametrize("data, message", [
    (b"\x00\x00", "too short"),
    (b"\x01\x00\x08\x01" + b"\x00" * 8, "bad IDX magic"),
    (b"\x00\x00\x07\x01" + b"\x00" * 8, "bad IDX magic"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x02", "ends inside its header"),
    (idx_bytes(np.zeros((4, 28, 28), np.uint8))[:-10], "truncated"),
    (idx_bytes(np.zeros(4, np.uint8)) + b"\x00", "longer than its header"),
])
def test_parse_idx_rejects_broken_files(data, message):
    with pytest.raises(IdxFormatError, match=message):
        parse_idx(data)


def test_read_idx_reports_a_truncated_gzip(tmp_path):
    path = write_gz(tmp_path / "x-idx1-ubyte.gz", idx_bytes(np.arange(100, dtype=np.uint8)))
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(IdxFormatError, match="not a complete gzip file"):
        read_idx(path)
    (tmp_path / "plain.gz").write_bytes(b"this is not gzip at all")
    with pytest.raises(IdxFormatError, match="not a complete gzip file"):
        read_idx(tmp_path / "plain.gz")


def test_read_idx_reads_uncompressed_files(tmp_path):
    (tmp_path / "labels-idx1-ubyte").write_bytes(idx_bytes(np.array([3, 1, 4], np.uint8)))
    magic, labels = read_idx(tmp_path / "labels-idx1-ubyte")
    assert magic == 2049 and labels.tolist() == [3, 1, 4]


# -------------------------------------------------------------------- loader


def test_load_mnist_from_a_local_folder(tiny_mnist):
    folder, table = tiny_mnist
    for split in ("train", "test"):
        data = load_mnist(split, root=folder, download=False)
        images, labels = data
        assert images.dtype == np.uint8 and labels.dtype == np.int64
        assert np.array_equal(images, table[(split, "arrays")][0])
        assert np.array_equal(labels, table[(split, "arrays")][1])
        assert data.images is images


def test_load_mnist_uses_the_data_folder_from_the_environment(tiny_mnist, monkeypatch):
    folder, table = tiny_mnist
    monkeypatch.setenv(dl.DATA_ENV, str(folder.parent))
    monkeypatch.setattr(dl, "_open_url", lambda url, timeout: pytest.fail("went to the network"))
    images, _ = load_mnist("test")
    assert np.array_equal(images, table[("test", "arrays")][0])


def test_load_mnist_rejects_a_bad_split():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        load_mnist("validation")


def test_missing_files_offline_give_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(dl.DATA_ENV, str(tmp_path))

    def no_network(url, timeout):
        raise dl.urllib.error.URLError(OSError("Network is unreachable"))

    monkeypatch.setattr(dl, "_open_url", no_network)
    with pytest.raises(DataUnavailableError) as info:
        load_mnist("test", progress=False)
    message = str(info.value)
    assert "Network is unreachable" in message and "ossci-datasets" in message
    assert str(tmp_path / "mnist") in message and "LSTM_EDU_DATA" in message
    assert list((tmp_path / "mnist").iterdir()) == []  # nothing partial left in the cache


def test_download_false_with_nothing_cached(tmp_path):
    with pytest.raises(DataUnavailableError, match="download=False"):
        load_mnist("train", root=tmp_path, download=False)
    with pytest.raises(FileNotFoundError, match="not a folder"):
        load_mnist("train", root=tmp_path / "absent", download=False)


def test_checksum_mismatch_is_reported(tiny_mnist):
    folder, _ = tiny_mnist
    name = mnist._FILES[("test", "labels")][0]
    write_gz(folder / name, idx_bytes(np.array([9, 9, 9], np.uint8)))
    with pytest.raises(ChecksumError, match=name):
        load_mnist("test", root=folder, download=False)


def test_a_damaged_cached_file_is_downloaded_again(tiny_mnist, tmp_path, monkeypatch):
    folder, table = tiny_mnist
    mirror = tmp_path / "mirror"
    shutil.copytree(folder, mirror)
    monkeypatch.setattr(mnist, "MIRRORS", (mirror.as_uri() + "/",))
    name = mnist._FILES[("train", "images")][0]
    (folder / name).write_bytes((folder / name).read_bytes()[:50])  # partial file in the cache
    images, _ = load_mnist("train", root=folder, progress=False)
    assert np.array_equal(images, table[("train", "arrays")][0])


def test_download_into_an_empty_cache(tiny_mnist, tmp_path, monkeypatch):
    folder, table = tiny_mnist
    down = (tmp_path / "down").as_uri() + "/"  # a mirror that answers 'not found'
    monkeypatch.setattr(mnist, "MIRRORS", (down, folder.as_uri() + "/"))
    cache = tmp_path / "cache"
    monkeypatch.setenv(dl.DATA_ENV, str(cache))
    images, labels = load_mnist("test", progress=False)
    assert np.array_equal(labels, table[("test", "arrays")][1])
    assert sorted(p.name for p in (cache / "mnist").iterdir()) == sorted(
        mnist._FILES[("test", kind)][0] for kind in ("images", "labels"))


@pytest.mark.parametrize("problem, message", [
    ("swap", "expected MNIST images"),
    ("count", "5 images but"),
    ("label", "digits 0-9"),
])
def test_content_checks(tiny_mnist, monkeypatch, problem, message):
    folder, table = tiny_mnist
    images, labels = table[("train", "arrays")]
    if problem == "swap":
        image_data, label_data = idx_bytes(labels), idx_bytes(images)
    elif problem == "count":
        image_data, label_data = idx_bytes(images), idx_bytes(labels[:4])
    else:
        image_data, label_data = idx_bytes(images), idx_bytes(np.array([0, 1, 2, 3, 12], np.uint8))
    files = dict(mnist._FILES)
    for kind, data in (("images", image_data), ("labels", label_data)):
        path = write_gz(folder / files[("train", kind)][0], data)
        files[("train", kind)] = (path.name, file_digest(path), file_digest(path, "md5"), path.stat().st_size)
    monkeypatch.setattr(mnist, "_FILES", files)
    with pytest.raises(IdxFormatError, match=message):
        load_mnist("train", root=folder, download=False)


def test_to_sequences_scales_and_standardises():
    images = np.zeros((2, 28, 28), np.uint8)
    images[0, 3] = 255
    raw = to_sequences(images, normalise=False)
    assert raw.dtype == np.float32 and raw.shape == (2, 28, 28) and raw.max() == 1.0 and raw[0, 3].min() == 1.0
    standard = to_sequences(images)
    assert standard[1, 0, 0] == pytest.approx(-mnist.PIXEL_MEAN / mnist.PIXEL_STD)
    with pytest.raises(ValueError, match="28, 28"):
        to_sequences(np.zeros((2, 784)))


# ------------------------------------------------------------- the real data


@needs_shared
def test_the_shared_copy_has_the_published_sums_and_counts():
    for split, counts in (("test", [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]),
                          ("train", [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])):
        images, labels = load_mnist(split, root=SHARED, download=False)
        assert images.shape == (mnist.SPLIT_SIZES[split], 28, 28) and images.dtype == np.uint8
        assert np.bincount(labels, minlength=10).tolist() == counts
    assert (images / 255.0).mean() == pytest.approx(mnist.PIXEL_MEAN, abs=1e-4)
    assert (images / 255.0).std() == pytest.approx(mnist.PIXEL_STD, abs=1e-4)


@needs_shared
def test_the_sums_in_the_package_match_the_shared_sha256sums_file():
    listed = dict(reversed(line.split()) for line in (SHARED / "SHA256SUMS").read_text().splitlines() if line)
    assert {name: sha for name, sha, _, _ in mnist._FILES.values()} == listed

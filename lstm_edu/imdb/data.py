"""The IMDB reviews (Maas et al. 2011): find, download, verify, extract safely, read.

:func:`locate` turns whatever the reader has into the path of an ``aclImdb/``
folder (one with ``train/{pos,neg}`` and ``test/{pos,neg}``):

- nothing (``None``): the cache, downloading the official archive when needed;
- an extracted folder (``.../aclImdb`` or its parent): used in place;
- an archive (``aclImdb_v1.tar.gz``, or any ``.tar.gz`` with the same layout);
- a folder of archives, e.g. the offline copy ``aclImdb_labelled.tar.gz`` +
  ``aclImdb_unsup.tar.gz``: extracted together.

Archives whose name is known (:data:`KNOWN_SHA256`) are checked against their
sha256 first.  Extraction refuses members that would land outside the target
folder (absolute paths, ``..``, links, devices), happens in a temporary folder
next to the cache and is moved into place with one ``os.replace``, so an
interrupted or failed run never leaves a half-extracted cache.

Two places, kept apart because the first may be a read-only shared copy:

- the **data folder**, ``$LSTM_EDU_DATA/imdb`` when the environment variable
  ``LSTM_EDU_DATA`` names the book's data folder (the convention of
  :mod:`lstm_edu.datasets`), else ``~/.cache/lstm_edu/imdb``: where the archives are
  looked for (the official one, or the offline copy's two) and where the official
  one is downloaded to;
- the **cache**, always ``~/.cache/lstm_edu/imdb`` (``$XDG_CACHE_HOME`` is
  honoured): where archives are extracted and tokenised reviews are stored.

Downloads go through :func:`lstm_edu.datasets.download_file` (progress bar,
checksum, atomic rename; ``LSTM_EDU_OFFLINE=1`` forbids them).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Sequence

import numpy as np

#: The official archive (Stanford) and its checksum (``reference/imdb-data.md`` §2).
IMDB_URL = "http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_ARCHIVE = "aclImdb_v1.tar.gz"
IMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
IMDB_BYTES = 84_125_825

#: sha256 of every archive this module recognises by name: the official one and the
#: two archives of the book's offline copy (labelled reviews, unlabelled reviews).
KNOWN_SHA256 = {
    IMDB_ARCHIVE: IMDB_SHA256,
    "aclImdb_labelled.tar.gz": "758caa2655b32ff78dba30aa5fbc65cfbed358d82b41c829fd807dca1d771a48",
    "aclImdb_unsup.tar.gz": "d38434dd6abd8ab8e7ac072c86eb28cd554fd1df4dfdde45f45f05ec56cd9b74",
}
#: In a folder of archives, the one holding the labelled reviews and the optional extra.
LABELLED_ARCHIVES = (IMDB_ARCHIVE, "aclImdb_labelled.tar.gz")
UNSUP_ARCHIVE = "aclImdb_unsup.tar.gz"

DATA_ENV = "LSTM_EDU_DATA"
SPLITS = ("train", "test")
CLASSES = ("neg", "pos")  # label 0 = negative, 1 = positive (Keras, d2l, Hugging Face)


class IMDBDataError(RuntimeError):
    """The reviews cannot be found, downloaded, verified or extracted; the message says what to do."""


# ------------------------------------------------------------------ places


def default_data_dir() -> Path:
    """Where the archives are looked for: ``$LSTM_EDU_DATA/imdb`` if the variable is set, else
    ``~/.cache/lstm_edu/imdb``.

    The same convention as every dataset of the book (:func:`lstm_edu.datasets.dataset_folder`).
    It may be read-only (a shared offline copy), so nothing is extracted into it.
    """
    from lstm_edu.datasets import dataset_folder

    return dataset_folder("imdb")


def default_cache_dir() -> Path:
    """Where archives are extracted and tokens cached: ``$XDG_CACHE_HOME/lstm_edu/imdb``
    (``~/.cache/lstm_edu/imdb`` by default), never inside ``$LSTM_EDU_DATA``."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base).expanduser() if base else Path.home() / ".cache") / "lstm_edu" / "imdb"


def is_imdb_root(path: str | os.PathLike) -> bool:
    """Whether ``path`` is an ``aclImdb`` folder: ``train/{neg,pos}`` and ``test/{neg,pos}`` exist."""
    path = Path(path)
    return all((path / split / label).is_dir() for split in SPLITS for label in CLASSES)


def find_root(path: str | os.PathLike) -> Path | None:
    """``path`` itself or its ``aclImdb`` child, whichever has the layout; else None."""
    path = Path(path)
    for candidate in (path, path / "aclImdb"):
        if is_imdb_root(candidate):
            return candidate
    return None


# ---------------------------------------------------------- verification


def sha256_of(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_archive(path: str | os.PathLike, expected_sha256: str | None = None) -> str:
    """Check an archive's sha256 against ``expected_sha256`` (or the known one for its name).

    Returns the digest.  Archives with an unknown name and no expected value are
    not checked here; their structure is checked when they are extracted.
    """
    path = Path(path)
    if not path.is_file():
        raise IMDBDataError(f"no archive at {path}")
    expected = expected_sha256 or KNOWN_SHA256.get(path.name)
    digest = sha256_of(path)
    if expected is not None and digest != expected:
        size = path.stat().st_size
        hint = (f" (the official archive has {IMDB_BYTES:,} bytes: the download is partial)"
                if path.name == IMDB_ARCHIVE and size < IMDB_BYTES else "")
        raise IMDBDataError(
            f"{path} is corrupt or incomplete: its sha256 is {digest}, expected {expected}; "
            f"it has {size:,} bytes{hint}. Delete it and download or copy it again."
        )
    return digest


# ------------------------------------------------------------- extraction


def _unsafe_reason(member: tarfile.TarInfo) -> str | None:
    """Why extracting ``member`` could write outside the target folder (None when it is safe)."""
    name = member.name
    pure = PurePosixPath(name)
    if name.startswith(("/", "\\")) or pure.is_absolute() or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    if ".." in pure.parts or ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "path with '..'"
    if member.issym() or member.islnk():
        return f"link to {member.linkname!r}"
    if not (member.isfile() or member.isdir()):
        return "special file (device, fifo)"
    return None


def safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The archive's members, after checking that none can escape the target folder.

    Raises :class:`IMDBDataError` naming the first offending member: an absolute
    path, a ``..`` component, a symbolic or hard link, or a special file.
    """
    members = archive.getmembers()
    for member in members:
        reason = _unsafe_reason(member)
        if reason is not None:
            raise IMDBDataError(f"refusing to extract {archive.name}: member {member.name!r} is unsafe ({reason})")
    return members


def _extract_one(archive_path: Path, destination: Path) -> None:
    try:
        with tarfile.open(archive_path, mode="r:*") as archive:
            members = safe_members(archive)
            if hasattr(tarfile, "data_filter"):  # a second line of defence (Python >= 3.12, 3.11.4+)
                archive.extractall(destination, members=members, filter="data")
            else:  # pragma: no cover - old Pythons; members were checked above
                archive.extractall(destination, members=members)
    except IMDBDataError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise IMDBDataError(
            f"{archive_path} is corrupt or incomplete and could not be extracted ({type(error).__name__}: "
            f"{error}). Delete it and download or copy it again."
        ) from error


def extract_archives(archives: Sequence[str | os.PathLike], cache_dir: str | os.PathLike | None = None,
                     *, verify: bool = True) -> Path:
    """Extract one or more archives into one cached folder and return its ``aclImdb`` root.

    The folder is named after the archives' checksums, so a second call returns at
    once.  Extraction goes to a temporary folder that is renamed into place only
    when every archive extracted and the layout is right; on any error it is removed.
    """
    archives = [Path(a) for a in archives]
    if not archives:
        raise ValueError("extract_archives needs at least one archive")
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    digests = [verify_archive(a) if verify else sha256_of(a) for a in archives]
    key = hashlib.sha256("+".join(digests).encode()).hexdigest()[:16]
    final = cache_dir / "extracted" / key
    root = find_root(final)
    if root is not None:
        return root
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{key}.", suffix=".partial"))
    try:
        for archive in archives:
            _extract_one(archive, temporary)
        if find_root(temporary) is None:
            names = ", ".join(a.name for a in archives)
            raise IMDBDataError(
                f"{names} does not have the aclImdb layout (aclImdb/train/{{neg,pos}} and "
                "aclImdb/test/{neg,pos}); is it the IMDB archive?"
            )
        if final.exists():  # an unusable leftover (never produced by this function): replace it
            shutil.rmtree(final)
        try:
            os.replace(temporary, final)
        except OSError:
            if find_root(final) is None:  # not a concurrent run that finished first
                raise
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)
    return find_root(final)


# --------------------------------------------------------------- download


def _download(url: str, destination: Path, sha256: str) -> Path:
    """Download ``url`` to ``destination`` with a progress bar and check its sha256.

    Kept as a module-level function so that tests can replace it (offline runs).
    """
    from lstm_edu.datasets import download_file

    return download_file(url, destination, sha256=sha256)


def download_official(cache_dir: str | os.PathLike | None = None) -> Path:
    """The official archive in ``cache_dir`` (default: the data folder), downloaded and verified when missing."""
    cache_dir = Path(cache_dir) if cache_dir is not None else default_data_dir()
    destination = cache_dir / IMDB_ARCHIVE
    if destination.is_file():
        return destination
    try:
        path = _download(IMDB_URL, destination, IMDB_SHA256)
    except IMDBDataError:
        raise
    except Exception as error:  # noqa: BLE001 - any network failure gets the same advice
        raise IMDBDataError(
            f"could not download the IMDB reviews from {IMDB_URL} ({type(error).__name__}: {error}) and "
            f"nothing is cached in {cache_dir}. When offline, copy {IMDB_ARCHIVE} (or an extracted "
            f"aclImdb/ folder) to this machine and pass its path (--data PATH, or data=PATH), or put "
            f"{IMDB_ARCHIVE} into {cache_dir} (the folder {DATA_ENV}/imdb when {DATA_ENV} is set)."
        ) from error
    verify_archive(path, IMDB_SHA256)
    return path


# ----------------------------------------------------------------- locate


def locate(data: str | os.PathLike | None = None, *, cache_dir: str | os.PathLike | None = None,
           include_unsup: bool = False, download: bool = True) -> Path:
    """The ``aclImdb`` folder for ``data`` (see the module docstring for what ``data`` may be).

    ``include_unsup`` also extracts ``aclImdb_unsup.tar.gz`` when ``data`` is a folder
    of archives that holds it.  ``download=False`` never touches the network.  ``cache_dir``
    (default :func:`default_cache_dir`) is where archives are extracted; given explicitly, it is
    also where the archives are looked for instead of :func:`default_data_dir`.
    """
    explicit_cache = cache_dir is not None
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if data is None:
        official = cache_dir / "extracted" / hashlib.sha256(IMDB_SHA256.encode()).hexdigest()[:16]
        root = find_root(official)
        if root is not None:
            return root
        # With an explicit cache_dir, that one folder is both the data folder and the cache.
        data_dir = cache_dir if explicit_cache else default_data_dir()
        if (data_dir / IMDB_ARCHIVE).is_file():
            return extract_archives([data_dir / IMDB_ARCHIVE], cache_dir)
        if any((data_dir / name).is_file() for name in LABELLED_ARCHIVES):  # the book's offline copy
            return locate(data_dir, cache_dir=cache_dir, include_unsup=include_unsup)
        if not download:
            raise IMDBDataError(f"no IMDB reviews in {data_dir} and downloading is switched off; "
                                "pass the path of an archive or an extracted aclImdb/ folder")
        return extract_archives([download_official(data_dir)], cache_dir)
    path = Path(data).expanduser()
    if not path.exists():
        raise IMDBDataError(f"{path} does not exist; give an aclImdb/ folder, an archive, or a folder of archives")
    if path.is_file():
        return extract_archives([path], cache_dir)
    root = find_root(path)
    if root is not None:
        return root
    labelled = [path / name for name in LABELLED_ARCHIVES if (path / name).is_file()]
    if labelled:
        archives = labelled[:1]
        if include_unsup and (path / UNSUP_ARCHIVE).is_file():
            archives.append(path / UNSUP_ARCHIVE)
        return extract_archives(archives, cache_dir)
    raise IMDBDataError(
        f"{path} holds neither an aclImdb/ folder (train/{{neg,pos}}, test/{{neg,pos}}) nor one of "
        f"the archives {', '.join(LABELLED_ARCHIVES)}"
    )


# ---------------------------------------------------------------- reading


@dataclass
class Reviews:
    """The reviews of one split, in a fixed order.

    Attributes:
        texts: the raw review texts (``<br />`` markup still in).
        labels: ``(n,)`` int64, 0 = negative, 1 = positive.
        ratings: ``(n,)`` int64, the star rating from the file name (1-4 or 7-10).
        movies: the IMDB title id (``"tt0453418"``) of each review, ``""`` when unknown.
        file_ids: ``(n,)`` int64, the number in the file name (``{id}_{rating}.txt``).
    """

    texts: list[str]
    labels: np.ndarray
    ratings: np.ndarray
    movies: list[str]
    file_ids: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)


_FILE = re.compile(r"^(\d+)_(\d+)\.txt$")
_TITLE = re.compile(r"tt\d+")


def _movie_ids(root: Path, split: str, label: str) -> list[str]:
    urls = root / split / f"urls_{label}.txt"
    if not urls.is_file():
        return []
    lines = urls.read_text(encoding="utf-8").splitlines()
    return [(match.group(0) if (match := _TITLE.search(line)) else line.strip()) for line in lines]


def list_files(root: str | os.PathLike, split: str) -> list[tuple[int, int, int, Path]]:
    """``(label, file_id, rating, path)`` of every review file of a split, negatives first, by id."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    root = Path(root)
    rows = []
    for label, name in enumerate(CLASSES):
        folder = root / split / name
        if not folder.is_dir():
            raise IMDBDataError(f"{folder} is missing: {root} is not a complete aclImdb folder")
        for path in folder.iterdir():
            match = _FILE.match(path.name)
            if match:
                rows.append((label, int(match.group(1)), int(match.group(2)), path))
    rows.sort(key=lambda row: (row[0], row[1]))
    return rows


def read_reviews(root: str | os.PathLike, split: str, *, limit: int | None = None, seed: int = 0) -> Reviews:
    """Read one split (``"train"`` or ``"test"``) of an ``aclImdb`` folder.

    ``limit`` keeps that many reviews, half from each class, chosen at random with
    ``seed`` (the same reviews on every call).  Reviews come negatives first; the
    batching shuffles them.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 2):
        raise ValueError(f"limit must be None or an integer >= 2 (one review per class), got {limit!r}")
    root = Path(root)
    rows = list_files(root, split)
    if limit is not None:
        rng = np.random.default_rng(seed)
        chosen = []
        for label, quota in ((0, limit // 2), (1, limit - limit // 2)):
            of_class = [row for row in rows if row[0] == label]
            picks = rng.choice(len(of_class), size=min(quota, len(of_class)), replace=False)
            chosen += [of_class[i] for i in sorted(picks)]
        rows = chosen
    movies = {label: _movie_ids(root, split, name) for label, name in enumerate(CLASSES)}
    texts, movie_of = [], []
    for label, file_id, _, path in rows:
        texts.append(path.read_text(encoding="utf-8"))
        known = movies[label]
        movie_of.append(known[file_id] if file_id < len(known) else "")
    return Reviews(
        texts=texts,
        labels=np.array([row[0] for row in rows], dtype=np.int64),
        ratings=np.array([row[2] for row in rows], dtype=np.int64),
        movies=movie_of,
        file_ids=np.array([row[1] for row in rows], dtype=np.int64),
    )


def count_reviews(root: str | os.PathLike) -> dict[str, dict[str, int]]:
    """``{"train": {"neg": n, "pos": n}, "test": {...}}``: review files per class and split."""
    root = Path(root)
    return {split: {name: sum(1 for p in (root / split / name).iterdir() if _FILE.match(p.name))
                    for name in CLASSES} for split in SPLITS}

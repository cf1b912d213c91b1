"""Download files once, verify them, and keep them in a cache folder.

The dataset loaders (:mod:`lstm_edu.datasets.mnist`, the capstone's IMDB loader)
describe each file they need as a :class:`RemoteFile` (a name, mirror URLs
tried in order, and its sha256 and/or md5) and call :func:`fetch`::

    TRAIN = RemoteFile("train-images-idx3-ubyte.gz",
                       urls=("https://mirror-a/…/train-images-idx3-ubyte.gz", "https://mirror-b/…"),
                       sha256="440fcabf…", md5="f68b3c2d…")
    path = fetch(TRAIN, dataset_folder("mnist"), download=True, hint="…what to do offline…")

:func:`fetch` returns the local path when a verified copy is already in the
folder; otherwise it downloads it (:func:`download_file`): each mirror in turn,
streamed with a tqdm progress bar into a temporary file *in the same folder*,
checked against the sums, then moved into place with ``os.replace``, so the
cache never holds a half-written or unverified file under the real name.

Where files live: :func:`data_home` is ``$LSTM_EDU_DATA`` when set, otherwise
``~/.cache/lstm_edu``; each dataset has a sub-folder (:func:`dataset_folder`),
e.g. ``~/.cache/lstm_edu/mnist/``.  Pointing ``LSTM_EDU_DATA`` at a folder that
already holds ``mnist/`` (and ``imdb/``) makes every loader use those files
without touching the network.

Errors, each with a message that says what to do:

- :class:`DataUnavailableError` (a ``RuntimeError``): the file is not here and
  could not be downloaded (offline, every mirror failed, ``download=False``, or
  ``LSTM_EDU_OFFLINE=1``, which forbids network access, e.g. in tests);
- :class:`ChecksumError` (a ``ValueError``): a file's bytes are not the
  expected ones (corrupt, partial or a different version).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: Environment variable naming the data folder (default ``~/.cache/lstm_edu``).
DATA_ENV = "LSTM_EDU_DATA"
#: Environment variable that forbids downloads when set to 1.
OFFLINE_ENV = "LSTM_EDU_OFFLINE"
CHUNK = 1 << 20
USER_AGENT = "lstm_edu (https://github.com; dataset download)"

__all__ = [
    "ChecksumError",
    "DataUnavailableError",
    "RemoteFile",
    "data_home",
    "dataset_folder",
    "download_file",
    "fetch",
    "file_digest",
    "verify_file",
]


class DataUnavailableError(RuntimeError):
    """A data file is missing and could not be downloaded; the message says what to do."""


class ChecksumError(ValueError):
    """A file's checksum differs from the expected one."""


@dataclass(frozen=True)
class RemoteFile:
    """A file a loader needs: its name in the cache folder, mirrors (tried in order) and sums.

    At least one of ``sha256`` and ``md5`` should be given; both are checked
    when both are.  ``size`` (bytes) is only used for messages.
    """

    name: str
    urls: tuple[str, ...]
    sha256: str | None = None
    md5: str | None = None
    size: int | None = None

    def __post_init__(self):
        if not self.name or "/" in self.name or "\\" in self.name:
            raise ValueError(f"RemoteFile.name must be a plain file name, got {self.name!r}")
        if isinstance(self.urls, str):
            object.__setattr__(self, "urls", (self.urls,))
        object.__setattr__(self, "urls", tuple(self.urls))


# ------------------------------------------------------------------ folders


def data_home() -> Path:
    """The folder that holds every dataset: ``$LSTM_EDU_DATA`` or ``~/.cache/lstm_edu``."""
    configured = os.environ.get(DATA_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "lstm_edu"


def dataset_folder(name: str) -> Path:
    """The folder of one dataset inside :func:`data_home` (not created here)."""
    return data_home() / name


def offline() -> bool:
    """Whether downloads are forbidden (``LSTM_EDU_OFFLINE=1``)."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes"}


# ---------------------------------------------------------------- checksums


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _expected_sums(sha256: str | None, md5: str | None) -> dict[str, str]:
    sums = {name: value.lower() for name, value in (("sha256", sha256), ("md5", md5)) if value}
    if not sums:
        raise ValueError("give at least one expected checksum (sha256 or md5)")
    return sums


def verify_file(path: str | os.PathLike, *, sha256: str | None = None, md5: str | None = None) -> None:
    """Raise :class:`ChecksumError` unless the file has the expected sums (FileNotFoundError if absent)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    for algorithm, expected in _expected_sums(sha256, md5).items():
        actual = file_digest(path, algorithm)
        if actual != expected:
            raise ChecksumError(
                f"{path} has {algorithm} {actual}, expected {expected} ({path.stat().st_size:,} bytes): "
                "the file is corrupt, partial or a different version; delete it and load again to re-download"
            )


# ------------------------------------------------------------------ download


def _open_url(url: str, timeout: float):
    """Open a URL for reading (a seam for tests)."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http(s) mirrors and file:// in tests)


def _progress(total: int | None, description: str, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=description, leave=False,
                file=sys.stderr)


def _download_once(url: str, destination: Path, sums: dict[str, str], progress: bool, timeout: float) -> None:
    """Stream ``url`` into a temporary file beside ``destination``, verify, then rename into place."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
    digests = {algorithm: hashlib.new(algorithm) for algorithm in sums}
    try:
        with os.fdopen(handle, "wb") as out, _open_url(url, timeout) as response:
            length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
            bar = _progress(int(length) if length and length.isdigit() else None, destination.name, progress)
            try:
                for chunk in iter(lambda: response.read(CHUNK), b""):
                    out.write(chunk)
                    for digest in digests.values():
                        digest.update(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
            finally:
                if bar is not None:
                    bar.close()
            out.flush()
            os.fsync(out.fileno())
        for algorithm, expected in sums.items():
            actual = digests[algorithm].hexdigest()
            if actual != expected:
                raise ChecksumError(f"{algorithm} of the downloaded file is {actual}, expected {expected}")
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def download_file(urls: str | Sequence[str], destination: str | os.PathLike, *, sha256: str | None = None,
                  md5: str | None = None, progress: bool = True, timeout: float = 60.0,
                  hint: str = "") -> Path:
    """Download a file from the first mirror that works and gives the right bytes.

    The file is written to a temporary file in ``destination``'s folder,
    checked against ``sha256``/``md5``, and renamed to ``destination`` only
    when it matches.  Raises :class:`DataUnavailableError` when no mirror
    delivers it, listing what each mirror answered, followed by ``hint``.
    """
    urls = (urls,) if isinstance(urls, str) else tuple(urls)
    if not urls:
        raise ValueError("download_file needs at least one URL")
    destination = Path(destination)
    sums = _expected_sums(sha256, md5)
    if offline():
        raise DataUnavailableError(
            f"{destination.name} is not in {destination.parent} and downloads are switched off "
            f"({OFFLINE_ENV}=1). {hint}".strip()
        )
    failures = []
    for url in urls:
        try:
            _download_once(url, destination, sums, progress, timeout)
            return destination
        except ChecksumError as error:
            failures.append(f"{url}: wrong file ({error})")
        except (urllib.error.URLError, OSError, ValueError) as error:
            if isinstance(error, PermissionError):
                raise DataUnavailableError(
                    f"cannot write {destination}: {error}. Choose a writable folder (set {DATA_ENV} or pass "
                    "root=...)."
                ) from error
            reason = getattr(error, "reason", None) or error
            failures.append(f"{url}: {reason}")
    tried = "\n  ".join(failures)
    raise DataUnavailableError(
        f"could not download {destination.name} into {destination.parent}; every mirror failed:\n  {tried}\n"
        f"If this machine is offline, copy the file there by hand. {hint}".strip()
    )


def fetch(remote: RemoteFile, folder: str | os.PathLike, *, download: bool = True, progress: bool = True,
          hint: str = "") -> Path:
    """The verified local copy of ``remote`` in ``folder``, downloading it if needed.

    - a copy with the right sums is already there: return its path, no network;
    - missing or wrong, and ``download`` is True: download it (replacing a bad copy);
    - otherwise raise :class:`DataUnavailableError` (missing) or :class:`ChecksumError` (wrong bytes).
    """
    if not isinstance(remote, RemoteFile):
        raise TypeError(f"fetch expects a RemoteFile, got {type(remote).__name__}")
    path = Path(folder) / remote.name
    if path.is_file():
        try:
            verify_file(path, sha256=remote.sha256, md5=remote.md5)
            return path
        except ChecksumError:
            if not download:
                raise
    elif not download:
        raise DataUnavailableError(
            f"{remote.name} is not in {Path(folder)} and download=False. {hint}".strip()
        )
    return download_file(remote.urls, path, sha256=remote.sha256, md5=remote.md5, progress=progress, hint=hint)


"""Real datasets, downloaded once, verified and cached.

- :mod:`lstm_edu.datasets.download`  generic, verified, atomic downloads into a cache folder
  (``$LSTM_EDU_DATA`` or ``~/.cache/lstm_edu``); clear errors when offline
- :mod:`lstm_edu.datasets.mnist`     MNIST from the original IDX files (no torchvision)
"""

from lstm_edu.datasets.download import (
    ChecksumError,
    DataUnavailableError,
    RemoteFile,
    data_home,
    dataset_folder,
    download_file,
    fetch,
    verify_file,
)
from lstm_edu.datasets.mnist import load_mnist

__all__ = [
    "ChecksumError",
    "DataUnavailableError",
    "RemoteFile",
    "data_home",
    "dataset_folder",
    "download_file",
    "fetch",
    "load_mnist",
    "verify_file",
]

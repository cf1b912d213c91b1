"""Checkpoint files: written atomically, read back with ``torch.load(weights_only=True)``.

:func:`save_checkpoint` writes any dict of tensors and plain Python values to a
temporary file in the same folder, then moves it into place with ``os.replace``, so an interrupted
run never leaves a half-written file; :func:`read_checkpoint` refuses a corrupt,
partial or foreign file with a ``ValueError`` that names it; :func:`load_checkpoint`
reads the checkpoints that :func:`lstm_edu.nets.training.fit` writes
(format :data:`CHECKPOINT_FORMAT`).
"""

from __future__ import annotations

import os
import pickle
import struct
import tempfile
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

#: The ``"format"`` entry of the checkpoints that ``fit`` writes.
CHECKPOINT_FORMAT = "lstm_edu.fit/1"

__all__ = ["CHECKPOINT_FORMAT", "checkpoint_file", "load_checkpoint", "read_checkpoint", "save_checkpoint"]


def checkpoint_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"the checkpoint path {path} is a folder; give a file name such as "
                                f"{path / 'model.pt'}")
    return path


def save_checkpoint(path: str | os.PathLike, payload: Mapping) -> Path:
    """Save ``payload`` with ``torch.save``, atomically: a temporary file in the same folder, then ``os.replace``."""
    if not isinstance(payload, Mapping):
        raise TypeError(f"a checkpoint's payload must be a dict, got {type(payload).__name__}")
    path = checkpoint_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            torch.save(dict(payload), stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_checkpoint(path: str | os.PathLike, expected_format: str, description: str, *,
                    map_location="cpu") -> dict:
    """The payload of a checkpoint file (``torch.load(weights_only=True)``), checked for its ``"format"``.

    A missing file raises ``FileNotFoundError``; a file that cannot be unpickled
    (corrupt, partly written, not a checkpoint at all, or holding objects other
    than tensors and plain Python values) or whose ``"format"`` is not
    ``expected_format`` raises ``ValueError`` saying it is not ``description``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except PermissionError:
        raise
    except (pickle.UnpicklingError, EOFError, RuntimeError, struct.error, OSError) as err:  # OSError: a cut zip
        first_line = (str(err).strip().splitlines() or [""])[0]
        raise ValueError(
            f"{path} cannot be read as {description}: it is corrupt or only partly written, or it holds "
            "objects other than tensors and plain Python values, which torch.load(weights_only=True) "
            f"refuses ({type(err).__name__}: {first_line})"
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != expected_format:
        raise ValueError(f"{path} is not {description}")
    return payload


def load_checkpoint(path: str | os.PathLike, model: nn.Module | None = None, optimizer=None,
                    map_location="cpu") -> dict:
    """Read a checkpoint written by :func:`fit` (``torch.load(weights_only=True)``).

    Loads the weights into ``model`` and the state into ``optimizer`` when given,
    and returns the whole payload (``"epoch"``, ``"model"``, ``"optimizer"``,
    ``"history"`` as a dict, ``"best_model"``, ...).
    """
    payload = read_checkpoint(path, CHECKPOINT_FORMAT, "a checkpoint written by lstm_edu.nets.training.fit",
                              map_location=map_location)
    if not isinstance(payload.get("model"), Mapping) or not isinstance(payload.get("history"), Mapping):
        raise ValueError(f"{path} is an incomplete checkpoint: it lacks the model's weights or the history")
    if model is not None:
        model.load_state_dict(payload["model"])
    if optimizer is not None and payload.get("optimizer") is not None:
        optimizer.load_state_dict(payload["optimizer"])
    return payload

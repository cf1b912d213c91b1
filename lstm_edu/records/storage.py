"""The record format (versioned JSON), atomic writes, and loading with clear errors.

A record file ``records/<name>.json`` holds::

    {"format": "lstm_edu.record", "version": 1, "name": ..., "config": {...},
     "config_hash": "...", "metrics": {...}, "curves": {"<name>": [numbers]}, "seeds": [...],
     "tables": {...}, "notes": "...", "scale": "full" | "reduced", "provenance": {...},
     "resolved": {...}}

``resolved`` (only for an experiment registered with ``resolve=``) holds the values the run used
that its ``config`` only names (a preset's learning rate, say); files without it still load.

``scale`` is "reduced" when the run is smaller than the experiment's full size (its notes say how);
older files without the field count as "full" unless their notes begin with "reduced".

Curves are stored rounded to 6 significant digits, which keeps files small (a few kB to a few
hundred kB) and loses nothing a figure can show.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lstm_edu.records.provenance import REPO_ROOT

FORMAT = "lstm_edu.record"
FORMAT_VERSION = 1
RECORDS_ENV = "LSTM_EDU_RECORDS"


class RecordError(RuntimeError):
    """A record file that cannot be used: corrupt, incomplete, or from another format version."""


@dataclass
class Record:
    """One recorded run.  ``curves`` maps a name to a list of numbers (``None`` for a missing value)."""

    name: str
    metrics: dict
    curves: dict
    seeds: list
    config: dict
    config_hash: str
    provenance: dict
    tables: dict = field(default_factory=dict)
    notes: str = ""
    scale: str = "full"
    resolved: dict | None = None
    path: Path | None = None

    def to_json(self) -> dict:
        data = {
            "format": FORMAT, "version": FORMAT_VERSION, "name": self.name, "config": self.config,
            "config_hash": self.config_hash, "metrics": self.metrics,
            "curves": {k: [_round(v) for v in vals] for k, vals in self.curves.items()},
            "seeds": list(self.seeds), "tables": self.tables, "notes": self.notes, "scale": self.scale,
            "provenance": self.provenance,
        }
        if self.resolved is not None:
            data["resolved"] = self.resolved
        return data


def _round(value):
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return float(f"{value:.6g}")


def records_dir() -> Path:
    """The folder of record files.

    ``$LSTM_EDU_RECORDS`` if set; else ``records/`` in the repository that holds this package
    (an editable install or a checkout); else, for a package installed elsewhere (e.g. pip in
    Colab), a ``records/`` folder in the working directory or its parent, if there is one.
    """
    env = os.environ.get(RECORDS_ENV, "").strip()
    if env:
        return Path(env)
    here = REPO_ROOT / "records"
    if here.is_dir() or (REPO_ROOT / "pyproject.toml").is_file():
        return here
    for candidate in (Path.cwd() / "records", Path.cwd().parent / "records"):
        if candidate.is_dir():
            return candidate
    return here


def record_path(name: str, folder: Path | None = None) -> Path:
    return Path(folder or records_dir()) / f"{name}.json"


def _clean(obj):
    """Plain JSON: numpy scalars to Python numbers, tuples to lists, NaN/inf to None."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", 1) == 0:
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def save(record: Record, folder: Path | None = None) -> Path:
    """Write ``record`` atomically (temporary file, fsync, rename) and return its path."""
    path = record_path(record.name, folder)
    _atomic_text(path, _dumps(_clean(record.to_json())))
    record.path = path
    return path


def _dumps(data: dict) -> str:
    """JSON with one line per top-level field, and per entry of the dict-valued fields
    (so each curve sits on one line and ``git diff`` stays readable)."""
    def one(value) -> str:
        return json.dumps(value, separators=(", ", ": "), allow_nan=False, ensure_ascii=False)

    lines = []
    for key, value in data.items():
        if isinstance(value, dict) and value and key != "config":
            inner = ",\n".join(f"  {one(k)}: {one(v)}" for k, v in value.items())
            lines.append(f" {one(key)}: {{\n{inner}\n }}")
        else:
            lines.append(f" {one(key)}: {one(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _atomic_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; a record is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


_REQUIRED = {"name": str, "config": dict, "config_hash": str, "metrics": dict, "curves": dict,
             "seeds": list, "provenance": dict}


def read(path: Path) -> Record:
    """Read one record file; raise :class:`RecordError` naming the file if it cannot be used."""
    path = Path(path)
    rerun = f"re-run `python -m lstm_edu.records run {path.stem}`"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as err:
        raise RecordError(f"record file {path} cannot be read ({err}); {rerun}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise RecordError(f"record file {path} is corrupt (not valid JSON: {err}); {rerun}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RecordError(f"{path} is not an lstm_edu record (no \"format\": \"{FORMAT}\" field); {rerun}")
    version = data.get("version")
    if version != FORMAT_VERSION:
        raise RecordError(
            f"record file {path} has format version {version!r}, this lstm_edu reads version "
            f"{FORMAT_VERSION}; {rerun}"
        )
    for key, kind in _REQUIRED.items():
        if not isinstance(data.get(key), kind):
            raise RecordError(f"record file {path} is incomplete: field {key!r} is missing or not a {kind.__name__}; {rerun}")
    for key, values in data["curves"].items():
        if not isinstance(values, list) or not all(v is None or isinstance(v, (int, float)) for v in values):
            raise RecordError(f"record file {path}: curve {key!r} is not a list of numbers; {rerun}")
    if data.get("resolved") is not None and not isinstance(data["resolved"], dict):
        raise RecordError(f"record file {path}: field 'resolved' is not a dict; {rerun}")
    return Record(
        name=data["name"], metrics=data["metrics"], curves=data["curves"], seeds=data["seeds"],
        config=data["config"], config_hash=data["config_hash"], provenance=data["provenance"],
        tables=data.get("tables") or {}, notes=data.get("notes") or "", path=path,
        scale=data.get("scale") or ("reduced" if str(data.get("notes", "")).startswith("reduced") else "full"),
        resolved=data.get("resolved"),
    )


def load(name: str, folder: Path | None = None) -> Record:
    """The record of the registered experiment ``name``.

    Unknown names raise a ``KeyError`` listing the known ones; a missing record raises
    ``FileNotFoundError`` naming the file and the command that writes it; a corrupt or
    incompatible file raises :class:`RecordError` naming the file.
    """
    from lstm_edu.records.registry import get

    entry = get(name)
    path = record_path(name, folder)
    if not path.exists():
        raise FileNotFoundError(
            f"{name} is not yet recorded: {path} does not exist; run `{entry.command}`"
            + (" on a machine with a GPU" if entry.needs_gpu else "")
        )
    return read(path)

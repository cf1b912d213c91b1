"""Run one registered experiment at full size and save its record."""

from __future__ import annotations

from pathlib import Path

from lstm_edu.records.provenance import Stopwatch, collect, config_hash, git_commit
from lstm_edu.records.registry import get
from lstm_edu.records.storage import Record, save

_KEYS = {"metrics", "curves", "seeds", "tables", "notes", "scale"}


def _check_result(name: str, result) -> None:
    if not isinstance(result, dict):
        raise TypeError(f"{name}: run(config) must return a dict, got {type(result).__name__}")
    unknown = set(result) - _KEYS
    if unknown:
        raise ValueError(f"{name}: run(config) returned unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    for key, kind in (("metrics", dict), ("curves", dict), ("seeds", (list, tuple))):
        if not isinstance(result.get(key), kind):
            raise ValueError(f"{name}: run(config) must return {key!r} as a {getattr(kind, '__name__', 'list')}")
    if result.get("scale", "full") not in ("full", "reduced"):
        raise ValueError(f"{name}: scale must be 'full' or 'reduced', got {result['scale']!r}")
    for key, values in result["curves"].items():
        try:
            [None if v is None else float(v) for v in values]
        except (TypeError, ValueError):
            raise ValueError(f"{name}: curve {key!r} must be a list of numbers") from None


def run(name: str, folder: Path | None = None, command: str | None = None) -> Record:
    """Run experiment ``name`` with its registered configuration, save and return the record.

    A GPU experiment refuses to run without CUDA.  Nothing is written unless the run finishes.
    """
    entry = get(name)
    if entry.needs_gpu:
        import torch

        if not torch.cuda.is_available():
            raise RuntimeError(f"{name} is a GPU record: torch sees no CUDA device on this machine")
    config = entry.config
    resolved = entry.resolved()  # the values as the code resolves them now, before the run
    git = git_commit()  # the code that runs is the code checked out now, not at the end
    with Stopwatch() as watch:
        result = entry.run(dict(config))
    _check_result(name, result)
    record = Record(
        name=name, metrics=result["metrics"], curves={k: list(v) for k, v in result["curves"].items()},
        seeds=list(result["seeds"]), config=config, config_hash=config_hash(config),
        provenance=collect(name, config, watch, command or entry.command, git),
        tables=result.get("tables") or {}, notes=str(result.get("notes") or ""),
        scale=result.get("scale", "full"), resolved=resolved,
    )
    save(record, folder)
    return record

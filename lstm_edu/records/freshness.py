"""Which records the chapters use, and whether each is present and current.

A chapter uses a record through ``records.show("NAME")`` or ``records.load("NAME")`` in a code
cell.  A reference is *current* when ``records/NAME.json`` exists, can be read, and its
configuration hash equals the hash of the experiment's configuration in the code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from lstm_edu.records.provenance import REPO_ROOT
from lstm_edu.records.registry import get
from lstm_edu.records.storage import RecordError, load

_CALL = re.compile(r"records\.(?:show|load)\(\s*[\"']([^\"']+)[\"']")
NOTEBOOK_GLOBS = ("notebooks/*.ipynb", "book/*.ipynb")


def notebook_references(root: Path = REPO_ROOT) -> dict[str, list[str]]:
    """``{record name: [notebook paths that show or load it]}`` over the book's notebooks."""
    found: dict[str, list[str]] = {}
    for pattern in NOTEBOOK_GLOBS:
        for path in sorted(root.glob(pattern)):
            try:
                cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
            except (OSError, json.JSONDecodeError) as err:
                raise RuntimeError(f"{path} cannot be read as a notebook: {err}") from None
            for cell in cells:
                if cell.get("cell_type") != "code":
                    continue
                source = "".join(cell.get("source", []))
                for name in _CALL.findall(source):
                    where = str(path.relative_to(root))
                    if where not in found.setdefault(name, []):
                        found[name].append(where)
    return found


@dataclass
class Status:
    """The state of one referenced record: ``ok``, ``owed`` (a GPU record, or a CPU record registered
    with the reason it is owed, is missing) or ``problem``."""

    name: str
    state: str
    message: str


def check(name: str, used_in: list[str] | None = None) -> Status:
    """Check one record name (see the module docstring)."""
    where = f" (used in {', '.join(used_in)})" if used_in else ""
    try:
        entry = get(name)
    except KeyError as err:
        return Status(name, "problem", f"{err}{where}")
    try:
        record = load(name)
    except FileNotFoundError:
        if entry.needs_gpu:
            return Status(name, "owed", f"GPU record {name} is not yet recorded{where}; the book shows a "
                                        f"placeholder. Run `{entry.command}` on a GPU (benchmarks/gpu_records.sh).")
        if entry.owed:
            return Status(name, "owed", f"record {name} is not yet recorded{where} ({entry.owed}); the book shows a "
                                        f"placeholder. Run `{entry.command}` and commit records/{name}.json.")
        return Status(name, "problem", f"record {name} is missing{where}; run `{entry.command}` and commit records/{name}.json")
    except RecordError as err:
        return Status(name, "problem", f"{err}{where}")
    if record.config_hash != entry.config_hash:
        return Status(name, "problem",
                      f"record {name} is stale{where}: recorded with configuration hash {record.config_hash}, "
                      f"the code now has {entry.config_hash}; re-run `{entry.command}`")
    return Status(name, "ok", f"{name} is current{where}")


def check_references(root: Path = REPO_ROOT) -> list[Status]:
    """:func:`check` for every record the notebooks show or load."""
    return [check(name, used) for name, used in sorted(notebook_references(root).items())]

"""Which records the chapters use, and whether each is present and current.

A chapter uses a record through ``records.show("NAME")`` or ``records.load("NAME")`` in a code
cell.  A reference is *current* when ``records/NAME.json`` exists, can be read, its
configuration hash equals the hash of the experiment's configuration in the code, and, for an
experiment registered with ``resolve=``, the values it stored as ``resolved`` equal what the
resolver returns now (a record without them predates that check and counts as stale).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from lstm_edu.records.provenance import REPO_ROOT
from lstm_edu.records.registry import added_options, get
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


def _flat(values: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (so a change names the nested key)."""
    out = {}
    for key, value in values.items():
        if isinstance(value, dict) and value:
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def value_changes(recorded: dict, now: dict, added: dict | None = None) -> list[str]:
    """``["key: recorded -> now", ...]`` for each (nested keys dotted) value that differs; ``(absent)``: no such key.

    ``added`` maps options added after a record was made to the value that reproduces the runs made
    before them (:func:`~lstm_edu.records.registry.added_options`): such an option, absent on one side
    and at that value on the other, is no change.
    """
    old, new = _flat(recorded), _flat(now)
    added = added or {}
    missing = object()

    def show(value) -> str:
        return "(absent)" if value is missing else repr(value)

    def same(key: str) -> bool:
        before, after = old.get(key, missing), new.get(key, missing)
        if before == after:
            return True
        option = key.rsplit(".", 1)[-1]
        present = after if before is missing else before if after is missing else missing
        return present is not missing and option in added and present == added[option]

    return [f"{key}: {show(old.get(key, missing))} -> {show(new.get(key, missing))}"
            for key in sorted(set(old) | set(new)) if not same(key)]


def resolved_problem(entry, record) -> str | None:
    """Why ``record``'s stored ``resolved`` values do not match the code's resolver now, or None when they do
    (or when the experiment has no resolver)."""
    now = entry.resolved()
    if now is None:
        return None
    if record.resolved is None:
        return (f"record {entry.name} predates the check of the values its configuration names (it has no "
                f"'resolved' field), so nothing shows that it ran what the code runs now")
    changes = value_changes(record.resolved, now, added_options())
    if not changes:
        return None
    return f"record {entry.name} ran with values the code no longer uses ({'; '.join(changes)})"


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
    try:
        problem = resolved_problem(entry, record)
    except Exception as err:  # a resolver that fails (e.g. a preset that was removed) is a problem, not a crash
        return Status(name, "problem", f"record {name}: the code cannot resolve its configuration now "
                                       f"({type(err).__name__}: {err}){where}; fix the code or re-run "
                                       f"`{entry.command}`")
    if problem:
        return Status(name, "problem", f"{problem}: it is stale{where}; re-run `{entry.command}`")
    return Status(name, "ok", f"{name} is current{where}")


def check_references(root: Path = REPO_ROOT) -> list[Status]:
    """:func:`check` for every record the notebooks show or load."""
    return [check(name, used) for name, used in sorted(notebook_references(root).items())]

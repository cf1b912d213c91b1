"""The registry of named full-size experiments.

An experiment is a name, a configuration (a JSON-serialisable dict: everything that decides the
result), and a ``run(config) -> dict`` function that performs the full-size run with the same
package code the chapter's quick run calls.  ``run`` returns a dict with

- ``metrics``: dict of headline figures (numbers, strings, or nested dicts of them),
- ``curves``: dict ``name -> list of numbers`` (learning curves; keep them short, e.g. one point
  per evaluation), by convention named ``"<variant>/seed<k>/<quantity>"``,
- ``seeds``: list of the seeds used,
- optionally ``tables``: dict ``name -> {"columns": [...], "rows": [[...], ...]}``,
- optionally ``notes``: one sentence for the caption (what the run cost, any reduction of size),
- optionally ``scale``: ``"reduced"`` when the run is smaller than the full size (default ``"full"``).

Register from any module with one call::

    from lstm_edu.records import register
    register("imdb-cpu", run=run_cpu, config={"preset": "cpu", "epochs": 3},
             title="IMDB, cpu preset", chapter=7)

or with :func:`experiment` as a decorator.

When ``config`` only *names* values that live elsewhere (a preset, an article's settings), pass
``resolve=``: a function ``resolve(config) -> dict`` that returns the values the run will really
use (plain JSON, descriptive text left out).  The runner stores its output in the record as
``resolved`` and the freshness check compares it with what the code resolves now, so a record
goes stale when a preset changes even though the registered ``config`` did not.

Modules named ``lstm_edu/<pkg>/recorded.py`` are
imported before any look-up, so experiments registered there are always known.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DEVICES = ("cpu", "cuda")

_REGISTRY: dict[str, "Experiment"] = {}


class UnknownRecordError(KeyError):
    """An unknown record name; the message lists the known ones."""

    def __str__(self) -> str:  # KeyError would print the message with quotes
        return str(self.args[0]) if self.args else ""

_DISCOVERED = False


@dataclass(frozen=True)
class Experiment:
    """One named full-size experiment.

    ``device`` is ``"cpu"`` (recordable on any machine) or ``"cuda"`` (needs a GPU; the book shows
    a placeholder while its record is missing).  ``owed`` says why a CPU record has not been made
    yet (e.g. the CPU time it needs); while such a record is missing the book shows the same
    placeholder and the freshness check reports it as owed instead of failing.  ``plot(record)`` returns a matplotlib figure and
    ``table(record)`` returns ``(columns, rows)``; both are optional (a default is used).
    ``resolve(config)`` (optional) returns the effective values the run uses (see the module docstring).
    """

    name: str
    run: Callable[[dict], dict]
    config: dict
    title: str = ""
    chapter: int | None = None
    device: str = "cpu"
    description: str = ""
    plot: Callable[[Any], Any] | None = None
    table: Callable[[Any], tuple[list, list]] | None = None
    owed: str = ""
    resolve: Callable[[dict], dict] | None = None
    module: str = field(default="", compare=False)

    @property
    def command(self) -> str:
        """The command that (re)runs this experiment and writes its record."""
        return f"python -m lstm_edu.records run {self.name}"

    @property
    def needs_gpu(self) -> bool:
        return self.device == "cuda"

    @property
    def config_hash(self) -> str:
        from lstm_edu.records.provenance import config_hash

        return config_hash(self.config)

    def resolved(self) -> dict | None:
        """The effective values the run uses now (``resolve(config)`` as plain JSON), or None without a resolver.

        Raises ``ValueError`` when the resolver returns something that is not a JSON-serialisable dict.
        """
        if self.resolve is None:
            return None
        values = self.resolve(dict(self.config))
        if not isinstance(values, dict):
            raise ValueError(f"{self.name}: resolve(config) must return a dict, got {type(values).__name__}")
        try:
            return json.loads(json.dumps(values, sort_keys=True, allow_nan=False))
        except (TypeError, ValueError) as err:
            raise ValueError(f"{self.name}: resolve(config) must return plain JSON: {err}") from None


#: Options added to configurations after records were made, each with the value that reproduces the
#: runs made before it existed (see :func:`declare_added_option`).
_ADDED_OPTIONS: dict[str, object] = {}


def declare_added_option(name: str, value) -> None:
    """Declare that the configuration option ``name`` is new and that ``value`` is how every run went before.

    A record whose resolved values lack ``name`` then stays current while the code resolves it to
    ``value``, and the other way round; any other value makes the record stale as usual.
    """
    json.dumps(value, allow_nan=False)   # plain JSON, as resolved values are
    _ADDED_OPTIONS[name] = value


def added_options() -> dict:
    """``{option: value that reproduces the runs made before it}`` (see :func:`declare_added_option`)."""
    return dict(_ADDED_OPTIONS)


def register(
    name: str,
    *,
    run: Callable[[dict], dict],
    config: dict,
    title: str = "",
    chapter: int | None = None,
    device: str = "cpu",
    description: str = "",
    plot: Callable | None = None,
    table: Callable | None = None,
    owed: str = "",
    resolve: Callable[[dict], dict] | None = None,
) -> Experiment:
    """Register a named full-size experiment and return it.

    Raises ``ValueError`` for a malformed name, an unknown device, a configuration that is not
    JSON-serialisable, or a name already registered by a different function.  Registering the
    same function again (e.g. after ``importlib.reload``) replaces the entry.
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(
            f"record name {name!r} must be lower-case words joined by '-' (e.g. 'imdb-cpu')"
        )
    if not callable(run):
        raise TypeError(f"{name}: run must be a function run(config) -> dict")
    if not isinstance(config, dict):
        raise TypeError(f"{name}: config must be a dict, got {type(config).__name__}")
    try:
        json.dumps(config, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name}: config must be plain JSON (numbers, strings, lists, dicts): {err}") from None
    if device not in _DEVICES:
        raise ValueError(f"{name}: device must be one of {_DEVICES}, got {device!r}")
    if resolve is not None and not callable(resolve):
        raise TypeError(f"{name}: resolve must be a function resolve(config) -> dict")
    module = getattr(run, "__module__", "") or ""
    qualname = f"{module}.{getattr(run, '__qualname__', '')}"
    old = _REGISTRY.get(name)
    if old is not None:
        old_qualname = f"{old.module}.{getattr(old.run, '__qualname__', '')}"
        if old_qualname != qualname:
            raise ValueError(f"record name {name!r} is already registered by {old_qualname}")
    entry = Experiment(
        name=name, run=run, config=config, title=title or name, chapter=chapter, device=device,
        description=description, plot=plot, table=table, owed=owed, resolve=resolve, module=module,
    )
    _REGISTRY[name] = entry
    return entry


def experiment(name: str, *, config: dict, **options) -> Callable[[Callable], Callable]:
    """Decorator form of :func:`register`: ``@experiment("x", config={...})`` on ``run(config)``."""

    def decorate(run: Callable[[dict], dict]) -> Callable[[dict], dict]:
        register(name, run=run, config=config, **options)
        return run

    return decorate


def _discover() -> None:
    """Import this package's experiments and every ``lstm_edu/<pkg>/recorded.py`` (once)."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    importlib.import_module("lstm_edu.records.catalogue")
    root = Path(__file__).resolve().parent.parent
    for candidate in sorted(root.glob("*/recorded.py")):
        importlib.import_module(f"lstm_edu.{candidate.parent.name}.recorded")


def names() -> list[str]:
    """All registered record names, sorted by chapter then name."""
    return [e.name for e in experiments()]


def experiments() -> list[Experiment]:
    """All registered experiments, sorted by chapter then name."""
    _discover()
    return sorted(_REGISTRY.values(), key=lambda e: (e.chapter if e.chapter is not None else 99, e.name))


def get(name: str) -> Experiment:
    """The experiment called ``name``; an unknown name raises :class:`UnknownRecordError` (a ``KeyError``) listing the known ones."""
    _discover()
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        known = ", ".join(names()) or "(none)"
        raise UnknownRecordError(f"no recorded experiment is called {name!r}; known names: {known}") from None

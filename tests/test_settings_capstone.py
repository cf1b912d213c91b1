"""Chapter 7's size switches, dry-run: which configuration each training cell would train, per mode.

The cells are executed with ``train`` and ``prepare_data`` replaced by recorders, so nothing
is trained: on a GPU (``full_size()``) only the main classifier may be full size, the comparison
and the tutorial systems A and D only with ``LSTM_EDU_LONG_RUNS=1`` (:func:`lstm_edu.settings.long_runs`).
"""

from __future__ import annotations

import ast
import types

import nbformat
import pytest
import torch

from bookpaths import ROOT

NOTEBOOK = ROOT / "notebooks" / "07_capstone_imdb.ipynb"
FIRST, COMPARE, SYSTEM_A, SYSTEM_D = "7b5dbfbf", "75e0ff41", "e3d40fb2", "7197b052"


class Trained(Exception):
    """Raised by the stand-in ``train``: carries the configuration the cell asked for."""

    def __init__(self, config):
        super().__init__(config)
        self.config = config


def _cells():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return {cell.get("id"): cell.source for cell in nb.cells}


def _assignment(source: str, name: str) -> str:
    """The one top-level statement of ``source`` that assigns ``name``."""
    tree = ast.parse(source)
    found = [node for node in tree.body if isinstance(node, ast.Assign)
             and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)]
    assert len(found) == 1, f"expected one assignment to {name}"
    return ast.get_source_segment(source, found[0])


def _first_training(source: str, namespace: dict):
    with pytest.raises(Trained) as trained:
        exec(source, namespace)
    return trained.value.config


def _dry_run(monkeypatch, full: str, long: str) -> dict:
    from lstm_edu.imdb.train import resolve_config

    monkeypatch.delenv("LSTM_EDU_GRADING", raising=False)
    monkeypatch.setenv("LSTM_EDU_FULL", full)
    monkeypatch.setenv("LSTM_EDU_LONG_RUNS", long)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    cells = _cells()
    namespace: dict = {}
    exec(cells[FIRST], namespace)
    prepared_for = []

    def prepare_data(config, data=None, **options):
        prepared_for.append(config)
        return types.SimpleNamespace(val=[0] * 10)

    def train(config, data=None, **options):
        raise Trained(config)

    namespace.update(train=train, prepare_data=prepare_data, DATA=None,
                     config=resolve_config(namespace["PRESET"]), prepared=types.SimpleNamespace(val=[0] * 10),
                     metrics={"val_accuracy": 0.5, "test_accuracy": 0.5, "parameters": 1, "train_seconds": 1.0})
    exec(_assignment(cells[SYSTEM_D], "system_d"), namespace)
    return {"namespace": namespace, "compare": _first_training(cells[COMPARE], namespace),
            "system_a": _first_training(cells[SYSTEM_A], namespace), "system_d": namespace["system_d"],
            "prepared_for": prepared_for}


def test_full_size_without_the_opt_in_trains_only_the_main_model_at_full_size(monkeypatch):
    run = _dry_run(monkeypatch, full="1", long="0")
    ns = run["namespace"]
    assert ns["FULL"] is True and ns["LONG"] is False and ns["config"].limit is None   # the main model: full size
    for name in ("compare", "system_a", "system_d"):
        assert run[name].limit is not None, f"{name} would train on all reviews without the opt-in"
    assert run["compare"].limit == run["prepared_for"][0].limit   # compared on quick-size data of its own
    assert "LSTM_EDU_LONG_RUNS=1" in ns["EXTRA_MODE"]               # and the printouts say so


def test_the_opt_in_trains_the_comparison_and_the_articles_at_full_size(monkeypatch):
    from lstm_edu.imdb import articles

    run = _dry_run(monkeypatch, full="1", long="1")
    ns = run["namespace"]
    assert ns["LONG"] is True and ns["EXTRA_MODE"] == ns["MODE"]
    assert run["compare"].limit is None and run["compare"].model == "lstm"      # the main preset, other cells
    assert run["system_a"] == articles.article_config("A")
    assert run["system_d"] == articles.article_config("D")


def test_quick_mode_ignores_the_opt_in(monkeypatch):
    quick = _dry_run(monkeypatch, full="0", long="1")
    assert quick["namespace"]["LONG"] is False and quick["namespace"]["PRESET"] == "quick"
    assert quick["compare"].limit == quick["namespace"]["config"].limit == 3000   # the main quick data, reused
    assert quick["system_a"].limit == 3000 and quick["system_d"].limit == 1500
    assert quick["prepared_for"] == []

"""lstm_edu.records: registry, storage, provenance, display, the generated RESULTS.md, and stale records."""

from __future__ import annotations

import json
import warnings

import pytest

from lstm_edu import records
from lstm_edu.records import display, freshness, registry, report, storage
from lstm_edu.records.provenance import config_hash


def _toy_run(config):
    return {"metrics": {"score": 0.5 + config["k"]}, "curves": {"a/seed0/loss": [1.0, 0.5, float("nan")],
            "step": [1, 2, 3]}, "seeds": [0], "notes": "a toy"}


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A registered toy experiment whose records go to a temporary folder."""
    monkeypatch.setenv(storage.RECORDS_ENV, str(tmp_path))
    entry = records.register("toy-test", run=_toy_run, config={"k": 1}, chapter=None, title="toy")
    yield entry
    registry._REGISTRY.pop("toy-test", None)


def test_registered_names_include_the_promised_ones():
    for name in ("clipping-seeds", "ablation-lstm", "gru-vs-lstm", "mnist-rows"):
        assert name in records.names()


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(KeyError) as info:
        records.load("no-such-record")
    message = str(info.value)
    assert "no-such-record" in message and "ablation-lstm" in message and "mnist-rows" in message


def test_register_rejects_bad_input():
    with pytest.raises(ValueError, match="lower-case"):
        records.register("Bad Name", run=_toy_run, config={})
    with pytest.raises(ValueError, match="plain JSON"):
        records.register("bad-config", run=_toy_run, config={"x": object()})
    with pytest.raises(ValueError, match="device"):
        records.register("bad-device", run=_toy_run, config={}, device="tpu")
    with pytest.raises(ValueError, match="already registered"):
        records.register("ablation-lstm", run=_toy_run, config={})


def test_config_hash_ignores_key_order_but_not_values():
    assert config_hash({"a": 1, "b": [1, 2]}) == config_hash({"b": [1, 2], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})
    assert config_hash({"a": 1}) != config_hash({"a": 1.0})


def test_run_writes_a_record_with_provenance(toy, tmp_path):
    record = records.run("toy-test")
    assert record.path == tmp_path / "toy-test.json"
    loaded = records.load("toy-test")
    assert loaded.metrics == {"score": 1.5}
    assert loaded.curves["a/seed0/loss"] == [1.0, 0.5, None]  # NaN stored as null
    assert loaded.config_hash == toy.config_hash
    prov = loaded.provenance
    for key in ("date", "device", "versions", "git", "command", "wall_s", "cpu_s", "config_hash"):
        assert key in prov
    assert prov["device"]["cpu_cores"] >= 1 and "torch" in prov["versions"]
    assert prov["command"] == "python -m lstm_edu.records run toy-test"
    assert not list(tmp_path.glob("*.tmp"))  # the atomic write left nothing behind
    text = records.caption(loaded)
    assert text.startswith("full size, recorded on ") and " min on " in text and text.endswith("a toy")


def test_run_rejects_a_malformed_result(toy, monkeypatch):
    bad = records.register("toy-bad", run=lambda config: {"metrics": {}, "curves": {"x": ["a"]}, "seeds": []},
                           config={})
    try:
        with pytest.raises(ValueError, match="list of numbers"):
            records.run(bad.name)
        assert not storage.record_path(bad.name).exists()
    finally:
        registry._REGISTRY.pop("toy-bad", None)


@pytest.mark.parametrize("content, match", [
    ("{not json", "corrupt"),
    (json.dumps({"format": "something-else"}), "not an lstm_edu record"),
    (json.dumps({"format": storage.FORMAT, "version": 999}), "format version 999"),
    (json.dumps({"format": storage.FORMAT, "version": storage.FORMAT_VERSION, "name": "toy-test"}), "incomplete"),
])
def test_unusable_files_give_a_clear_error_naming_the_file(toy, tmp_path, content, match):
    path = tmp_path / "toy-test.json"
    path.write_text(content)
    with pytest.raises(records.RecordError, match=match) as info:
        records.load("toy-test")
    assert str(path) in str(info.value) and "records run toy-test" in str(info.value)


def test_show_prints_the_placeholder_while_missing_and_the_caption_once_recorded(toy, capsys):
    records.show("toy-test")
    out = capsys.readouterr().out
    assert "NOT YET RECORDED" in out and "python -m lstm_edu.records run toy-test" in out
    records.run("toy-test")
    records.show("toy-test")
    out = capsys.readouterr().out
    assert "score" in out and "1.5000" in out and "[full size, recorded on" in out
    assert "different configuration" not in out


def test_a_changed_configuration_is_reported_stale(toy, capsys):
    records.run("toy-test")
    records.register("toy-test", run=_toy_run, config={"k": 2}, title="toy")
    status = freshness.check("toy-test", ["notebooks/x.ipynb"])
    assert status.state == "problem" and "stale" in status.message
    assert "python -m lstm_edu.records run toy-test" in status.message and "notebooks/x.ipynb" in status.message
    records.show("toy-test")
    assert "different configuration" in capsys.readouterr().out


def test_missing_gpu_records_are_owed_not_failures(tmp_path, monkeypatch):
    monkeypatch.setenv(storage.RECORDS_ENV, str(tmp_path))
    records.register("toy-gpu", run=_toy_run, config={"k": 0}, device="cuda")
    try:
        assert freshness.check("toy-gpu").state == "owed"
        assert freshness.check("toy-missing-cpu").state == "problem"  # unknown name
    finally:
        registry._REGISTRY.pop("toy-gpu", None)


def test_a_cpu_record_is_owed_only_with_its_reason(tmp_path, monkeypatch):
    monkeypatch.setenv(storage.RECORDS_ENV, str(tmp_path))
    records.register("toy-owed", run=_toy_run, config={"k": 0}, owed="needs an hour of an idle CPU")
    records.register("toy-cpu", run=_toy_run, config={"k": 0})
    try:
        owed = freshness.check("toy-owed")
        assert owed.state == "owed" and "needs an hour of an idle CPU" in owed.message
        assert freshness.check("toy-cpu").state == "problem"  # no reason given: a missing record fails
    finally:
        registry._REGISTRY.pop("toy-owed", None)
        registry._REGISTRY.pop("toy-cpu", None)


def test_notebook_references_are_found(tmp_path):
    (tmp_path / "notebooks").mkdir()
    cells = [{"cell_type": "code", "source": ["from lstm_edu import records\n", "records.show('ablation-lstm')\n"]},
             {"cell_type": "code", "source": ["rec = records.load(\"mnist-rows\")"]},
             {"cell_type": "markdown", "source": ["records.show('not-code')"]}]
    (tmp_path / "notebooks" / "03.ipynb").write_text(json.dumps({"cells": cells}))
    assert freshness.notebook_references(tmp_path) == {"ablation-lstm": ["notebooks/03.ipynb"],
                                                       "mnist-rows": ["notebooks/03.ipynb"]}


def test_records_the_chapters_show_are_present_and_current():
    """Every records.show/load in the book's notebooks names a current record (GPU records may be owed)."""
    statuses = freshness.check_references()
    problems = [s.message for s in statuses if s.state == "problem"]
    owed = [s.message for s in statuses if s.state == "owed"]
    for message in owed:
        warnings.warn(f"OWED (not a failure): {message}", UserWarning, stacklevel=1)
    assert not problems, "\n".join(problems)


def test_committed_records_are_readable_and_registered():
    for path in sorted(storage.records_dir().glob("*.json")):
        record = storage.read(path)
        assert record.name == path.stem
        entry = records.get(record.name)
        columns, rows = (entry.table or display.default_table)(record)
        assert rows and all(len(row) == len(columns) for row in rows)


def test_results_page_is_generated_and_up_to_date():
    expected = report.render()
    current = report.RESULTS_PATH.read_text(encoding="utf-8")
    assert current == expected, (f"{report.RESULTS_PATH} is out of date: run "
                                 "`python -m lstm_edu.records render` (never edit it by hand)")


# The registered experiments' own code, at toy sizes (the record sizes are the registered configs).

def test_ablation_and_comparison_runs_at_toy_size():
    from lstm_edu.records.catalogue import adding

    small = dict(adding.ABLATION, T=5, hidden=4, steps=25, seeds=[0], curve_every=10)
    result = adding.run_ablation(small)
    assert set(result["metrics"]["variants"]) == {"lstm-vanilla", "lstm-nfg", "lstm-noaf", "lstm-cifg"}
    assert len(result["curves"]["lstm-cifg/seed0/train_mse"]) == len(result["curves"]["step"]) == 2
    small = dict(adding.COMPARISON, T=5, hidden=4, steps=12, seeds=[0], cells=["rnn", "lstm"], curve_every=5)
    result = adding.run_comparison(small)
    assert set(result["metrics"]["cells"]) == {"rnn", "lstm", f"rnn-H{adding._wide_hidden(4)}"}
    assert adding._wide_hidden(32) == 66  # chapter 4's wide RNN at H = 32


def test_clipping_run_at_toy_size():
    from lstm_edu.records.catalogue import clipping

    small = dict(clipping.CONFIG, T=10, hidden=6, steps=4, seeds=[0], every=2, val_size=20)
    result = clipping.run(small)
    assert set(result["metrics"]) == {"none", "value", "norm"}
    norm = result["metrics"]["norm"]
    assert norm["runs"] == 1
    rows = result["tables"]["runs"]["rows"]
    # global-norm clipping never turns the gradient; element-wise clipping does once it acts
    assert all(row[5] == "-" or row[5] > 0.999 for row in rows if row[0] == clipping.LABELS["norm"])


def test_imdb_runs_at_toy_size(tmp_path):
    """Both chapter-7 records' code on a synthetic review tree (the real sizes are the registered configs)."""
    from imdb_synthetic import make_tree
    from lstm_edu.imdb import articles
    from lstm_edu.records.catalogue import imdb_runs

    root = make_tree(tmp_path / "src", n_per_class=24)
    whole = dict(imdb_runs.SYSTEM_A, buggy_epochs=2)  # the buggy run as long as the fixed one: full scale
    with pytest.MonkeyPatch.context() as patch:  # two epochs instead of the article's ten
        patch.setitem(articles.SYSTEMS["A"], "epochs", 2)
        result = imdb_runs.run_article_system(whole, data=root, cache_dir=tmp_path / "cache")
    assert result["scale"] == "full" and "reduced" not in result["notes"]
    assert [row[:2] for row in result["tables"]["versions"]["rows"]] == [["buggy", 2], ["fixed", 2]]
    width = result["metrics"]["sizes"]["buggy_width"]
    assert width == result["metrics"]["sizes"]["vocabulary"] and f"{width:,}-step multi-hot" in result["notes"]
    assert len(result["curves"]["buggy/seed0/val_accuracy"]) == 2
    assert result["metrics"]["buggy"]["padding_share"] == 0  # multi-hot rows all have one width
    small = dict(imdb_runs.SYSTEM_D, buggy_epochs=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(articles.SYSTEMS["D"], "epochs", 2)
        result = imdb_runs.run_article_system(small, data=root, cache_dir=tmp_path / "cache")
    assert result["scale"] == "reduced" and "the buggy run trained 1 of the article's 2 epochs" in result["notes"]
    for version in ("buggy", "fixed"):
        assert 0 <= result["metrics"][version]["test_accuracy"] <= 1
    assert imdb_runs.resolve_article_system(small)["buggy_epochs"] == 1
    assert 0 < result["metrics"]["buggy"]["padding_share"] < 0.5  # the fixed run's bucketed batches
    with pytest.raises(ValueError, match="system A's multi-hot input only"):
        imdb_runs.run_article_system(dict(small, buggy_vocab=30), data=root, cache_dir=tmp_path / "cache")
    with pytest.raises(ValueError, match="system must be one of"):
        imdb_runs.run_article_system(dict(small, system="B"), data=root, cache_dir=tmp_path / "cache")
    small = dict(imdb_runs.MODELS, overrides={"limit": None, "epochs": 1, "vocab_size": 200, "min_freq": 1},
                 models=["lstm", "bow"], bootstrap=50)
    result = imdb_runs.run_models(small, data=root, cache_dir=tmp_path / "cache")
    val = result["metrics"]["validation"]
    assert list(val) == ["lstm", "bow"] and val["lstm"]["minus_lstm"] == 0.0
    assert result["metrics"]["settings"] == imdb_runs.resolve_models(small)  # the resolver says what the run used
    assert val["bow"]["ci95"][0] <= val["bow"]["accuracy"] <= val["bow"]["ci95"][1]


def test_bootstrap_intervals_are_paired():
    import numpy as np

    from lstm_edu.records.catalogue.imdb_runs import _bootstrap

    a = np.array([1, 0] * 500)
    out = _bootstrap({"a": a, "same": a.copy()}, 200, 0)
    assert out["same"]["minus_a_ci95"] == [0.0, 0.0]  # identical predictions: no difference in any resample
    assert out["a"]["ci95"][0] < 0.5 < out["a"]["ci95"][1]


def test_command_line(capsys):
    from lstm_edu.records.__main__ import main

    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "ablation-lstm" in out and "imdb-models" in out
    assert main(["show", "no-such-record"]) == 2
    assert "known names: " in capsys.readouterr().err
    assert main(["render", "--check"]) in (0, 1)


def test_a_reduced_run_says_so_in_its_caption(tmp_path, monkeypatch):
    monkeypatch.setenv(storage.RECORDS_ENV, str(tmp_path))
    records.register("toy-reduced", run=lambda config: {**_toy_run({"k": 0}), "scale": "reduced"}, config={})
    records.register("toy-bad-scale", run=lambda config: {**_toy_run({"k": 0}), "scale": "huge"}, config={})
    try:
        assert records.caption(records.run("toy-reduced")).startswith("reduced size, recorded on ")
        assert records.load("toy-reduced").scale == "reduced"
        with pytest.raises(ValueError, match="scale"):
            records.run("toy-bad-scale")
    finally:
        registry._REGISTRY.pop("toy-reduced", None)
        registry._REGISTRY.pop("toy-bad-scale", None)


# Values a configuration only names (a preset): the resolver, and records that go stale when a preset changes.

TOY_PRESETS = {"small": {"lr": 0.1, "sizes": {"hidden": 8}}}


def _toy_resolve(config):
    return {**TOY_PRESETS[config["preset"]], "seed": config["k"]}


@pytest.fixture
def resolving(tmp_path, monkeypatch):
    """A toy experiment whose configuration names a preset, with a resolver; records in a temporary folder."""
    monkeypatch.setenv(storage.RECORDS_ENV, str(tmp_path))
    monkeypatch.setitem(TOY_PRESETS, "small", {"lr": 0.1, "sizes": {"hidden": 8}})
    entry = records.register("toy-resolve", run=_toy_run, config={"preset": "small", "k": 0}, resolve=_toy_resolve)
    yield entry
    registry._REGISTRY.pop("toy-resolve", None)


def test_the_run_stores_the_resolved_values_and_is_current(resolving):
    record = records.run("toy-resolve")
    assert record.resolved == {"lr": 0.1, "sizes": {"hidden": 8}, "seed": 0}
    assert records.load("toy-resolve").resolved == record.resolved
    assert freshness.check("toy-resolve").state == "ok"
    assert display.stale_note(record) is None


def test_a_changed_preset_value_makes_the_record_stale(resolving, capsys):
    records.run("toy-resolve")
    TOY_PRESETS["small"] = {"lr": 0.2, "sizes": {"hidden": 16}}  # the registered config is unchanged
    assert resolving.config_hash == records.load("toy-resolve").config_hash
    status = freshness.check("toy-resolve", ["notebooks/x.ipynb"])
    assert status.state == "problem" and "stale" in status.message and "toy-resolve" in status.message
    assert "lr: 0.1 -> 0.2" in status.message and "sizes.hidden: 8 -> 16" in status.message
    assert "seed" not in status.message  # only the values that changed
    assert freshness.value_changes({"a": 1}, {"b": 1}) == ["a: 1 -> (absent)", "b: (absent) -> 1"]
    # an option added later, at the value that reproduces the earlier runs, is no change; another value is
    added = {"word_vectors": False}
    assert freshness.value_changes({"A": {"lr": 1}}, {"A": {"lr": 1, "word_vectors": False}}, added) == []
    assert freshness.value_changes({"word_vectors": False}, {}, added) == []
    assert freshness.value_changes({}, {"word_vectors": True}, added) == ["word_vectors: (absent) -> True"]
    assert freshness.value_changes({"word_vectors": True}, {"word_vectors": False}, added) == [
        "word_vectors: True -> False"]
    assert "python -m lstm_edu.records run toy-resolve" in status.message and "notebooks/x.ipynb" in status.message
    records.show("toy-resolve")
    assert "lr: 0.1 -> 0.2" in capsys.readouterr().out
    from lstm_edu.records.__main__ import _state

    assert _state(resolving) == "STALE"


def test_a_record_without_resolved_values_is_reported(resolving, tmp_path):
    record = records.run("toy-resolve")
    data = json.loads(record.path.read_text())
    del data["resolved"]  # as a record made before the check existed
    record.path.write_text(json.dumps(data))
    old = records.load("toy-resolve")  # still loads
    assert old.resolved is None
    status = freshness.check("toy-resolve")
    assert status.state == "problem" and "predates" in status.message and "toy-resolve" in status.message


def test_records_without_a_resolver_have_no_resolved_field(toy):
    record = records.run("toy-test")
    assert record.resolved is None and "resolved" not in json.loads(record.path.read_text())
    assert freshness.check("toy-test").state == "ok"


def test_a_failing_or_malformed_resolver_is_a_clear_problem(resolving, monkeypatch):
    records.run("toy-resolve")
    monkeypatch.delitem(TOY_PRESETS, "small")  # a preset that was removed
    status = freshness.check("toy-resolve")
    assert status.state == "problem" and "cannot resolve" in status.message
    with pytest.raises(TypeError, match="resolve"):
        records.register("toy-bad-resolve", run=_toy_run, config={}, resolve="small")
    entry = records.register("toy-bad-resolve", run=_toy_run, config={}, resolve=lambda c: {"x": object()})
    try:
        with pytest.raises(ValueError, match="plain JSON"):
            entry.resolved()
    finally:
        registry._REGISTRY.pop("toy-bad-resolve", None)


def test_imdb_records_resolve_their_presets(monkeypatch):
    import dataclasses

    from lstm_edu.imdb import recorded, train

    cpu = records.get("imdb-cpu").resolved()
    expected = dataclasses.asdict(train.resolve_config("cpu", seed=0))
    del expected["description"]
    assert cpu == json.loads(json.dumps(expected))
    pre = records.get("imdb-pretrain-cpu").resolved()
    options = recorded.PRETRAIN_CPU["classifier_options"]
    assert pre["classifier"]["batch_size"] == options["batch_size"] and pre["classifier"]["epochs"] == options["epochs"]
    assert pre["classifier"]["train_size"] == recorded.PRETRAIN_CPU["train_size"]
    assert pre["pretrain"]["max_train_tokens"] > 0 and "description" not in pre["pretrain"]
    for name in ("imdb-gpu", "imdb-pretrain-gpu", "imdb-system-a", "imdb-system-d", "imdb-models"):
        assert records.get(name).resolved()
    # a changed preset value makes the committed imdb-cpu record stale, naming the value
    assert storage.load("imdb-cpu").resolved is not None
    monkeypatch.setitem(train.PRESETS["cpu"], "lr", 1e-3)
    status = freshness.check("imdb-cpu")
    assert status.state == "problem" and "lr: 0.004 -> 0.001" in status.message

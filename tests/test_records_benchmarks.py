"""The benchmark records scratch-speed and widget-latency: registration, freshness, measuring code at toy size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lstm_edu import records
from lstm_edu.experiments import speed
from lstm_edu.records import freshness, storage
from lstm_edu.widgets import latency

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("scratch-speed", "widget-latency")
TINY = dict(T=4, batch=2, input_size=3, hidden_size=5, repeats=3, warmup=1)


@pytest.mark.parametrize("name", NAMES)
def test_registered_and_committed_records_are_current(name):
    entry = records.get(name)
    assert entry.device == "cpu" and not entry.owed
    status = freshness.check(name)
    assert status.state == "ok", status.message  # present, readable, same configuration hash as the code


def test_chapter_4_shows_the_scratch_speed_record():
    assert "notebooks/04_gru.ipynb" in freshness.notebook_references().get("scratch-speed", [])


def test_a_changed_configuration_makes_the_record_stale(monkeypatch):
    from lstm_edu.records import registry

    entry = records.get("scratch-speed")
    changed = registry.Experiment(**{**entry.__dict__, "config": dict(entry.config, repeats=entry.config["repeats"] + 1)})
    monkeypatch.setitem(registry._REGISTRY, "scratch-speed", changed)
    status = freshness.check("scratch-speed", ["notebooks/04_gru.ipynb"])
    assert status.state == "problem" and "stale" in status.message
    assert "python -m lstm_edu.records run scratch-speed" in status.message


def test_measure_pairs_every_job_and_summarises_ratios():
    result = speed.measure(**TINY)
    jobs = {speed.key(lib, cell, p) for lib in speed.LIBRARIES for cell in speed.CELLS for p in speed.PASSES}
    assert set(result["wall_ms"]) == set(result["cpu_ms"]) == jobs
    assert all(len(v) == 3 and min(v) > 0 for v in result["wall_ms"].values())
    summary = speed.summarise(result)
    both = summary["forward+backward"]
    walls = result["wall_ms"]
    expected = sorted(a / b for a, b in zip(walls["numpy/LSTM/forward+backward"], walls["torch/LSTM/forward+backward"]))[1]
    assert both["numpy_over_torch"]["LSTM"]["wall"] == pytest.approx(expected)  # median of per-repeat ratios
    assert set(both["within"]["torch"]) == {"GRU/RNN", "LSTM/RNN", "LSTM/GRU"}
    columns, rows = speed.table_rows(summary)
    assert len(rows) == 2 * (3 * 3 + 2 * 3) and all(len(row) == len(columns) for row in rows)


def test_within_library_ratios_need_both_cells():
    summary = speed.summarise(speed.measure(**dict(TINY, cells=["lstm", "GRU"], repeats=1, warmup=0)))
    assert set(summary["forward"]["within"]["numpy"]) == {"LSTM/GRU"}


@pytest.mark.parametrize("bad, match", [
    (dict(T=0), "T must be a positive integer"),
    (dict(repeats=True), "repeats must be a positive integer"),
    (dict(warmup=-1), "warmup"),
    (dict(dtype="float16"), "dtype"),
    (dict(cells=["LSTM", "CNN"]), "cells"),
    (dict(cells=[]), "cells"),
])
def test_measure_rejects_bad_options(bad, match):
    with pytest.raises(ValueError, match=match):
        speed.check_options(**{**TINY, **bad})


def test_the_timing_process_sets_the_thread_count_before_numpy_loads():
    result = speed.measure_with_threads(1, **dict(TINY, cells=["RNN"], repeats=1, warmup=0))
    assert result["threads"]["torch"] == 1 and result["threads"]["OPENBLAS_NUM_THREADS"] == "1"
    with pytest.raises(ValueError, match="threads"):
        speed.measure_with_threads(0, **TINY)


def test_the_timing_process_reports_its_failure():
    done = subprocess.run([sys.executable, "-m", "lstm_edu.experiments.speed", "--threads", "1", "--options", "[1]"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "JSON object" in done.stderr


def test_scratch_speed_run_at_toy_size():
    from lstm_edu.experiments import recorded

    result = recorded.run_scratch_speed(dict(recorded.SCRATCH_SPEED, **TINY))
    assert result["metrics"]["threads"]["torch"] == 1
    assert len(result["curves"]["numpy/GRU/forward/cpu_ms"]) == 3
    assert "per-repeat ratios" in result["notes"] and "load average" in result["notes"]


def test_latency_summary():
    s = latency.summary([5.0, 1.0, 3.0] + [2.0] * 17)
    assert s == {"median": 2.0, "p95": 5.0, "max": 5.0, "moves": 20}
    with pytest.raises(ValueError, match="no timings"):
        latency.summary([])


def test_live_latency_at_toy_size():
    pytest.importorskip("ipywidgets")
    times = latency.live_latency("gru", 4)
    assert len(times["wall_ms"]) == len(times["cpu_ms"]) == 4 and min(times["wall_ms"]) > 0
    with pytest.raises(ValueError, match="kind"):
        latency.live_latency("rnn", 4)
    with pytest.raises(ValueError, match="moves"):
        latency.live_latency("lstm", 0)


def test_browser_latency_without_chromium_says_how_to_get_it(monkeypatch):
    monkeypatch.setenv("LSTM_EDU_CHROMIUM", "")
    monkeypatch.setattr(latency.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="LSTM_EDU_CHROMIUM"):
        latency.browser_latency(3)


def test_widget_latency_run_at_toy_size_kernel_side():
    pytest.importorskip("ipywidgets")
    from lstm_edu.widgets import recorded

    result = recorded.run_widget_latency(dict(recorded.WIDGET_LATENCY, moves=3, browser=False))
    widgets = result["metrics"]["widgets"]
    assert set(widgets) == {"live LSTM explorer", "live GRU explorer"}
    assert widgets["live GRU explorer"]["moves"] == 3 and "cpu_max" in widgets["live GRU explorer"]
    columns, rows = recorded._table(type("R", (), {"metrics": result["metrics"]})())
    assert len(rows) == 2 and all(len(row) == len(columns) for row in rows)


def test_bench_scratch_prints_the_paired_table():
    done = subprocess.run([sys.executable, "benchmarks/bench_scratch.py", "--quick", "-T", "3", "-B", "2", "-D", "2",
                           "-H", "3", "--cells", "RNN", "GRU"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "numpy / torch, GRU" in done.stdout and "numpy GRU / RNN" in done.stdout
    done = subprocess.run([sys.executable, "benchmarks/bench_scratch.py", "-T", "0"], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 2 and "T must be a positive integer" in done.stderr


def test_bench_imdb_record_option_points_to_the_records():
    done = subprocess.run([sys.executable, "benchmarks/bench_imdb.py", "--record"], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 2 and "python -m lstm_edu.records run imdb-cpu" in done.stderr


def test_committed_record_files_hold_their_raw_timings():
    data = json.loads(storage.record_path("scratch-speed").read_text())
    repeats = data["config"]["repeats"]
    assert all(len(v) == repeats for v in data["curves"].values())

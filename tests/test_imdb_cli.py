"""The command line: python -m lstm_edu.imdb train / predict, end to end on a synthetic tree."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from imdb_synthetic import make_archive, make_tree
from lstm_edu.imdb.__main__ import main

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parent.parent
REQUIRED_KEYS = {"test_accuracy", "train_seconds", "device", "model", "epochs", "n_train", "n_test"}


def run_module(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "lstm_edu.imdb", *args], capture_output=True, text=True,
                          cwd=ROOT, env=environment, timeout=300)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Train once through the CLI (in-process) from an archive; return the run folder."""
    base = tmp_path_factory.mktemp("imdb_cli")
    tree = make_tree(base / "src", n_per_class=24)
    archive = make_archive(tree.parent, base / "reviews.tar.gz")
    isolated = {"LSTM_EDU_DATA": str(base / "data"), "XDG_CACHE_HOME": str(base / "cache")}
    previous = {name: os.environ.get(name) for name in isolated}
    os.environ.update(isolated)
    try:
        status = main(["train", "--data", str(archive), "--model", "gru", "--epochs", "2", "--device", "cpu",
                       "--limit", "40", "--preset", "quick", "--out", str(base / "run"), "--quiet",
                       "--threads", "1", "--batch-size", "8"])
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    assert status == 0
    return base / "run"


def test_train_writes_metrics_json_with_the_required_keys(trained):
    metrics = json.loads((trained / "metrics.json").read_text(encoding="utf-8"))
    assert REQUIRED_KEYS <= set(metrics)
    assert metrics["model"] == "gru" and metrics["epochs"] == 2 and metrics["preset"] == "quick"
    assert metrics["n_test"] == 40 and metrics["n_train"] + metrics["n_val"] == 40
    assert metrics["device"].startswith("cpu") and 0 <= metrics["test_accuracy"] <= 1
    assert metrics["config"]["batch_size"] == 8, "explicit flags override the preset"
    assert metrics["config"]["max_len"] == 200, "the preset fills in what the flags leave open"


def test_predict_prints_the_label_and_probability(trained):
    result = run_module("predict", "--checkpoint", str(trained), "A wonderful, brilliant film.", "awful")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        assert re.fullmatch(r"(positive|negative) (0\.[5-9]\d{3}|1\.0000)", line), line


@pytest.mark.parametrize("argv, message", [
    ([], "required"),
    (["fly"], "invalid choice"),
    (["train"], "--out"),
    (["train", "--out", "x", "--epochs", "0"], "positive integer"),
    (["train", "--out", "x", "--epochs", "two"], "positive integer"),
    (["train", "--out", "x", "--model", "transformer"], "invalid choice"),
    (["train", "--out", "x", "--preset", "tpu"], "invalid choice"),
    (["train", "--out", "x", "--device", "gpu"], "invalid choice"),
    (["train", "--out", "x", "--limit", "2"], "at least 4"),
    (["predict", "some text"], "--checkpoint"),
    (["predict", "--checkpoint", "dir"], "TEXT"),
])
def test_wrong_arguments_exit_with_status_2_and_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_failures_while_running_exit_with_status_1(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "o"), "--quiet"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["predict", "--checkpoint", str(tmp_path), "text"]) == 1
    assert "not a trained run folder" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_asking_for_a_missing_gpu_fails_with_a_message(tmp_path, capsys):
    tree = make_tree(tmp_path / "src", n_per_class=4)
    assert main(["train", "--data", str(tree), "--device", "cuda", "--out", str(tmp_path / "o"), "--quiet"]) == 1
    assert "CUDA" in capsys.readouterr().err


def test_the_module_entry_point_reports_bad_arguments():
    result = run_module("train", "--epochs", "-3", "--out", "x")
    assert result.returncode == 2
    assert "positive integer" in result.stderr and "usage:" in result.stderr

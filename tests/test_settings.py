"""seed_everything, get_device and the full-size switch."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

import lstm_edu
from lstm_edu import full_size, get_device, seed_everything


def test_version_is_a_string():
    assert isinstance(lstm_edu.__version__, str) and lstm_edu.__version__.count(".") == 2


def test_seed_everything_makes_every_generator_repeat():
    def draw():
        rng = seed_everything(123)
        return random.random(), np.random.rand(), torch.rand(1).item(), rng.random()

    assert draw() == draw()
    first = draw()
    seed_everything(124)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) != first[:3]


@pytest.mark.parametrize("bad", [1.5, "1", None, True])
def test_seed_everything_rejects_non_integers(bad):
    with pytest.raises(TypeError, match="seed must be an integer"):
        seed_everything(bad)


@pytest.mark.parametrize("bad", [-1, 2**32])
def test_seed_everything_rejects_out_of_range(bad):
    with pytest.raises(ValueError, match="seed must be in"):
        seed_everything(bad)


def test_get_device_auto_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert get_device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert get_device().type == "cpu"
    assert get_device("cpu").type == "cpu"


def test_get_device_refuses_a_missing_accelerator(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        get_device("cuda")
    with pytest.raises(ValueError, match="unknown device"):
        get_device("tpu")


def test_full_size_switch(monkeypatch):
    monkeypatch.delenv("LSTM_EDU_GRADING", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.delenv("LSTM_EDU_FULL", raising=False)
    assert full_size() is False
    monkeypatch.setenv("LSTM_EDU_FULL", "1")
    assert full_size() is True
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("LSTM_EDU_FULL", "0")
    assert full_size() is False
    monkeypatch.delenv("LSTM_EDU_FULL")
    assert full_size() is True
    monkeypatch.setenv("LSTM_EDU_FULL", "maybe")
    with pytest.raises(ValueError, match="LSTM_EDU_FULL"):
        full_size()


def test_grading_mode_forces_quick_runs(monkeypatch):
    from lstm_edu import grading

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.delenv("LSTM_EDU_GRADING", raising=False)
    monkeypatch.setenv("LSTM_EDU_FULL", "1")
    assert grading() is False and full_size() is True
    monkeypatch.setenv("LSTM_EDU_GRADING", "1")
    assert grading() is True and full_size() is False
    monkeypatch.setenv("LSTM_EDU_GRADING", "0")
    assert grading() is False
    monkeypatch.setenv("LSTM_EDU_GRADING", "sometimes")
    with pytest.raises(ValueError, match="LSTM_EDU_GRADING"):
        grading()


def test_long_runs_need_the_opt_in_and_full_size(monkeypatch):
    from lstm_edu.settings import long_runs

    monkeypatch.delenv("LSTM_EDU_GRADING", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.delenv("LSTM_EDU_FULL", raising=False)
    monkeypatch.delenv("LSTM_EDU_LONG_RUNS", raising=False)
    assert full_size() is True and long_runs() is False   # a GPU alone never starts the long runs
    for yes in ("1", "true", "YES", " on "):
        monkeypatch.setenv("LSTM_EDU_LONG_RUNS", yes)
        assert long_runs() is True
    monkeypatch.setenv("LSTM_EDU_FULL", "0")               # quick mode: the opt-in has no effect
    assert long_runs() is False
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("LSTM_EDU_FULL", "1")               # full size on a CPU, opted in
    assert long_runs() is True
    monkeypatch.setenv("LSTM_EDU_GRADING", "1")            # an autograder: never
    assert long_runs() is False
    monkeypatch.delenv("LSTM_EDU_GRADING")
    for no in ("0", "false", "off", ""):
        monkeypatch.setenv("LSTM_EDU_LONG_RUNS", no)
        assert long_runs() is False


def test_long_runs_rejects_an_unreadable_value_even_in_quick_mode(monkeypatch):
    from lstm_edu.settings import long_runs

    monkeypatch.delenv("LSTM_EDU_GRADING", raising=False)
    monkeypatch.setenv("LSTM_EDU_FULL", "0")
    monkeypatch.setenv("LSTM_EDU_LONG_RUNS", "please")
    with pytest.raises(ValueError, match="LSTM_EDU_LONG_RUNS='please' is not understood"):
        long_runs()

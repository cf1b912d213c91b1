"""The adding problem generator and the numpy LSTM that learns it (system B)."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_edu.scratch.demo import train_adding_lstm
from lstm_edu.tasks import ADDING_BASELINE_MSE, adding_problem


def test_adding_problem_structure():
    x, y = adding_problem(500, 11, rng=0)
    assert x.shape == (11, 500, 2) and y.shape == (500,) and x.dtype == y.dtype == np.float64
    values, markers = x[..., 0], x[..., 1]
    assert values.min() >= 0 and values.max() < 1
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert np.all(markers[:5].sum(axis=0) == 1)  # one marker in the first half [0, 5)
    assert np.all(markers[5:].sum(axis=0) == 1)  # one in the second half [5, 11)
    np.testing.assert_allclose(y, (values * markers).sum(axis=0))


def test_adding_problem_baseline_is_one_sixth():
    _, y = adding_problem(200_000, 6, rng=1)
    assert ADDING_BASELINE_MSE == pytest.approx(1 / 6)
    assert np.mean(y) == pytest.approx(1.0, abs=0.005)
    assert np.mean((y - 1) ** 2) == pytest.approx(1 / 6, abs=0.003)


def test_adding_problem_is_reproducible_and_checks_arguments():
    a, b = adding_problem(4, 6, rng=np.random.default_rng(3)), adding_problem(4, 6, rng=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert adding_problem(4, 6, dtype=np.float32)[0].dtype == np.float32
    with pytest.raises(ValueError, match="T must be at least 2"):
        adding_problem(4, 1)
    with pytest.raises(TypeError, match="n must be an integer"):
        adding_problem(4.0, 6)
    with pytest.raises(TypeError, match="rng must be"):
        adding_problem(4, 6, rng="seed")


def test_numpy_lstm_beats_the_baseline():
    result = train_adding_lstm(T=10, steps=300, seed=0, test_size=500)
    assert result.baseline == ADDING_BASELINE_MSE
    assert len(result.losses) == 300 and np.all(np.isfinite(result.losses))
    assert result.test_mse < result.baseline / 4, result.test_mse
    assert np.mean(result.losses[-50:]) < result.baseline / 2
    assert np.mean(result.losses[-50:]) < np.mean(result.losses[:50]) / 4

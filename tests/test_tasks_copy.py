"""The copy task generator and the baselines of the long-lag tasks (lstm_edu.tasks)."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_edu.tasks import (
    COPY_BLANK,
    adding_baseline_mse,
    adding_problem,
    copy_baseline,
    copy_delimiter,
    copy_num_classes,
    copy_task,
    echo_task,
)


def test_copy_task_layout():
    T, L, K = 7, 4, 5
    x, y = copy_task(50, T, rng=3, n_symbols=K, copy_length=L)
    assert x.shape == y.shape == (T + 2 * L, 50)
    assert x.dtype == y.dtype == np.int64
    symbols = x[:L]
    assert symbols.min() >= 1 and symbols.max() <= K
    assert np.all(x[L:L + T - 1] == COPY_BLANK)
    assert np.all(x[L + T - 1] == copy_delimiter(K))
    assert np.all(x[L + T:] == COPY_BLANK)
    assert np.all(y[:T + L] == COPY_BLANK)
    np.testing.assert_array_equal(y[T + L:], symbols)
    assert x.max() < copy_num_classes(K) and y.max() < copy_num_classes(K)


def test_copy_task_defaults_are_the_urnn_setup():
    x, y = copy_task(3, 100, rng=0)
    assert x.shape == (120, 3)
    assert copy_delimiter() == 9 and copy_num_classes() == 10
    assert set(np.unique(x)) <= set(range(10))


def test_copy_task_uses_every_symbol_uniformly():
    x, _ = copy_task(2000, 3, rng=1, copy_length=10)
    counts = np.bincount(x[:10].ravel(), minlength=9)[1:]
    assert counts.min() > 0.9 * counts.mean() and counts.max() < 1.1 * counts.mean()


def test_copy_task_is_reproducible_and_seed_dependent():
    a = copy_task(4, 10, rng=5)
    b = copy_task(4, 10, rng=np.random.default_rng(5))
    c = copy_task(4, 10, rng=6)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("T, expected", [(100, 0.1733), (200, 0.0945), (300, 0.0650), (500, 0.0400), (1000, 0.0204)])
def test_copy_baseline_matches_the_published_table(T, expected):
    assert copy_baseline(T) == pytest.approx(expected, abs=5e-5)
    assert copy_baseline(T) == pytest.approx(10 * np.log(8) / (T + 20))


def test_copy_baseline_is_the_loss_of_the_memoryless_strategy():
    """Blank with certainty before the output phase, uniform over the symbols after."""
    T, L, K = 30, 5, 6
    x, y = copy_task(400, T, rng=2, n_symbols=K, copy_length=L)
    probs = np.zeros((T + 2 * L, copy_num_classes(K)))
    probs[:T + L, COPY_BLANK] = 1.0
    probs[T + L:, 1:K + 1] = 1.0 / K
    picked = probs[np.arange(T + 2 * L)[:, None], y]
    loss = -np.mean(np.log(picked))
    assert loss == pytest.approx(copy_baseline(T, n_symbols=K, copy_length=L), rel=1e-12)


def test_adding_baseline_is_one_sixth_and_matches_a_simulation():
    assert adding_baseline_mse() == pytest.approx(1 / 6)
    _, y = adding_problem(200_000, 10, rng=0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, abs=2e-3)
    assert np.mean(y) == pytest.approx(1.0, abs=5e-3)


@pytest.mark.parametrize("kwargs, error", [
    (dict(n=0, T=5), ValueError), (dict(n=2, T=0), ValueError), (dict(n=2.0, T=5), TypeError),
    (dict(n=2, T=5, n_symbols=0), ValueError), (dict(n=2, T=5, copy_length=0), ValueError),
    (dict(n=2, T=True), TypeError), (dict(n=2, T=5, rng="seed"), TypeError),
])
def test_copy_task_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        copy_task(**kwargs)


def test_copy_baseline_rejects_bad_arguments():
    with pytest.raises(ValueError):
        copy_baseline(0)
    with pytest.raises(TypeError):
        copy_baseline(10.5)


def test_echo_task_repeats_the_input_later():
    x, y = echo_task(6, 12, 3, rng=0, dtype=np.float32)
    assert x.shape == (12, 6, 1) and y.shape == (12, 6) and x.dtype == y.dtype == np.float32
    np.testing.assert_array_equal(y[3:], x[:-3, :, 0])
    assert np.all(y[:3] == 0)
    x2, _ = echo_task(6, 12, 3, rng=np.random.default_rng(0), dtype=np.float32)
    np.testing.assert_array_equal(x, x2)


def test_echo_task_baseline_is_the_input_variance():
    _, y = echo_task(20_000, 10, 2, rng=1)
    assert np.mean(y[2:] ** 2) == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize("kwargs, error", [
    (dict(n=2, T=5, delay=5), ValueError), (dict(n=2, T=5, delay=0), ValueError),
    (dict(n=2, T=1, delay=1), ValueError), (dict(n=2, T=5, delay=1.5), TypeError),
])
def test_echo_task_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        echo_task(**kwargs)


@pytest.mark.parametrize("generate", [
    lambda dtype: adding_problem(4, 6, rng=0, dtype=dtype),
    lambda dtype: echo_task(4, 6, 2, rng=0, dtype=dtype),
])
def test_float_tasks_refuse_an_integer_dtype(generate):
    """An integer dtype used to round the uniform or Gaussian inputs silently (to 0 and 1, or -1, 0 and 1)."""
    assert generate(np.float32)[0].dtype == np.float32
    with pytest.raises(TypeError, match="floating-point"):
        generate(np.int64)

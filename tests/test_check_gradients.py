"""Checkers of chapters 1 and 2 (lstm_edu.check.gradients)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from lstm_edu.check import gradients
from lstm_edu.experiments.gradient_flow import vanishing_bound
from lstm_edu.tasks import copy_baseline as tasks_copy_baseline

CATALOGUED = [
    pytest.param(name, exercise, mistake, id=mistake.key)
    for name, exercises in gradients._EXERCISES.items()
    for exercise in exercises
    for mistake in exercise.catalogue
]


def diagnoses(text: str) -> list[str]:
    return [line.split("Diagnosis: ", 1)[1].strip() for line in text.splitlines() if "Diagnosis: " in line]


@pytest.mark.parametrize(("name", "exercise", "mistake"), CATALOGUED)
def test_every_catalogued_mistake_is_rejected_and_named(name, exercise, mistake, capsys):
    assert not getattr(gradients, name)(functools.partial(exercise.variant, **mistake.flags))
    assert diagnoses(capsys.readouterr().out) == [mistake.title]


@pytest.mark.parametrize("name", list(gradients._EXERCISES))
def test_reference_passes_and_stub_is_reported_kindly(name, capsys):
    exercise = gradients._EXERCISES[name][0]
    assert getattr(gradients, name)(exercise.reference)
    assert "correct on all" in capsys.readouterr().out

    def stub(*args):
        raise NotImplementedError

    assert not getattr(gradients, name)(stub)
    assert "not implemented yet" in capsys.readouterr().out
    assert not getattr(gradients, name)(42)


# ------------------------------------------- the references against independent code


def test_cross_entropy_reference_is_torchs():
    for case in gradients._CROSS_ENTROPY.cases():
        logits, targets = case.args
        expected = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(targets)).item()
        assert gradients._cross_entropy_variant(logits, targets) == pytest.approx(expected, rel=1e-12)


def test_unstable_cross_entropy_gets_the_log_sum_exp_hint(capsys):
    def naive(logits, targets):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return -np.mean(np.log(p[np.arange(len(targets)), targets]))

    with np.errstate(all="ignore"):
        assert not gradients.cross_entropy(naive)
    out = capsys.readouterr().out
    assert "passed 2 of 3" in out and "log-sum-exp" in out


def test_embedding_backward_reference_is_autograd():
    for case in gradients._EMBEDDING_BACKWARD.cases():
        ids, d_vectors, vocab = case.args
        table = torch.zeros(vocab, d_vectors.shape[1], dtype=torch.float64, requires_grad=True)
        torch.nn.functional.embedding(torch.tensor(ids), table).backward(torch.tensor(d_vectors))
        np.testing.assert_allclose(gradients._embedding_backward_variant(ids, d_vectors, vocab), table.grad.numpy())


def test_rnn_jacobian_reference_is_autograd():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((4, 4))
    x_part = rng.standard_normal(4)
    h_prev = torch.tensor(rng.standard_normal(4))

    def step(h):
        return torch.tanh(torch.tensor(x_part) + h @ torch.tensor(W).T)

    expected = torch.autograd.functional.jacobian(step, h_prev).numpy()
    np.testing.assert_allclose(gradients._rnn_jacobian_variant(step(h_prev).numpy(), W), expected, atol=1e-12)


def test_gradient_bound_and_copy_baseline_references_agree_with_the_package():
    for case in gradients._GRADIENT_BOUND.cases():
        W, activation = case.args
        assert gradients._gradient_bound_variant(W, activation) == pytest.approx(vanishing_bound(W, activation))
    for case in gradients._COPY_BASELINE.cases():
        T, K, L = case.args
        assert gradients._copy_baseline_variant(T, K, L) == pytest.approx(
            tasks_copy_baseline(T, n_symbols=K, copy_length=L))


def test_package_and_torch_shortcuts_are_refused(capsys):
    """Calling the package's or torch's own implementation does not pass an exercise that asks to write it."""
    import torch

    from lstm_edu import tasks
    from lstm_edu.check import gradients
    from lstm_edu.experiments.gradient_flow import vanishing_bound

    def cross_entropy(logits, targets):
        return float(torch.nn.functional.cross_entropy(torch.as_tensor(logits), torch.as_tensor(targets)))

    def embedding_backward(ids, d_vectors, vocab_size):
        table = torch.nn.Embedding(vocab_size, d_vectors.shape[1])
        (table(torch.as_tensor(ids)) * torch.as_tensor(d_vectors, dtype=torch.float32)).sum().backward()
        return table.weight.grad.double().numpy()

    def gradient_bound(weight_hh, activation):
        return vanishing_bound(weight_hh, activation)

    def copy_baseline(T, n_symbols, copy_length):
        return tasks.copy_baseline(T, n_symbols=n_symbols, copy_length=copy_length)

    for fn in (cross_entropy, embedding_backward, gradient_bound, copy_baseline):
        assert not getattr(gradients, fn.__name__)(fn), fn.__name__
        assert "not accepted" in capsys.readouterr().out, fn.__name__

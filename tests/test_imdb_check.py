"""The chapter 7 exercise checkers (lstm_edu.check.imdb)."""

from __future__ import annotations

import functools

import pytest
import torch

from lstm_edu.check import imdb as check_imdb
from lstm_edu.check._core import attempt, diagnose

CHECKERS = {"pad_and_truncate": check_imdb.pad_and_truncate, "masked_mean": check_imdb.masked_mean,
            "masked_max": check_imdb.masked_max}


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_the_reference_passes(name, capsys):
    exercise = check_imdb._EXERCISES[name]
    assert CHECKERS[name](exercise.reference)
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize("name, mistake", [(name, m) for name, e in check_imdb._EXERCISES.items()
                                           for m in e.catalogue])
def test_every_catalogued_mistake_fails_and_is_named(name, mistake, capsys):
    exercise = check_imdb._EXERCISES[name]
    wrong = functools.partial(exercise.variant, **mistake.flags)
    assert not CHECKERS[name](wrong)
    assert mistake.title in capsys.readouterr().out
    cases = exercise.cases()
    assert diagnose(exercise, cases, [attempt(exercise, wrong, case) for case in cases]) == [mistake]


@pytest.mark.parametrize("name", sorted(CHECKERS))
@pytest.mark.parametrize("learner", [
    lambda *args: None,
    lambda *args: "text",
    lambda *args: 1 / 0,
    lambda *args: torch.zeros(1),
])
def test_checkers_never_raise(name, learner, capsys):
    assert not CHECKERS[name](learner)
    assert capsys.readouterr().out


def test_a_stub_is_reported_as_not_implemented(capsys):
    def stub(outputs, lengths):
        raise NotImplementedError

    assert not check_imdb.masked_mean(stub)
    assert "not implemented yet" in capsys.readouterr().out


def test_numpy_answers_are_accepted(capsys):
    def numpy_mean(outputs, lengths):
        mask = (torch.arange(outputs.shape[1])[None] < lengths[:, None]).numpy()
        return (outputs.numpy() * mask[..., None]).sum(1) / lengths.numpy()[:, None]

    assert check_imdb.masked_mean(numpy_mean)

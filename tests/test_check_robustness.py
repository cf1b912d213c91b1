"""No checker ever raises because of the learner's code; each explains the problem kindly."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_edu import check
from lstm_edu.scratch import lstm_step_forward as lstm_forward  # an alias: calls to it are not refused
from lstm_edu.scratch import rnn_step_forward as rnn_forward
from lstm_edu.check import _registry

ALL_CHECKERS = [(name, exercise) for name, exercises in _registry.core_exercises().items() for exercise in exercises]
IDS = [f"{name}-{'-'.join(map(str, exercise.options.values())) or 'default'}" for name, exercise in ALL_CHECKERS]


def call(name, exercise, fn):
    return getattr(check, name)(fn, **exercise.options)


def not_implemented(*args):
    raise NotImplementedError


def raises_value_error(*args):
    raise ValueError("something broke")


def raises_zero_division(*args):
    return 1 / 0


def recurses_forever(*args):
    return recurses_forever(*args)


def returns_none(*args):
    return None


def returns_text(*args):
    return "hello"


def returns_dict(*args):
    return {"h": 1}


def returns_too_many(*args):
    return (np.zeros(3),) * 7


def returns_ragged(*args):
    return [[1.0, 2.0], [3.0]]


def returns_nan(*args):
    return np.full((1, 4), np.nan)


class BrokenArray:
    def __array__(self, *args, **kwargs):
        raise RuntimeError("cannot convert")


def returns_broken_array(*args):
    return BrokenArray()


def takes_no_arguments():
    return 0


GARBAGE = [
    raises_value_error,
    raises_zero_division,
    recurses_forever,
    returns_none,
    returns_text,
    returns_dict,
    returns_too_many,
    returns_ragged,
    returns_nan,
    returns_broken_array,
    takes_no_arguments,
]


@pytest.mark.parametrize(("name", "exercise"), ALL_CHECKERS, ids=IDS)
@pytest.mark.parametrize("fn", GARBAGE, ids=[fn.__name__ for fn in GARBAGE])
def test_garbage_is_reported_not_raised(name, exercise, fn, capsys):
    assert not call(name, exercise, fn)
    out = capsys.readouterr().out
    assert f"\u274c {name}" in out
    assert len(out.strip().splitlines()) >= 2, "the report explains the problem"


@pytest.mark.parametrize(("name", "exercise"), ALL_CHECKERS, ids=IDS)
def test_a_stub_is_reported_as_not_implemented_yet(name, exercise, capsys):
    assert not call(name, exercise, not_implemented)
    out = capsys.readouterr().out
    assert "not implemented yet" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(("name", "exercise"), ALL_CHECKERS, ids=IDS)
def test_passing_something_that_is_not_a_function(name, exercise, capsys):
    assert not call(name, exercise, np.zeros(3))
    assert "expected a function" in capsys.readouterr().out


def test_an_exception_names_the_line_of_learner_code(capsys):
    def rnn_step(x, h_prev, params):
        a = x @ params["weight_ih"] + h_prev @ params["weight_hh"].T  # missing .T on the first weight
        return np.tanh(a)

    assert not check.rnn_step(rnn_step)
    out = capsys.readouterr().out
    assert "ValueError" in out
    assert 'a = x @ params["weight_ih"]' in out
    assert "x @ weight_ih.T" in out  # the shape hint


def test_a_wrong_key_gets_a_hint_about_params(capsys):
    def rnn_step(x, h_prev, params):
        return np.tanh(x @ params["W_ih"].T)

    assert not check.rnn_step(rnn_step)
    out = capsys.readouterr().out
    assert "KeyError" in out and "'weight_ih'" in out


def test_returning_the_cache_too_is_explained(capsys):
    from lstm_edu import scratch

    assert not check.rnn_step(scratch.rnn_step_forward)
    assert "returned a tuple of 2 values" in capsys.readouterr().out


def test_forgetting_return_is_explained(capsys):
    def lstm_step(x, h_prev, c_prev, params):
        h_prev @ params["weight_hh"].T

    assert not check.lstm_step(lstm_step)
    assert "Did you forget `return h_next, c_next`?" in capsys.readouterr().out


def test_nan_outputs_are_explained(capsys):
    def rnn_step(x, h_prev, params):
        return np.full((x.shape[0], h_prev.shape[1]), np.nan)

    assert not check.rnn_step(rnn_step)
    assert "NaN" in capsys.readouterr().out


def test_a_dropped_batch_dimension_is_explained(capsys):
    def rnn_step(x, h_prev, params):
        return rnn_forward(x, h_prev, params)[0].squeeze()

    assert not check.rnn_step(rnn_step)
    assert "keep the batch dimension" in capsys.readouterr().out


def test_changing_an_input_in_place_fails_with_an_explanation(capsys):
    def lstm_step(x, h_prev, c_prev, params):
        h_next, c_next, _ = lstm_forward(x, h_prev, c_prev, params)
        c_prev *= 0.0
        return h_next, c_next

    assert not check.lstm_step(lstm_step)
    out = capsys.readouterr().out
    assert "changed its input `c_prev` in place" in out


def test_the_learner_cannot_corrupt_the_checker_inputs():
    def vandal(x, h_prev, params):
        params["weight_ih"][:] = 0.0
        x[:] = 0.0
        return rnn_forward(x, h_prev, params)[0]

    assert not check.rnn_step(vandal)
    reference = lambda x, h_prev, params: rnn_forward(x, h_prev, params)[0]  # noqa: E731
    assert check.rnn_step(reference)

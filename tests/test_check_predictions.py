"""Predict-then-measure questions: every outcome explained, bad input explained, and the measuring
cells proposed for the chapters (tests/fixtures/predictions/chN.py) really measure what the
explanations say."""

from __future__ import annotations

import io
import runpy
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from lstm_edu.check import predictions
from lstm_edu.imdb.data import IMDBDataError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "predictions"
#: What each chapter's measuring cell shows (the measurement decides; this records it).
MEASURED = {"gradient-check-error": ("ch1.py", "c"), "vanishing-product": ("ch2.py", "c"),
            "forget-path": ("ch3.py", "a"), "update-gate-keeps": ("ch4.py", "a"),
            "row-lstm-vs-mlp": ("ch5.py", "b"), "padded-last-step": ("ch6.py", "b"),
            "padding-share": ("ch7.py", "b")}


def quiet(call, *args):
    with redirect_stdout(io.StringIO()) as printed:
        result = call(*args)
    assert result.text == printed.getvalue()
    return result


def test_every_question_has_a_measuring_cell_and_explanations():
    assert set(MEASURED) == set(predictions.keys())
    chapters = {predictions.QUESTIONS[key].chapter for key in predictions.keys()}
    assert chapters >= {1, 2, 3, 4, 5, 6, 7}
    for question in predictions.QUESTIONS.values():
        assert set(question.why) == set(question.options) == set(question.wrong)


@pytest.mark.parametrize("key", sorted(MEASURED))
def test_the_measuring_cell_and_the_comparison(key):
    script, expected = MEASURED[key]
    try:
        with redirect_stdout(io.StringIO()):
            measured = runpy.run_path(str(FIXTURES / script))["measured"]
    except IMDBDataError as missing:   # chapter 7 measures the real reviews; the fixture never downloads them
        pytest.skip(f"the IMDB reviews are not on this machine: {missing}")
    question = predictions.QUESTIONS[key]
    assert question.outcome(measured) == expected
    right = quiet(predictions.compare, key, expected, measured)
    assert right and "Your prediction held" in right.text and question.why[expected] .split()[0] in right.text
    for label in question.options:
        if label != expected:
            wrong = quiet(predictions.compare, key, f"({label.upper()})", measured)
            assert not wrong
            assert "did not happen" in wrong.text and question.options[expected] in wrong.text


def test_ask_prints_the_question_and_bad_input_is_explained():
    asked = quiet(predictions.ask, "forget-path")
    assert "(a)" in asked.text and "my_prediction" in asked.text
    assert not quiet(predictions.compare, "no-such-question", "a", 1.0)
    assert "not one of the options" in quiet(predictions.compare, "forget-path", "z", 1.0).text
    assert "not a finite number" in quiet(predictions.compare, "forget-path", "a", float("nan")).text
    assert "not a finite number" in quiet(predictions.compare, "forget-path", "a", None).text
    assert "should be" in quiet(predictions.compare, "update-gate-keeps", "a", 1.0).text


@pytest.mark.parametrize(("share", "expected"), [(0.012, "a"), (0.05, "b"), (0.193, "b"), (0.35, "b"),
                                                 (0.478, "c"), (0.726, "c")])
def test_padding_share_bins(share, expected):
    # the shares chapter 7 prints: bucketed at the quick cut, random at the quick, cpu and gpu presets' cuts
    assert predictions.QUESTIONS["padding-share"].outcome(share) == expected

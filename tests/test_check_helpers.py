"""The smaller checkers (derivatives, clipping, parameter counts, array_close) and the catalogue."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pytest

from lstm_edu import check
from lstm_edu.check import _registry
from lstm_edu.check.helpers import _clip_variant

GUIDE = Path(__file__).resolve().parents[1] / "book" / "teachers-guide.md"
HELPERS = ("sigmoid_derivative", "tanh_derivative", "clip_grad_norm", "count_parameters")


def diagnoses(text: str) -> list[str]:
    return [line.split("Diagnosis: ", 1)[1].strip() for line in text.splitlines() if "Diagnosis: " in line]


def as_learner(name: str, exercise, flags: dict):
    """The learner-shaped function that makes the mistake ``flags``."""
    if name == "clip_grad_norm":  # the variant also returns the grads it observes
        return lambda grads, max_norm: _clip_variant(grads, max_norm, **flags)[0]
    return functools.partial(exercise.variant, **flags)


CATALOGUED = [
    pytest.param(name, exercise, mistake, id=mistake.key)
    for name in HELPERS
    for exercise in _registry.core_exercises()[name]
    for mistake in exercise.catalogue
]


@pytest.mark.parametrize(("name", "exercise", "mistake"), CATALOGUED)
def test_every_catalogued_mistake_is_rejected_and_named(name, exercise, mistake, capsys):
    result = getattr(check, name)(as_learner(name, exercise, mistake.flags), **exercise.options)
    assert not result
    assert diagnoses(capsys.readouterr().out) == [mistake.title]


# ------------------------------------------------------------- derivatives


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_derivatives_of_the_input_pass(capsys):
    assert check.sigmoid_derivative(lambda z: sigmoid(z) * (1 - sigmoid(z)))
    assert check.tanh_derivative(lambda z: 1 / np.cosh(z) ** 2)
    assert capsys.readouterr().out.count("\u2705") == 2


def test_derivatives_of_the_output_pass():
    assert check.sigmoid_derivative(lambda s: s * (1 - s), of="output")
    assert check.tanh_derivative(lambda t: 1 - t**2, of="output")


def test_the_output_formula_on_the_input_is_named(capsys):
    assert not check.sigmoid_derivative(lambda z: z * (1 - z))
    assert diagnoses(capsys.readouterr().out) == ["output formula applied to the input"]


def test_a_mode_that_does_not_exist_is_a_programming_error():
    with pytest.raises(ValueError, match="of must be"):
        check.tanh_derivative(np.tanh, of="middle")


# ---------------------------------------------------------------- clipping


def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    if total > max_norm:
        for g in grads.values():
            g *= max_norm / total
    return total


def test_correct_clipping_passes_in_place():
    assert check.clip_grad_norm(clip_grad_norm)


def test_torch_style_clipping_with_epsilon_passes():
    def with_epsilon(grads, max_norm):
        total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
        scale = max_norm / (total + 1e-6)
        if scale < 1:
            for key in grads:
                grads[key] = grads[key] * scale
        return total

    assert check.clip_grad_norm(with_epsilon)


def test_hand_written_element_wise_clipping_is_named(capsys):
    def element_wise(grads, max_norm):
        total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
        for g in grads.values():
            np.clip(g, -max_norm, max_norm, out=g)
        return total

    assert not check.clip_grad_norm(element_wise)
    assert diagnoses(capsys.readouterr().out) == ["element-wise clipping instead of norm clipping"]


def test_hand_written_clipping_below_the_threshold_is_named(capsys):
    def always(grads, max_norm):
        total = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
        for g in grads.values():
            g *= max_norm / total
        return total

    assert not check.clip_grad_norm(always)
    assert diagnoses(capsys.readouterr().out) == ["clipping even below the threshold"]


def test_returning_a_new_dict_is_explained(capsys):
    def returns_copy(grads, max_norm):
        return {key: value * 0.5 for key, value in grads.items()}

    assert not check.clip_grad_norm(returns_copy)
    assert "should be a number, but your function returned a dict" in capsys.readouterr().out


# ---------------------------------------------------------------- counting


def count_parameters(kind, input_size, hidden_size):
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
    return gates * hidden_size * (input_size + hidden_size) + 2 * gates * hidden_size


def test_correct_count_passes():
    assert check.count_parameters(count_parameters)


def test_the_reference_count_matches_torch():
    torch = pytest.importorskip("torch")
    modules = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}
    for kind, module in modules.items():
        for input_size, hidden_size in ((3, 5), (128, 64)):
            layer = module(input_size, hidden_size)
            expected = sum(p.numel() for p in layer.parameters())
            assert count_parameters(kind, input_size, hidden_size) == expected


def test_a_keras_style_count_is_named(capsys):
    def keras(kind, input_size, hidden_size):
        gates = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
        return gates * hidden_size * (input_size + hidden_size + 1)

    assert not check.count_parameters(keras)
    assert diagnoses(capsys.readouterr().out) == ["one bias vector counted (Keras's count)"]


def test_gate_mix_up_is_named(capsys):
    def mixed_up(kind, input_size, hidden_size):
        gates = {"rnn": 1, "gru": 4, "lstm": 3}[kind]
        return gates * hidden_size * (input_size + hidden_size) + 2 * gates * hidden_size

    assert not check.count_parameters(mixed_up)
    assert diagnoses(capsys.readouterr().out) == ["LSTM and GRU gate counts swapped"]


# ------------------------------------------------------------- array_close


def test_array_close_reports_agreement(capsys):
    assert check.array_close("h", [[1.0, 2.0]], np.array([[1.0, 2.0]]))
    assert "\u2705 h matches" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("got", "message"),
    [
        (np.array([[1.0, 2.5]]), "largest difference is 0.5 at index (0, 1)"),
        (np.array([[1.0], [2.0]]), "It looks transposed"),
        (np.array([1.0, 2.0]), "keep the batch dimension"),
        (np.array([[np.nan, 2.0]]), "NaN"),
        (None, "Did you forget a `return` statement?"),
        ("text", "should be an array of numbers"),
    ],
)
def test_array_close_explains_differences(got, message, capsys):
    assert not check.array_close("h", got, np.array([[1.0, 2.0]]))
    assert message in capsys.readouterr().out


# --------------------------------------------------------- catalogue & guide


def test_catalogue_lists_every_checker():
    catalogue = check.catalogue()
    assert set(catalogue) == set(_registry.exercises())
    assert set(_registry.core_exercises()) < set(catalogue)
    assert all(catalogue[name] for name in catalogue)
    assert all(callable(getattr(check, name)) for name in catalogue), "every checker is check.<name>"
    keys = [mistake.key for mistakes in catalogue.values() for mistake in mistakes]
    assert len(keys) == len(set(keys)), "mistake keys are unique"


def test_the_teachers_guide_shows_the_current_catalogue():
    """The guide's list is generated: `python -m lstm_edu.classroom --catalogue` prints it."""
    text = GUIDE.read_text(encoding="utf-8")
    block = re.search(r"<!-- BEGIN CHECK CATALOGUE -->\n(.*?)<!-- END CHECK CATALOGUE -->", text, re.S)
    assert block, "the guide has the catalogue markers"
    assert block.group(1).strip() == check.catalogue_markdown().strip(), (
        "regenerate the list with: python -m lstm_edu.classroom --catalogue"
    )

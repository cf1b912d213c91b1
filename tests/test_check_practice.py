"""Tests of lstm_edu.check.practice: right answers pass, each catalogued mistake is named."""

from __future__ import annotations

import functools

import pytest
import torch

from lstm_edu.check import practice

# ------------------------------------------------------- learner solutions


def decoder_inputs(targets, bos):
    start = torch.full((targets.shape[0], 1), bos, dtype=targets.dtype)
    return torch.cat([start, targets[:, :-1]], dim=1)


def greedy_decode(step, state, bos, steps):
    token = torch.full((state.shape[0],), bos, dtype=torch.long)
    tokens = []
    for _ in range(steps):
        logits, state = step(token, state)
        token = logits.argmax(-1)
        tokens.append(token)
    return torch.stack(tokens, dim=1)


def exact_match(predicted, target):
    return (predicted == target).all(dim=1).float().mean().item()


def last_valid_output(outputs, lengths):
    return outputs[torch.arange(outputs.shape[0]), lengths - 1]


def bidirectional_summary(outputs, lengths):
    hidden = outputs.shape[-1] // 2
    rows = torch.arange(outputs.shape[0])
    return torch.cat([outputs[rows, lengths - 1, :hidden], outputs[:, 0, hidden:]], dim=-1)


def lstm_parameter_count(input_size, hidden_size, num_layers, bidirectional):
    directions = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else directions * hidden_size
        total += directions * 4 * hidden_size * (layer_input + hidden_size + 2)
    return total


SOLUTIONS = {
    "decoder_inputs": decoder_inputs,
    "greedy_decode": greedy_decode,
    "exact_match": exact_match,
    "last_valid_output": last_valid_output,
    "bidirectional_summary": bidirectional_summary,
    "lstm_parameter_count": lstm_parameter_count,
}


@pytest.mark.parametrize("name", list(SOLUTIONS))
def test_correct_solutions_pass(name, capsys):
    assert getattr(practice, name)(SOLUTIONS[name])
    assert "correct on all" in capsys.readouterr().out


def _learner_variant(exercise, mistake):
    """A learner function that makes exactly ``mistake``."""
    return functools.partial(exercise.variant, **mistake.flags)


CATALOGUE = [(exercise, mistake) for (exercises,) in [(e,) for e in practice._EXERCISES.values()]
             for exercise in exercises for mistake in exercise.catalogue]


@pytest.mark.parametrize("exercise, mistake", CATALOGUE, ids=[m.key for _, m in CATALOGUE])
def test_each_mistake_is_diagnosed(exercise, mistake, capsys):
    checker = getattr(practice, exercise.name)
    assert not checker(_learner_variant(exercise, mistake))
    output = capsys.readouterr().out
    assert f"Diagnosis: {mistake.title}" in output, output


@pytest.mark.parametrize("name", list(SOLUTIONS))
def test_unfinished_stub_reports_not_implemented(name, capsys):
    def stub(*args):
        raise NotImplementedError

    assert not getattr(practice, name)(stub)
    assert "not implemented yet" in capsys.readouterr().out


def test_crashing_and_wrong_type_answers_are_explained(capsys):
    assert not practice.last_valid_output(lambda outputs, lengths: outputs[lengths])
    assert "shape" in capsys.readouterr().out
    assert not practice.last_valid_output(lambda outputs, lengths: outputs[lengths - 1, torch.arange(3)])
    assert "raised IndexError" in capsys.readouterr().out
    assert not practice.exact_match(lambda predicted, target: None)
    assert "None" in capsys.readouterr().out
    assert not practice.decoder_inputs("not a function")
    assert "expected a function" in capsys.readouterr().out


def test_numpy_answers_are_accepted(capsys):
    assert practice.last_valid_output(lambda o, l: last_valid_output(o, l).numpy())


@pytest.mark.parametrize("case", practice.parameter_count_cases(), ids=lambda case: case.label)
def test_the_parameter_count_reference_matches_torch(case):
    input_size, hidden_size, num_layers, bidirectional = case.args
    lstm = torch.nn.LSTM(input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional)
    assert practice._parameter_count_variant(*case.args) == sum(p.numel() for p in lstm.parameters())


def test_a_count_read_off_a_real_layer_passes(capsys):
    def by_construction(input_size, hidden_size, num_layers, bidirectional):
        lstm = torch.nn.LSTM(input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional)
        return sum(p.numel() for p in lstm.parameters())

    assert practice.lstm_parameter_count(by_construction)


def test_toy_decoder_step_depends_on_token_and_state():
    step = practice.ToyDecoderStep()
    logits, state = step(torch.tensor([1, 1]), torch.tensor([0, 0]))
    assert state.tolist() == [1, 1]
    assert logits.argmax(-1).tolist() == [3, 4]
    other, _ = step(torch.tensor([2, 1]), torch.tensor([0, 3]))
    assert other.argmax(-1).tolist() == [5, 0]

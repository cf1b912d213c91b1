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


def forget_gate_bias(lstm, value):
    hidden = lstm.hidden_size
    with torch.no_grad():
        for name, parameter in lstm.named_parameters():
            if name.startswith("bias_ih"):
                parameter[hidden:2 * hidden] = value
            elif name.startswith("bias_hh"):
                parameter[hidden:2 * hidden] = 0.0


SOLUTIONS = {
    "decoder_inputs": decoder_inputs,
    "greedy_decode": greedy_decode,
    "exact_match": exact_match,
    "last_valid_output": last_valid_output,
    "bidirectional_summary": bidirectional_summary,
    "forget_gate_bias": forget_gate_bias,
}


@pytest.mark.parametrize("name", list(SOLUTIONS))
def test_correct_solutions_pass(name, capsys):
    assert getattr(practice, name)(SOLUTIONS[name]) is True
    assert "correct on all" in capsys.readouterr().out


def learner_variant(exercise, mistake):
    """A learner function that makes exactly ``mistake``."""
    if exercise.name == "forget_gate_bias":
        return functools.partial(practice.forget_bias_variant, **mistake.flags)
    return functools.partial(exercise.variant, **mistake.flags)


CATALOGUE = [(exercise, mistake) for (exercises,) in [(e,) for e in practice.EXERCISES.values()]
             for exercise in exercises for mistake in exercise.catalogue]


@pytest.mark.parametrize("exercise, mistake", CATALOGUE, ids=[m.key for _, m in CATALOGUE])
def test_each_mistake_is_diagnosed(exercise, mistake, capsys):
    checker = getattr(practice, exercise.name)
    assert checker(learner_variant(exercise, mistake)) is False
    output = capsys.readouterr().out
    assert f"Diagnosis: {mistake.title}" in output, output


@pytest.mark.parametrize("name", list(SOLUTIONS))
def test_unfinished_stub_reports_not_implemented(name, capsys):
    def stub(*args):
        raise NotImplementedError

    assert getattr(practice, name)(stub) is False
    assert "not implemented yet" in capsys.readouterr().out


def test_crashing_and_wrong_type_answers_are_explained(capsys):
    assert practice.last_valid_output(lambda outputs, lengths: outputs[lengths]) is False
    assert "shape" in capsys.readouterr().out
    assert practice.last_valid_output(lambda outputs, lengths: outputs[lengths - 1, torch.arange(3)]) is False
    assert "raised IndexError" in capsys.readouterr().out
    assert practice.exact_match(lambda predicted, target: None) is False
    assert "None" in capsys.readouterr().out
    assert practice.decoder_inputs("not a function") is False
    assert "expected a function" in capsys.readouterr().out


def test_numpy_answers_are_accepted(capsys):
    assert practice.last_valid_output(lambda o, l: last_valid_output(o, l).numpy()) is True


def test_forget_bias_checker_notices_changed_weights(capsys):
    def also_zeroes_weights(lstm, value):
        forget_gate_bias(lstm, value)
        with torch.no_grad():
            lstm.weight_hh_l0.zero_()

    assert practice.forget_gate_bias(also_zeroes_weights) is False
    assert "weight_hh_l0" in capsys.readouterr().out


def test_toy_decoder_step_depends_on_token_and_state():
    step = practice.ToyDecoderStep()
    logits, state = step(torch.tensor([1, 1]), torch.tensor([0, 0]))
    assert state.tolist() == [1, 1]
    assert logits.argmax(-1).tolist() == [3, 4]
    other, _ = step(torch.tensor([2, 1]), torch.tensor([0, 3]))
    assert other.argmax(-1).tolist() == [5, 0]

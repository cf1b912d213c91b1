"""The gate checkers of chapters 3 and 4: correct answers pass, common mistakes are named."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_edu.check.gates import cifg_lstm_step, flip_update_convention, set_forget_bias


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def cifg(x, h_prev, c_prev, params, forget="coupled"):
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    i, f, g, o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    keep = 1 - i if forget == "coupled" else f
    c = keep * c_prev + i * g
    return o * np.tanh(c), c


def test_cifg_checker_passes_a_correct_step(capsys):
    assert cifg_lstm_step(cifg)
    assert "correct on all 3 test cases" in capsys.readouterr().out


def test_cifg_checker_names_the_vanilla_forget_gate(capsys):
    assert not cifg_lstm_step(lambda *args: cifg(*args, forget="vanilla"))
    assert "ordinary forget gate was used" in capsys.readouterr().out


def test_cifg_checker_reports_an_unfinished_stub(capsys):
    def stub(x, h_prev, c_prev, params):
        raise NotImplementedError

    assert not cifg_lstm_step(stub)
    assert "not implemented yet" in capsys.readouterr().out


def correct_forget_bias(lstm, value):
    H = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                p[H:2 * H] = value
            elif name.startswith("bias_hh"):
                p[H:2 * H] = 0.0


def test_forget_bias_checker_passes_the_correct_answer(capsys):
    assert set_forget_bias(correct_forget_bias)
    assert "Well done" in capsys.readouterr().out


def test_forget_bias_checker_accepts_the_package_helper():
    from lstm_edu.nets.models import set_forget_gate_bias

    assert set_forget_bias(set_forget_gate_bias)


def test_forget_bias_checker_explains_the_second_bias(capsys):
    def ih_only(lstm, value):
        H = lstm.hidden_size
        with torch.no_grad():
            for name, p in lstm.named_parameters():
                if name.startswith("bias_ih"):
                    p[H:2 * H] = value

    assert not set_forget_bias(ih_only)
    assert "bias_hh was left as it was" in capsys.readouterr().out


def test_forget_bias_checker_finds_the_first_layer_only(capsys):
    def first_layer(lstm, value):
        H = lstm.hidden_size
        with torch.no_grad():
            for name, p in lstm.named_parameters():
                if name.endswith(("_l0", "_l0_reverse")):
                    p[H:2 * H] = value if name.startswith("bias_ih") else 0.0 if name.startswith("bias_hh") else p[H:2 * H]

    assert not set_forget_bias(first_layer)
    out = capsys.readouterr().out
    assert "passed 3 of 4" in out and "only the first layer" in out


def test_forget_bias_checker_finds_the_reverse_direction_left_out(capsys):
    def forward_only(lstm, value):
        H = lstm.hidden_size
        with torch.no_grad():
            for k in range(lstm.num_layers):
                getattr(lstm, f"bias_ih_l{k}")[H:2 * H] = value
                getattr(lstm, f"bias_hh_l{k}")[H:2 * H] = 0

    assert not set_forget_bias(forward_only)
    assert "the reverse direction was left out" in capsys.readouterr().out


def test_forget_bias_checker_notices_changed_weights(capsys):
    def also_zeroes_weights(lstm, value):
        correct_forget_bias(lstm, value)
        with torch.no_grad():
            lstm.weight_hh_l0.zero_()

    assert not set_forget_bias(also_zeroes_weights)
    assert "weight_hh_l0" in capsys.readouterr().out


def test_forget_bias_checker_survives_in_place_errors(capsys):
    def no_grad_missing(lstm, value):
        lstm.bias_ih_l0[lstm.hidden_size:2 * lstm.hidden_size] = value

    assert not set_forget_bias(no_grad_missing)
    assert "raised RuntimeError" in capsys.readouterr().out


def flip(params):
    H = params["weight_hh"].shape[1]
    new = {k: v.copy() for k, v in params.items()}
    for v in new.values():
        v[H:2 * H] *= -1
    return new


def test_flip_checker_passes_and_the_flip_is_right(capsys):
    assert flip_update_convention(flip)
    capsys.readouterr()
    # the flipped parameters in the other convention compute torch's GRU
    rng = np.random.default_rng(0)
    D, H = 3, 4
    params = {"weight_ih": rng.normal(size=(3 * H, D)), "weight_hh": rng.normal(size=(3 * H, H)),
              "bias_ih": rng.normal(size=3 * H), "bias_hh": rng.normal(size=3 * H)}
    x, h = rng.normal(size=(2, D)), np.tanh(rng.normal(size=(2, H)))
    cell = torch.nn.GRUCell(D, H, dtype=torch.float64)
    with torch.no_grad():
        for name, value in params.items():
            getattr(cell, name).copy_(torch.from_numpy(value))
    expected = cell(torch.from_numpy(x), torch.from_numpy(h)).detach().numpy()
    p = flip(params)
    gi, gh = x @ p["weight_ih"].T + p["bias_ih"], h @ p["weight_hh"].T + p["bias_hh"]
    r = sigmoid(gi[:, :H] + gh[:, :H])
    z_other = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    np.testing.assert_allclose((1 - z_other) * h + z_other * n, expected, atol=1e-12)


def test_flip_checker_names_forgotten_biases(capsys):
    def weights_only(params):
        H = params["weight_hh"].shape[1]
        new = {k: v.copy() for k, v in params.items()}
        new["weight_ih"][H:2 * H] *= -1
        new["weight_hh"][H:2 * H] *= -1
        return new

    assert not flip_update_convention(weights_only)
    assert "biases were not negated" in capsys.readouterr().out


def test_flip_checker_notices_in_place_changes(capsys):
    def in_place(params):
        H = params["weight_hh"].shape[1]
        for v in params.values():
            v[H:2 * H] *= -1
        return params

    assert not flip_update_convention(in_place)
    assert "in place" in capsys.readouterr().out


@pytest.mark.parametrize("checker", [cifg_lstm_step, set_forget_bias, flip_update_convention])
def test_checkers_refuse_non_functions(checker, capsys):
    assert not checker(42)
    assert "expected a function" in capsys.readouterr().out

"""The RNN/LSTM/GRU step checkers: accept the reference, name every catalogued mistake.

Two kinds of wrong code are used: the catalogue's own variants (one per mistake,
so every catalogued mistake is covered), and hand-written learner-style
functions, written independently of the variants, for the mistakes the book
cares most about (so the catalogue is known to model real code).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from lstm_edu.check import _registry

from lstm_edu import check, scratch
from lstm_edu.check import _variants as variants
from lstm_edu.check.cells import cell_cases

CELL_CHECKERS = ("rnn_step", "lstm_step", "gru_step", "rnn_step_backward", "lstm_step_backward", "gru_step_backward")


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def diagnoses(text: str) -> list[str]:
    """The titles after 'Diagnosis:' in a checker's printed report."""
    return [line.split("Diagnosis: ", 1)[1].strip() for line in text.splitlines() if "Diagnosis: " in line]


def run_checker(name: str, fn, capsys) -> tuple[bool, str]:
    result = getattr(check, name)(fn)
    return result, capsys.readouterr().out


# ------------------------------------------------------------ the reference


def scratch_rnn(x, h_prev, params):
    return scratch.rnn_step_forward(x, h_prev, params)[0]


def scratch_lstm(x, h_prev, c_prev, params):
    return scratch.lstm_step_forward(x, h_prev, c_prev, params)[:2]


def scratch_gru(x, h_prev, params):
    return scratch.gru_step_forward(x, h_prev, params)[0]


def scratch_rnn_backward(dh_next, x, h_prev, params):
    return scratch.rnn_step_backward(dh_next, scratch.rnn_step_forward(x, h_prev, params)[1])


def scratch_lstm_backward(dh_next, dc_next, x, h_prev, c_prev, params):
    cache = scratch.lstm_step_forward(x, h_prev, c_prev, params)[2]
    return scratch.lstm_step_backward(dh_next, dc_next, cache)


def scratch_gru_backward(dh_next, x, h_prev, params):
    return scratch.gru_step_backward(dh_next, scratch.gru_step_forward(x, h_prev, params)[1])


SCRATCH = {
    "rnn_step": scratch_rnn,
    "lstm_step": scratch_lstm,
    "gru_step": scratch_gru,
    "rnn_step_backward": scratch_rnn_backward,
    "lstm_step_backward": scratch_lstm_backward,
    "gru_step_backward": scratch_gru_backward,
}


@pytest.mark.parametrize("name", CELL_CHECKERS)
def test_the_scratch_reference_passes_but_calling_it_is_refused(name, capsys):
    import dataclasses

    from lstm_edu.check._core import run_exercise

    (exercise,) = _registry.core_exercises()[name]
    assert run_exercise(dataclasses.replace(exercise, shortcuts=()), SCRATCH[name])
    assert "correct on all" in capsys.readouterr().out
    passed, out = run_checker(name, SCRATCH[name], capsys)  # a wrapper around lstm_edu.scratch
    assert not passed
    assert "not accepted" in out and "already computes what this exercise asks" in out


@pytest.mark.parametrize("name", CELL_CHECKERS)
def test_the_variant_without_flags_equals_scratch(name):
    """The catalogue's variants are built on a correct implementation."""
    (exercise,) = _registry.core_exercises()[name]
    for case in exercise.cases():
        ours = exercise.variant(*case.args)
        theirs = SCRATCH[name](*case.args)
        flat_ours = np.concatenate([np.ravel(v) for v in _leaves(ours)])
        flat_theirs = np.concatenate([np.ravel(v) for v in _leaves(theirs)])
        np.testing.assert_allclose(flat_ours, flat_theirs, rtol=1e-12, atol=1e-12)


def _leaves(value):
    if isinstance(value, dict):
        return [value[key] for key in variants.PARAM_NAMES]
    if isinstance(value, tuple):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def test_cases_cover_batch_one_and_unequal_sizes():
    cases = cell_cases("lstm", ("x", "h_prev", "c_prev", "params"))
    shapes = [(case.args[0].shape[0], case.args[0].shape[1], case.args[1].shape[1]) for case in cases]
    assert any(batch == 1 for batch, _, _ in shapes)
    assert any(inputs != hidden for _, inputs, hidden in shapes)
    assert all(batch != hidden for batch, _, hidden in shapes)
    assert any("deterministic" in case.label for case in cases) and any("random" in case.label for case in cases)


# ---------------------------------------------------- every catalogued mistake


CATALOGUED = [
    pytest.param(name, mistake, id=mistake.key)
    for name in CELL_CHECKERS
    for mistake in _registry.core_exercises()[name][0].catalogue
]


@pytest.mark.parametrize(("name", "mistake"), CATALOGUED)
def test_every_catalogued_mistake_is_rejected_and_named(name, mistake, capsys):
    (exercise,) = _registry.core_exercises()[name]
    wrong = functools.partial(exercise.variant, **mistake.flags)
    passed, out = run_checker(name, wrong, capsys)
    assert not passed
    assert diagnoses(out) == [mistake.title]


def test_the_catalogue_covers_the_required_mistakes():
    keys = {mistake.key for mistakes in check.catalogue().values() for mistake in mistakes}
    required = {
        "lstm_step.gate_order_ifog", "lstm_step.gate_order_figo", "gru_step.gate_order_zrn",
        "lstm_step.forget_inverted", "lstm_step.missing_cell_tanh", "lstm_step.candidate_tanh_twice",
        "lstm_step.missing_bias_ih", "lstm_step.missing_bias_hh", "gru_step.reset_before_matmul",
        "gru_step.update_swapped", "lstm_step.swapped_outputs", "lstm_step.transposed_outputs",
        "rnn_step.untransposed_weights", "lstm_step.sigmoid_candidate", "rnn_step.sigmoid_instead_of_tanh",
        "rnn_step_backward.tanh_grad_missing", "rnn_step_backward.tanh_grad_flipped",
        "lstm_step_backward.zero_bias_grad_hh", "lstm_step_backward.bias_grad_not_summed",
        "lstm_step_backward.ignores_dc_next", "gru_step_backward.update_grad_sign",
    }
    assert required <= keys


# ------------------------------------------------ hand-written learner code


def cs231n_order_lstm(x, h_prev, c_prev, params):
    """The CS231n assignment's slicing: i, f, o, g."""
    H = h_prev.shape[1]
    a = x @ params["weight_ih"].T + h_prev @ params["weight_hh"].T + params["bias_ih"] + params["bias_hh"]
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    o = sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def learner_lstm(x, h_prev, c_prev, params, *, slip=""):
    """A learner's LSTM with one typical slip, chosen by name."""
    b_hh = 0.0 if slip == "no_bias_hh" else params["bias_hh"]
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + b_hh
    i, f, g, o = np.split(a, 4, axis=1)
    i, f, o = sigmoid(i), sigmoid(f), sigmoid(o)
    g = sigmoid(g) if slip == "sigmoid_g" else np.tanh(g)
    if slip == "tanh_twice":
        g = np.tanh(g)
    c = ((1 - f) if slip == "forget_inverted" else f) * c_prev + i * g
    h = o * (c if slip == "no_cell_tanh" else np.tanh(c))
    return (c, h) if slip == "swapped" else (h, c)


def column_convention_lstm(x, h_prev, c_prev, params):
    """Weights applied to column vectors: everything comes out (H, B)."""
    a = params["weight_ih"] @ x.T + params["weight_hh"] @ h_prev.T + (params["bias_ih"] + params["bias_hh"])[:, None]
    i, f, g, o = np.split(a, 4, axis=0)
    c = sigmoid(f) * c_prev.T + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def cho_gru(x, h_prev, params):
    """Cho et al. 2014: the reset gate multiplies h_prev before the matmul."""
    H = h_prev.shape[1]
    W_ir, W_iz, W_in = np.split(params["weight_ih"], 3)
    W_hr, W_hz, W_hn = np.split(params["weight_hh"], 3)
    b_ir, b_iz, b_in = np.split(params["bias_ih"], 3)
    b_hr, b_hz, b_hn = np.split(params["bias_hh"], 3)
    r = sigmoid(x @ W_ir.T + b_ir + h_prev @ W_hr.T + b_hr)
    z = sigmoid(x @ W_iz.T + b_iz + h_prev @ W_hz.T + b_hz)
    n = np.tanh(x @ W_in.T + b_in + (r * h_prev) @ W_hn.T + b_hn)
    assert n.shape[1] == H
    return (1 - z) * n + z * h_prev


def colah_gru(x, h_prev, params):
    """Chung et al. / Colah's update direction: h = z * n + (1 - z) * h_prev."""
    gi = x @ params["weight_ih"].T + params["bias_ih"]
    gh = h_prev @ params["weight_hh"].T + params["bias_hh"]
    (ir, iz, i_n), (hr, hz, hn) = np.split(gi, 3, axis=1), np.split(gh, 3, axis=1)
    r, z = sigmoid(ir + hr), sigmoid(iz + hz)
    n = np.tanh(i_n + r * hn)
    return z * n + (1 - z) * h_prev


def keras_order_gru(x, h_prev, params):
    """Reading the blocks in Keras's z, r, n order."""
    gi = x @ params["weight_ih"].T + params["bias_ih"]
    gh = h_prev @ params["weight_hh"].T + params["bias_hh"]
    (iz, ir, i_n), (hz, hr, hn) = np.split(gi, 3, axis=1), np.split(gh, 3, axis=1)
    r, z = sigmoid(ir + hr), sigmoid(iz + hz)
    return (1 - z) * np.tanh(i_n + r * hn) + z * h_prev


def untransposed_rnn(x, h_prev, params):
    return np.tanh(x @ params["weight_ih"] + params["bias_ih"] + h_prev @ params["weight_hh"] + params["bias_hh"])


def one_bias_rnn(x, h_prev, params):
    return np.tanh(x @ params["weight_ih"].T + h_prev @ params["weight_hh"].T + params["bias_hh"])


HAND_WRITTEN_FORWARD = [
    ("lstm_step", cs231n_order_lstm, "wrong gate order: i, f, o, g (the CS231n and fastbook order)"),
    ("lstm_step", functools.partial(learner_lstm, slip="forget_inverted"), "forget gate used the wrong way round"),
    ("lstm_step", functools.partial(learner_lstm, slip="no_cell_tanh"), "tanh on the cell missing before the output gate"),
    ("lstm_step", functools.partial(learner_lstm, slip="tanh_twice"), "tanh applied twice to the candidate"),
    ("lstm_step", functools.partial(learner_lstm, slip="no_bias_hh"), "bias_hh forgotten"),
    ("lstm_step", functools.partial(learner_lstm, slip="sigmoid_g"), "sigmoid instead of tanh on the candidate g"),
    ("lstm_step", functools.partial(learner_lstm, slip="swapped"), "h_next and c_next returned in swapped order"),
    ("lstm_step", column_convention_lstm, "outputs transposed"),
    ("gru_step", cho_gru, "reset gate applied before the hidden matmul (Cho et al.'s variant)"),
    ("gru_step", colah_gru, "update gate direction swapped"),
    ("gru_step", keras_order_gru, "wrong gate order: z, r, n (the order of Keras's packed kernel)"),
    ("rnn_step", untransposed_rnn, "weights used untransposed"),
    ("rnn_step", one_bias_rnn, "bias_ih forgotten"),
]


@pytest.mark.parametrize(("name", "fn", "title"), HAND_WRITTEN_FORWARD, ids=[t for _, _, t in HAND_WRITTEN_FORWARD])
def test_hand_written_forward_mistakes_are_named(name, fn, title, capsys):
    passed, out = run_checker(name, fn, capsys)
    assert not passed
    assert diagnoses(out) == [title]


def test_a_hand_written_correct_lstm_passes(capsys):
    passed, out = run_checker("lstm_step", learner_lstm, capsys)
    assert passed, out


def learner_rnn_backward(dh_next, x, h_prev, params, *, slip=""):
    h_next = np.tanh(x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"])
    da = dh_next if slip == "no_tanh_grad" else dh_next * (1 - h_next**2)
    db = da if slip == "no_batch_sum" else da.sum(axis=0)
    grads = {"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev, "bias_ih": db, "bias_hh": db.copy()}
    if slip == "no_bias_hh":
        grads["bias_hh"] = np.zeros_like(grads["bias_hh"])
    return da @ params["weight_ih"], da @ params["weight_hh"], grads


def learner_lstm_backward(dh_next, dc_next, x, h_prev, c_prev, params, *, slip=""):
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    i, f, g, o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    c = f * c_prev + i * g
    t = np.tanh(c)
    dc = dh_next * o * (1 - t**2) + (0.0 if slip == "drop_dc_next" else dc_next)
    da = np.concatenate(
        [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2), dh_next * t * o * (1 - o)], axis=1
    )
    grads = {"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev, "bias_ih": da.sum(0), "bias_hh": da.sum(0)}
    return da @ params["weight_ih"], da @ params["weight_hh"], dc * f, grads


def learner_gru_backward(dh_next, x, h_prev, params, *, slip=""):
    gi = x @ params["weight_ih"].T + params["bias_ih"]
    gh = h_prev @ params["weight_hh"].T + params["bias_hh"]
    (ir, iz, i_n), (hr, hz, hn) = np.split(gi, 3, axis=1), np.split(gh, 3, axis=1)
    r, z = sigmoid(ir + hr), sigmoid(iz + hz)
    n = np.tanh(i_n + r * hn)
    dz = dh_next * ((n - h_prev) if slip == "dz_sign" else (h_prev - n))
    dn = dh_next * (1 - z) * (1 - n**2)
    dr = dn * hn * r * (1 - r)
    dz = dz * z * (1 - z)
    da_x = np.concatenate([dr, dz, dn], axis=1)
    da_h = np.concatenate([dr, dz, dn * r], axis=1)
    grads = {"weight_ih": da_x.T @ x, "weight_hh": da_h.T @ h_prev, "bias_ih": da_x.sum(0), "bias_hh": da_h.sum(0)}
    return da_x @ params["weight_ih"], dh_next * z + da_h @ params["weight_hh"], grads


HAND_WRITTEN_BACKWARD = [
    ("rnn_step_backward", functools.partial(learner_rnn_backward, slip="no_tanh_grad"), "tanh derivative missing"),
    ("rnn_step_backward", functools.partial(learner_rnn_backward, slip="no_batch_sum"), "bias gradient not summed over the batch"),
    ("rnn_step_backward", functools.partial(learner_rnn_backward, slip="no_bias_hh"), "gradient of bias_hh forgotten (all zeros)"),
    ("lstm_step_backward", functools.partial(learner_lstm_backward, slip="drop_dc_next"), "no gradient through the forget path (dc_next ignored)"),
    ("gru_step_backward", functools.partial(learner_gru_backward, slip="dz_sign"), "wrong sign of the update-gate gradient"),
]


@pytest.mark.parametrize(("name", "fn", "title"), HAND_WRITTEN_BACKWARD, ids=[t for _, _, t in HAND_WRITTEN_BACKWARD])
def test_hand_written_backward_mistakes_are_named(name, fn, title, capsys):
    passed, out = run_checker(name, fn, capsys)
    assert not passed
    assert diagnoses(out) == [title]


@pytest.mark.parametrize(
    ("name", "fn"),
    [("rnn_step_backward", learner_rnn_backward), ("lstm_step_backward", learner_lstm_backward),
     ("gru_step_backward", learner_gru_backward)],
)
def test_hand_written_correct_backward_passes(name, fn, capsys):
    passed, out = run_checker(name, fn, capsys)
    assert passed, out


# ----------------------------------------------------------------- feedback


def test_feedback_points_to_the_equations_only_on_request(capsys):
    passed, out = run_checker("lstm_step", cs231n_order_lstm, capsys)
    assert not passed
    assert "Diagnosis: wrong gate order" in out and "hint=1" in out
    assert "The chapter's equations" not in out
    result = check.lstm_step(cs231n_order_lstm, hint=1)
    out = capsys.readouterr().out
    assert not result and result.text == out
    assert "Hint (wrong gate order" in out and "The chapter's equations" in out
    assert "c_t = f_t (.) c_{t-1}  +  i_t (.) g_t" in out
    assert "c_next = f * c_prev + i * g" not in out
    assert "Chapter 3" in out


def test_an_unknown_mistake_gets_the_largest_difference(capsys):
    def slightly_off(x, h_prev, params):
        return 1.01 * scratch_rnn(x, h_prev, params)

    passed, out = run_checker("rnn_step", slightly_off, capsys)
    assert not passed
    assert diagnoses(out) == []
    assert "largest difference" in out and "index" in out


def test_torch_tensors_are_accepted():
    torch = pytest.importorskip("torch")

    def torch_rnn(x, h_prev, params):
        return torch.from_numpy(scratch_rnn(x, h_prev, params))

    assert check.rnn_step(torch_rnn)


def test_float32_arithmetic_is_accepted():
    def float32_lstm(x, h_prev, c_prev, params):
        small = {key: value.astype(np.float32) for key, value in params.items()}
        return learner_lstm(x.astype(np.float32), h_prev.astype(np.float32), c_prev.astype(np.float32), small)

    assert check.lstm_step(float32_lstm)

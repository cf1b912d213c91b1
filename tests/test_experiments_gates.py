"""LSTM gate variants, the grid of side-by-side models, and the adding-problem trainer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_edu.experiments.gates import (
    CELLS,
    VARIANTS,
    LSTMGrid,
    VariantLSTM,
    evaluate_adding,
    first_step_below,
    make_adding_model,
    numpy_times_per_step,
    run_grid,
    run_lstm_grid,
    summarise,
    train_adding,
    train_grid,
)


@pytest.fixture(scope="module")
def lstm64():
    torch.manual_seed(0)
    return torch.nn.LSTM(3, 5, dtype=torch.float64)


@pytest.fixture(scope="module")
def inputs():
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(6, 2, 3, dtype=torch.float64, generator=generator)
    h0 = torch.randn(1, 2, 5, dtype=torch.float64, generator=generator)
    c0 = torch.randn(1, 2, 5, dtype=torch.float64, generator=generator)
    return x, h0, c0


def manual_steps(lstm, x, h0, c0, variant):
    """The variant's equations written out with torch.nn.LSTM's weights."""
    W_ih, W_hh = lstm.weight_ih_l0, lstm.weight_hh_l0
    b = lstm.bias_ih_l0 + lstm.bias_hh_l0
    h, c, outs = h0[0], c0[0], []
    for x_t in x:
        a_i, a_f, a_g, a_o = (x_t @ W_ih.T + h @ W_hh.T + b).chunk(4, dim=1)
        i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
        f = {"nfg": torch.ones_like(f), "cifg": 1 - i}.get(variant, f)
        c = f * c + i * g
        h = o * (c if variant == "noaf" else torch.tanh(c))
        outs.append(h)
    return torch.stack(outs), c


def test_vanilla_variant_is_torch_nn_lstm(lstm64, inputs):
    x, h0, c0 = inputs
    ours = VariantLSTM.from_lstm(lstm64, "vanilla")
    out, (h_n, c_n) = ours(x, (h0, c0))
    ref, (h_ref, c_ref) = lstm64(x, (h0, c0))
    assert torch.allclose(out, ref, atol=1e-14) and torch.allclose(c_n, c_ref, atol=1e-14)
    assert h_n.shape == h_ref.shape == (1, 2, 5)


@pytest.mark.parametrize("variant", ["nfg", "noaf", "cifg"])
def test_each_variant_computes_its_equations(lstm64, inputs, variant):
    x, h0, c0 = inputs
    out, (_, c_n) = VariantLSTM.from_lstm(lstm64, variant)(x, (h0, c0))
    expected_out, expected_c = manual_steps(lstm64, x, h0, c0, variant)
    assert torch.allclose(out, expected_out, atol=1e-13) and torch.allclose(c_n[0], expected_c, atol=1e-13)
    plain, _ = lstm64(x, (h0, c0))
    assert not torch.allclose(out, plain, atol=1e-3)  # the change matters


def test_variant_checks_its_arguments(lstm64):
    with pytest.raises(ValueError, match="variant"):
        VariantLSTM(2, 3, "peephole")
    with pytest.raises(ValueError, match="positive integer"):
        VariantLSTM(2, 0)
    with pytest.raises(ValueError, match="x must be"):
        VariantLSTM(2, 3)(torch.zeros(4, 2))
    with pytest.raises(TypeError, match="nn.LSTM"):
        VariantLSTM.from_lstm(torch.nn.GRU(2, 3))
    with pytest.raises(ValueError, match="one-layer"):
        VariantLSTM.from_lstm(torch.nn.LSTM(2, 3, batch_first=True))


def test_make_adding_model_seeds_and_forget_bias():
    a, b = make_adding_model("lstm", 4, seed=3), make_adding_model("lstm-cifg", 4, seed=3)
    assert torch.equal(a.recurrent.weight_hh_l0, b.recurrent.weight_hh)
    assert torch.equal(a.readout.weight, b.readout.weight)
    model = make_adding_model("lstm", 4, forget_bias=1.0)
    total = model.recurrent.bias_ih_l0 + model.recurrent.bias_hh_l0
    assert torch.allclose(total[4:8], torch.ones(4))
    variant = make_adding_model("lstm-noaf", 4, forget_bias=2.0)
    assert torch.allclose((variant.recurrent.bias_ih + variant.recurrent.bias_hh)[4:8], torch.full((4,), 2.0))
    assert make_adding_model("gru", 4)(torch.zeros(7, 3, 2)).shape == (3,)
    assert set(CELLS) >= {"rnn", "gru", "lstm", "lstm-nfg"}
    with pytest.raises(ValueError, match="cell"):
        make_adding_model("transformer", 4)
    with pytest.raises(ValueError, match="LSTM cells only"):
        make_adding_model("rnn", 4, forget_bias=1.0)
    with pytest.raises(ValueError, match="does not use"):
        make_adding_model("lstm-nfg", 4, forget_bias=1.0)


def test_grid_members_equal_stand_alone_models():
    members = [{"variant": v, "seed": k, "forget_bias": None} for k, v in enumerate(VARIANTS)]
    grid = LSTMGrid(members, 6)
    x = torch.randn(9, 4, 2)
    predictions = grid(x)
    assert predictions.shape == (4, 4)
    for k, member in enumerate(members):
        alone = make_adding_model(f"lstm-{member['variant']}", 6, seed=k)
        assert torch.allclose(alone(x), predictions[k], atol=1e-6)
        assert torch.allclose(grid.member(k)(x), predictions[k], atol=1e-6)
    with pytest.raises(IndexError):
        grid.member(4)
    with pytest.raises(ValueError, match="at least one"):
        LSTMGrid([], 4)
    with pytest.raises(ValueError, match="variant"):
        LSTMGrid([{"seed": 1}], 4)


def test_training_a_grid_is_training_each_member_alone():
    members = [{"variant": "vanilla", "seed": 0}, {"variant": "cifg", "seed": 1, "forget_bias": None}]
    runs = train_grid(LSTMGrid(members, 5), T=8, steps=4, batch_size=16, test_size=50, seed=2)
    for member, run in zip(members, runs):
        alone = train_adding(make_adding_model(f"lstm-{member['variant']}", 5, seed=member["seed"]),
                             T=8, steps=4, batch_size=16, test_size=50, seed=2)
        np.testing.assert_allclose(run.losses, alone.losses, rtol=1e-4)
        np.testing.assert_allclose(run.grad_norms, alone.grad_norms, rtol=1e-4)
        assert run.test_mse == pytest.approx(alone.test_mse, rel=1e-3)
    with pytest.raises(TypeError, match="train_grid"):
        train_adding(LSTMGrid(members, 5), T=8, steps=1)
    with pytest.raises(TypeError, match="LSTMGrid"):
        train_grid(make_adding_model("lstm", 5), T=8, steps=1)


def test_train_adding_reports_and_is_reproducible():
    first = train_adding(make_adding_model("rnn", 4), T=6, steps=5, batch_size=8, test_size=40)
    again = train_adding(make_adding_model("rnn", 4), T=6, steps=5, batch_size=8, test_size=40)
    assert first.losses.shape == first.grad_norms.shape == (5,)
    np.testing.assert_array_equal(first.losses, again.losses)
    assert 0.0 <= first.test_accuracy <= 1.0 and first.test_mse > 0 and first.baseline == pytest.approx(1 / 6)
    assert first.config["T"] == 6 and first.seconds >= 0
    on_cpu = train_adding(make_adding_model("rnn", 4), T=6, steps=5, batch_size=8, test_size=40, device="cpu")
    np.testing.assert_array_equal(on_cpu.losses, first.losses)


def test_clipping_bounds_the_update_not_the_recorded_norm():
    tiny = train_adding(make_adding_model("lstm", 4), T=6, steps=3, batch_size=8, test_size=20, clip=1e-9)
    free = train_adding(make_adding_model("lstm", 4), T=6, steps=3, batch_size=8, test_size=20, clip=None)
    assert tiny.grad_norms[0] == pytest.approx(free.grad_norms[0])  # recorded before clipping
    with pytest.raises(ValueError, match="clip"):
        train_adding(make_adding_model("lstm", 4), T=6, steps=1, clip=0)
    with pytest.raises(ValueError, match="steps"):
        train_adding(make_adding_model("lstm", 4), T=6, steps=0)


def test_evaluate_adding_returns_mse_and_accuracy():
    mse, accuracy = evaluate_adding(make_adding_model("gru", 3), T=5, n=30)
    assert isinstance(mse, float) and 0 <= accuracy <= 1
    mses, accuracies = evaluate_adding(LSTMGrid([{"variant": "vanilla"}] * 2, 3), T=5, n=30)
    assert mses.shape == accuracies.shape == (2,) and mses[0] == pytest.approx(mses[1])


def test_first_step_below():
    losses = np.r_[np.full(30, 0.2), np.full(30, 0.01)]
    assert first_step_below(losses, 0.05, window=10) == 37  # mean of steps 28..37 is 0.048
    assert first_step_below(np.full(50, 0.2), 0.05) is None
    assert first_step_below([0.01], 0.05, window=5) is None
    with pytest.raises(ValueError, match="window"):
        first_step_below(losses, 0.05, window=0)


def test_rows_and_summary():
    rows = run_grid(["rnn", "lstm"], seeds=(0, 1), hidden_size=3, T=5, steps=2, batch_size=8, test_size=20,
                    forget_bias={"lstm": 1.0})
    assert [(r["cell"], r["seed"], r["forget_bias"]) for r in rows] == [
        ("rnn", 0, None), ("rnn", 1, None), ("lstm", 0, 1.0), ("lstm", 1, 1.0)]
    assert rows[0]["parameters"] == 1 * (3 * (2 + 3) + 2 * 3) and rows[2]["parameters"] == 4 * (3 * 5 + 6)
    grid_rows = run_lstm_grid([{"variant": "vanilla", "seed": 0}, {"variant": "nfg", "seed": 0}],
                              hidden_size=3, T=5, steps=2, batch_size=8, test_size=20)
    assert [r["cell"] for r in grid_rows] == ["lstm-vanilla", "lstm-nfg"]
    assert grid_rows[0]["parameters"] == rows[2]["parameters"]
    summary = {s["cell"]: s for s in summarise(rows + grid_rows)}
    assert summary["rnn"]["runs"] == 2 and summary["lstm-nfg"]["runs"] == 1
    assert summary["rnn"]["min_test_mse"] <= summary["rnn"]["mean_test_mse"] <= summary["rnn"]["max_test_mse"]


def test_numpy_times_per_step():
    seconds = numpy_times_per_step(("lstm", "RNN"), input_size=2, hidden_size=4, steps=3, batch=2, rounds=1)
    assert set(seconds) == {"LSTM", "RNN"} and all(0 < s < 1 for s in seconds.values())
    with pytest.raises(ValueError, match="kinds"):
        numpy_times_per_step(("mlp",), input_size=2, hidden_size=4, steps=3, batch=2)
    with pytest.raises(ValueError, match="steps"):
        numpy_times_per_step(input_size=2, hidden_size=4, steps=0, batch=2)

"""Tests of lstm_edu.experiments.myths, the demonstrations behind the myths appendix."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lstm_edu.experiments import myths

torch.set_num_threads(1)


def test_gate_logit_inverts_the_sigmoid():
    for p in (0.01, 0.3, 0.5, 0.99):
        assert torch.sigmoid(torch.tensor(myths.gate_logit(p), dtype=torch.float64)).item() == pytest.approx(p)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.2, 1.5])
def test_gate_logit_rejects_values_a_sigmoid_cannot_reach(p):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        myths.gate_logit(p)


def test_gate_logit_rejects_non_numbers():
    with pytest.raises(TypeError):
        myths.gate_logit("0.5")


def test_fixed_gate_lstm_cell_computes_the_cell_update_with_the_chosen_gates():
    cell = myths.fixed_gate_lstm_cell(3, input_gate=0.2, forget_gate=0.7, output_gate=0.4, candidate=-0.5)
    x = torch.randn(2, 1, dtype=torch.float64)
    h = torch.randn(2, 3, dtype=torch.float64)
    c = torch.randn(2, 3, dtype=torch.float64)
    h_next, c_next = cell(x, (h, c))
    expected_c = 0.7 * c + 0.2 * -0.5
    torch.testing.assert_close(c_next, expected_c)
    torch.testing.assert_close(h_next, 0.4 * torch.tanh(expected_c))


def test_fixed_gate_lstm_cell_rejects_a_candidate_outside_tanh_range():
    with pytest.raises(ValueError, match="between -1 and 1"):
        myths.fixed_gate_lstm_cell(2, input_gate=0.5, forget_gate=0.5, output_gate=0.5, candidate=1.0)


def test_fixed_gate_gru_cell_follows_pytorchs_update_direction():
    cell = myths.fixed_gate_gru_cell(4, reset_gate=0.5, update_gate=0.9, candidate=0.3)
    h = torch.randn(3, 4, dtype=torch.float64)
    h_next = cell(torch.zeros(3, 1, dtype=torch.float64), h)
    torch.testing.assert_close(h_next, 0.1 * 0.3 + 0.9 * h)


def test_unroll_cell_returns_stacked_states_and_a_geometric_cell_decay():
    cell = myths.fixed_gate_lstm_cell(2, input_gate=0.01, forget_gate=0.5, output_gate=0.5, candidate=0.0)
    c0 = torch.ones(1, 2, dtype=torch.float64)
    hidden, cells = myths.unroll_cell(cell, 5, torch.zeros(1, 2, dtype=torch.float64), c0)
    assert hidden.shape == cells.shape == (5, 1, 2)
    torch.testing.assert_close(cells[:, 0, 0], torch.tensor([0.5 ** k for k in range(1, 6)], dtype=torch.float64))


def test_unroll_cell_checks_its_state_arguments():
    lstm_cell = myths.fixed_gate_lstm_cell(2, input_gate=0.5, forget_gate=0.5, output_gate=0.5, candidate=0.0)
    gru_cell = myths.fixed_gate_gru_cell(2, reset_gate=0.5, update_gate=0.5, candidate=0.0)
    h0 = torch.zeros(1, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="c0"):
        myths.unroll_cell(lstm_cell, 3, h0)
    with pytest.raises(ValueError, match="no cell state"):
        myths.unroll_cell(gru_cell, 3, h0, h0)
    with pytest.raises(ValueError, match="shape"):
        myths.unroll_cell(gru_cell, 3, torch.zeros(1, 5, dtype=torch.float64))
    with pytest.raises(TypeError):
        myths.unroll_cell(torch.nn.Linear(2, 2), 3, h0)
    assert myths.unroll_cell(gru_cell, 4, h0).shape == (4, 1, 2)


def test_rnn_jacobian_norms_of_a_linear_regime_match_matrix_powers():
    weight = np.array([[0.5, 10.0], [0.0, 0.5]])
    norms = myths.rnn_jacobian_norms(weight, 10)  # h stays 0, so tanh' = 1 and J_k = W^k
    expected = [np.linalg.norm(np.linalg.matrix_power(weight, k), 2) for k in range(1, 11)]
    np.testing.assert_allclose(norms, expected)


def test_rnn_jacobian_norms_shrink_when_the_largest_singular_value_is_below_one():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    norms = myths.rnn_jacobian_norms(0.8 * q, 20, h0=rng.standard_normal(6))
    assert np.all(norms <= 0.8 ** np.arange(1, 21) + 1e-12)


def test_rnn_jacobian_norms_rejects_a_non_square_matrix():
    with pytest.raises(ValueError, match="square"):
        myths.rnn_jacobian_norms(np.ones((2, 3)), 3)


def test_lstm_weight_gradients_explode_with_large_recurrent_weights():
    norms = myths.lstm_weight_gradient_norms([10, 100], recurrent_scale=10.0)
    assert norms[1] > 1e4 * norms[0]


def test_lstm_weight_gradient_norms_needs_lengths():
    with pytest.raises(ValueError, match="empty"):
        myths.lstm_weight_gradient_norms([])


def test_parameter_counts_match_the_gate_block_formula():
    D, H = 7, 5
    counts = myths.parameter_counts(D, H)
    for name, blocks in (("RNN", 1), ("GRU", 3), ("LSTM", 4)):
        assert counts[name] == blocks * (H * (D + H) + 2 * H)
    assert myths.parameter_counts(D, H, bias=False)["LSTM"] == 4 * H * (D + H)


def test_times_per_step_returns_a_positive_time_per_kind_and_restores_threads():
    threads = torch.get_num_threads()
    times = myths.times_per_step(("RNN", "LSTM"), input_size=2, hidden_size=4, steps=3, batch=2, rounds=1)
    assert set(times) == {"RNN", "LSTM"} and all(t > 0 for t in times.values())
    assert torch.get_num_threads() == threads


def test_times_per_step_checks_its_arguments():
    with pytest.raises(ValueError, match="kind"):
        myths.times_per_step(("Transformer",), input_size=2, hidden_size=4, steps=3, batch=2)
    with pytest.raises(ValueError, match="at least one"):
        myths.times_per_step((), input_size=2, hidden_size=4, steps=3, batch=2)
    with pytest.raises(ValueError, match="rounds"):
        myths.times_per_step(input_size=2, hidden_size=4, steps=3, batch=2, rounds=0)


def test_loss_gradients_at_a_saturated_wrong_logit():
    grads = myths.loss_gradients_at_logit(-8.0, 1)
    p = 1 / (1 + math.exp(8.0))
    assert grads["cross_entropy"] == pytest.approx(p - 1)
    assert grads["mse"] == pytest.approx(2 * (p - 1) * p * (1 - p))
    assert abs(grads["mse"]) < 1e-3 < abs(grads["cross_entropy"])


def test_loss_gradients_rejects_soft_targets():
    with pytest.raises(ValueError, match="0 or 1"):
        myths.loss_gradients_at_logit(0.0, 0.5)


def test_cross_entropy_recovers_from_a_confidently_wrong_start_faster_than_mse():
    mse = myths.train_logistic_unit("mse", steps=20)
    cross_entropy = myths.train_logistic_unit("cross_entropy", steps=20)
    assert mse.shape == cross_entropy.shape == (21,)
    assert mse[0] == cross_entropy[0] < 0.1
    assert cross_entropy[-1] > 0.9 > 0.5 > mse[-1]


def test_train_logistic_unit_rejects_an_unknown_loss():
    with pytest.raises(ValueError, match="mse"):
        myths.train_logistic_unit("hinge")


def test_gru_candidate_reset_after_matches_torch():
    torch.manual_seed(0)
    gru = torch.nn.GRUCell(3, 4, dtype=torch.float64)
    x, h = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)
    after, before = myths.gru_candidates(gru, x, h)
    z = torch.sigmoid(x @ gru.weight_ih[4:8].T + gru.bias_ih[4:8] + h @ gru.weight_hh[4:8].T + gru.bias_hh[4:8])
    torch.testing.assert_close(gru(x, h), (1 - z) * after + z * h)
    assert not torch.allclose(after, before)


def test_gru_candidates_accepts_a_one_layer_gru_and_rejects_others():
    gru = torch.nn.GRU(3, 4)
    after, before = myths.gru_candidates(gru, torch.randn(2, 3), torch.randn(2, 4))
    assert after.shape == before.shape == (2, 4)
    with pytest.raises(ValueError, match="one-layer"):
        myths.gru_candidates(torch.nn.GRU(3, 4, bidirectional=True), torch.randn(2, 3), torch.randn(2, 4))
    with pytest.raises(TypeError):
        myths.gru_candidates(torch.nn.LSTM(3, 4), torch.randn(2, 3), torch.randn(2, 4))


def test_a_multi_hot_batch_touches_embedding_rows_zero_and_one_only():
    embedding = torch.nn.Embedding(50, 3)
    multi_hot = torch.zeros(2, 50, dtype=torch.long)
    multi_hot[0, [4, 9, 30]] = 1
    multi_hot[1, [2, 9]] = 1
    assert myths.embedding_rows_touched(embedding, multi_hot) == [0, 1]
    ids = torch.tensor([[4, 9, 30], [2, 9, 0]])
    assert myths.embedding_rows_touched(embedding, ids) == [0, 2, 4, 9, 30]


def test_embedding_rows_touched_refuses_float_input():
    with pytest.raises(TypeError, match="integer"):
        myths.embedding_rows_touched(torch.nn.Embedding(5, 2), torch.zeros(1, 5))


def test_padding_washes_out_the_last_output_but_not_the_packed_state():
    torch.manual_seed(0)
    embedding, lstm = torch.nn.Embedding(20, 4), torch.nn.LSTM(4, 6)
    with torch.no_grad():
        packed = [myths.final_output_after_padding(lstm, embedding, [3, 4, 5], pad_id=0, pad_count=k, pack=True)
                  for k in (0, 50)]
        unpacked = [myths.final_output_after_padding(lstm, embedding, ids, pad_id=0, pad_count=200)
                    for ids in ([3, 4, 5], [9, 8, 7, 6])]
        plain = myths.final_output_after_padding(lstm, embedding, [3, 4, 5], pad_id=0, pad_count=0)
    torch.testing.assert_close(packed[0], packed[1])
    torch.testing.assert_close(packed[0], plain)
    assert torch.allclose(unpacked[0], unpacked[1], atol=1e-6)


def test_final_output_after_padding_checks_its_arguments():
    embedding, lstm = torch.nn.Embedding(5, 2), torch.nn.LSTM(2, 3, bidirectional=True)
    with pytest.raises(ValueError, match="one-direction"):
        myths.final_output_after_padding(lstm, embedding, [1], pad_id=0, pad_count=1)
    with pytest.raises(ValueError, match="at least one"):
        myths.final_output_after_padding(torch.nn.LSTM(2, 3), embedding, [], pad_id=0, pad_count=1)


def test_choosing_on_the_test_set_inflates_its_score():
    result = myths.best_of_random_classifiers(200, 300, 20_000, np.random.default_rng(0))
    assert result["test"] > 0.55
    assert abs(result["fresh"] - 0.5) < 0.03
    with pytest.raises(TypeError):
        myths.best_of_random_classifiers(2, 2, 2, rng=0)


@pytest.mark.parametrize("kind", [torch.nn.RNN, torch.nn.GRU, torch.nn.LSTM])
def test_steps_read_shows_the_backward_half_of_the_last_output_has_read_one_step(kind):
    torch.manual_seed(0)
    layer = kind(3, 4, bidirectional=True)
    x = torch.randn(6, 1, 3)
    last, first = myths.steps_read(layer, x, -1), myths.steps_read(layer, x, 0)
    assert (last["forward"] > 0).all() and (first["backward"] > 0).all()
    assert torch.nonzero(last["backward"]).flatten().tolist() == [5]
    assert torch.nonzero(first["forward"]).flatten().tolist() == [0]
    assert last["forward"].shape == (6,)


def test_steps_read_checks_its_arguments():
    layer = torch.nn.LSTM(3, 4, bidirectional=True)
    with pytest.raises(ValueError, match="bidirectional"):
        myths.steps_read(torch.nn.LSTM(3, 4), torch.randn(5, 1, 3), -1)
    with pytest.raises(ValueError, match=r"shape \(T, 1, 3\)"):
        myths.steps_read(layer, torch.randn(5, 2, 3), -1)
    with pytest.raises(ValueError, match="position"):
        myths.steps_read(layer, torch.randn(5, 1, 3), 5)
    with pytest.raises(TypeError):
        myths.steps_read(torch.nn.Linear(3, 4), torch.randn(5, 1, 3), -1)

"""Tests of lstm_edu.nets.models and lstm_edu.tasks.sequence_modes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lstm_edu import tasks
from lstm_edu.nets.models import (
    MLPClassifier,
    Seq2Seq,
    SequenceClassifier,
    SequenceEncoder,
    SequenceTagger,
    VectorToSequence,
    count_parameters,
    final_states,
    last_valid_step,
    recurrent_layer,
    set_forget_gate_bias,
    teacher_forcing_inputs,
)

torch.set_num_threads(1)


# ------------------------------------------------------------------ helpers


def test_recurrent_layer_kinds_and_errors():
    assert isinstance(recurrent_layer("LSTM", 3, 5), nn.LSTM)
    gru = recurrent_layer("gru", 3, 5, num_layers=2, dropout=0.2, bidirectional=True)
    assert isinstance(gru, nn.GRU) and gru.batch_first and gru.dropout == 0.2 and gru.bidirectional
    with pytest.raises(ValueError, match="cell must be"):
        recurrent_layer("transformer", 3, 5)
    with pytest.raises(ValueError, match="between stacked layers"):
        recurrent_layer("lstm", 3, 5, dropout=0.5)
    with pytest.raises(ValueError, match="hidden_size"):
        recurrent_layer("lstm", 3, 0)


def test_last_valid_step_reads_each_sequence_at_its_own_end():
    outputs = torch.arange(2 * 4 * 3, dtype=torch.float32).reshape(2, 4, 3)
    picked = last_valid_step(outputs, torch.tensor([2, 4]))
    assert torch.equal(picked, torch.stack([outputs[0, 1], outputs[1, 3]]))
    assert torch.equal(last_valid_step(outputs), outputs[:, -1])
    with pytest.raises(ValueError, match=r"\[1, 4\]"):
        last_valid_step(outputs, torch.tensor([0, 4]))
    with pytest.raises(ValueError, match="one length per sequence"):
        last_valid_step(outputs, torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="batch-first"):
        last_valid_step(outputs[0])


def test_final_states_of_a_bidirectional_lstm_match_its_outputs():
    """M19: the backward direction's summary is at output[:, 0], not output[:, -1]."""
    torch.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    x = torch.randn(2, 5, 3)
    outputs, (h_n, _) = lstm(x)
    summary = final_states(h_n, bidirectional=True)
    assert torch.allclose(summary[:, :4], outputs[:, -1, :4])
    assert torch.allclose(summary[:, 4:], outputs[:, 0, 4:])
    assert not torch.allclose(summary[:, 4:], outputs[:, -1, 4:])
    assert torch.equal(final_states(h_n[:1], bidirectional=False), h_n[0])


def test_set_forget_gate_bias_touches_only_the_forget_block():
    torch.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    before = {name: p.detach().clone() for name, p in lstm.named_parameters()}
    set_forget_gate_bias(lstm, 2.0)
    for name, parameter in lstm.named_parameters():
        if name.startswith("bias"):
            total = getattr(lstm, name.replace("bias_hh", "bias_ih")) + getattr(lstm, name.replace("bias_ih", "bias_hh"))
            assert torch.allclose(total[4:8], torch.full((4,), 2.0))
            for block in (slice(0, 4), slice(8, 16)):
                assert torch.equal(parameter[block], before[name][block])
        else:
            assert torch.equal(parameter, before[name])
    with pytest.raises(TypeError):
        set_forget_gate_bias(nn.GRU(3, 4))
    with pytest.raises(ValueError, match="bias=False"):
        set_forget_gate_bias(nn.LSTM(3, 4, bias=False))


def test_teacher_forcing_inputs_shift_right():
    targets = torch.tensor([[5, 6, 7], [1, 2, 3]])
    assert teacher_forcing_inputs(targets).tolist() == [[0, 5, 6], [0, 1, 2]]
    assert teacher_forcing_inputs(targets, bos=9)[:, 0].tolist() == [9, 9]
    with pytest.raises(ValueError):
        teacher_forcing_inputs(targets[0])


def test_count_parameters_matches_the_lstm_formula():
    model = SequenceClassifier(28, 128, 10)
    assert count_parameters(model) == 4 * 128 * (28 + 128) + 2 * 4 * 128 + 128 * 10 + 10


# ------------------------------------------------------------------- models


def test_mlp_and_vector_to_sequence_shapes():
    assert MLPClassifier(28 * 28, 16, 10)(torch.zeros(3, 28, 28)).shape == (3, 10)
    for cell in ("lstm", "gru", "rnn"):
        model = VectorToSequence(3, 8, 1, steps=12, cell=cell)
        assert model(torch.zeros(2, 3)).shape == (2, 12, 1)
        assert model(torch.zeros(2, 3), steps=5).shape == (2, 5, 1)


def test_encoder_needs_exactly_one_input_kind():
    with pytest.raises(ValueError, match="exactly one"):
        SequenceEncoder(3, 4, vocab_size=10)
    with pytest.raises(ValueError, match="exactly one"):
        SequenceEncoder(hidden_size=4)
    with pytest.raises(ValueError, match="integer tensor"):
        SequenceEncoder(vocab_size=10, hidden_size=4)(torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"\(B, T, D\)"):
        SequenceEncoder(3, 4)(torch.zeros(2, 5))


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("readout", ["final", "mean", "max"])
def test_packed_classifier_ignores_padding(bidirectional, readout):
    """With lengths, appending pad steps must not change the logits."""
    torch.manual_seed(0)
    model = SequenceClassifier(vocab_size=6, hidden_size=5, num_classes=3, bidirectional=bidirectional,
                               readout=readout, num_layers=2).eval()
    tokens = torch.tensor([[1, 2, 3, 0, 0], [4, 5, 1, 2, 3]])
    lengths = torch.tensor([3, 5])
    alone = model(tokens[:1, :3])
    padded = model(tokens, lengths)
    assert padded.shape == (2, 3)
    assert torch.allclose(padded[0], alone[0], atol=1e-6)
    assert torch.allclose(padded[1], model(tokens[1:]), atol=1e-6)


def test_classifier_without_lengths_reads_after_the_padding():
    torch.manual_seed(0)
    model = SequenceClassifier(vocab_size=6, hidden_size=5, num_classes=3).eval()
    tokens = torch.tensor([[1, 2, 3, 0, 0, 0, 0]])
    assert not torch.allclose(model(tokens), model(tokens[:, :3]))


def test_classifier_single_logit_and_argument_errors():
    model = SequenceClassifier(2, 4, 1)
    assert model(torch.zeros(3, 5, 2)).shape == (3,)
    with pytest.raises(ValueError, match="readout"):
        SequenceClassifier(2, 4, 2, readout="first")
    with pytest.raises(ValueError, match="num_classes"):
        SequenceClassifier(2, 4, 0)


def test_classifier_final_readout_equals_manual_lstm():
    torch.manual_seed(0)
    model = SequenceClassifier(3, 4, 2).eval()
    x = torch.randn(2, 6, 3)
    _, (h_n, _) = model.encoder.rnn(x)
    assert torch.allclose(model(x), model.head(h_n[-1]))


def test_tagger_shapes_state_and_packing():
    torch.manual_seed(0)
    tagger = SequenceTagger(1, 6, 2).eval()
    x = torch.randn(3, 8, 1)
    logits, (h, c) = tagger(x, return_state=True)
    assert logits.shape == (3, 8, 2) and h.shape == (1, 3, 6)
    first, state = tagger(x[:, :5], return_state=True)
    second = tagger(x[:, 5:], state=state)
    assert torch.allclose(torch.cat([first, second], 1), logits, atol=1e-6)  # carrying the state = one long run
    packed = tagger(x, torch.tensor([8, 4, 2]))
    assert torch.allclose(packed[1, :4], tagger(x[1:2, :4])[0], atol=1e-6)


def test_seq2seq_teacher_forcing_and_greedy_decoding_agree():
    torch.manual_seed(0)
    model = Seq2Seq(vocab_size=9, hidden_size=8, embedding_dim=4).eval()
    source = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8]])
    generated = model.greedy_decode(source, steps=4)
    assert generated.shape == (2, 4) and generated.dtype == torch.long
    # feeding the generated tokens back under teacher forcing reproduces the same arg-max choices
    logits = model(source, teacher_forcing_inputs(generated, bos=model.bos))
    assert torch.equal(logits.argmax(-1), generated)
    with pytest.raises(ValueError, match="bos"):
        Seq2Seq(vocab_size=5, bos=5)
    with pytest.raises(ValueError, match="token ids"):
        model.encode(torch.zeros(2, 4))


def test_seq2seq_learns_to_reverse_short_sequences():
    torch.manual_seed(0)
    source, target = (torch.from_numpy(a) for a in tasks.reversal_pairs(128, 3, rng=0, n_symbols=3))
    model = Seq2Seq(vocab_size=4, hidden_size=24, embedding_dim=8)
    optimizer = torch.optim.Adam(model.parameters(), 3e-2)
    decoder_inputs = teacher_forcing_inputs(target)
    for _ in range(60):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(source, decoder_inputs).reshape(-1, 4), target.reshape(-1))
        loss.backward()
        optimizer.step()
    exact = (model.greedy_decode(source, 3) == target).all(1).float().mean().item()
    assert exact > 0.9


@pytest.mark.parametrize("build, error, message", [
    (lambda: MLPClassifier(4, 0, 2), ValueError, "hidden_size"),  # used to build a model with no hidden units
    (lambda: MLPClassifier(4, 3, -1), ValueError, "num_classes"),
    (lambda: VectorToSequence(3, 4, steps=0), ValueError, "steps"),
    (lambda: SequenceTagger(3, 4, num_classes=0), ValueError, "num_classes"),
    (lambda: SequenceEncoder(hidden_size=4, vocab_size=0), ValueError, "vocab_size"),
    (lambda: Seq2Seq(5.0), ValueError, "vocab_size"),
    (lambda: Seq2Seq(5, bos=1.5), ValueError, "bos"),
])
def test_models_reject_bad_sizes(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_models_reject_bad_inputs_with_clear_errors():
    encoder = SequenceEncoder(hidden_size=4, vocab_size=5)
    with pytest.raises(ValueError, match="token ids from 1 to 9.*vocab_size=5"):  # not a bare IndexError
        encoder(torch.tensor([[1, 9]]))
    with pytest.raises(ValueError, match="token ids from -1"):
        encoder(torch.tensor([[-1, 2]]))
    features = SequenceEncoder(3, 4)
    with pytest.raises(TypeError, match="lengths must be integers"):  # 2.5 used to be cut to 2 silently
        features(torch.randn(2, 5, 3), torch.tensor([2.5, 5.0]))
    with pytest.raises(TypeError, match="lengths must be integers"):
        last_valid_step(torch.randn(2, 5, 3), torch.tensor([2.5, 3.0]))
    model = Seq2Seq(vocab_size=5, hidden_size=4, embedding_dim=3)
    source = torch.randint(0, 5, (2, 3))
    with pytest.raises(ValueError, match="decoder_inputs"):
        model(source, torch.randint(0, 5, (3, 3)))  # batch sizes differ
    with pytest.raises(ValueError, match="decoder_inputs"):
        model(source, torch.rand(2, 3))
    with pytest.raises(ValueError, match="decoder_inputs holds token ids"):
        model(source, torch.full((2, 3), 9))
    with pytest.raises(ValueError, match="source holds token ids"):
        model.encode(torch.full((2, 3), 7))
    for steps in (0, -1, 2.0):
        with pytest.raises(ValueError, match="steps"):
            model.greedy_decode(source, steps)
    vector = VectorToSequence(3, 4)
    with pytest.raises(ValueError, match="steps"):
        vector(torch.randn(2, 3), steps=-1)
    with pytest.raises(ValueError, match=r"\(B, K\)"):
        vector(torch.randn(3))
    with pytest.raises(TypeError, match="tensor"):
        teacher_forcing_inputs([[1, 2]])
    with pytest.raises(ValueError, match="token ids"):
        teacher_forcing_inputs(torch.rand(2, 3))
    with pytest.raises(TypeError, match="nn.Module"):
        count_parameters("lstm")


def test_vector_to_sequence_accepts_the_cell_name_in_any_case():
    assert VectorToSequence(3, 4, steps=5, cell="LSTM")(torch.zeros(2, 3)).shape == (2, 5, 1)


def test_final_states_and_forget_bias_reject_impossible_values():
    with pytest.raises(ValueError, match="h_n must be"):
        final_states(torch.randn(2, 4), bidirectional=False)
    with pytest.raises(ValueError, match="bidirectional"):
        final_states(torch.randn(1, 2, 4), bidirectional=True)
    with pytest.raises(ValueError, match="finite"):
        set_forget_gate_bias(nn.LSTM(3, 4), float("nan"))


# -------------------------------------------------------------------- tasks


def test_waveforms_follow_their_parameters():
    params, signals = tasks.waveforms(4, 40, rng=0)
    assert params.shape == (4, 3) and signals.shape == (4, 40) and signals.dtype == np.float32
    f, phase, a = params[2]
    assert signals[2, 7] == pytest.approx(a * np.sin(2 * np.pi * f * 7 / 40 + phase), abs=1e-5)
    assert np.all(np.abs(signals) <= params[:, 2:3] + 1e-6)


def test_regime_signal_labels_persist_and_shift_the_mean():
    x, labels = tasks.regime_signal(400, 60, rng=0, switch_probability=0.05)
    assert x.shape == (400, 60, 1) and labels.shape == (400, 60) and set(np.unique(labels)) == {0, 1}
    switches = (np.diff(labels, axis=1) != 0).mean()
    assert 0.03 < switches < 0.07
    assert x[..., 0][labels == 1].mean() == pytest.approx(0.6, abs=0.05)
    with pytest.raises(ValueError):
        tasks.regime_signal(2, 5, switch_probability=1.5)


def test_future_tags_and_echo_stream_targets():
    x, y = tasks.future_tags(3, 10, rng=0, offset=3)
    assert np.array_equal(y[:, :7], x[:, 3:]) and np.all(y[:, 7:] == tasks.IGNORE)
    assert x.min() >= 1
    stream, target = tasks.echo_stream(50, rng=0, delay=5)
    assert np.array_equal(target[5:], stream[:-5]) and np.all(target[:5] == tasks.IGNORE)
    with pytest.raises(ValueError):
        tasks.echo_stream(5, delay=5)
    with pytest.raises(ValueError):
        tasks.future_tags(2, 3, offset=3)


def test_reversal_and_sorting_pairs():
    source, target = tasks.reversal_pairs(5, 6, rng=0)
    assert np.array_equal(target, source[:, ::-1]) and source.min() >= 1 and source.max() <= 8
    source, target = tasks.sorting_pairs(5, 6, rng=0)
    assert np.array_equal(target, np.sort(source, 1))


def test_last_token_task_labels_the_last_real_token():
    tokens, lengths, labels = tasks.last_token_task(50, rng=0, min_length=2, max_length=9)
    assert tokens.shape == (50, 9) and lengths.min() >= 2 and lengths.max() <= 9
    for row, length, label in zip(tokens, lengths, labels):
        assert np.all(row[length:] == tasks.PAD) and np.all(row[:length] >= 1)
        assert label == row[length - 1] - 1
    with pytest.raises(ValueError):
        tasks.last_token_task(3, min_length=5, max_length=4)


def test_generators_validate_arguments():
    with pytest.raises(TypeError):
        tasks.waveforms(2.5)
    with pytest.raises(ValueError):
        tasks.reversal_pairs(0)
    with pytest.raises(TypeError, match="rng"):
        tasks.waveforms(2, rng="seed")
    first = tasks.regime_signal(3, 10, rng=np.random.default_rng(1))
    second = tasks.regime_signal(3, 10, rng=1)
    assert np.array_equal(first[0], second[0])


def _brute_force_posterior(xs, q=0.05, shift=0.6, noise=1.0, upto=None):
    """P(label_t = 1 | x_1..x_upto) by enumerating every label sequence (tiny T only)."""
    import itertools

    xs = np.asarray(xs[:upto] if upto else xs, dtype=np.float64)
    steps = len(xs)
    weighted, total = np.zeros(steps), 0.0
    for labels in itertools.product([0, 1], repeat=steps):
        p = 0.5
        for k in range(1, steps):
            p *= q if labels[k] != labels[k - 1] else 1 - q
        for k in range(steps):
            p *= np.exp(-((xs[k] - (2 * labels[k] - 1) * shift) ** 2) / (2 * noise**2))
        weighted += p * np.array(labels)
        total += p
    return weighted / total


def test_regime_posterior_is_exact():
    x, _ = tasks.regime_signal(2, 7, rng=3)
    smooth = tasks.regime_posterior(x, smooth=True)
    filtered = tasks.regime_posterior(x)
    for k in range(2):
        assert np.allclose(smooth[k], _brute_force_posterior(x[k, :, 0]), rtol=0, atol=1e-6)
        for t in range(7):
            assert filtered[k, t] == pytest.approx(_brute_force_posterior(x[k, :, 0], upto=t + 1)[-1], abs=1e-6)
    with pytest.raises(ValueError):
        tasks.regime_posterior(np.zeros(5))
    for bad in ({"shift": float("nan")}, {"noise": 0.0}, {"noise": -1.0}):
        with pytest.raises(ValueError, match="shift|noise"):  # noise=0 used to divide by zero into NaNs
            tasks.regime_posterior(x, **bad)
    with pytest.raises(ValueError, match="NaN"):
        tasks.regime_posterior(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="shift"):
        tasks.regime_signal(2, 5, shift=float("nan"))
    with pytest.raises(ValueError, match="noise"):
        tasks.regime_signal(2, 5, noise=-1.0)


def test_regime_posterior_ranks_the_taggers():
    x, labels = tasks.regime_signal(500, 60, rng=1)
    sign = ((x[..., 0] > 0) == labels).mean()
    causal = ((tasks.regime_posterior(x) > 0.5) == labels).mean()
    both_ways = ((tasks.regime_posterior(x, smooth=True) > 0.5) == labels).mean()
    assert sign < causal < both_ways

"""The IMDB classifiers never read padding; pooling, shapes, gate replay, article systems."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_edu.imdb.analysis import (
    confusion_matrix,
    lstm_gate_trace,
    most_confident_errors,
    plot_confusion_matrix,
    plot_gate_trace,
    words_by_gate,
)
from lstm_edu.imdb.articles import SYSTEMS, article_config, many_to_many_logits, multi_hot
from lstm_edu.imdb.batching import pad_batch
from lstm_edu.imdb.models import (
    POOLINGS,
    RECURRENT,
    BagOfWords,
    SentimentRNN,
    build_model,
    length_mask,
    rebuild_model,
)
from lstm_edu.imdb.text import PAD_ID
from lstm_edu.nets.models import last_valid_step

torch.set_num_threads(1)
VOCAB = 50


def batch(seed=0, lengths=(7, 3, 1, 5)):
    generator = torch.Generator().manual_seed(seed)
    sequences = [torch.randint(2, VOCAB, (n,), generator=generator).tolist() for n in lengths]
    return pad_batch(sequences)


def model(name="lstm", pooling="last", seed=0, **options):
    torch.manual_seed(seed)
    return build_model(name, VOCAB, embedding_dim=8, hidden_size=6, pooling=pooling, **options).eval()


@pytest.mark.parametrize("name", sorted(RECURRENT))
@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize("num_outputs", [1, 2])
def test_output_shapes(name, pooling, num_outputs):
    ids, lengths = batch()
    net = model(name, pooling, num_outputs=num_outputs, num_layers=2, dropout=0.1)
    out = net(ids, lengths)
    assert out.shape == ((4,) if num_outputs == 1 else (4, 2))
    features = net.features(ids, lengths)
    assert features.shape == (4, 6 * (2 if name.startswith("bi") else 1)) == (4, net.feature_size)
    probabilities = net.probabilities(ids, lengths)
    assert probabilities.shape == (4,) and ((probabilities > 0) & (probabilities < 1)).all()


@pytest.mark.parametrize("name", sorted(RECURRENT))
@pytest.mark.parametrize("pooling", POOLINGS)
def test_changing_the_padding_never_changes_a_prediction(name, pooling):
    ids, lengths = batch()
    net = model(name, pooling, num_layers=2)
    reference = net(ids, lengths)
    mask = length_mask(lengths, ids.shape[1])
    scrambled = torch.where(mask, ids, torch.randint(0, VOCAB, ids.shape))
    assert not torch.equal(scrambled, ids)
    wider = torch.cat([scrambled, torch.randint(0, VOCAB, (4, 5))], dim=1)  # more padding columns
    torch.testing.assert_close(net(scrambled, lengths), reference, rtol=0, atol=1e-6)
    torch.testing.assert_close(net(wider, lengths), reference, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", sorted(RECURRENT))
@pytest.mark.parametrize("pooling", POOLINGS)
def test_a_padded_review_gets_the_same_output_as_alone(name, pooling):
    ids, lengths = batch()
    net = model(name, pooling)
    together = net(ids, lengths)
    for row in range(4):
        n = int(lengths[row])
        alone = net(ids[row:row + 1, :n], lengths[row:row + 1])
        torch.testing.assert_close(alone, together[row:row + 1], rtol=0, atol=1e-6)


def test_last_pooling_is_the_state_at_the_last_real_token():
    ids, lengths = batch()
    net = model("lstm", "last")
    outputs, mask, _ = net.run(ids, lengths)
    torch.testing.assert_close(net.features(ids, lengths), last_valid_step(outputs, lengths))
    assert (outputs[~mask] == 0).all()


def test_bidirectional_last_pooling_joins_forward_end_and_backward_start():
    ids, lengths = batch()
    net = model("bilstm", "last")
    outputs, _, _ = net.run(ids, lengths)
    features = net.features(ids, lengths)
    torch.testing.assert_close(features[:, :6], last_valid_step(outputs, lengths)[:, :6])
    torch.testing.assert_close(features[:, 6:], outputs[:, 0, 6:])


def test_max_and_mean_pool_over_real_positions_only():
    ids, lengths = batch()
    for pooling, reduce in (("max", lambda x: x.amax(0)), ("mean", lambda x: x.mean(0))):
        net = model("gru", pooling)
        outputs, _, _ = net.run(ids, lengths)
        expected = torch.stack([reduce(outputs[b, : int(lengths[b])]) for b in range(4)])
        torch.testing.assert_close(net.features(ids, lengths), expected)


def test_pad_embedding_is_zero_and_forget_bias_is_one():
    net = model("lstm")
    assert (net.embedding.weight[PAD_ID] == 0).all()
    assert (net.rnn.bias_ih_l0[6:12] == 1).all() and (net.rnn.bias_hh_l0[6:12] == 0).all()
    default = model("lstm", forget_bias=None)
    assert not (default.rnn.bias_ih_l0[6:12] == 1).all()


def test_models_reject_bad_input():
    net = model()
    ids, lengths = batch()
    with pytest.raises(TypeError, match="M28"):
        net(ids.float(), lengths)
    with pytest.raises(ValueError, match="lengths"):
        net(ids, lengths[:2])
    with pytest.raises(ValueError, match="lengths"):
        net(ids, torch.tensor([8, 1, 1, 1]))
    with pytest.raises(ValueError, match="ids"):
        net(ids[0], lengths)
    for kwargs in ({"cell": "rnn"}, {"pooling": "first"}, {"num_outputs": 3}, {"dropout": 1.0},
                   {"hidden_size": 0}, {"pad_id": VOCAB}):
        with pytest.raises(ValueError):
            SentimentRNN(VOCAB, **kwargs)
    with pytest.raises(ValueError, match="model"):
        build_model("transformer", VOCAB)


def test_models_reject_ids_outside_the_vocabulary_and_fractional_lengths():
    ids, lengths = batch()
    for name in ("lstm", "bow"):
        net = model(name) if name != "bow" else build_model("bow", VOCAB)
        for bad in (VOCAB, -1):  # used to be a bare IndexError from inside nn.Embedding
            with pytest.raises(ValueError, match=f"ids holds token ids.*vocab_size={VOCAB}"):
                net(ids.masked_fill(ids == ids[0, 0], bad), lengths)
    net = model()
    with pytest.raises(TypeError, match="lengths must be integers"):  # 2.5 used to be cut to 2 silently
        net(ids, lengths.float() - 0.5)
    with pytest.raises(TypeError, match="tensors"):
        net(ids.numpy(), lengths)
    with pytest.raises(TypeError, match="tensors"):
        net(ids, lengths.tolist())


def test_model_options_are_checked_for_every_architecture():
    with pytest.raises(TypeError, match="num_output"):  # a typo used to be ignored for the bag of words
        build_model("bow", VOCAB, num_output=2)
    with pytest.raises(TypeError, match="hiden_size"):
        build_model("lstm", VOCAB, hiden_size=4)
    assert isinstance(build_model("bow", VOCAB, hidden_size=4, pooling="max"), BagOfWords)  # shared options
    with pytest.raises(ValueError, match="finite"):
        SentimentRNN(VOCAB, forget_bias=float("nan"))
    for kwargs in ({"pad_id": 1.5}, {"pad_id": VOCAB}):
        with pytest.raises(ValueError, match="pad_id"):
            SentimentRNN(VOCAB, **kwargs)
        with pytest.raises(ValueError, match="pad_id"):
            BagOfWords(VOCAB, **kwargs)
    with pytest.raises(ValueError, match="vocab_size"):
        BagOfWords(0)


def test_padding_positions_get_no_gradient():
    ids, lengths = batch()
    net = model("bilstm", "mean")
    embedded = []

    def keep(module, args, out):
        out.retain_grad()
        embedded.append(out)

    net.embedding.register_forward_hook(keep)
    net(ids, lengths).sum().backward()
    grad = embedded[0].grad
    mask = length_mask(lengths, ids.shape[1])
    assert (grad[~mask] == 0).all() and (grad[mask].abs().sum(-1) > 0).all()


def test_bag_of_words_counts_each_word_once_and_ignores_order_and_padding():
    torch.manual_seed(0)
    bow = build_model("bow", VOCAB, embedding_dim=99)
    assert isinstance(bow, BagOfWords)
    with torch.no_grad():
        bow.embedding.weight.copy_(torch.randn(VOCAB, 1))
        bow.bias.fill_(0.5)
    ids, lengths = pad_batch([[5, 6, 7], [7, 6, 5, 5, 5], [5, 6], [9]])
    out = bow(ids, lengths)
    weight = bow.embedding.weight[:, 0]
    torch.testing.assert_close(out[0], out[1])
    torch.testing.assert_close(out[2], weight[5] + weight[6] + 0.5)
    torch.testing.assert_close(out[3], weight[9] + 0.5)
    rebuilt = rebuild_model(bow.config)
    assert isinstance(rebuilt, BagOfWords) and rebuilt.embedding.num_embeddings == VOCAB
    assert build_model("bow", VOCAB, num_outputs=2)(ids, lengths).shape == (4, 2)
    with pytest.raises(TypeError):
        bow(ids.float(), lengths)


def test_rebuild_model_restores_a_recurrent_model():
    net = model("bigru", "mean", num_layers=2)
    rebuilt = rebuild_model(net.config)
    assert isinstance(rebuilt, SentimentRNN) and rebuilt.config == net.config


# --------------------------------------------------------------- gate replay


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_gate_replay_reproduces_the_lstm_outputs(direction):
    net = model("bilstm", "max")
    ids, lengths = batch(lengths=(9,))
    with torch.no_grad():
        outputs, _, _ = net.run(ids, lengths)
    trace = lstm_gate_trace(net, ids[0].tolist(), tokens=[f"w{i}" for i in range(9)], direction=direction)
    half = slice(0, 6) if direction == "forward" else slice(6, 12)
    np.testing.assert_allclose(trace.hidden, outputs[0, :, half].double().numpy(), atol=1e-6)
    assert trace.input_gate.shape == trace.forget_gate.shape == (9, 6)
    assert ((trace.forget_gate > 0) & (trace.forget_gate < 1)).all()
    np.testing.assert_allclose(trace.cell[0] if direction == "forward" else trace.cell[-1],
                               (trace.input_gate * trace.candidate)[0 if direction == "forward" else -1])


def test_gate_replay_rejects_grus_and_missing_directions():
    with pytest.raises(TypeError, match="GRU"):
        lstm_gate_trace(model("gru"), [2, 3])
    with pytest.raises(ValueError, match="bidirectional"):
        lstm_gate_trace(model("lstm"), [2, 3], direction="backward")
    with pytest.raises(ValueError, match="no tokens"):
        lstm_gate_trace(model("lstm"), [])


def test_words_by_gate_ranks_words_and_plots_render():
    net = model("lstm")
    traces = [lstm_gate_trace(net, [2, 3, 2, 4], tokens=["a", "b", "a", "c"]) for _ in range(3)]
    ranked = words_by_gate(traces, "input_gate", min_count=3, k=5)
    assert {word for word, _, _ in ranked} == {"a", "b", "c"}
    assert [count for word, _, count in ranked if word == "a"] == [6]
    values = [value for _, value, _ in ranked]
    assert values == sorted(values, reverse=True)
    lowest = words_by_gate(traces, "forget_gate", min_count=1, highest=False)
    assert [v for _, v, _ in lowest] == sorted(v for _, v, _ in lowest)
    import matplotlib

    matplotlib.use("Agg")
    figure = plot_gate_trace(traces[0], units=4)
    assert len(figure.axes) >= 3
    assert plot_confusion_matrix(np.array([[3, 1], [2, 4]])).get_title() == "test reviews"
    with pytest.raises(ValueError, match="gate"):
        traces[0].mean("reset_gate")


# ---------------------------------------------------------------- errors


def test_confusion_matrix_and_confident_errors():
    labels = np.array([0, 0, 1, 1, 1, 0])
    probabilities = np.array([0.1, 0.95, 0.2, 0.8, 0.45, 0.6])
    matrix = confusion_matrix(labels, probabilities > 0.5)
    assert matrix.tolist() == [[1, 2], [2, 1]]
    assert most_confident_errors(probabilities, labels, k=3).tolist() == [1, 2, 5]
    with pytest.raises(ValueError):
        confusion_matrix([0, 2], [0, 1])


# --------------------------------------------------------------- articles


def test_article_systems_have_the_published_settings():
    a = article_config("A")
    assert (a.model, a.embedding_dim, a.max_len, a.hidden_size, a.num_outputs, a.batch_size, a.epochs,
            a.val_fraction, a.pooling) == ("bilstm", 64, 100, 64, 1, 32, 10, 0.2, "last")
    d = article_config("D", cell="gru")
    assert (d.model, d.vocab_size, d.max_len, d.embedding_dim, d.hidden_size, d.embedding_dropout,
            d.num_outputs, d.batch_size) == ("gru", 10_000, 500, 64, 64, 0.2, 2, 32)
    assert article_config("D").model == "lstm"
    for system in ("A", "D"):
        config = article_config(system)
        assert config.patience is None and config.clip_norm is None, "the articles used neither"
    assert article_config("A", epochs=2, limit=100).epochs == 2
    assert set(SYSTEMS) == {"A", "D"}
    with pytest.raises(ValueError):
        article_config("B")
    with pytest.raises(ValueError):
        article_config("D", cell="rnn")


def test_the_article_bugs_can_be_shown():
    bag = multi_hot([[2, 5, 5], [3]], 8)
    assert bag.tolist() == [[0, 0, 1, 0, 0, 1, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0]]
    embedded = torch.nn.Embedding(8, 4)(bag.long())
    assert embedded.shape == (2, 8, 4) and torch.unique(embedded.reshape(-1, 4), dim=0).shape[0] == 2
    with pytest.raises(ValueError):
        multi_hot([[9]], 8)
    ids, lengths = batch()
    per_step = many_to_many_logits(model("lstm", num_outputs=2), ids, lengths)
    assert per_step.shape == (4, ids.shape[1], 2)

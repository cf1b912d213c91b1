"""Count-based word vectors (PPMI + truncated SVD) and their use as the classifier's starting embedding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from imdb_synthetic import make_tree, review_text
from lstm_edu.imdb import train as imdb_train
from lstm_edu.imdb.text import Vocab
from lstm_edu.imdb.word_vectors import cooccurrence_counts, nearest_words, ppmi, svd_vectors, word_vectors

torch.set_num_threads(1)


def dense(sparse: torch.Tensor) -> np.ndarray:
    return sparse.to_dense().numpy()


def test_counts_weight_a_pair_by_one_over_its_distance_and_never_cross_reviews():
    counts = dense(cooccurrence_counts([np.array([2, 3, 4]), np.array([5, 6])], 7, window=2))
    expected = np.zeros((7, 7), np.float32)
    for a, b, w in ((2, 3, 1), (3, 4, 1), (2, 4, 0.5), (5, 6, 1)):
        expected[a, b] = expected[b, a] = w
    np.testing.assert_allclose(counts, expected)   # no (4, 5): the reviews are separate


def test_a_word_next_to_itself_counts_once_from_each_side():
    counts = dense(cooccurrence_counts([np.array([2, 2])], 3, window=1))
    assert counts[2, 2] == 2   # each of the two tokens has the other as its context


def test_padding_and_unknown_words_are_neither_words_nor_contexts():
    counts = dense(cooccurrence_counts([np.array([2, 0, 3, 1, 4])], 5, window=1))
    assert counts[:2].sum() == 0 and counts[:, :2].sum() == 0
    assert counts.sum() == 0   # every neighbour of a real word here is <pad> or <unk>
    counts = dense(cooccurrence_counts([np.array([2, 0, 3, 1, 4])], 5, window=2))
    assert counts[2, 3] == counts[3, 4] == 0.5 and counts[2, 4] == 0


def test_ppmi_follows_its_formula_with_smoothed_contexts():
    rng = np.random.default_rng(0)
    n = rng.integers(0, 5, size=(6, 6)).astype(np.float64)
    n = n + n.T
    n[:2] = n[:, :2] = 0
    sparse = torch.tensor(n, dtype=torch.float32).to_sparse()
    context = n.sum(0) ** 0.75
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(n * context.sum() / (n.sum(1, keepdims=True) * context[None, :]))
    expected = np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0)
    np.testing.assert_allclose(dense(ppmi(sparse)), expected, rtol=1e-5, atol=1e-6)


def test_svd_vectors_reproduce_a_low_rank_symmetric_matrix():
    rng = np.random.default_rng(1)
    basis = np.linalg.qr(rng.normal(size=(40, 3)))[0]
    matrix = torch.tensor(basis @ np.diag([9.0, 4.0, 1.0]) @ basis.T, dtype=torch.float32)
    vectors = svd_vectors(matrix.to_sparse(), 3, seed=0)
    np.testing.assert_allclose((vectors @ vectors.T).numpy(), matrix.numpy(), atol=1e-4)  # U sqrt(S) (U sqrt(S))^T
    assert torch.equal(vectors, svd_vectors(matrix.to_sparse(), 3, seed=0))   # seeded: reproducible


def test_words_used_alike_get_nearby_vectors():
    rng = np.random.default_rng(2)
    vocab = Vocab(["<pad>", "<unk>", "the", "film", "was", "great", "superb", "awful", "worst", "plot", "and"])
    good, bad = ("great", "superb"), ("awful", "worst")
    sequences = []
    for i in range(400):
        cue = rng.choice(good if i % 2 else bad)
        other = rng.choice(["good", "bad"])  # not in the vocabulary: <unk>
        words = ["the", "film", "was", cue, "and", "the", "plot", "was", cue, other]
        sequences.append(np.array([vocab.stoi.get(w, 1) for w in words]))
        # the two kinds of cue words keep different company
        sequences.append(np.array([vocab.stoi[w] for w in (["film", cue, "film"] if i % 2 else ["plot", cue, "plot"])]))
    vectors = word_vectors(sequences, len(vocab), 4, window=2)
    assert vectors.shape == (len(vocab), 4)
    np.testing.assert_allclose(vectors[2:].norm(dim=1).numpy(), 2.0, rtol=1e-5)   # length sqrt(dim)
    assert vectors[:2].abs().sum() == 0
    assert nearest_words(vectors, vocab, "great", k=1)[0][0] == "superb"
    assert nearest_words(vectors, vocab, "awful", k=1)[0][0] == "worst"


@pytest.mark.parametrize("sequences, vocab_size, message", [
    ([], 10, "non-empty"),
    ([np.array([2, 3, 12])], 10, "outside"),
    ([np.array([2.0, 3.0])], 10, "integer"),
    ([np.array([[2, 3]])], 10, "1-D"),
    ([np.array([2, 3])], 2, "vocab_size"),
])
def test_bad_sequences_get_a_clear_error(sequences, vocab_size, message):
    with pytest.raises(ValueError, match=message):
        cooccurrence_counts(sequences, vocab_size)


def test_other_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match="window"):
        cooccurrence_counts([np.array([2, 3])], 5, window=0)
    with pytest.raises(ValueError, match="sparse"):
        ppmi(torch.ones(3, 3))
    with pytest.raises(ValueError, match="all zero"):
        ppmi(cooccurrence_counts([np.array([2, 1, 3])], 5, window=1))
    with pytest.raises(ValueError, match="dim"):
        svd_vectors(torch.eye(4), 4)
    vocab = Vocab(["<pad>", "<unk>", "a", "b"])
    with pytest.raises(KeyError, match="zebra"):
        nearest_words(torch.ones(4, 2), vocab, "zebra")
    with pytest.raises(ValueError, match="no vector"):
        nearest_words(torch.zeros(4, 2), vocab, "a")
    with pytest.raises(ValueError, match=r"\(len\(vocab\), dim\)"):
        nearest_words(torch.ones(3, 2), vocab, "a")


# ----------------------------------------------------------------- training from the vectors


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    base = tmp_path_factory.mktemp("imdb_vectors")
    root = make_tree(base / "src", n_per_class=24)
    rng = np.random.default_rng(1)
    (root / "train" / "unsup").mkdir()
    for i in range(40):
        (root / "train" / "unsup" / f"{i}_0.txt").write_text(review_text(int(rng.integers(0, 2)), rng),
                                                            encoding="utf-8")
    return base, root


def tiny(**overrides):
    values = dict(model="bilstm", epochs=2, limit=None, embedding_dim=8, hidden_size=8, batch_size=8, lr=1e-2,
                  vocab_size=200, min_freq=1, val_fraction=0.25, patience=None, word_vectors=True)
    values.update(overrides)
    return imdb_train.resolve_config("quick", **values)


def test_word_vectors_are_counted_on_unlabelled_and_training_reviews_only(tree, monkeypatch):
    base, root = tree
    config = tiny()
    prepared = imdb_train.prepare_data(config, root=root, cache_dir=base / "cache")
    seen = {}

    def recording(sequences, vocab_size, dim, **kwargs):
        seen["sequences"] = sequences
        return word_vectors(sequences, vocab_size, dim, **kwargs)

    monkeypatch.setattr("lstm_edu.imdb.word_vectors.word_vectors", recording)
    vectors = imdb_train.initial_word_vectors(prepared, 8, cache_dir=base / "cache")
    assert vectors.shape == (len(prepared.vocab), 8)
    counted = seen["sequences"]
    assert len(counted) == len(prepared.train) + 40
    whole = imdb_train.encode_indices(prepared.train, prepared.corpus.lookup(prepared.vocab))
    assert all(np.array_equal(a, b) for a, b in zip(counted, whole))   # the training reviews, whole
    test = imdb_train.encode_indices(prepared.test, prepared.corpus.lookup(prepared.vocab))
    held_out = {tuple(s) for s in prepared.val_sequences} | {tuple(s) for s in test}
    assert not held_out & {tuple(s) for s in counted}


def test_training_starts_from_the_word_vectors(tree, monkeypatch):
    base, root = tree
    started = {}
    original = imdb_train.copy_word_vectors

    def recording(model, vectors):
        original(model, vectors)
        started["weight"], started["vectors"] = model.embedding.weight.detach().clone(), vectors

    monkeypatch.setattr(imdb_train, "copy_word_vectors", recording)
    result = imdb_train.train(tiny(), root=root, cache_dir=base / "cache", device="cpu", progress=False)
    has_vector = started["vectors"].norm(dim=1) > 0
    assert has_vector.sum() > 10
    torch.testing.assert_close(started["weight"][has_vector], started["vectors"][has_vector])
    assert result.metrics["word_vectors_seconds"] > 0
    assert result.config.word_vectors is True


def test_copy_refuses_vectors_of_another_shape():
    model = imdb_train.model_from_config(tiny(), 20)
    with pytest.raises(ValueError, match="do not fit"):
        imdb_train.copy_word_vectors(model, torch.ones(20, 9))


@pytest.mark.parametrize("overrides, message", [
    (dict(word_vectors="yes"), "True or False"),
    (dict(model="bow"), "bag-of-words"),
    (dict(init="runs/lm"), "init"),
])
def test_word_vectors_option_is_checked(overrides, message):
    with pytest.raises(ValueError, match=message):
        tiny(**overrides)


def test_a_tree_without_unlabelled_reviews_gets_a_clear_error(tmp_path):
    root = make_tree(tmp_path / "src", n_per_class=4)
    with pytest.raises(Exception, match="unsup"):
        imdb_train.train(tiny(), root=root, cache_dir=tmp_path / "cache", device="cpu", progress=False)


@pytest.mark.parametrize("options, expected", [
    (["--preset", "cpu"], True),                                   # the cpu preset starts from word vectors
    (["--preset", "cpu", "--no-word-vectors"], False),
    (["--preset", "quick", "--word-vectors"], True),
    (["--preset", "quick"], False),
    (["--preset", "cpu", "--init", "runs/lm"], False),             # the language model's embedding instead
    (["--preset", "cpu", "--model", "bow"], False),                # a bag of words has no embedding
])
def test_command_line_word_vector_options(options, expected, monkeypatch, tmp_path):
    from lstm_edu.imdb.__main__ import main

    seen = {}

    class Stop(Exception):
        pass

    def recording(config, *args, **kwargs):
        seen["config"] = config
        raise Stop

    monkeypatch.setattr(imdb_train, "train", recording)
    with pytest.raises(Stop):
        main(["train", *options, "--out", str(tmp_path / "run"), "--quiet"])
    assert seen["config"].word_vectors is expected


def test_data_prepared_without_the_unlabelled_reviews_get_a_clear_error(tmp_path):
    root = make_tree(tmp_path / "src", n_per_class=4)
    prepared = imdb_train.prepare_data(tiny(word_vectors=False), root=root, cache_dir=tmp_path / "cache")
    with pytest.raises(Exception, match="word_vectors=True"):
        imdb_train.train(tiny(), prepared=prepared, device="cpu", progress=False)


def test_the_same_prepared_data_serve_both_starts(tree):
    base, root = tree
    prepared = imdb_train.prepare_data(tiny(), root=root, cache_dir=base / "cache")
    for word_vectors in (True, False):
        result = imdb_train.train(tiny(word_vectors=word_vectors, epochs=1), prepared=prepared, device="cpu",
                                  progress=False)
        assert (result.metrics["word_vectors_seconds"] is not None) is word_vectors

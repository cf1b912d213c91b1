"""Tokenised corpus, validation split, padding and bucketing (lstm_edu.imdb.corpus / .batching)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from imdb_synthetic import make_tree
from lstm_edu.imdb import corpus as corpus_module
from lstm_edu.imdb.batching import BucketedBatches, bucket_batches, pad_batch, train_validation_split
from lstm_edu.imdb.corpus import encode_indices, load_corpus
from lstm_edu.imdb.text import PAD_ID, UNK_ID
from lstm_edu.imdb.train import prepare_data, resolve_config


@pytest.fixture
def tree(tmp_path):
    return make_tree(tmp_path / "src", n_per_class=16)


# ----------------------------------------------------------------- corpus


def test_corpus_is_cached_and_read_back_identically(tree, tmp_path, monkeypatch):
    first = load_corpus(tree, cache_dir=tmp_path / "cache")
    assert len(first.train) == len(first.test) == 32
    assert len(list((tmp_path / "cache" / "tokens").glob("*.npz"))) == 1
    monkeypatch.setattr(corpus_module, "tokenize_folder", lambda *a, **k: pytest.fail("the cache was not used"))
    second = load_corpus(tree, cache_dir=tmp_path / "cache")
    assert second.words == first.words
    assert np.array_equal(second.train.flat, first.train.flat)
    assert second.train.movies == first.train.movies
    assert np.array_equal(second.test.labels, first.test.labels)


def test_a_damaged_cache_file_is_rebuilt(tree, tmp_path):
    load_corpus(tree, cache_dir=tmp_path / "cache")
    (path,) = (tmp_path / "cache" / "tokens").glob("*.npz")
    path.write_bytes(b"garbage")
    assert len(load_corpus(tree, cache_dir=tmp_path / "cache").train) == 32


def test_corpus_tokens_and_text_round_trip(tree, tmp_path):
    corpus = load_corpus(tree, cache_dir=tmp_path / "cache")
    text = corpus.text(corpus.train, 0, "train")
    assert text == (tree / "train" / "neg" / f"0_{corpus.train.ratings[0]}.txt").read_text(encoding="utf-8")
    from lstm_edu.imdb.text import tokenize

    assert corpus.tokens(corpus.train, 0) == tokenize(text)


def test_vocab_counts_only_the_given_reviews(tree, tmp_path):
    (tree / "test" / "pos" / "0_9.txt").write_text("zyzzyva only in the test split", encoding="utf-8")
    corpus = load_corpus(tree, use_cache=False)
    vocab = corpus.build_vocab(corpus.train)
    assert "zyzzyva" not in vocab and "great" in vocab


def test_encode_truncates_head_or_tail_and_never_returns_empty(tree):
    corpus = load_corpus(tree, use_cache=False)
    vocab = corpus.build_vocab(corpus.train)
    full = corpus.encode(corpus.train, vocab)
    head = corpus.encode(corpus.train, vocab, max_len=5)
    tail = corpus.encode(corpus.train, vocab, max_len=5, truncate="tail")
    assert all(len(h) == min(5, len(f)) for h, f in zip(head, full))
    assert np.array_equal(head[0], full[0][:5]) and np.array_equal(tail[0], full[0][-5:])
    empty = corpus.train.subset([0])
    empty.flat, empty.offsets = np.zeros(0, np.int32), np.array([0, 0])
    assert encode_indices(empty, corpus.lookup(vocab))[0].tolist() == [UNK_ID]
    with pytest.raises(ValueError, match="truncate"):
        corpus.encode(corpus.train, vocab, truncate="middle")


# ------------------------------------------------------------------ split


def test_validation_split_holds_out_whole_movies():
    groups = [f"tt{i // 3}" for i in range(300)]
    train, val = train_validation_split(300, fraction=0.2, groups=groups, seed=1)
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(300))
    assert not {groups[i] for i in train} & {groups[i] for i in val}
    assert 55 <= len(val) <= 66
    again = train_validation_split(300, fraction=0.2, groups=groups, seed=1)
    assert np.array_equal(again[1], val)
    assert not np.array_equal(train_validation_split(300, fraction=0.2, groups=groups, seed=2)[1], val)


def test_validation_split_without_movies_splits_reviews():
    train, val = train_validation_split(50, fraction=0.1, groups=[""] * 50)
    assert len(val) == 5 and len(train) == 45


@pytest.mark.parametrize("kwargs", [{"fraction": 0.0}, {"fraction": 1.0}, {"groups": ["a"]}])
def test_validation_split_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        train_validation_split(10, **kwargs)


def test_prepared_validation_comes_from_the_training_split_only(tree, tmp_path):
    config = resolve_config("quick", limit=None, val_fraction=0.25)
    prepared = prepare_data(config, tree, cache_dir=tmp_path / "cache")
    train_movies, val_movies = set(prepared.train.movies), set(prepared.val.movies)
    test_movies = set(prepared.test.movies)
    assert val_movies and not val_movies & train_movies
    assert not val_movies & test_movies, "validation reviews must not come from the test split"
    assert len(prepared.train) + len(prepared.val) == 32 and len(prepared.test) == 32
    assert prepared.sizes() == {"n_train": len(prepared.train), "n_val": len(prepared.val), "n_test": 32}


# ---------------------------------------------------------------- padding


def test_pad_batch_pads_after_the_review_with_the_pad_id():
    ids, lengths = pad_batch([[5, 6, 7], [8], [9, 10]])
    assert ids.tolist() == [[5, 6, 7], [8, PAD_ID, PAD_ID], [9, 10, PAD_ID]]
    assert lengths.tolist() == [3, 1, 2] and ids.dtype == lengths.dtype == torch.int64


def test_pad_batch_rejects_empty_input():
    with pytest.raises(ValueError, match="at least one"):
        pad_batch([])
    with pytest.raises(ValueError, match="at least one token"):
        pad_batch([[1], []])


# -------------------------------------------------------------- bucketing


def test_bucket_batches_cover_every_review_once_and_group_similar_lengths():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 500, size=1000)
    batches = bucket_batches(lengths, 32, rng=np.random.default_rng(1), pool=10)
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    bucketed = np.mean([np.ptp(lengths[b]) for b in batches])
    random = np.mean([np.ptp(lengths[b]) for b in np.array_split(rng.permutation(1000), len(batches))])
    assert bucketed < random / 5
    ordered = bucket_batches(lengths, 32, shuffle=False)
    assert np.all(np.diff(lengths[np.concatenate(ordered)]) >= 0)


def test_bucket_batches_are_repeatable_with_a_seed_and_change_between_epochs():
    lengths = np.arange(200) % 37 + 1
    one = bucket_batches(lengths, 16, rng=np.random.default_rng(5))
    two = bucket_batches(lengths, 16, rng=np.random.default_rng(5))
    assert all(np.array_equal(a, b) for a, b in zip(one, two))
    with pytest.raises(ValueError, match="batch_size"):
        bucket_batches(lengths, 0)


def test_bucketed_batches_yield_the_fit_protocol_and_keep_rows_with_labels():
    sequences = [np.arange(2, 2 + n) for n in (3, 9, 1, 4, 7, 2, 8)]
    labels = np.array([0, 1, 0, 1, 0, 1, 1])
    loader = BucketedBatches(sequences, labels, 3, shuffle=True, seed=0)
    seen = []
    for ids, lengths, targets in loader:
        assert ids.shape == (len(lengths), int(lengths.max())) and targets.dtype == torch.float32
        for row, length, target in zip(ids, lengths, targets):
            match = [i for i, s in enumerate(sequences) if len(s) == length and row[:length].tolist() == s.tolist()]
            assert len(match) == 1 and labels[match[0]] == target
            assert (row[length:] == PAD_ID).all()
            seen.append(match[0])
    assert sorted(seen) == list(range(7)) and len(loader) == 3
    assert sorted(loader.order.tolist()) == list(range(7))
    assert 0 <= loader.padding_fraction() < 0.5


def test_bucketed_batches_check_their_input():
    with pytest.raises(ValueError, match="labels"):
        BucketedBatches([np.array([1])], [0, 1], 2)
    loader = BucketedBatches([np.array([2, 3])], [1], 2, label_dtype=torch.int64)
    assert next(iter(loader))[2].dtype == torch.int64


@pytest.mark.parametrize("labels", [[3, 1], [float("nan"), 1], [[0, 1], [1, 0]], ["neg", "pos"]])
def test_bucketed_batches_want_0_1_labels(labels):
    """Labels of 3 or NaN used to flow into the loss unnoticed."""
    with pytest.raises(ValueError, match="0/1 labels"):
        BucketedBatches([np.array([1]), np.array([2])], labels, 2)


def test_pad_batch_refuses_fractional_ids():
    with pytest.raises(TypeError, match="integer token ids"):  # 1.5 used to become 1 silently
        pad_batch([[2, 3], [1.5, 2.7]])

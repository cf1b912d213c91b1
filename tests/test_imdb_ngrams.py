"""NBSVM, the bag-of-n-grams baseline: n-gram keys, vocabulary, log-count ratios, the SVM, a full run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from imdb_synthetic import make_tree
from lstm_edu.imdb.corpus import TokenizedReviews
from lstm_edu.imdb.ngrams import NBSVM, NgramVocabulary, SparseRows, log_count_ratio, ngram_keys, run_nbsvm


def reviews(*token_lists) -> TokenizedReviews:
    lengths = [len(t) for t in token_lists]
    n = len(token_lists)
    return TokenizedReviews(
        flat=np.array([i for t in token_lists for i in t], dtype=np.int32),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        labels=np.zeros(n, np.int64), ratings=np.zeros(n, np.int64), movies=[""] * n,
        file_ids=np.arange(n))


def test_ngram_keys_are_distinct_per_review_and_bigrams_stay_inside_a_review():
    rows, keys = ngram_keys(reviews([0, 1, 0, 1], [2]), n_words=3)
    got = {(int(r), int(k)) for r, k in zip(rows, keys)}
    bigram = lambda a, b: 3 + 3 * a + b  # noqa: E731
    # review 0: unigrams 0, 1 (each once: binarised) and bigrams (0,1), (1,0); review 1: unigram 2 only
    assert got == {(0, 0), (0, 1), (0, bigram(0, 1)), (0, bigram(1, 0)), (1, 2)}
    assert len(rows) == len(got), "each n-gram once per review"
    assert (1, bigram(1, 2)) not in got and (0, bigram(1, 2)) not in got, "no bigram across two reviews"
    rows, keys = ngram_keys(reviews([0, 1, 0, 1], [2]), n_words=3, bigrams=False)
    assert sorted(keys.tolist()) == [0, 1, 2]
    with pytest.raises(ValueError, match="token indices"):
        ngram_keys(reviews([0, 5]), n_words=3)


def test_vocabulary_drops_unseen_and_rare_ngrams():
    vocabulary = NgramVocabulary.fit(np.array([4, 7, 7, 9]), min_count=1)
    assert vocabulary.keys.tolist() == [4, 7, 9]
    assert NgramVocabulary.fit(np.array([4, 7, 7, 9]), min_count=2).keys.tolist() == [7]
    matrix = vocabulary.transform(np.array([0, 0, 2, 2]), np.array([4, 5, 9, 100]), n_rows=3)
    assert matrix.dense().tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 1]]
    with pytest.raises(ValueError, match="min_count"):
        NgramVocabulary.fit(np.array([1]), min_count=0)


def test_log_count_ratio_matches_a_hand_count():
    # columns: 0 only in positives (2 of them), 1 in both, 2 only in the negative
    matrix = SparseRows(np.array([0, 2, 3, 5]), np.array([0, 1, 0, 1, 2]), 3)
    labels = np.array([1, 1, 0])
    p = 1 + np.array([2, 1, 0])
    q = 1 + np.array([0, 1, 1])
    expected = np.log(p / p.sum()) - np.log(q / q.sum())
    np.testing.assert_allclose(log_count_ratio(matrix, labels), expected)
    with pytest.raises(ValueError, match="both classes"):
        log_count_ratio(matrix, np.array([1, 1, 1]))
    with pytest.raises(ValueError, match="indptr"):
        SparseRows(np.array([0, 3]), np.array([0, 1]), 3)


def test_nbsvm_separates_a_linearly_separable_toy_set_and_checks_its_input():
    rng = np.random.default_rng(0)
    n, columns = 200, 30
    dense = rng.random((n, columns)) < 0.2
    labels = (dense[:, 0] | dense[:, 1]).astype(np.int64)   # positive iff column 0 or 1 is present
    indptr = np.concatenate([[0], np.cumsum(dense.sum(axis=1))])
    matrix = SparseRows(indptr, np.nonzero(dense)[1].astype(np.int64), columns)
    model = NBSVM(beta=1.0).fit(matrix, labels)               # beta = 1: the plain SVM on r-scaled features
    assert np.mean(model.predict(matrix) == labels) == 1.0
    with pytest.raises(ValueError, match="beta"):
        NBSVM(beta=1.5)
    with pytest.raises(ValueError, match="columns"):
        model.decision_function(SparseRows(np.array([0, 0]), np.array([], dtype=np.int64), columns + 1))
    with pytest.raises(RuntimeError, match="fit"):
        NBSVM().predict(matrix)


def test_run_nbsvm_learns_the_synthetic_task_and_writes_its_metrics(tmp_path):
    root = make_tree(tmp_path / "src", n_per_class=30)
    metrics = run_nbsvm(root=root, out=tmp_path / "run", cache_dir=tmp_path / "cache", val_fraction=0.25)
    assert metrics["test_accuracy"] >= 0.9 and metrics["n_test"] == 60
    assert metrics["n_train"] + metrics["n_val"] == 60 and metrics["n_features"] > 10
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text(encoding="utf-8"))
    assert saved["test_accuracy"] == metrics["test_accuracy"] and saved["model"] == "nbsvm-bi"


def test_the_hand_written_gradient_matches_autograd():
    """NBSVM.fit minimises squared_hinge with a hand-written gradient (for speed): check it against autograd."""
    import torch

    from lstm_edu.imdb.ngrams import squared_hinge

    rng = np.random.default_rng(1)
    dense = rng.random((40, 12)) < 0.3
    x = torch.from_numpy(dense * rng.normal(size=(40, 12)))
    y = torch.from_numpy(np.where(rng.integers(0, 2, 40) == 1, 1.0, -1.0))
    w = torch.from_numpy(rng.normal(scale=0.3, size=12)).requires_grad_(True)
    b = torch.tensor([0.1], dtype=torch.float64, requires_grad=True)
    loss = 0.5 * w.dot(w) + 0.7 * torch.clamp(1 - y * (x @ w + b), min=0).square().sum()
    loss.backward()
    rows, columns = (torch.from_numpy(a) for a in np.nonzero(dense))
    manual_loss, grad_w, grad_b = squared_hinge(w.detach(), b.detach(), rows, columns, x[rows, columns], y, 0.7)
    assert 0 < int((1 - y * (x @ w + b) > 0).sum()) < 40, "some margins met, some not: both branches checked"
    torch.testing.assert_close(manual_loss, loss.detach())
    torch.testing.assert_close(grad_w, w.grad)
    torch.testing.assert_close(grad_b, b.grad)

"""lstm_edu.experiments.padding: the padding share of random and length-bucketed batches."""

import numpy as np
import pytest

from lstm_edu.experiments.padding import padding_share, padding_table


def test_equal_lengths_have_no_padding():
    assert padding_share([7] * 100, batch_size=10) == 0.0


def test_share_by_hand():
    # one batch of lengths 1 and 3: rectangle 2 x 3 = 6 positions, 4 real -> 2/6 padding
    assert padding_share([1, 3], batch_size=2) == pytest.approx(2 / 6)


def test_cut_removes_padding_above_it():
    lengths = [5, 50, 500]
    assert padding_share(lengths, batch_size=3, cut=5) == 0.0
    assert padding_share(lengths, batch_size=3, cut=50) == pytest.approx(1 - 105 / 150)


def test_bucketing_reduces_padding_and_longer_cuts_add_it():
    lengths = np.random.default_rng(1).integers(10, 1000, size=2000)
    (short, random_short, bucketed_short), (_, random_long, bucketed_long) = padding_table(
        lengths, batch_size=32, cuts=[100, None])
    assert short == 100
    assert bucketed_short < random_short < random_long
    assert bucketed_long < random_long / 5


@pytest.mark.parametrize("kwargs", [dict(batch_size=0), dict(batch_size=2, cut=0), dict(batch_size=2, pool=0),
                                    dict(batch_size=2.5)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        padding_share([1, 2, 3], **kwargs)


@pytest.mark.parametrize("lengths", [[], [0, 3], [1.5, 2.0], [[1, 2]]])
def test_bad_lengths(lengths):
    with pytest.raises(ValueError):
        padding_share(lengths, batch_size=2)

"""IMDB sentiment classification with LSTMs: the book's capstone (chapter 7).

The pipeline, one module per step:

- :mod:`~lstm_edu.imdb.data`      find, download, verify and safely extract the reviews; read a split
- :mod:`~lstm_edu.imdb.text`      the tokeniser and the vocabulary (``<pad>`` = 0, ``<unk>`` = 1)
- :mod:`~lstm_edu.imdb.corpus`    the tokenised reviews, cached on disk
- :mod:`~lstm_edu.imdb.batching`  validation split by movie, padding, length-bucketed batches
- :mod:`~lstm_edu.imdb.models`    LSTM/GRU/BiLSTM classifiers that never read padding
- :mod:`~lstm_edu.imdb.train`     presets and training (on :func:`lstm_edu.nets.training.fit`)
- :mod:`~lstm_edu.imdb.ngrams`    NBSVM, the bag-of-n-grams baseline (Wang & Manning 2012)
- :mod:`~lstm_edu.imdb.unlabelled` the 50,000 unlabelled reviews, tokenised and cached
- :mod:`~lstm_edu.imdb.pretrain`  a forward + backward language model on unlabelled + training reviews
- :mod:`~lstm_edu.imdb.finetune`  a classifier started from it: discriminative rates, gradual unfreezing
- :mod:`~lstm_edu.imdb.recorded`  the full-size runs registered with :mod:`lstm_edu.records`
- :mod:`~lstm_edu.imdb.predict`   a trained model as a text classifier
- :mod:`~lstm_edu.imdb.analysis`  confusion matrix, confident errors, gate activations
- :mod:`~lstm_edu.imdb.articles`  the replaced articles' systems A and D, fixed

Train with :func:`lstm_edu.imdb.train.train`; from the command line: ``python -m lstm_edu.imdb train ...``,
``pretrain ...``, ``ngram ...``, ``predict ...`` (see ``__main__``).
"""

from lstm_edu.imdb.batching import BucketedBatches, pad_batch, train_validation_split
from lstm_edu.imdb.data import IMDBDataError, locate, read_reviews
from lstm_edu.imdb.models import SentimentRNN, build_model
from lstm_edu.imdb.predict import SentimentPredictor
from lstm_edu.imdb.text import PAD_ID, UNK_ID, Vocab, tokenize
from lstm_edu.imdb.train import PRESETS, TrainConfig, prepare_data, resolve_config

__all__ = [
    "PAD_ID",
    "PRESETS",
    "UNK_ID",
    "BucketedBatches",
    "IMDBDataError",
    "SentimentPredictor",
    "SentimentRNN",
    "TrainConfig",
    "Vocab",
    "build_model",
    "locate",
    "pad_batch",
    "prepare_data",
    "read_reviews",
    "resolve_config",
    "tokenize",
    "train_validation_split",
]

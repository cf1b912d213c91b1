"""Command line: ``python -m lstm_edu.imdb train|pretrain|ngram|predict ...``.

Examples::

    python -m lstm_edu.imdb train --preset quick --out runs/quick
    python -m lstm_edu.imdb train --data ~/aclImdb_v1.tar.gz --model gru --epochs 3 --out runs/gru
    python -m lstm_edu.imdb predict --checkpoint runs/quick "A moving, beautifully acted film."
    python -m lstm_edu.imdb ngram --out runs/nbsvm          # the NBSVM baseline, minutes on a CPU
    python -m lstm_edu.imdb pretrain --preset cpu --out runs/lm   # a language model on unlabelled reviews
    python -m lstm_edu.imdb train --preset cpu --init runs/lm --out runs/finetuned

``train`` writes ``DIR/metrics.json`` (``test_accuracy``, ``train_seconds``,
``device``, ``model``, ``epochs``, ``n_train``, ``n_test``, ...), the history,
the model and its vocabulary.  Wrong arguments print a message and exit with
status 2; a failure while running (missing data, unreadable checkpoint) prints
the reason and exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lstm_edu.imdb.models import ARCHITECTURES, POOLINGS
from lstm_edu.imdb.train import METRICS_FILE, PRESETS


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _limit(text: str) -> int:
    value = _positive_int(text)
    if value < 4:
        raise argparse.ArgumentTypeError(f"--limit needs at least 4 reviews per split (2 per class), got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lstm_edu.imdb",
                                     description="Train and use an LSTM/GRU sentiment classifier on IMDB reviews.")
    commands = parser.add_subparsers(dest="command", metavar="{train,pretrain,ngram,predict}")
    commands.required = True

    presets = ", ".join(f"{name}: {values['description']}" for name, values in PRESETS.items())
    train = commands.add_parser("train", help="train a classifier and write DIR/metrics.json",
                                description=f"Presets — {presets}. Explicit options override the preset.")
    train.add_argument("--data", default=None,
                       help="an aclImdb/ folder, an archive, or a folder of archives (default: the archives in "
                            "$LSTM_EDU_DATA/imdb or ~/.cache/lstm_edu/imdb, downloading the official one "
                            "when none is there)")
    train.add_argument("--model", choices=sorted(ARCHITECTURES), default=None, help="the recurrent architecture")
    train.add_argument("--epochs", type=_positive_int, default=None, help="maximum number of epochs")
    train.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                       help="where to train (auto: CUDA when present, else the CPU)")
    train.add_argument("--limit", type=_limit, default=None, help="reviews per split, for quick runs")
    train.add_argument("--preset", choices=sorted(PRESETS), default="cpu", help="a documented configuration")
    train.add_argument("--out", required=True, help="folder for metrics.json, history, model and vocabulary")
    train.add_argument("--max-len", type=_positive_int, default=None, help="tokens kept per review")
    train.add_argument("--vocab-size", type=_positive_int, default=None, help="vocabulary size (with pad and unk)")
    train.add_argument("--embedding-dim", type=_positive_int, default=None)
    train.add_argument("--hidden-size", type=_positive_int, default=None)
    train.add_argument("--num-layers", type=_positive_int, default=None)
    train.add_argument("--pooling", choices=POOLINGS, default=None)
    train.add_argument("--batch-size", type=_positive_int, default=None)
    train.add_argument("--lr", type=_positive_float, default=None, help="Adam learning rate")
    train.add_argument("--lr-decay", type=_positive_float, default=None,
                       help="multiply the learning rate by this after every epoch (in (0, 1])")
    train.add_argument("--truncate", choices=("head", "tail"), default=None,
                       help="keep the first (head) or last (tail) --max-len tokens of a long review")
    train.add_argument("--train-size", type=_positive_int, default=None,
                       help="keep only this many training reviews (few labels); validation and test stay whole")
    train.add_argument("--init", default=None, metavar="FROM",
                       help="start from the language model in FROM (a 'pretrain' --out folder) and use its vocabulary")
    train.add_argument("--word-vectors", action=argparse.BooleanOptionalAction, default=None,
                       help="start the embedding from word vectors counted on the unlabelled + training reviews "
                            "(the cpu preset does; --init and --model bow turn it off unless it is given)")
    train.add_argument("--lr-factor", type=_positive_float, default=None,
                       help="with --init: the LSTM learns at lr/factor, the embedding at lr/factor^2 (default 2.6)")
    train.add_argument("--no-gradual-unfreezing", action="store_true",
                       help="with --init: train every layer from the first epoch")
    train.add_argument("--seed", type=int, default=None)
    train.add_argument("--threads", type=_positive_int, default=None, help="torch CPU threads")
    train.add_argument("--quiet", action="store_true", help="no progress bars or per-epoch lines")

    from lstm_edu.imdb.pretrain import PRETRAIN_PRESETS

    pretrain_presets = ", ".join(f"{name}: {values['description']}" for name, values in PRETRAIN_PRESETS.items())
    pretrain = commands.add_parser("pretrain", help="pretrain a language model on unlabelled + training reviews",
                                   description=f"Presets — {pretrain_presets}. Then: train --init DIR.")
    pretrain.add_argument("--data", default=None, help="as for train; must hold the unlabelled reviews too")
    pretrain.add_argument("--out", required=True, help="folder for lm.pt, vocab.json, metrics, history, samples")
    pretrain.add_argument("--preset", choices=sorted(PRETRAIN_PRESETS), default="cpu")
    pretrain.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    pretrain.add_argument("--epochs", type=_positive_int, default=None)
    pretrain.add_argument("--vocab-size", type=_positive_int, default=None)
    pretrain.add_argument("--embedding-dim", type=_positive_int, default=None)
    pretrain.add_argument("--hidden-size", type=_positive_int, default=None)
    pretrain.add_argument("--max-tokens", type=_positive_int, default=None, help="stop each epoch after this many tokens")
    pretrain.add_argument("--unlabelled-limit", type=_positive_int, default=None, help="how many unlabelled reviews")
    pretrain.add_argument("--no-unlabelled", action="store_true", help="the training reviews only")
    pretrain.add_argument("--forward-only", action="store_true", help="no backward model (for an lstm classifier)")
    pretrain.add_argument("--limit", type=_limit, default=None, help="labelled reviews per split, as for train")
    pretrain.add_argument("--batch-size", type=_positive_int, default=None)
    pretrain.add_argument("--lr", type=_positive_float, default=None)
    pretrain.add_argument("--seed", type=int, default=None)
    pretrain.add_argument("--threads", type=_positive_int, default=None, help="torch CPU threads")
    pretrain.add_argument("--quiet", action="store_true", help="no per-epoch lines")

    ngram = commands.add_parser("ngram", help="the NBSVM bag-of-n-grams baseline (minutes on a CPU)",
                                description="Wang & Manning's NBSVM on unigrams + bigrams; writes DIR/metrics.json.")
    ngram.add_argument("--data", default=None, help="as for train")
    ngram.add_argument("--out", required=True, help="folder for metrics.json")
    ngram.add_argument("--unigrams-only", action="store_true", help="leave out the bigrams (NBSVM-uni)")
    ngram.add_argument("--C", type=_positive_float, default=1.0, help="SVM cost (default 1, the paper's)")
    ngram.add_argument("--beta", type=float, default=0.25, help="interpolation weight (default 0.25, the paper's)")
    ngram.add_argument("--limit", type=_limit, default=None, help="reviews per split, for quick runs")
    ngram.add_argument("--seed", type=int, default=0, help="seed of the validation split")

    predict = commands.add_parser("predict", help="classify text with a trained model",
                                  description="Print the label and its probability for each text.")
    predict.add_argument("--checkpoint", required=True, help="the --out folder of a training run")
    predict.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu")
    predict.add_argument("texts", nargs="+", metavar="TEXT", help="review text(s) to classify")
    return parser


def run_train(args) -> int:
    import torch

    from lstm_edu.imdb.train import resolve_config, train

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    config = resolve_config(args.preset, model=args.model, epochs=args.epochs, limit=args.limit,
                            max_len=args.max_len, vocab_size=args.vocab_size, embedding_dim=args.embedding_dim,
                            hidden_size=args.hidden_size, num_layers=args.num_layers, pooling=args.pooling,
                            batch_size=args.batch_size, lr=args.lr, lr_decay=args.lr_decay,
                            truncate=args.truncate, seed=args.seed, train_size=args.train_size, init=args.init,
                            lr_factor=args.lr_factor,
                            word_vectors=args.word_vectors,
                            gradual_unfreezing=False if args.no_gradual_unfreezing else None)
    result = train(config, args.data, out=args.out, device=args.device, progress=not args.quiet,
                   verbose=not args.quiet)
    metrics = result.metrics
    print(f"{metrics['model']} ({metrics['preset']} preset) on {metrics['device']}: test accuracy "
          f"{metrics['test_accuracy']:.4f} after {metrics['epochs']} epoch(s), {metrics['train_seconds']:.1f} s "
          f"of training; n_train={metrics['n_train']}, n_val={metrics['n_val']}, n_test={metrics['n_test']}")
    print(f"wrote {Path(args.out) / METRICS_FILE}")
    return 0


def run_pretrain(args) -> int:
    import torch

    from lstm_edu.imdb.pretrain import pretrain, resolve_pretrain_config

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    config = resolve_pretrain_config(args.preset, epochs=args.epochs, vocab_size=args.vocab_size,
                                     embedding_dim=args.embedding_dim, hidden_size=args.hidden_size,
                                     max_train_tokens=args.max_tokens, unlabelled_limit=args.unlabelled_limit,
                                     unlabelled=False if args.no_unlabelled else None,
                                     bidirectional=False if args.forward_only else None, limit=args.limit,
                                     batch_size=args.batch_size, lr=args.lr, seed=args.seed)
    result = pretrain(config, args.data, out=args.out, device=args.device, verbose=not args.quiet)
    metrics = result["metrics"]
    print(f"language model on {metrics['device']}: validation perplexity {metrics['val_perplexity']:.1f} (a "
          f"unigram model: {metrics['unigram_perplexity']:.1f}) after {metrics['tokens_seen']:,} tokens, "
          f"{metrics['train_seconds']:.1f} s; {metrics['n_labelled_train']} training + {metrics['n_unlabelled']} "
          f"unlabelled reviews")
    print(result["samples"][0])
    print(f"wrote {args.out}; next: python -m lstm_edu.imdb train --init {args.out} ...")
    return 0


def run_ngram(args) -> int:
    from lstm_edu.imdb.ngrams import run_nbsvm

    metrics = run_nbsvm(args.data, out=args.out, bigrams=not args.unigrams_only, C=args.C, beta=args.beta,
                        limit=args.limit, seed=args.seed)
    print(f"{metrics['model']}: test accuracy {metrics['test_accuracy']:.4f} (validation "
          f"{metrics['val_accuracy']:.4f}), {metrics['n_features']:,} n-grams, {metrics['train_seconds']:.1f} s; "
          f"n_train={metrics['n_train']}, n_val={metrics['n_val']}, n_test={metrics['n_test']}")
    print(f"wrote {Path(args.out) / METRICS_FILE}")
    return 0


def run_predict(args) -> int:
    from lstm_edu.imdb.predict import SentimentPredictor

    predictor = SentimentPredictor.load(args.checkpoint, device=args.device)
    for text in args.texts:
        label, probability = predictor.predict(text)
        print(f"{label} {probability:.4f}")
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from lstm_edu.imdb.data import IMDBDataError

    try:
        return {"train": run_train, "pretrain": run_pretrain, "ngram": run_ngram, "predict": run_predict}[args.command](args)
    except (IMDBDataError, FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""Command line: ``python -m lstm_edu.imdb train ...`` and ``python -m lstm_edu.imdb predict ...``.

Examples::

    python -m lstm_edu.imdb train --preset quick --out runs/quick
    python -m lstm_edu.imdb train --data ~/aclImdb_v1.tar.gz --model gru --epochs 3 --out runs/gru
    python -m lstm_edu.imdb predict --checkpoint runs/quick "A moving, beautifully acted film."

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
    commands = parser.add_subparsers(dest="command", metavar="{train,predict}")
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
    train.add_argument("--seed", type=int, default=None)
    train.add_argument("--threads", type=_positive_int, default=None, help="torch CPU threads")
    train.add_argument("--quiet", action="store_true", help="no progress bars or per-epoch lines")

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
                            batch_size=args.batch_size, lr=args.lr, seed=args.seed)
    result = train(config, args.data, out=args.out, device=args.device, progress=not args.quiet,
                   verbose=not args.quiet)
    metrics = result.metrics
    print(f"{metrics['model']} ({metrics['preset']} preset) on {metrics['device']}: test accuracy "
          f"{metrics['test_accuracy']:.4f} after {metrics['epochs']} epoch(s), {metrics['train_seconds']:.1f} s "
          f"of training; n_train={metrics['n_train']}, n_val={metrics['n_val']}, n_test={metrics['n_test']}")
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
        return run_train(args) if args.command == "train" else run_predict(args)
    except (IMDBDataError, FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

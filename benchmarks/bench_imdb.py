"""IMDB sentiment: train the capstone's presets and record test accuracy, time and device.

The book's recorded figures come from ``python -m lstm_edu.records run imdb-cpu`` (and
``imdb-ngram``, ``imdb-pretrain-cpu``, ``imdb-gpu``, ``imdb-pretrain-gpu``, registered in
:mod:`lstm_edu.imdb.recorded`); this script is for trying presets by hand.

Runs :func:`lstm_edu.imdb.train.train` for each preset asked for and prints one line
per run (test accuracy, training seconds, CPU seconds, device, date).  It writes no
record: ``benchmarks/RESULTS.md`` is generated from ``records/`` and the presets'
records (``imdb-cpu``, ``imdb-gpu``) run the same ``train`` through
``python -m lstm_edu.records run NAME``, with provenance and a configuration hash.
The old ``--record`` option, which appended to RESULTS.md, is gone and says so.

    python benchmarks/bench_imdb.py --preset cpu --threads 2               # goal: >= 89% in <= 15 min
    python benchmarks/bench_imdb.py --preset gpu --device cuda             # goal: >= 91.5% in < 2 min
    python benchmarks/bench_imdb.py --preset quick                         # smoke test (~1 min on a CPU)
    python benchmarks/bench_imdb.py --preset cpu --model lstm --epochs 3   # explicit options override

Data: ``--data`` (an aclImdb folder, an archive or a folder of archives); by
default the repository's shared offline copy (``../shared/data/imdb``) when it
exists, otherwise the cache (downloading the official archive when needed).

Method: the presets tune nothing on the test split; early stopping watches the
validation reviews (whole movies held out of the training split), and the test
split is evaluated once, after training.  ``train_seconds`` is the wall-clock
time of the training loop including the per-epoch validation passes (data
preparation and the final test pass are excluded); ``cpu_seconds`` is the CPU
time the process used meanwhile, which shows how much of the machine the run
really had when other jobs share it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from lstm_edu.imdb.train import PRESETS, resolve_config, train

ROOT = Path(__file__).resolve().parent.parent
SHARED_COPY = ROOT.parent / "shared" / "data" / "imdb"
GOALS = {"cpu": "goal >= 0.89 test accuracy within 15 min of training on 2 CPU cores",
         "gpu": "goal >= 0.915 test accuracy in under 2 min of training on one GPU",
         "gpu-pretrained": "goal >= 0.93 test accuracy, pretraining included, within 10 min of one GPU "
                           "(needs --init; see python -m lstm_edu.records run imdb-pretrain-gpu)",
         "quick": "smoke test, no accuracy goal"}


def result_line(metrics: dict) -> str:
    return (f"{metrics['preset'] or '-'} | {metrics['model']} | test {metrics['test_accuracy']:.4f} | "
            f"val {metrics['val_accuracy']:.4f} | {metrics['epochs']} epochs (best {metrics['best_epoch']}) | "
            f"train {metrics['train_seconds']:.0f} s, CPU {metrics['train_cpu_seconds']:.0f} s | "
            f"{metrics['n_train']:,} / {metrics['n_val']:,} / {metrics['n_test']:,} reviews | {metrics['device']} | "
            f"{metrics['date']}")


RECORD_GONE = ("--record is gone: benchmarks/RESULTS.md is generated from the records. Record a preset with "
               "`python -m lstm_edu.records run imdb-cpu` (or imdb-gpu on a GPU), then "
               "`python -m lstm_edu.records render`.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", action="append", choices=sorted(PRESETS),
                        help="preset(s) to run; repeat for several (default: cpu)")
    parser.add_argument("--data", default=None, help="aclImdb folder, archive or folder of archives")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (e.g. 2)")
    parser.add_argument("--model", default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", default=None, help="parent folder for the run folders (default: none kept)")
    parser.add_argument("--record", action="store_true", help=argparse.SUPPRESS)  # gone: see RECORD_GONE
    parser.add_argument("--progress", action="store_true", help="tqdm bars")
    args = parser.parse_args(argv)
    if args.record:
        parser.error(RECORD_GONE)

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    data = args.data if args.data is not None else (SHARED_COPY if SHARED_COPY.is_dir() else None)
    rows = []
    for preset in args.preset or ["cpu"]:
        config = resolve_config(preset, model=args.model, epochs=args.epochs, limit=args.limit)
        print(f"[{preset}] {config.description} ({GOALS[preset]})", flush=True)
        out = Path(args.out) / f"imdb-{preset}-{config.model}" if args.out else None
        result = train(config, data, out=out, device=args.device, progress=args.progress, verbose=True)
        metrics = result.metrics
        print(f"[{preset}] test accuracy {metrics['test_accuracy']:.4f} | train {metrics['train_seconds']:.1f} s "
              f"(CPU {metrics['train_cpu_seconds']:.1f} s) | {metrics['epochs']} epochs | {metrics['device']} | "
              f"{metrics['date']}", flush=True)
        rows.append(result_line(metrics))
    if len(rows) > 1:
        print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

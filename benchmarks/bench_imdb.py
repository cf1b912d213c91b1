"""IMDB sentiment: train the capstone's presets and record test accuracy, time and device.

The book's recorded figures come from ``python -m lstm_edu.records run imdb-cpu`` (and
``imdb-ngram``, ``imdb-pretrain-cpu``, ``imdb-gpu``, ``imdb-pretrain-gpu``, registered in
:mod:`lstm_edu.imdb.recorded`); this script is for trying presets by hand.

Runs :func:`lstm_edu.imdb.train.train` for each preset asked for, prints one line
per run (test accuracy, training seconds, CPU seconds, device, date) and, with
``--record``, appends a section to ``benchmarks/RESULTS.md``.

    python benchmarks/bench_imdb.py --preset cpu --threads 2 --record      # goal: >= 89% in <= 15 min
    python benchmarks/bench_imdb.py --preset gpu --device cuda --record    # goal: >= 91.5% in < 2 min
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
import datetime
import sys
from pathlib import Path

import torch

from lstm_edu.imdb.train import PRESETS, resolve_config, train

ROOT = Path(__file__).resolve().parent.parent
SHARED_COPY = ROOT.parent / "shared" / "data" / "imdb"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
GOALS = {"cpu": "goal >= 0.89 test accuracy within 15 min of training on 2 CPU cores",
         "gpu": "goal >= 0.915 test accuracy in under 2 min of training on one GPU",
         "gpu-pretrained": "goal >= 0.93 test accuracy, pretraining included, within 10 min of one GPU "
                           "(needs --init; see python -m lstm_edu.records run imdb-pretrain-gpu)",
         "quick": "smoke test, no accuracy goal"}


def result_line(metrics: dict) -> str:
    return (f"{metrics['preset'] or '-'} | {metrics['model']} | {metrics['test_accuracy']:.4f} | "
            f"{metrics['val_accuracy']:.4f} | {metrics['epochs']} (best {metrics['best_epoch']}) | "
            f"{metrics['train_seconds']:.0f} | {metrics['train_cpu_seconds']:.0f} | {metrics['n_train']:,} / "
            f"{metrics['n_val']:,} / {metrics['n_test']:,} | {metrics['device']} | {metrics['date']}")


def record(rows: list[str], command: str) -> None:
    """Append a section of our own to RESULTS.md (never rewriting what is there)."""
    today = datetime.date.today().isoformat()
    block = [
        "",
        f"## IMDB capstone (`lstm_edu.imdb`), {today}",
        "",
        f"Command: `{command}`. Test accuracy on the 25,000 test reviews (once, after training); validation "
        "accuracy on whole movies held out of the training split; seconds of the training loop (wall clock) "
        "and the CPU seconds the process used meanwhile.",
        "",
        "| preset | model | test acc. | best val. acc. | epochs | train s | CPU s | train / val / test | device "
        "| date (UTC) |",
        "|---|---|---:|---:|---|---:|---:|---|---|---|",
        *[f"| {row} |" for row in rows],
        "",
    ]
    with RESULTS.open("a", encoding="utf-8") as stream:
        stream.write("\n".join(block))


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
    parser.add_argument("--record", action="store_true", help="append the results to benchmarks/RESULTS.md")
    parser.add_argument("--progress", action="store_true", help="tqdm bars")
    args = parser.parse_args(argv)

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
    if args.record:
        record(rows, "python benchmarks/bench_imdb.py " + " ".join(sys.argv[1:] if argv is None else argv))
        print(f"appended {len(rows)} result(s) to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

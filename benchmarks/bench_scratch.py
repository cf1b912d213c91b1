"""Speed of the numpy layers of ``lstm_edu.scratch`` against ``torch.nn`` on the CPU (prints, records nothing).

A thin front end to :mod:`lstm_edu.experiments.speed`, the code of the ``scratch-speed`` record:
forward and forward + backward passes of RNN, GRU and LSTM in both libraries, with the same
weights, shapes, dtype and thread count, timed in pairs (every repeat times all of them back to
back, in alternating order) in a fresh process whose BLAS thread count is set before numpy loads.
It prints the medians of the times and of the per-repeat ratios, wall clock and CPU time (below 1:
the first named is faster).  With no options it measures the record's configuration.

    python benchmarks/bench_scratch.py                  # the scratch-speed configuration
    python benchmarks/bench_scratch.py --quick          # 3 repeats after 1 warm-up: a smoke test
    python benchmarks/bench_scratch.py --threads 2 -B 64

The figures the book and ``benchmarks/RESULTS.md`` show are the record's:
``python -m lstm_edu.records run scratch-speed`` (then ``... render``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lstm_edu.experiments import speed  # noqa: E402  (imports no numpy: the timing runs in a child process)
from lstm_edu.experiments.recorded import SCRATCH_SPEED  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    c = SCRATCH_SPEED
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats after 1 warm-up")
    parser.add_argument("--threads", type=int, default=c["threads"], help=f"threads for both libraries (default {c['threads']})")
    parser.add_argument("--repeats", type=int, default=None, help=f"timed repeats (default {c['repeats']}, quick 3)")
    parser.add_argument("--dtype", choices=list(speed.DTYPES), default=c["dtype"])
    parser.add_argument("-T", type=int, default=c["T"], help="sequence length")
    parser.add_argument("-B", type=int, default=c["batch"], help="batch size")
    parser.add_argument("-D", type=int, default=c["input_size"], help="input size")
    parser.add_argument("-H", type=int, default=c["hidden_size"], help="hidden size")
    parser.add_argument("--cells", nargs="+", default=c["cells"], choices=list(speed.CELLS))
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    options = dict(T=args.T, batch=args.B, input_size=args.D, hidden_size=args.H, cells=args.cells,
                   repeats=args.repeats or (3 if args.quick else SCRATCH_SPEED["repeats"]),
                   warmup=1 if args.quick else SCRATCH_SPEED["warmup"], dtype=args.dtype, seed=SCRATCH_SPEED["seed"])
    try:
        options = speed.check_options(**options)
        if args.threads < 1:
            raise ValueError(f"--threads must be at least 1, got {args.threads}")
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"T={args.T} B={args.B} D={args.D} H={args.H} {args.dtype}, {args.threads} thread(s), "
          f"{options['repeats']} paired repeats after {options['warmup']} warm-up(s); "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    result = speed.measure_with_threads(args.threads, **options)
    print(speed.format_summary(speed.summarise(result)))
    print(f"load average after: {os.getloadavg()[0]:.2f} (ratios are per-repeat, so load hits both sides alike; "
          "CPU time leaves out waiting for a core)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed of the numpy layers of ``lstm_edu.scratch`` against ``torch.nn`` on the CPU.

Times one forward plus one backward pass (gradients of the parameters *and* of the
input, in both libraries) of RNN, LSTM and GRU with the same shapes, dtype and
thread count, and prints a table with the ratio numpy time / torch time (below 1
means numpy is faster).

    python benchmarks/bench_scratch.py             # T=100, B=64, D=32, H=128, float32
    python benchmarks/bench_scratch.py --quick     # fewer repeats, for a smoke test
    python benchmarks/bench_scratch.py --threads 1

Method: both libraries use ``--threads`` threads (``torch.set_num_threads`` and the
``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` variables read by
numpy's BLAS when it loads, which is why numpy is imported only after they are
set).  After warm-up runs, numpy and torch are timed alternately, so that load from
other processes hits both alike; the table gives the median wall-clock time of each
and the median of the per-repeat ratios, for wall-clock time and for CPU time
(``time.process_time``, all threads of this process).  On a busy machine the wall
clock also counts the time other processes hold the cores; with ``--threads 1`` the
CPU-time ratio does not, which makes it the steadier number there.  (With more
threads CPU time also counts threads waiting for each other.)  Results are recorded
in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats and 1 warm-up instead of 15 and 3")
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count() or 1, help="threads for both libraries (default: all cores)"
    )
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per cell (default 15, quick 3)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("-T", type=int, default=100, help="sequence length")
    parser.add_argument("-B", type=int, default=64, help="batch size")
    parser.add_argument("-D", type=int, default=32, help="input size")
    parser.add_argument("-H", type=int, default=128, help="hidden size")
    parser.add_argument("--cells", nargs="+", default=["RNN", "LSTM", "GRU"], choices=["RNN", "LSTM", "GRU"])
    return parser.parse_args(argv)


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads < 1:
        raise SystemExit("--threads must be at least 1")
    if "numpy" in sys.modules:
        print("warning: numpy was imported before the thread settings; its BLAS may use another thread count")
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)

    import numpy as np
    import torch

    from lstm_edu.scratch import from_torch

    torch.set_num_threads(args.threads)
    repeats = args.repeats or (3 if args.quick else 15)
    warmup = 1 if args.quick else 3
    T, B, D, H = args.T, args.B, args.D, args.H
    torch_dtype = getattr(torch, args.dtype)
    load_before = os.getloadavg()

    print(f"forward + backward, T={T} B={B} D={D} H={H} {args.dtype}, threads={args.threads}, "
          f"{repeats} repeats after {warmup} warm-up")
    print(f"{cpu_name()}, {os.cpu_count()} logical CPUs; numpy {np.__version__}, torch {torch.__version__}; "
          f"load average {load_before[0]:.2f}")
    print()
    header = f"{'cell':<6}{'numpy ms':>10}{'torch ms':>10}{'ratio':>8}{'CPU ratio':>11}"
    print(header + "   (ratio = numpy / torch, median over repeats)")

    generator = torch.Generator().manual_seed(0)
    for kind in args.cells:
        torch.manual_seed(0)
        module = getattr(torch.nn, kind)(D, H, dtype=torch_dtype)
        layer = from_torch(module)
        x = torch.randn(T, B, D, dtype=torch_dtype, generator=generator, requires_grad=True)
        d_out = torch.randn(T, B, H, dtype=torch_dtype, generator=generator)
        x_np, d_out_np = x.detach().numpy().copy(), d_out.numpy().copy()

        def run_numpy():
            layer.forward(x_np)
            return layer.backward(d_out_np)

        def run_torch():
            module.zero_grad(set_to_none=True)
            x.grad = None
            outputs, _ = module(x)
            outputs.backward(d_out)

        # Both must compute the same thing, or the comparison means nothing.
        dx_np, _ = run_numpy()
        run_torch()
        tolerance = 1e-3 if args.dtype == "float32" else 1e-9
        difference = float(np.abs(dx_np - x.grad.numpy()).max())
        if difference > tolerance:
            raise SystemExit(f"{kind}: numpy and torch disagree on dx by {difference:.2e}")

        for _ in range(warmup):
            run_numpy()
            run_torch()
        times = {"numpy": [], "torch": []}  # (wall, cpu) seconds per repeat
        for r in range(repeats):
            # alternate the order so that neither library always runs first
            order = [("numpy", run_numpy), ("torch", run_torch)]
            for name, function in order if r % 2 == 0 else order[::-1]:
                wall, cpu = time.perf_counter(), time.process_time()
                function()
                times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
        numpy_times, torch_times = np.array(times["numpy"]), np.array(times["torch"])
        numpy_ms, torch_ms = 1e3 * np.median(numpy_times[:, 0]), 1e3 * np.median(torch_times[:, 0])
        ratio, cpu_ratio = np.median(numpy_times / torch_times, axis=0)
        print(f"{kind:<6}{numpy_ms:>10.1f}{torch_ms:>10.1f}{ratio:>8.2f}{cpu_ratio:>11.2f}")
    load_after = os.getloadavg()
    print(f"\nload average after: {load_after[0]:.2f} (other processes share the CPU when it exceeds 0)")


if __name__ == "__main__":
    main()

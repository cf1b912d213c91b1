"""Paired timing of the numpy layers of :mod:`lstm_edu.scratch` against ``torch.nn`` on the CPU.

What is timed, for each cell (``RNN``, ``GRU``, ``LSTM``) in both libraries, with the same
weights (:func:`lstm_edu.scratch.from_torch`), shapes, dtype and thread count:

- ``forward``: one pass over a (T, batch, input_size) sequence (torch under ``no_grad``, as
  chapter 4's live table times it);
- ``forward+backward``: forward, then backpropagation through time for a random gradient of
  the (T, batch, hidden_size) outputs; both libraries compute the gradients of the parameters
  and of the input.

Method (why the figures survive a busy machine): after warm-up, each *repeat* times every
(library, cell, pass) once, in an order reversed on every other repeat, so that load from other
processes falls on all of them alike within a repeat.  Ratios are computed **within each repeat**
(numpy / torch for one cell; GRU / RNN, LSTM / RNN and LSTM / GRU within one library) and the
median over repeats is reported, for wall-clock time and for CPU time (``time.process_time``,
every thread of this process).  CPU time does not count the time other processes hold the cores,
so on a loaded machine with one thread the CPU-time ratios are the steadier figures.

numpy's BLAS reads its thread count (``OPENBLAS_NUM_THREADS`` and friends) once, when numpy is
first imported, so :func:`measure_with_threads` runs the measurement in a fresh Python process
whose environment sets it before anything is imported.  :func:`measure` times in the calling
process with whatever thread count numpy loaded with.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python -m lstm_edu.experiments.speed \\
        --threads 1 --options '{"T": 100, "batch": 32, "input_size": 32, "hidden_size": 128}'   # prints JSON
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CELLS = ("RNN", "GRU", "LSTM")
LIBRARIES = ("numpy", "torch")
PASSES = ("forward", "forward+backward")
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
DTYPES = ("float32", "float64")


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_options(*, T: int, batch: int, input_size: int, hidden_size: int, cells=CELLS, repeats: int = 15,
                  warmup: int = 3, dtype: str = "float32", seed: int = 0) -> dict:
    """The validated options of :func:`measure` as a plain dict (cells upper-cased); bad input raises ``ValueError``."""
    for name, value in (("T", T), ("batch", batch), ("input_size", input_size), ("hidden_size", hidden_size),
                        ("repeats", repeats)):
        _positive_int(name, value)
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be a non-negative integer, got {warmup!r}")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    if isinstance(cells, str):
        cells = [cells]
    cells = [str(c).upper() for c in cells]
    if not cells or any(c not in CELLS for c in cells) or len(set(cells)) != len(cells):
        raise ValueError(f"cells must be distinct names among {CELLS}, got {cells!r}")
    return dict(T=T, batch=batch, input_size=input_size, hidden_size=hidden_size, cells=cells, repeats=repeats,
                warmup=warmup, dtype=dtype, seed=int(seed))


def _jobs(cell: str, options: dict) -> dict:
    """``{(library, pass): function}`` for one cell, after checking both libraries agree."""
    import numpy as np
    import torch

    from lstm_edu.scratch import from_torch

    T, B, D, H = options["T"], options["batch"], options["input_size"], options["hidden_size"]
    torch_dtype = getattr(torch, options["dtype"])
    torch.manual_seed(options["seed"])
    generator = torch.Generator().manual_seed(options["seed"])
    module = getattr(torch.nn, cell)(D, H, dtype=torch_dtype)
    layer = from_torch(module)
    x = torch.randn(T, B, D, dtype=torch_dtype, generator=generator, requires_grad=True)
    d_out = torch.randn(T, B, H, dtype=torch_dtype, generator=generator)
    x_np, d_out_np = x.detach().numpy().copy(), d_out.numpy().copy()

    def numpy_forward():
        return layer.forward(x_np)[0]

    def numpy_both():
        layer.forward(x_np)
        return layer.backward(d_out_np)[0]

    def torch_forward():
        with torch.no_grad():
            return module(x)[0]

    def torch_both():
        module.zero_grad(set_to_none=True)
        x.grad = None
        outputs, _ = module(x)
        outputs.backward(d_out)
        return x.grad

    # Both libraries must compute the same thing, or the comparison means nothing.
    tolerance = 1e-3 if options["dtype"] == "float32" else 1e-9
    for what, ours, theirs in (("outputs", numpy_forward, torch_forward), ("dx", numpy_both, torch_both)):
        difference = float(np.abs(np.asarray(ours()) - theirs().detach().numpy()).max())
        if not difference <= tolerance:
            raise RuntimeError(f"{cell}: numpy and torch disagree on {what} by {difference:.2e} (> {tolerance:g})")
    return {("numpy", "forward"): numpy_forward, ("numpy", "forward+backward"): numpy_both,
            ("torch", "forward"): torch_forward, ("torch", "forward+backward"): torch_both}


def key(library: str, cell: str, pass_: str) -> str:
    """The name of one timed job, e.g. ``"numpy/LSTM/forward+backward"``."""
    return f"{library}/{cell}/{pass_}"


def measure(**options) -> dict:
    """Time every (library, cell, pass) in this process, paired by repeat (see the module docstring).

    Options: ``T``, ``batch``, ``input_size``, ``hidden_size`` (required), ``cells``, ``repeats``,
    ``warmup``, ``dtype`` (``"float32"``/``"float64"``), ``seed``.  Returns ``{"options": ...,
    "wall_ms": {key: [per repeat]}, "cpu_ms": {key: [per repeat]}, "threads": {...}}`` with keys
    from :func:`key`; list ``r`` of every key is the same repeat.
    """
    options = check_options(**options)
    import torch

    jobs = {}
    for cell in options["cells"]:
        for (library, pass_), function in _jobs(cell, options).items():
            jobs[key(library, cell, pass_)] = function
    order = list(jobs)
    for _ in range(options["warmup"]):
        for name in order:
            jobs[name]()
    wall = {name: [] for name in order}
    cpu = {name: [] for name in order}
    for repeat in range(options["repeats"]):
        for name in order if repeat % 2 == 0 else order[::-1]:  # neither end always runs first
            function = jobs[name]
            w0, c0 = time.perf_counter(), time.process_time()
            function()
            c1, w1 = time.process_time(), time.perf_counter()
            wall[name].append(1e3 * (w1 - w0))
            cpu[name].append(1e3 * (c1 - c0))
    threads = {"torch": torch.get_num_threads()}
    threads.update({v: os.environ[v] for v in THREAD_VARIABLES if v in os.environ})
    return {"options": options, "wall_ms": wall, "cpu_ms": cpu, "threads": threads}


def _median_ratio(top: list[float], bottom: list[float]) -> float:
    return float(statistics.median(a / b for a, b in zip(top, bottom)))


def summarise(result: dict) -> dict:
    """Medians of the times and of the per-repeat ratios of :func:`measure`'s result.

    Returns ``{pass: {"ms": {library: {cell: {"wall", "cpu"}}}, "numpy_over_torch": {cell: {"wall",
    "cpu"}}, "within": {library: {"GRU/RNN" | "LSTM/RNN" | "LSTM/GRU": {"wall", "cpu"}}}}}``;
    a ratio appears only when both of its cells were timed.
    """
    cells = result["options"]["cells"]
    out = {}
    for pass_ in PASSES:
        times = {clock: {library: {cell: result[f"{clock}_ms"][key(library, cell, pass_)] for cell in cells}
                         for library in LIBRARIES} for clock in ("wall", "cpu")}
        entry = {
            "ms": {library: {cell: {clock: float(statistics.median(times[clock][library][cell]))
                                    for clock in ("wall", "cpu")} for cell in cells} for library in LIBRARIES},
            "numpy_over_torch": {cell: {clock: _median_ratio(times[clock]["numpy"][cell], times[clock]["torch"][cell])
                                        for clock in ("wall", "cpu")} for cell in cells},
            "within": {},
        }
        for library in LIBRARIES:
            ratios = {}
            for top, bottom in (("GRU", "RNN"), ("LSTM", "RNN"), ("LSTM", "GRU")):
                if top in cells and bottom in cells:
                    ratios[f"{top}/{bottom}"] = {clock: _median_ratio(times[clock][library][top],
                                                                      times[clock][library][bottom])
                                                 for clock in ("wall", "cpu")}
            entry["within"][library] = ratios
        out[pass_] = entry
    return out


def _figure(value: float) -> str:
    """Three significant figures: timings on a shared machine carry no more."""
    return f"{value:.3g}"


def table_rows(summary: dict) -> tuple[list[str], list[list]]:
    """``(columns, rows)``: one row per time or ratio, wall-clock and CPU-time medians side by side."""
    rows = []
    for pass_, entry in summary.items():
        for cell, ratio in entry["numpy_over_torch"].items():
            for library in LIBRARIES:
                ms = entry["ms"][library][cell]
                rows.append([pass_, f"{library} {cell}, ms", _figure(ms["wall"]), _figure(ms["cpu"])])
            rows.append([pass_, f"numpy / torch, {cell}", _figure(ratio["wall"]), _figure(ratio["cpu"])])
        for library in LIBRARIES:
            for name, ratio in entry["within"][library].items():
                rows.append([pass_, f"{library} {name.replace('/', ' / ')}", _figure(ratio["wall"]),
                             _figure(ratio["cpu"])])
    return ["pass", "quantity (median over repeats)", "wall clock", "CPU time"], rows


def format_summary(summary: dict) -> str:
    """The table of :func:`table_rows` as plain text."""
    from lstm_edu.records.display import format_table

    return format_table(*table_rows(summary))


def measure_with_threads(threads: int = 1, **options) -> dict:
    """:func:`measure` in a fresh Python process whose BLAS and torch use ``threads`` threads.

    The thread variables are set in the child's environment, so numpy's BLAS reads them when it
    loads.  The child's CPU time counts as this process's children's (``RUSAGE_CHILDREN``), so a
    record's provenance includes it.  Raises ``RuntimeError`` with the child's error if it fails.
    """
    _positive_int("threads", threads)
    options = check_options(**options)
    env = dict(os.environ, **{variable: str(threads) for variable in THREAD_VARIABLES})
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "lstm_edu.experiments.speed", "--threads", str(threads),
               "--options", json.dumps(options)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the timing process failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run measure() with a set thread count and print the result as JSON.")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--options", required=True, help="measure()'s options as a JSON object")
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    try:
        options = json.loads(args.options)
    except json.JSONDecodeError as err:
        parser.error(f"--options is not JSON: {err}")
    if not isinstance(options, dict):
        parser.error("--options must be a JSON object")
    for variable in THREAD_VARIABLES:
        if os.environ.get(variable) != str(args.threads):
            print(f"warning: {variable} is not {args.threads} in this process's environment; numpy's BLAS may use "
                  "another thread count (use measure_with_threads)", file=sys.stderr)
    import torch

    torch.set_num_threads(args.threads)
    print(json.dumps(measure(**options)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

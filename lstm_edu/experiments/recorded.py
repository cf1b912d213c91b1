"""The ``scratch-speed`` record: the numpy layers against ``torch.nn``, timed in pairs (chapter 4).

Registered with :mod:`lstm_edu.records`; ``python -m lstm_edu.records run scratch-speed`` runs
:func:`lstm_edu.experiments.speed.measure_with_threads` with :data:`SCRATCH_SPEED` (chapter 4's
timing shape: T = 100, batch 32, input 32, hidden 128, float32, one thread) and stores the
medians, the per-repeat ratios' medians and every repeat's times.
``benchmarks/bench_scratch.py`` prints the same measurement without writing a record.
"""

from __future__ import annotations

from lstm_edu.records.registry import register

SCRATCH_SPEED = dict(T=100, batch=32, input_size=32, hidden_size=128, cells=["RNN", "GRU", "LSTM"], repeats=121,
                     warmup=3, dtype="float32", seed=0, threads=1)


def run_scratch_speed(config: dict) -> dict:
    """Measure in a fresh process with ``config["threads"]`` threads; summarise for the record."""
    import os

    from lstm_edu.experiments import speed

    options = dict(config)
    threads = options.pop("threads")
    load = os.getloadavg()[0]
    result = speed.measure_with_threads(threads, **options)
    summary = speed.summarise(result)
    curves = {f"{name}/{clock}_ms": [round(v, 4) for v in result[f"{clock}_ms"][name]]
              for name in result["wall_ms"] for clock in ("wall", "cpu")}
    columns, rows = speed.table_rows(summary)
    thread_word = "thread" if threads == 1 else "threads"
    return {
        "metrics": {"summary": summary, "threads": result["threads"], "repeats": options["repeats"]},
        "curves": curves, "seeds": [options["seed"]], "tables": {"timings": {"columns": columns, "rows": rows}},
        "notes": (f"{options['repeats']} repeats after {options['warmup']} warm-ups, {threads} {thread_word}, "
                  f"started at a load average of {load:.1f}; every ratio is the median of per-repeat ratios of "
                  "runs timed back to back in alternating order, so load from other processes hits both sides "
                  "alike, and CPU time leaves out the time spent waiting for a core"),
    }


def _table(record):
    from lstm_edu.experiments.speed import table_rows

    return table_rows(record.metrics["summary"])


register("scratch-speed", run=run_scratch_speed, config=SCRATCH_SPEED, chapter=4, table=_table,
         title="numpy layers against torch.nn on the CPU, timed in pairs",
         description="Forward and forward + backward passes of the numpy RNN, GRU and LSTM of `lstm_edu.scratch` "
                     "and of `torch.nn` with the same weights and shapes (`lstm_edu.experiments.speed`); "
                     "T = 100, batch 32, input 32, hidden 128, float32. Ratios below 1 mean the first named is faster.")

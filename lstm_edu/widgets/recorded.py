"""The ``widget-latency`` record: time per slider move of the gate explorers and the stepper.

Registered with :mod:`lstm_edu.records`; ``python -m lstm_edu.records run widget-latency`` runs
:mod:`lstm_edu.widgets.latency` with :data:`WIDGET_LATENCY` (needs headless Chromium for the
browser widgets).  ``benchmarks/bench_widgets.py`` prints the same measurement without a record.
"""

from __future__ import annotations

from lstm_edu.records.registry import register

WIDGET_LATENCY = dict(moves=300, kinds=["lstm", "gru"], browser=True, browser_warmup=20, stepper_steps=50,
                      seed=0, threads=1, goal_ms=50)

WHERE = {"lstm": "kernel: lstm_step_forward + SVG panel", "gru": "kernel: gru_step_forward + SVG panel"}


def measure(config: dict) -> dict:
    """``{label: {"where", "wall_ms", "cpu_ms" (kernel side only)}}`` for every widget in ``config``."""
    import torch

    from lstm_edu.widgets import latency

    torch.set_num_threads(int(config["threads"]))
    out = {}
    for k, kind in enumerate(config["kinds"]):
        times = latency.live_latency(kind, config["moves"], seed=config["seed"] + k)
        out[f"live {kind.upper()} explorer"] = {"where": WHERE[kind], **times}
    if config["browser"]:
        pages = latency.browser_latency(config["moves"], warmup=config["browser_warmup"],
                                        stepper_steps=config["stepper_steps"])
        for label, ms in pages.items():
            out[label] = {"where": "browser (headless Chromium): input handler", "wall_ms": ms}
    return out


def run_widget_latency(config: dict) -> dict:
    import os

    from lstm_edu.widgets.latency import summary

    load = os.getloadavg()[0]
    timings = measure(config)
    metrics = {"goal_ms": config["goal_ms"], "widgets": {}}
    curves = {}
    for label, entry in timings.items():
        row = {"where": entry["where"], **summary(entry["wall_ms"])}
        if "cpu_ms" in entry:
            cpu = summary(entry["cpu_ms"])
            row["cpu_median"], row["cpu_max"] = cpu["median"], cpu["max"]
        metrics["widgets"][label] = row
        for clock in ("wall_ms", "cpu_ms"):
            if clock in entry:
                curves[f"{label}/{clock}"] = [round(v, 4) for v in entry[clock]]
    worst = max(row["max"] for row in metrics["widgets"].values())
    metrics["slowest_move_ms"] = worst
    metrics["all_under_goal"] = worst < config["goal_ms"]
    metrics["medians_under_goal"] = all(row["median"] < config["goal_ms"] for row in metrics["widgets"].values())
    return {
        "metrics": metrics, "curves": curves, "seeds": [config["seed"]],
        "notes": (f"{config['moves']} moves per widget, one thread, started at a load average of {load:.1f} on "
                  "the shared machine: wall-clock times include waiting for a core (the kernel's CPU time "
                  "per move does not); a notebook adds one comm message each way to the kernel-side figures"),
    }


def _table(record):
    rows = []
    for label, row in record.metrics["widgets"].items():
        cpu = f"{row['cpu_median']:.2f} / {row['cpu_max']:.2f}" if "cpu_median" in row else "-"
        rows.append([label, row["where"], f"{row['median']:.2f}", f"{row['p95']:.2f}", f"{row['max']:.2f}", cpu])
    return ["widget", "where the update runs", "median ms", "p95 ms", "max ms", "CPU ms: median / max"], rows


register("widget-latency", run=run_widget_latency, config=WIDGET_LATENCY, table=_table,
         title="Widget latency: gate explorers and sequence stepper",
         description="Time per slider move (goal: under 50 ms), kernel side for the live explorers and in "
                     "headless Chromium for the widgets of the static book (`lstm_edu.widgets.latency`).")

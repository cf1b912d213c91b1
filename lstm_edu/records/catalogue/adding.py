"""Chapters 3 and 4 on the adding problem: the gate ablations and the RNN/GRU/LSTM comparison.

Both call :mod:`lstm_edu.experiments.gates` exactly as the chapters do (``run_lstm_grid`` for the
ablations, ``run_grid`` for the comparison), but long enough that every run either leaves the
plateau at the baseline 1/6 or clearly does not, with several seeds, each seed kept.
"""

from __future__ import annotations

from lstm_edu.records.registry import register
from lstm_edu.records.catalogue._common import set_threads, thin

ABLATION = dict(T=30, hidden=16, steps=2000, seeds=[0, 1, 2, 3], lr=0.01, batch_size=64, clip=1.0,
                curve_every=20, threads=1)
COMPARISON = dict(T=50, hidden=32, steps=2000, seeds=[0, 1, 2], lr=0.01, batch_size=64, clip=1.0,
                  cells=["rnn", "gru", "lstm"], wide_rnn=True, curve_every=20, threads=1)


def _per_seed(rows, config) -> tuple[dict, dict, list]:
    """Curves (running-mean training MSE) and a per-run table from ``run_grid``-style rows."""
    curves, table = {}, []
    every = config["curve_every"]
    for row in rows:
        key = f"{row['cell']}/seed{row['seed']}"
        curves[f"{key}/train_mse"] = thin(row["run"].losses, every, window=every)
        table.append([row["cell"], row["seed"], row["test_mse"], row["test_accuracy"],
                      "never" if row["solved_at"] is None else row["solved_at"], round(row["seconds"], 1)])
    steps = len(rows[0]["run"].losses)
    curves["step"] = [float(s) for s in thin(range(every, steps + 1), every)]
    return curves, {"columns": ["cell", "seed", "test MSE", "within 0.1", "solved at step", "s"], "rows": table}, table


def _summary(rows) -> dict:
    from lstm_edu.experiments.gates import summarise
    from lstm_edu.tasks import ADDING_BASELINE_MSE

    out = {}
    for s in summarise(rows):
        out[s["cell"]] = {
            "runs": s["runs"], "solved": s["solved"], "median_solved_at": s["median_solved_at"],
            "mean_test_mse": s["mean_test_mse"], "min_test_mse": s["min_test_mse"], "max_test_mse": s["max_test_mse"],
            "mean_test_mse_x_baseline": s["mean_test_mse"] / ADDING_BASELINE_MSE,
            "mean_seconds_per_run": s["mean_seconds"],
        }
    return out


def run_ablation(config: dict) -> dict:
    """Greff et al.'s variants (vanilla, NFG, NOAF, CIFG), every seed, trained side by side (paired)."""
    from lstm_edu.experiments.gates import VARIANTS, run_lstm_grid

    set_threads(config)
    members = [{"variant": v, "seed": s} for v in VARIANTS for s in config["seeds"]]
    rows = run_lstm_grid(members, hidden_size=config["hidden"], T=config["T"], steps=config["steps"],
                         lr=config["lr"], batch_size=config["batch_size"], clip=config["clip"])
    curves, table, _ = _per_seed(rows, config)
    runs = len(rows)
    return {
        "metrics": {"variants": _summary(rows), "baseline_mse": 1 / 6},
        "curves": curves, "seeds": config["seeds"], "tables": {"runs": table},
        "notes": f"{runs} runs of {config['steps']} Adam steps at T = {config['T']}, H = {config['hidden']}, "
                 f"trained side by side on one CPU thread",
    }


def _wide_hidden(hidden: int) -> int:
    """The RNN width whose parameter count first exceeds a one-layer LSTM's (input size 2), as in chapter 4."""
    def rnn(h):
        return h * (2 + h) + 2 * h

    lstm = 4 * (hidden * (2 + hidden) + 2 * hidden)
    wide = hidden
    while rnn(wide) < lstm:
        wide += 1
    return wide


def run_comparison(config: dict) -> dict:
    """RNN, GRU and LSTM of the same width (and an RNN with the LSTM's parameter count), each seed alone."""
    from lstm_edu.experiments.gates import run_grid

    set_threads(config)
    options = dict(lr=config["lr"], batch_size=config["batch_size"], clip=config["clip"])
    rows = run_grid(config["cells"], seeds=config["seeds"], hidden_size=config["hidden"], T=config["T"],
                    steps=config["steps"], **options)
    if config["wide_rnn"]:
        wide = _wide_hidden(config["hidden"])
        wide_rows = run_grid(["rnn"], seeds=config["seeds"], hidden_size=wide, T=config["T"], steps=config["steps"],
                             **options)
        for row in wide_rows:
            row["cell"] = f"rnn-H{wide}"
        rows += wide_rows
    curves, table, _ = _per_seed(rows, config)
    metrics = {"cells": _summary(rows), "baseline_mse": 1 / 6,
               "parameters": {row["cell"]: row["parameters"] for row in rows}}
    return {
        "metrics": metrics, "curves": curves, "seeds": config["seeds"], "tables": {"runs": table},
        "notes": f"{len(rows)} runs of {config['steps']} Adam steps at T = {config['T']}, H = {config['hidden']}, "
                 f"one after another on one CPU thread",
    }


def _table(record):
    """One row per variant/cell: solved runs, median step, test MSE (mean, range)."""
    groups = record.metrics.get("variants") or record.metrics.get("cells") or {}
    rows = []
    for name, s in groups.items():
        median = s["median_solved_at"]
        rows.append([name, f"{s['solved']} of {s['runs']}", "-" if median is None else f"{median:.0f}",
                     s["mean_test_mse"], f"{s['min_test_mse']:.4f}-{s['max_test_mse']:.4f}"])
    return ["model", "solved", "median step solved", "mean test MSE", "range"], rows


def _plot(record):
    """Each seed's running-mean training MSE on a log scale, one panel per model; baseline dashed."""
    import matplotlib.pyplot as plt
    import numpy as np

    from lstm_edu.figures import COLUMN_WIDTH_IN, LINESTYLES, PALETTE, set_alt

    groups = {}
    for key, values in record.curves.items():
        parts = key.split("/")
        if len(parts) == 3:
            groups.setdefault(parts[0], {})[int(parts[1][4:])] = values
    step = np.asarray(record.curves["step"])
    rows = -(-len(groups) // 2)
    fig, axes = plt.subplots(rows, 2, figsize=(COLUMN_WIDTH_IN, 2.5 * rows + 0.6), sharex=True, sharey=True,
                             squeeze=False)
    for ax in axes.flat[len(groups):]:
        ax.set_visible(False)
    for ax, (name, runs) in zip(axes.flat, groups.items()):
        for k, (seed, values) in enumerate(sorted(runs.items())):
            ax.plot(step[:len(values)], values, color=PALETTE[k % len(PALETTE)], ls=LINESTYLES[k % len(LINESTYLES)],
                    lw=1.3, label=f"seed {seed}")
        ax.axhline(1 / 6, color="gray", ls="--", lw=1)
        ax.axhline(0.05, color="gray", ls=":", lw=1)
        ax.set(title=name, yscale="log")
    for ax in axes[-1]:
        ax.set_xlabel("Adam step")
    for ax in axes[:, 0]:
        ax.set_ylabel("training MSE")
    axes[0][0].legend(loc="lower left", ncol=2, fontsize=9)
    fig.tight_layout()
    groups_summary = record.metrics.get("variants") or record.metrics.get("cells") or {}
    solved = "; ".join(f"{name}: {s['solved']} of {s['runs']} runs solved" for name, s in groups_summary.items())
    set_alt(fig, f"One panel per model ({', '.join(groups)}): each seed's running-mean training MSE on a log "
                 f"scale against Adam steps, with the baseline 1/6 dashed and the 'solved' level 0.05 dotted. {solved}.")
    return fig


register("ablation-lstm", run=run_ablation, config=ABLATION, chapter=3,
         title="LSTM gate ablations on the adding problem",
         description="Greff et al.'s variants (vanilla, no forget gate, no output activation, coupled gates), "
                     "paired design: same initial weights per seed, same batches (`lstm_edu.experiments.gates.run_lstm_grid`).",
         table=_table, plot=_plot)

register("gru-vs-lstm", run=run_comparison, config=COMPARISON, chapter=4,
         title="RNN, GRU and LSTM on the adding problem",
         description="Same width, same seeds and batches, plus an RNN with the LSTM's parameter count "
                     "(`lstm_edu.experiments.gates.run_grid`).",
         table=_table, plot=_plot)

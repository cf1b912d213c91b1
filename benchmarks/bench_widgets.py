"""How long one slider move takes in the gate explorers and the sequence stepper (goal: < 50 ms).

Run:  .venv/bin/python benchmarks/bench_widgets.py  [--moves 300]

1. Live (kernel) explorers, ``lstm_explorer(live=True)`` / ``gru_explorer(live=True)``: the
   time from setting a slider's value to the end of its callback (the numpy step of
   lstm_edu.scratch plus rendering the SVG panel into the HTML widget), for random moves.
   In a notebook the front end adds the round trip of one comm message each way.
2. Browser explorers and stepper (the versions that work in the static book), in
   headless Chromium if it is installed: the time of the ``input`` event handler
   (JavaScript computes the cell and repaints the diagram), measured in the page
   with ``performance.now()``.

Prints median, 95th percentile and maximum in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time

import numpy as np


def summary(label: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    print(f"  {label:<44} median {statistics.median(ms):6.2f} ms   p95 {p95:6.2f} ms   max {ms[-1]:6.2f} ms"
          f"   ({len(ms)} moves)")


def bench_live(kind: str, moves: int, rng: np.random.Generator) -> None:
    from lstm_edu.widgets.gate_explorer import LiveExplorer

    explorer = LiveExplorer(kind)
    sliders = list(explorer.sliders.values())
    timings = []
    while len(timings) < moves:
        slider = sliders[rng.integers(len(sliders))]
        value = float(np.round(rng.uniform(slider.min, slider.max) / slider.step) * slider.step)
        if value == slider.value:
            continue  # not a move: no callback
        updates = len(explorer.timings_ms)
        start = time.perf_counter()
        slider.value = value
        timings.append(1000 * (time.perf_counter() - start))
        assert len(explorer.timings_ms) == updates + 1, "the slider move did not trigger exactly one update"
    summary(f"live {kind} explorer (kernel side)", timings)


BROWSER_MOVES = """([moves]) => {
    const inputs = Array.from(document.querySelectorAll('input[type=range]'));
    const times = [];
    for (let k = 0; k < moves; k++) {
        const el = inputs[k % inputs.length];
        const lo = +el.min, hi = +el.max, step = +el.step;
        el.value = lo + Math.round(((k * 0.618034) % 1) * (hi - lo) / step) * step;
        const t0 = performance.now();
        el.dispatchEvent(new Event('input'));
        times.push(performance.now() - t0);
    }
    return times;
}"""


def bench_browser(moves: int) -> None:
    chromium = os.environ.get("LSTM_EDU_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("  (no Chromium found: browser timings skipped)")
        return
    import torch
    from playwright.sync_api import sync_playwright

    from lstm_edu.widgets.gate_explorer import gru_explorer, lstm_explorer
    from lstm_edu.widgets.stepper import record, sequence_stepper
    from lstm_edu.tasks import adding_problem

    torch.manual_seed(0)
    x, _ = adding_problem(1, 50, np.random.default_rng(0))
    stepper = sequence_stepper(record(torch.nn.LSTM(2, 16), x), marked=x[:, 0, 1] > 0, input_names=("value", "marker"))
    pages = {"browser LSTM explorer (input event)": lstm_explorer().html,
             "browser GRU explorer (input event)": gru_explorer().html,
             "browser stepper, T = 50 (input event)": stepper.html}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        for label, body in pages.items():
            page = browser.new_page()
            page.set_content(f"<html><body>{body}</body></html>")
            page.evaluate(BROWSER_MOVES, [20])  # warm-up
            summary(label, page.evaluate(BROWSER_MOVES, [moves]))
            page.close()
        browser.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=300)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"Widget update time per slider move (python {sys.version.split()[0]}, {os.cpu_count()} CPUs visible)")
    for kind in ("lstm", "gru"):
        bench_live(kind, args.moves, rng)
    bench_browser(args.moves)


if __name__ == "__main__":
    main()

"""How long one slider move takes in the gate explorers and the sequence stepper (goal: under 50 ms).

- :func:`live_latency`: the kernel-computed explorers (``lstm_explorer(live=True)``,
  ``gru_explorer(live=True)``): time from setting a slider's value to the end of its callback
  (the numpy step of :mod:`lstm_edu.scratch` plus rendering the SVG panel), wall clock and CPU
  time, for random moves.  In a notebook the front end adds one comm message each way.
- :func:`browser_latency`: the versions that work in the static book (both explorers and a
  stepper over T = 50 steps of an LSTM), in headless Chromium: the time of the ``input`` event
  handler (JavaScript computes the cell and repaints), measured in the page with
  ``performance.now()``.

On a shared machine the wall-clock figures include time spent waiting for a core; the kernel's
CPU time per move does not.  :func:`summary` gives median, 95th percentile and maximum.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time

KINDS = ("lstm", "gru")

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


def _moves(moves) -> int:
    if isinstance(moves, bool) or not isinstance(moves, int) or moves < 1:
        raise ValueError(f"moves must be a positive integer, got {moves!r}")
    return moves


def summary(ms: list[float]) -> dict:
    """``{"median", "p95", "max", "moves"}`` of a list of milliseconds (p95: the 95th percentile by rank)."""
    if not ms:
        raise ValueError("no timings to summarise")
    ordered = sorted(float(v) for v in ms)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return {"median": float(statistics.median(ordered)), "p95": p95, "max": ordered[-1], "moves": len(ordered)}


def live_latency(kind: str, moves: int, seed: int = 0) -> dict:
    """``{"wall_ms": [...], "cpu_ms": [...]}``, one entry per random slider move of the live explorer ``kind``."""
    import numpy as np

    from lstm_edu.widgets.gate_explorer import LiveExplorer

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    moves = _moves(moves)
    rng = np.random.default_rng(seed)
    explorer = LiveExplorer(kind)
    sliders = list(explorer.sliders.values())
    wall, cpu = [], []
    while len(wall) < moves:
        slider = sliders[rng.integers(len(sliders))]
        value = float(np.round(rng.uniform(slider.min, slider.max) / slider.step) * slider.step)
        if value == slider.value:
            continue  # not a move: no callback
        updates = len(explorer.timings_ms)
        w0, c0 = time.perf_counter(), time.process_time()
        slider.value = value
        c1, w1 = time.process_time(), time.perf_counter()
        if len(explorer.timings_ms) != updates + 1:
            raise RuntimeError(f"{kind} explorer: a slider move did not trigger exactly one update")
        wall.append(1e3 * (w1 - w0))
        cpu.append(1e3 * (c1 - c0))
    return {"wall_ms": wall, "cpu_ms": cpu}


def find_chromium() -> str | None:
    """Chromium's path: ``$LSTM_EDU_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on the PATH."""
    return os.environ.get("LSTM_EDU_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def browser_pages(stepper_steps: int = 50) -> dict[str, str]:
    """``{label: HTML}`` of the static widgets timed in the browser."""
    import numpy as np
    import torch

    from lstm_edu.tasks import adding_problem
    from lstm_edu.widgets.gate_explorer import gru_explorer, lstm_explorer
    from lstm_edu.widgets.stepper import record, sequence_stepper

    torch.manual_seed(0)
    x, _ = adding_problem(1, stepper_steps, np.random.default_rng(0))
    stepper = sequence_stepper(record(torch.nn.LSTM(2, 16), x), marked=x[:, 0, 1] > 0,
                               input_names=("value", "marker"))
    return {"browser LSTM explorer": lstm_explorer().html, "browser GRU explorer": gru_explorer().html,
            f"browser stepper, T = {stepper_steps}": stepper.html}


def browser_latency(moves: int, *, chromium: str | None = None, warmup: int = 20,
                    stepper_steps: int = 50) -> dict[str, list[float]]:
    """``{label: [ms per input event]}`` for each page of :func:`browser_pages`, in headless Chromium.

    Raises ``RuntimeError`` when no Chromium is found (install Debian's ``chromium`` or set
    ``LSTM_EDU_CHROMIUM``).
    """
    moves = _moves(moves)
    chromium = chromium or find_chromium()
    if not chromium:
        raise RuntimeError("no Chromium found for the browser timings: install Debian's `chromium` package "
                           "or set LSTM_EDU_CHROMIUM to its path")
    from playwright.sync_api import sync_playwright

    out = {}
    pages = browser_pages(stepper_steps)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            for label, body in pages.items():
                page = browser.new_page()
                page.set_content(f"<html><body>{body}</body></html>")
                if warmup:
                    page.evaluate(BROWSER_MOVES, [warmup])
                out[label] = [float(v) for v in page.evaluate(BROWSER_MOVES, [moves])]
                page.close()
        finally:
            browser.close()
    return out

"""How long one slider move takes in the gate explorers and the sequence stepper (prints, records nothing).

A thin front end to :mod:`lstm_edu.widgets.latency`, the code of the ``widget-latency`` record:
the live (kernel) explorers, wall clock and CPU time per move, and, when Chromium is installed,
the browser widgets of the static book (time of the ``input`` handler in headless Chromium).
Goal: under 50 ms per move.

    python benchmarks/bench_widgets.py [--moves 300] [--no-browser]

The figures ``benchmarks/RESULTS.md`` shows are the record's:
``python -m lstm_edu.records run widget-latency`` (then ``... render``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lstm_edu.widgets import latency  # noqa: E402
from lstm_edu.widgets.recorded import WIDGET_LATENCY, measure  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=WIDGET_LATENCY["moves"])
    parser.add_argument("--no-browser", action="store_true", help="skip the headless-Chromium timings")
    args = parser.parse_args(argv)
    if args.moves < 1:
        parser.error("--moves must be at least 1")
    browser = not args.no_browser
    if browser and not latency.find_chromium():
        print("(no Chromium found: browser timings skipped; set LSTM_EDU_CHROMIUM to include them)")
        browser = False
    timings = measure(dict(WIDGET_LATENCY, moves=args.moves, browser=browser))
    for label, entry in timings.items():
        s = latency.summary(entry["wall_ms"])
        cpu = f"   CPU median {latency.summary(entry['cpu_ms'])['median']:6.2f} ms" if "cpu_ms" in entry else ""
        print(f"  {label:<26} median {s['median']:6.2f} ms   p95 {s['p95']:6.2f} ms   max {s['max']:6.2f} ms"
              f"{cpu}   ({s['moves']} moves; {entry['where']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Command line: ``python -m lstm_edu.records list | run NAME | show NAME | render [--check]``."""

from __future__ import annotations

import argparse
import sys

from lstm_edu.records import display, freshness, registry, report, runner
from lstm_edu.records.storage import RecordError, load, record_path


def _state(entry) -> str:
    status = freshness.check(entry.name)
    if status.state == "ok":
        return "recorded"
    if status.state == "owed":
        return "not yet recorded (GPU)" if entry.needs_gpu else "not yet recorded (owed)"
    if not record_path(entry.name).exists():
        return "not yet recorded"
    return "STALE" if "stale" in status.message else "UNUSABLE"


def cmd_list(args) -> int:
    for entry in registry.experiments():
        chapter = f"ch{entry.chapter}" if entry.chapter is not None else "-"
        print(f"{entry.name:20s} {chapter:5s} {entry.device:5s} {_state(entry):24s} {entry.title}")
    return 0


def cmd_run(args) -> int:
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    entry = registry.get(args.name)
    print(f"running {entry.name} (configuration hash {entry.config_hash}) ...", flush=True)
    record = runner.run(args.name, command=" ".join(["python -m lstm_edu.records", *sys.argv[1:]]))
    print(f"wrote {record.path}")
    print(display.caption(record))
    return 0


def cmd_show(args) -> int:
    entry = registry.get(args.name)
    try:
        record = load(args.name)
    except FileNotFoundError:
        print(display.missing_note(args.name))
        return 1
    columns, rows = (entry.table or display.default_table)(record)
    print(display.format_table(columns, rows))
    if args.save:
        figure = display.draw(entry, record)
        if figure is None:
            print("this record has no figure")
        else:
            figure.savefig(args.save, dpi=100)
            print(f"figure written to {args.save}")
    note = display.stale_note(record)
    if note:
        print(note)
    print(f"[{display.caption(record)}]")
    return 0


def cmd_render(args) -> int:
    text = report.render()
    if args.check:
        current = report.RESULTS_PATH.read_text(encoding="utf-8") if report.RESULTS_PATH.exists() else ""
        if current != text:
            print(f"{report.RESULTS_PATH} is out of date: run `python -m lstm_edu.records render`")
            return 1
        print(f"{report.RESULTS_PATH} is up to date")
        return 0
    path = report.write()
    print(f"wrote {path}")
    return 0


def cmd_check(args) -> int:
    bad = 0
    for status in freshness.check_references():
        print(f"{status.state:8s} {status.message}")
        bad += status.state == "problem"
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_edu.records", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every named experiment and whether it is recorded").set_defaults(func=cmd_list)
    p = sub.add_parser("run", help="run one experiment at full size and write records/NAME.json")
    p.add_argument("name")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("show", help="print a record's table and caption")
    p.add_argument("name")
    p.add_argument("--save", metavar="PNG", help="also write the record's figure to this file")
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("render", help="regenerate benchmarks/RESULTS.md from the records")
    p.add_argument("--check", action="store_true", help="only report whether the file is up to date")
    p.set_defaults(func=cmd_render)
    sub.add_parser("check", help="are the records the notebooks use present and current?").set_defaults(func=cmd_check)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (KeyError, RecordError, RuntimeError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

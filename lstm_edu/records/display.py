"""Showing a record in a chapter: its figure and table, with a one-line provenance caption.

While a record is missing, :func:`show` prints a visible "not yet recorded" note naming the
command that writes it, so the book never shows a typed number in its place.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict

from lstm_edu.records.provenance import describe_device
from lstm_edu.records.registry import get
from lstm_edu.records.storage import Record, load, record_path


def caption(record: Record) -> str:
    """``full size, recorded on <date>, <minutes> min on <device>`` plus the record's own note.

    A record made below the experiment's full size says ``reduced size`` instead.
    """
    prov = record.provenance
    date = str(prov.get("date", "?"))[:10]
    minutes = float(prov.get("wall_s", 0.0)) / 60.0
    text = f"{record.scale} size, recorded on {date}, {minutes:.1f} min on {describe_device(prov.get('device', {}))}"
    if record.notes:
        text += f"; {record.notes}"
    return text


def missing_note(name: str) -> str:
    entry = get(name)
    where = " on a machine with a GPU" if entry.needs_gpu else ""
    why = f" ({entry.owed})" if entry.owed else ""
    return (f"NOT YET RECORDED: the full-size run '{name}' has no record in this build{why}. "
            f"Run `{entry.command}`{where} to record it.")


def stale_note(record: Record) -> str | None:
    entry = get(record.name)
    if record.config_hash == entry.config_hash:
        from lstm_edu.records.freshness import resolved_problem

        try:
            problem = resolved_problem(entry, record)
        except Exception as err:  # the caption must still be drawn
            problem = f"the code cannot resolve this record's configuration now ({type(err).__name__}: {err})"
        return f"NOTE: {problem}; re-run `{entry.command}`." if problem else None
    return (f"NOTE: this record was made with a different configuration than the code now holds "
            f"(hash {record.config_hash} vs {entry.config_hash}); re-run `{entry.command}`.")


def format_table(columns: list, rows: list) -> str:
    """A plain-text table with right-aligned numbers (what ``print`` shows in the book)."""
    cells = [[_fmt(c) for c in columns]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1000 else f"{value:.0f}"
    return "" if value is None else str(value)


def default_table(record: Record) -> tuple[list, list]:
    """Metrics as a two-column table (nested dicts flattened with '/')."""
    rows = []

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}/{key}" if prefix else str(key), sub)
        else:
            rows.append([prefix, value])

    walk("", record.metrics)
    return ["metric", "value"], rows


_SEED_KEY = re.compile(r"^(?P<group>.+)/seed(?P<seed>\d+)/(?P<quantity>[^/]+)$")


def default_plot(record: Record):
    """One panel per quantity; each seed drawn thin, the median of a group's seeds thick."""
    import matplotlib.pyplot as plt
    import numpy as np

    panels: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for key, values in record.curves.items():
        match = _SEED_KEY.match(key)
        if match:
            panels[match["quantity"]][match["group"]].append(values)
    if not panels:
        return None
    from lstm_edu.figures import COLUMN_WIDTH_IN, LINESTYLES, PALETTE

    rows = -(-len(panels) // 2)
    fig, axes = plt.subplots(rows, min(2, len(panels)), figsize=(COLUMN_WIDTH_IN, 2.8 * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, (quantity, groups) in zip(axes.flat, sorted(panels.items())):
        for k, (group, runs) in enumerate(sorted(groups.items())):
            colour, style = PALETTE[k % len(PALETTE)], LINESTYLES[k % len(LINESTYLES)]
            length = min(len(r) for r in runs)
            steps = record.curves.get(f"{group}/step") or record.curves.get("step")
            x = np.asarray(steps[:length]) if steps else np.arange(length)
            data = np.array([[np.nan if v is None else v for v in r[:length]] for r in runs], dtype=float)
            for row in data:
                ax.plot(x, row, color=colour, ls=style, lw=0.7, alpha=0.45)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing step has no median
                median = np.nanmedian(data, axis=0)
            ax.plot(x, median, color=colour, ls=style, lw=2, label=f"{group} (median of {len(runs)})")
        ax.set_title(quantity)
        ax.set_xlabel("step")
        ax.legend()
    fig.tight_layout()
    return fig


def draw(entry, record):
    """The record's figure in the book's style (:mod:`lstm_edu.figures`), with alt text; None if it has none."""
    from lstm_edu import figures

    with figures.style():
        figure = (entry.plot or default_plot)(record)
    if figure is not None and figures.alt_of(figure) is None:
        figures.set_alt(figure, f"Curves of the recorded full-size run {record.name} ({entry.title}); "
                                "the table above gives its figures.")
    return figure


def show(name: str) -> None:
    """Show record ``name`` in a notebook (or a terminal): table, figure, provenance caption.

    A missing record prints the "not yet recorded" note with the command that writes it.
    """
    entry = get(name)
    try:
        record = load(name)
    except FileNotFoundError:
        _display_note(missing_note(name))
        return None
    columns, rows = (entry.table or default_table)(record)
    print(f"{entry.title} — recorded {record.scale}-size run '{name}'")
    print(format_table(columns, rows))
    figure = draw(entry, record)
    if figure is not None:
        _display_figure(figure)
    note = stale_note(record)
    if note:
        print(note)
    print(f"[{caption(record)}]")
    return None


def _display_note(text: str) -> None:
    """A visible boxed note in a notebook (HTML), plain text elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        print(text)
        return
    import html

    head, _, rest = text.partition(": ")
    box = ('<div class="lstm-edu-record-missing" role="note" style="border: 2px solid #D55E00; '
           'padding: 0.5em 0.8em; margin: 0.5em 0;"><strong>' + html.escape(head) + ":</strong> "
           + re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(rest)) + "</div>")
    display({"text/html": box, "text/plain": text}, raw=True)


def _display_figure(figure) -> None:
    """Display a figure inline (with its alt text) under IPython; free it in any case."""
    import matplotlib.pyplot as plt

    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        from lstm_edu import figures

        figures.show(figure)  # displays the <img alt> and closes the figure
    plt.close(figure)


__all__ = ["caption", "default_plot", "default_table", "format_table", "missing_note", "record_path", "show"]

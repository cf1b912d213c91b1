"""The sequence stepper: watch the gates, the cell and the hidden state of a trained model step by step.

:func:`record` runs an LSTM or GRU (a ``torch.nn.LSTM``/``GRU``, a numpy layer of
:mod:`lstm_edu.scratch`, or a parameter dict) over one sequence with the package's
numpy step functions and keeps every gate and state.  :func:`sequence_stepper`
turns a :class:`Recording` into a self-contained HTML widget: a Play button and a
slider move a cursor over strip charts of the chosen unit (inputs, gates, cell
and hidden state over time), and the cell diagram of :mod:`lstm_edu.diagrams`
shows that unit's numbers at the current step.  Everything is switched in the
browser, so the widget plays in the static HTML book as well as in Jupyter and
Colab.  :func:`select_units` picks the units worth watching.

Keyboard and screen readers: the Play button, the step slider and the unit menu
are native controls with names and a visible focus ring; the step label is a
polite live region (silent while playing) and the slider reads "t = 3 of 49".
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
from dataclasses import dataclass, field

import numpy as np

from lstm_edu.diagrams._cell_svg import PAINT_JS, fill_colour, format_number, label_markup
from lstm_edu.diagrams._cell_svg import script_json as _json
from lstm_edu.diagrams.gru_cell import gru_cell_values, gru_drawing
from lstm_edu.diagrams.lstm_cell import lstm_cell_values, lstm_drawing

#: Strip-chart rows per kind: (label, state name, how it is drawn).
ROWS = {
    "lstm": (("input gate i", "i", "gate"), ("forget gate f", "f", "gate"), ("candidate g", "g", "signed"),
             ("output gate o", "o", "gate"), ("cell c", "c", "line"), ("hidden h", "h", "line")),
    "gru": (("reset gate r", "r", "gate"), ("update gate z", "z", "gate"), ("candidate n", "n", "signed"),
            ("hidden h", "h", "line")),
}


@dataclass
class Recording:
    """Everything one model computed on one sequence.

    ``inputs`` (T, D); ``states[name]`` (T, H) for every gate and state (LSTM: i, f,
    g, o, c, h; GRU: r, z, n, h), plus ``h_prev`` (and ``c_prev``), the state each
    step started from.  :meth:`values` gives the diagram values of one unit at one step.
    """

    kind: str
    inputs: np.ndarray
    params: dict
    states: dict = field(repr=False)

    @property
    def steps(self) -> int:
        return self.inputs.shape[0]

    @property
    def hidden_size(self) -> int:
        return self.states["h"].shape[1]

    def values(self, t: int, unit: int) -> dict:
        """The diagram values (``LSTM_KEYS`` or ``GRU_KEYS``) of ``unit`` at step ``t``."""
        if not 0 <= t < self.steps:
            raise ValueError(f"t must be in [0, {self.steps - 1}], got {t}")
        x = self.inputs[t][None]
        h_prev = self.states["h_prev"][t][None]
        if self.kind == "lstm":
            return lstm_cell_values(x, h_prev, self.states["c_prev"][t][None], self.params, unit=unit)
        return gru_cell_values(x, h_prev, self.params, unit=unit)


def _params_and_kind(model, kind: str | None) -> tuple[dict, str]:
    if isinstance(model, dict):
        if kind not in ("lstm", "gru"):
            raise ValueError("with a parameter dict, say kind='lstm' or kind='gru'")
        params = {k: np.asarray(v, dtype=np.float64) for k, v in model.items()}
        blocks = params["weight_hh"].shape[0] // params["weight_hh"].shape[1]
        if blocks != (4 if kind == "lstm" else 3):
            raise ValueError(f"weight_hh has {blocks} blocks, which does not fit kind={kind!r}")
        return params, kind
    from lstm_edu.scratch import GRU, LSTM
    from lstm_edu.scratch.base import RecurrentLayer

    if not isinstance(model, RecurrentLayer):
        from lstm_edu.scratch.convert import from_torch

        model = from_torch(model)
    if not isinstance(model, (LSTM, GRU)):
        raise TypeError(f"the stepper shows LSTM and GRU cells, got {type(model).__name__}")
    found = "lstm" if isinstance(model, LSTM) else "gru"
    if kind is not None and kind != found:
        raise ValueError(f"kind={kind!r} but the model is a {found.upper()}")
    return {k: np.asarray(v, dtype=np.float64) for k, v in model.params.items()}, found


def record(model, x, *, kind: str | None = None, h0=None, c0=None) -> Recording:
    """Run ``model`` over one sequence ``x`` ((T, D) or (T, 1, D)) and keep every gate and state.

    ``model`` is a ``torch.nn.LSTM``/``GRU`` (one layer, one direction), a numpy
    :class:`lstm_edu.scratch.LSTM`/``GRU`` or a PyTorch-layout parameter dict (then
    give ``kind``).  The steps are computed in float64 by
    :func:`lstm_edu.scratch.lstm_step_forward` / ``gru_step_forward``.
    """
    from lstm_edu.scratch import gru_step_forward, lstm_step_forward

    params, kind = _params_and_kind(model, kind)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 3:
        if x.shape[1] != 1:
            raise ValueError(f"record one sequence at a time: x has batch size {x.shape[1]}")
        x = x[:, 0]
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"x must be (T, D) or (T, 1, D), got shape {x.shape}")
    H = params["weight_hh"].shape[1]
    if x.shape[1] != params["weight_ih"].shape[1]:
        raise ValueError(f"x has {x.shape[1]} features but the model expects {params['weight_ih'].shape[1]}")
    h = np.zeros((1, H)) if h0 is None else np.asarray(h0, dtype=np.float64).reshape(1, H)
    c = np.zeros((1, H)) if c0 is None else np.asarray(c0, dtype=np.float64).reshape(1, H)
    names = ("i", "f", "g", "o", "c", "h", "h_prev", "c_prev") if kind == "lstm" else ("r", "z", "n", "h", "h_prev")
    states = {name: [] for name in names}
    for x_t in x:
        states["h_prev"].append(h[0])
        if kind == "lstm":
            states["c_prev"].append(c[0])
            h, c, cache = lstm_step_forward(x_t[None], h, c, params)
            states["c"].append(c[0])
            for gate in "ifgo":
                states[gate].append(cache[gate][0])
        else:
            h, cache = gru_step_forward(x_t[None], h, params)
            for gate in "rzn":
                states[gate].append(cache[gate][0])
        states["h"].append(h[0])
    return Recording(kind, x, params, {name: np.array(rows) for name, rows in states.items()})


def select_units(recording: Recording, k: int = 4, marked=None) -> list[int]:
    """The ``k`` units most worth watching, best first.

    With ``marked`` (a boolean (T,) array of the steps that matter, e.g. the adding
    problem's markers) a unit scores by how much wider its write gate opens at marked
    steps than elsewhere: the mean input gate ``i`` (LSTM) or ``1 - z`` (GRU) at marked
    steps minus its mean at the other steps.  Without ``marked``, units score by the
    spread (standard deviation) of their cell (LSTM) or hidden state (GRU).
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    s = recording.states
    if marked is None:
        score = (s["c"] if recording.kind == "lstm" else s["h"]).std(axis=0)
    else:
        marked = np.asarray(marked, dtype=bool)
        if marked.shape != (recording.steps,):
            raise ValueError(f"marked must have shape ({recording.steps},), got {marked.shape}")
        if marked.all() or not marked.any():
            raise ValueError("marked must mark some steps but not all of them")
        write_gate = s["i"] if recording.kind == "lstm" else 1 - s["z"]
        score = write_gate[marked].mean(axis=0) - write_gate[~marked].mean(axis=0)
    order = np.argsort(-score, kind="stable")
    return [int(u) for u in order[: min(k, recording.hidden_size)]]


# ---------------------------------------------------------------- the strip chart

CHART_WIDTH, LABEL_WIDTH, RIGHT_MARGIN, ROW_HEIGHT, LINE_HEIGHT = 600, 104, 38, 16, 44


def _chart_layout(recording: Recording, input_names) -> tuple[list, int, float]:
    rows = [(f"input: {name}", ("input", j), "signed") for j, name in enumerate(input_names)]
    rows += [(label, ("state", name), how) for label, name, how in ROWS[recording.kind]]
    cell = max(2, (CHART_WIDTH - LABEL_WIDTH - RIGHT_MARGIN) // recording.steps)  # whole units keep the markup short
    height = sum(LINE_HEIGHT if how == "line" else ROW_HEIGHT for _, _, how in rows) + 4 * len(rows) + 18
    return rows, cell, height


def _hex(rgb: str) -> str:
    """``"rgb(245, 245, 245)"`` -> ``"#f5f5f5"`` (the same colour, fewer bytes)."""
    return "#" + "".join(f"{int(c):02x}" for c in rgb[4:-1].split(","))


def strip_chart_svg(recording: Recording, unit: int, *, input_names, marked=None) -> str:
    """Strip charts of one unit over time: a row per input channel and per gate, lines for c and h.

    Gates use the diagram's colours (pale = closed, green = open); signed values are
    blue/red; ``marked`` steps get a yellow band.  The element with class
    ``lee-cursor`` is the step cursor the widget moves (its ``x`` is set in the browser).
    """
    if not 0 <= unit < recording.hidden_size:
        raise ValueError(f"unit must be in [0, {recording.hidden_size - 1}], got {unit}")
    rows, cell, height = _chart_layout(recording, input_names)
    T, x0 = recording.steps, LABEL_WIDTH
    width = x0 + T * cell + RIGHT_MARGIN  # room for the '±1.00' scale labels
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:g}" width="100%" '
             f'style="max-width:{width}px;height:auto;font-family:sans-serif" class="lee-chart" '
             f'role="img" aria-label="gates and states of unit {unit} over time" shape-rendering="crispEdges">']
    if marked is not None:
        for t in np.flatnonzero(np.asarray(marked, dtype=bool)):
            parts.append(f'<rect x="{x0 + t * cell}" y="0" width="{cell}" height="{height - 14:g}" fill="#ffe9a8"/>')
    y = 2.0
    for label, (source, key), how in rows:
        series = recording.inputs[:, key] if source == "input" else recording.states[key][:, unit]
        row_h = LINE_HEIGHT if how == "line" else ROW_HEIGHT
        parts.append(f'<text x="{x0 - 6}" y="{y + row_h / 2 + 4:.1f}" font-size="11" text-anchor="end">'
                     f"{label_markup(label)}</text>")
        if how == "line":
            scale = max(1.0, float(np.abs(series).max()))
            mid = y + row_h / 2
            points = " ".join(f"{x0 + (t + 0.5) * cell:g},{mid - v / scale * (row_h / 2 - 2):.1f}"
                              for t, v in enumerate(series))
            parts.append(f'<line x1="{x0}" y1="{mid:.1f}" x2="{x0 + T * cell}" y2="{mid:.1f}" stroke="#bbb"/>')
            parts.append(f'<polyline points="{points}" fill="none" stroke="#333" stroke-width="1.6" '
                         'shape-rendering="auto"/>')
            parts.append(f'<text x="{x0 + T * cell + 3}" y="{y + 9:.1f}" font-size="10" fill="#595959">'
                         f"\u00b1{html.escape(format_number(scale))}</text>")
        else:
            scale = "gate" if how == "gate" else "signed"
            tiles = "".join(f'<rect x="{x0 + t * cell}" width="{cell}" height="{row_h}" '
                            f'fill="{_hex(fill_colour(float(v), scale))}"/>' for t, v in enumerate(series))
            parts.append(f'<g transform="translate(0 {y:g})">{tiles}</g>')
        y += row_h + 4
    parts.append(f'<text x="{x0}" y="{height - 3:g}" font-size="10" fill="#555">step 0</text>')
    parts.append(f'<text x="{x0 + T * cell}" y="{height - 3:g}" font-size="10" fill="#555" '
                 f'text-anchor="end">step {T - 1}</text>')
    parts.append(f'<rect class="lee-cursor" x="{x0}" y="0" width="{cell}" height="{height - 14:g}" '
                 f'fill="none" stroke="#000" stroke-width="1.5" data-x0="{x0}" data-cell="{cell}"/>')
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- the widget

_ids = itertools.count(1)

_STYLE = """
#UID { font-family: sans-serif; font-size: 14px; border: 1px solid #ddd; border-radius: 8px;
       padding: 10px 12px; margin: 8px 0; max-width: 980px; background: #fff; color: #222;
       color-scheme: light; }
#UID :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
#UID .lee-title { font-weight: bold; margin-bottom: 4px; }
#UID .lee-controls { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin-bottom: 6px; }
#UID .lee-controls input[type=range] { flex: 1 1 240px; }
#UID button { font-size: 13px; padding: 2px 10px; border: 1px solid #767676; border-radius: 4px;
              background: #f6f6f6; color: #222; cursor: pointer; min-width: 64px; }
#UID .lee-body { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
#UID .lee-body > div { flex: 1 1 420px; min-width: 300px; }
#UID .lee-caption { color: #444; font-size: 13px; margin-top: 4px; }
"""

_SCRIPT = """
(function () {
  var root = document.getElementById("UID");
  if (!root) return;
  %(paint)s
  var data = JSON.parse(root.querySelector("script.lee-data").textContent);
  var slider = root.querySelector("input.lee-step"), select = root.querySelector("select.lee-unit");
  var play = root.querySelector("button.lee-play"), label = root.querySelector(".lee-t");
  var timer = null, PLAY = play.innerHTML, PAUSE = '<span aria-hidden="true">\\u275a\\u275a</span> Pause';
  function unitIndex() { return select ? +select.value : 0; }
  function show() {
    var t = +slider.value, u = unitIndex(), values = {};
    Object.keys(data.values[u]).forEach(function (k) { values[k] = data.values[u][k][t]; });
    lstmEduPaint(root.querySelector(".lee-diagram"), values);
    root.querySelectorAll(".lee-chart-unit").forEach(function (g, k) {
      g.style.display = (k === u) ? "" : "none";
      var cursor = g.querySelector(".lee-cursor");
      cursor.setAttribute("x", (+cursor.getAttribute("data-x0") + t * +cursor.getAttribute("data-cell")).toFixed(2));
    });
    label.textContent = "t = " + t + " of " + (data.steps - 1) + (data.marked && data.marked[t] ? "  (marked step)" : "");
    slider.setAttribute("aria-valuetext", label.textContent);
    root.lstmEduValues = values;
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.innerHTML = PLAY; label.setAttribute("aria-live", "polite");
  }
  play.addEventListener("click", function () {
    if (timer !== null) { stop(); return; }
    if (+slider.value >= data.steps - 1) slider.value = 0;
    play.innerHTML = PAUSE; label.setAttribute("aria-live", "off");  // no announcement per step while playing
    show();
    timer = setInterval(function () {
      slider.value = Math.min(+slider.value + 1, data.steps - 1); show();
      if (+slider.value >= data.steps - 1) stop();
    }, data.interval);
  });
  slider.addEventListener("input", function () { stop(); show(); });
  if (select) select.addEventListener("change", show);
  show();
})();
"""


class SequenceStepper:
    """A Play-driven view of a :class:`Recording`; display it (``_repr_html_``) or take ``.html``."""

    def __init__(self, recording: Recording, *, units=None, input_names=None, marked=None,
                 title: str = "Sequence stepper", interval_ms: int = 450, start: int = 0, uid: str | None = None):
        T, D = recording.inputs.shape
        if input_names is None:
            input_names = [f"x[{j}]" for j in range(D)]
        if len(input_names) != D:
            raise ValueError(f"input_names has {len(input_names)} names for {D} input channels")
        if units is None:
            units = select_units(recording, k=min(4, recording.hidden_size), marked=marked)
        units = [int(u) for u in units]
        if not units or any(not 0 <= u < recording.hidden_size for u in units):
            raise ValueError(f"units must be a non-empty list of indices in [0, {recording.hidden_size - 1}], got {units}")
        if not 0 <= start < T:
            raise ValueError(f"start must be in [0, {T - 1}], got {start}")
        if not isinstance(interval_ms, (int, np.integer)) or interval_ms < 20:
            raise ValueError(f"interval_ms must be an integer >= 20, got {interval_ms!r}")
        if marked is not None:
            marked = np.asarray(marked, dtype=bool)
            if marked.shape != (T,):
                raise ValueError(f"marked must have shape ({T},), got {marked.shape}")
        self.recording, self.units, self.start = recording, units, start
        per_unit = []
        for u in units:
            steps = [recording.values(t, u) for t in range(T)]
            per_unit.append({key: [_compact(step[key]) for step in steps] for key in steps[0]})
        self.data = {"steps": T, "interval": int(interval_ms), "values": per_unit,
                     "marked": None if marked is None else [bool(m) for m in marked]}
        payload = json.dumps(self.data, sort_keys=True)
        self.uid = uid or f"lstm-edu-stepper-{next(_ids)}-{hashlib.sha1(payload.encode()).hexdigest()[:6]}"
        self.html = self._build(title, input_names, marked)

    def _build(self, title: str, input_names, marked) -> str:
        uid, rec = self.uid, self.recording
        drawing = lstm_drawing() if rec.kind == "lstm" else gru_drawing()
        first = {k: v[self.start] for k, v in self.data["values"][0].items()}
        charts = "".join(
            f'<div class="lee-chart-unit" style="{"" if k == 0 else "display:none"}">'
            f"{strip_chart_svg(rec, u, input_names=input_names, marked=marked)}</div>"
            for k, u in enumerate(self.units))
        options = "".join(f'<option value="{k}">unit {u}</option>' for k, u in enumerate(self.units))
        select = (f'<label>watch <select class="lee-unit">{options}</select></label>'
                  if len(self.units) > 1 else f"<span>unit {self.units[0]}</span>")
        caption = ("Yellow bands mark the marked steps. " if marked is not None else "") + (
            "Gates: pale = closed (near 0), green = open (near 1); blue/red = negative/positive.")
        script = _SCRIPT.replace("UID", uid) % {"paint": PAINT_JS}
        return (
            f'<div class="lstm-edu-stepper" id="{uid}" data-kind="{rec.kind}">'
            f'<style>{_STYLE.replace("UID", uid)}</style>'
            f'<div class="lee-title">{html.escape(title)}</div>'
            f'<div class="lee-controls"><button type="button" class="lee-play">'
            f'<span aria-hidden="true">\u25b6</span> Play</button>'
            f'<input type="range" class="lee-step" min="0" max="{rec.steps - 1}" step="1" value="{self.start}" '
            f'aria-label="time step" aria-valuetext="t = {self.start} of {rec.steps - 1}">'
            f'<span class="lee-t" aria-live="polite">t = {self.start} of {rec.steps - 1}</span>{select}</div>'
            f'<div class="lee-body"><div>{charts}<div class="lee-caption">{caption}</div></div>'
            f'<div class="lee-diagram">{drawing.render(first, uid=uid)}</div></div>'
            f'<script type="application/json" class="lee-data">{_json(self.data)}</script>'
            f"<script>{script}</script></div>"
        )

    def _repr_html_(self) -> str:
        return self.html


def _compact(value):
    """Round floats to 4 decimals for the page (strings pass through)."""
    return value if isinstance(value, str) else round(float(value), 4)


def sequence_stepper(recording: Recording, **options) -> SequenceStepper:
    """A Play-driven stepper over ``recording``; see :class:`SequenceStepper` for the options."""
    return SequenceStepper(recording, **options)

"""Gate explorers: move the inputs and the gate biases of one LSTM or GRU unit and watch the cell.

Two versions share one specification (:class:`ExplorerSpec`), one panel (the cell
diagram of :mod:`lstm_edu.diagrams` with live numbers, plus a plain-words reading
of every gate) and the same presets:

- :func:`lstm_explorer` / :func:`gru_explorer` (``live=False``, the default): a
  self-contained HTML widget whose sliders are computed **in the browser** by a
  few lines of JavaScript.  It responds in the static HTML book, in Jupyter and
  in Colab alike, without a kernel;
- ``live=True``: an ``ipywidgets`` version whose every slider move calls the
  package's own numpy step (:func:`lstm_edu.scratch.lstm_step_forward` or
  ``gru_step_forward``) in the kernel.  It needs a running kernel (Jupyter,
  Colab); in the static book it would not respond, so chapters show it only as
  an optional cell.  It uses only widgets that exist in ipywidgets 7.7 (Colab's
  version) and 8, and says so clearly when ipywidgets is missing or older.

Under the diagram, a last line runs the unit :data:`QUIET_STEPS` more steps with
x_t = 0 and reports the memory gate (f or z) per step on those steps, their product and the
final state, so that the reader sees what a gate value means over many steps, not only one.

Both are operable by keyboard alone (native range inputs and buttons, a visible
focus ring), every slider has an accessible name, and the plain-words reading is
a polite live region, so a screen reader announces the gates after each move.

The cell is a single unit (D = H = 1) with fixed weights: every block's
pre-activation is ``a = w * x_t + u * h_{t-1} + b`` with the weights ``w`` (input)
and ``u`` (recurrent) of the spec (changeable with ``weights=``), and the sliders set
``x_t``, ``h_{t-1}`` (and ``c_{t-1}``) and each block's bias ``b``.  The JavaScript
computes exactly the Python numbers; the browser tests check it.

**Why these default weights and biases.**  With one weight and one bias shared by
every block, every gate reads the same number (an earlier version showed 0.78
four times), which teaches nothing.  The defaults describe a *memory unit* that
stores salient inputs, the job chapter 3's trained LSTM learns:

- the forget gate is biased open (b_f = 2, as a forget bias of 1 to 2 is commonly
  set): f = 0.94 at the default inputs, so the cell keeps most of its content;
- the input gate listens strongly to the input and is biased shut (w_i = 3,
  b_i = -1.5): it opens on a large input (i = 0.82 at x_t = 1, 0.99 at x_t = 2) and
  stays mostly shut for a small one (0.18 at x_t = 0);
- the candidate follows the input (w_g = 1.5, u_g = 0): what is written has the
  input's sign;
- the output gate depends on the previous state only and is biased below one half
  (u_o = 1, b_o = -1): o = 0.38, so h_t shows part of the cell.

The GRU's defaults follow the same idea: the update gate keeps by default and a
large input lowers it (w_z = -2, b_z = 3: z = 0.73 at x_t = 1, 0.95 at x_t = 0); the
reset gate is mostly open (r = 0.82); the candidate's reset-scaled bias
b_hn = -1 is large enough that the two placements of the reset gate (the toggle)
give visibly different candidates.  The bias sliders run from -8 to 8, so that a
preset can close or open a gate against the weights (gate below 0.01 or above 0.99).
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import math
import re
import time
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from lstm_edu.diagrams._cell_svg import PAINT_JS, format_number, script_json as _json
from lstm_edu.diagrams.gru_cell import gru_cell_values, gru_drawing
from lstm_edu.diagrams.lstm_cell import lstm_cell_values, lstm_drawing

KINDS = ("lstm", "gru")
#: After the step shown, the explorers run the unit this many more steps with x_t = 0 ("quiet
#: steps", same biases) and report the product of the memory gate (f or z) and the final state:
#: one step is not the point of a gated cell, holding content over many steps is.
QUIET_STEPS = 20
#: The gate that scales the old memory at each step, and the state it scales.
MEMORY = {"lstm": ("f", "c"), "gru": ("z", "h")}


@dataclass(frozen=True)
class Control:
    """One slider: ``name`` is the settings key, ``label`` its HTML label."""

    name: str
    label: str
    low: float
    high: float
    step: float
    value: float

    def clip(self, value: float) -> float:
        return min(max(float(value), self.low), self.high)


@dataclass(frozen=True)
class Toggle:
    """A choice between named variants (radio buttons): ``options`` are (value, HTML label)."""

    name: str
    label: str
    options: tuple[tuple[str, str], ...]
    value: str

    def check(self, value) -> str:
        allowed = [v for v, _ in self.options]
        if value not in allowed:
            raise ValueError(f"setting {self.name!r} must be one of {allowed}, got {value!r}")
        return value


@dataclass(frozen=True)
class ExplorerSpec:
    """Everything that differs between the LSTM and the GRU explorer."""

    kind: str
    title: str
    controls: tuple[Control, ...]
    presets: tuple[tuple[str, Mapping[str, float]], ...]  # (button text, settings it changes)
    readout: tuple[str, ...]  # HTML sentences with {key} (a value) and {key%} (a percentage)
    weights: Mapping[str, tuple[float, ...]]
    step_js: str  # body of a JavaScript function (s, w) -> values, s = settings, w = weights
    note: str = ""
    toggles: tuple[Toggle, ...] = ()
    #: readings that replace ``readout`` for a toggle's value (``{"before": (...)}``)
    readout_for: Mapping[str, tuple[str, ...]] | None = None

    @property
    def defaults(self) -> dict[str, object]:
        values: dict[str, object] = {c.name: c.value for c in self.controls}
        values.update({t.name: t.value for t in self.toggles})
        return values

    def variant(self, settings: Mapping[str, object]) -> str:
        """The drawing variant the settings select: the first toggle's value, or ``""``."""
        return str(settings[self.toggles[0].name]) if self.toggles else ""

    def readout_of(self, variant: str) -> tuple[str, ...]:
        return (self.readout_for or {}).get(variant, self.readout)

    def variants(self) -> tuple[str, ...]:
        return tuple(v for v, _ in self.toggles[0].options) if self.toggles else ("",)


def _state_controls(with_cell: bool) -> tuple[Control, ...]:
    controls = [
        Control("x", "input x<sub>t</sub>", -2.0, 2.0, 0.1, 1.0),
        Control("h_prev", "hidden h<sub>t\u22121</sub>", -1.0, 1.0, 0.05, 0.5),
    ]
    if with_cell:
        controls.append(Control("c_prev", "cell c<sub>t\u22121</sub>", -3.0, 3.0, 0.1, 1.0))
    return tuple(controls)


def _bias_controls(names: Mapping[str, tuple[str, float]]) -> tuple[Control, ...]:
    """A bias slider per block: ``names`` maps the block to (its name, the default bias)."""
    return tuple(Control(f"b_{key}", f"bias b<sub>{key}</sub> ({text})", -8.0, 8.0, 0.25, default)
                 for key, (text, default) in names.items())


LSTM_SPEC = ExplorerSpec(
    kind="lstm",
    title="LSTM gate explorer",
    controls=_state_controls(True) + _bias_controls({"i": ("input", -1.5), "f": ("forget", 2.0),
                                                     "g": ("candidate", 0.0), "o": ("output", -1.0)}),
    presets=(
        ("keep: f\u22481, i\u22480", {"b_f": 8.0, "b_i": -8.0}),
        ("erase: f\u22480, i\u22480", {"b_f": -8.0, "b_i": -8.0}),
        ("overwrite: f\u22480, i\u22481", {"b_f": -8.0, "b_i": 8.0}),
        ("hide: o\u22480", {"b_o": -8.0}),
    ),
    readout=(
        "<b>forget gate</b> f = {f}: the cell keeps {f%} of its old content "
        "c<sub>t\u22121</sub> = {c_prev}, so f\u00b7c<sub>t\u22121</sub> = {fc}",
        "<b>input gate</b> i = {i}: it writes {i%} of the candidate g = {g}, so i\u00b7g = {ig}",
        "<b>new cell</b> c<sub>t</sub> = f\u00b7c<sub>t\u22121</sub> + i\u00b7g = {c}",
        "<b>output gate</b> o = {o}: h<sub>t</sub> shows {o%} of tanh(c<sub>t</sub>) = {tanh_c}, "
        "so h<sub>t</sub> = {h}",
        f"<b>then {QUIET_STEPS} steps with x<sub>t</sub> = 0</b>: the forget gate keeps {{quiet_mean%}} per step on "
        "average (its input term w\u00b7x<sub>t</sub> is gone), and the gates multiply to "
        "\u220ff = {quiet_prod}, so they alone keep {quiet_prod%} of c<sub>t</sub>; the cell ends at {quiet_state}",
    ),
    weights={"weight_ih": (3.0, 0.5, 1.5, 0.0), "weight_hh": (0.0, 0.5, 0.0, 1.0)},
    step_js="""
      var sig = function (a) { return 1 / (1 + Math.exp(-a)); };
      var b = [s.b_i, s.b_f, s.b_g, s.b_o];
      var a = [0, 1, 2, 3].map(function (k) { return (w.weight_ih[k] * s.x + b[k]) + (w.weight_hh[k] * s.h_prev + 0); });
      var v = {x: s.x, h_prev: s.h_prev, c_prev: s.c_prev, a_i: a[0], a_f: a[1], a_g: a[2], a_o: a[3],
               i: sig(a[0]), f: sig(a[1]), g: Math.tanh(a[2]), o: sig(a[3])};
      v.fc = v.f * s.c_prev; v.ig = v.i * v.g;
      v.c = v.f * s.c_prev + v.i * v.g; v.tanh_c = Math.tanh(v.c); v.h = v.o * v.tanh_c;
      return v;""",
    note="Every block's pre-activation is a = w\u00b7x<sub>t</sub> + u\u00b7h<sub>t\u22121</sub> + b "
         "with w = {w} and u = {u} (i, f, g, o). Gates are continuous: 0.3 passes 30%.",
)

_GRU_READOUT_START = (
    "<b>update gate</b> z = {z}: the state keeps {z%} of h<sub>t\u22121</sub> = {h_prev}, "
    "so z\u00b7h<sub>t\u22121</sub> = {zh}",
    "<b>1 \u2212 z</b> = {omz}: it takes {omz%} of the candidate n = {n}, so (1\u2212z)\u00b7n = {omzn}",
)
_GRU_READOUT_END = (
    "<b>new state</b> h<sub>t</sub> = z\u00b7h<sub>t\u22121</sub> + (1\u2212z)\u00b7n = {h}",
    f"<b>then {QUIET_STEPS} steps with x<sub>t</sub> = 0</b>: the update gate keeps {{quiet_mean%}} per step on "
    "average (its input term w\u00b7x<sub>t</sub> is gone), and the gates multiply to "
    "\u220fz = {quiet_prod}, so they alone keep {quiet_prod%} of h<sub>t</sub>; the state ends at {quiet_state}",
)

GRU_SPEC = ExplorerSpec(
    kind="gru",
    title="GRU gate explorer",
    controls=_state_controls(False) + _bias_controls({"r": ("reset", 0.0), "z": ("update", 3.0),
                                                      "n": ("candidate", 0.0)})
    + (Control("b_hn", "bias b<sub>hn</sub> (recurrent n)", -3.0, 3.0, 0.25, -1.0),),
    toggles=(Toggle("reset", "reset gate acts", (
        ("after", "after the product: r\u00b7(W<sub>hn</sub>h<sub>t\u22121</sub> + b<sub>hn</sub>) "
                  "(PyTorch, cuDNN, Cho et al. v1)"),
        ("before", "before the product: W<sub>hn</sub>(r\u00b7h<sub>t\u22121</sub>) + b<sub>hn</sub> "
                   "(Cho et al., EMNLP)"),
    ), "after"),),
    presets=(
        ("keep the old state: z\u22481", {"b_z": 8.0}),
        ("take the candidate: z\u22480", {"b_z": -8.0}),
        ("reset and take: r\u22480, z\u22480", {"b_r": -8.0, "b_z": -8.0}),
    ),
    readout=_GRU_READOUT_START + (
        "<b>reset gate</b> r = {r} (after the product): the candidate sees {r%} of the recurrent term "
        "W<sub>hn</sub>h<sub>t\u22121</sub> + b<sub>hn</sub> = {hn}, so r\u00b7(\u2026) = {rhn}",
    ) + _GRU_READOUT_END,
    readout_for={"before": _GRU_READOUT_START + (
        "<b>reset gate</b> r = {r} (before the product): the product sees {r%} of the old state, "
        "r\u00b7h<sub>t\u22121</sub> = {rh}, and b<sub>hn</sub> is added in full: "
        "W<sub>hn</sub>(r\u00b7h<sub>t\u22121</sub>) + b<sub>hn</sub> = {rhn}",
    ) + _GRU_READOUT_END},
    weights={"weight_ih": (1.0, -2.0, 1.0), "weight_hh": (1.0, 0.0, 1.0)},
    step_js="""
      var sig = function (a) { return 1 / (1 + Math.exp(-a)); };
      var ar = (w.weight_ih[0] * s.x + s.b_r) + (w.weight_hh[0] * s.h_prev + 0);
      var az = (w.weight_ih[1] * s.x + s.b_z) + (w.weight_hh[1] * s.h_prev + 0);
      var r = sig(ar), z = sig(az);
      var v = {x: s.x, h_prev: s.h_prev, a_r: ar, a_z: az, r: r, z: z};
      if (s.reset === "before") {
        v.rh = r * s.h_prev;
        v.rhn = w.weight_hh[2] * v.rh + s.b_hn;
      } else {
        v.hn = w.weight_hh[2] * s.h_prev + s.b_hn;
        v.rhn = r * v.hn;
      }
      v.a_n = (w.weight_ih[2] * s.x + s.b_n) + v.rhn;
      v.n = Math.tanh(v.a_n);
      v.zh = z * s.h_prev; v.omz = 1 - z; v.omzn = (1 - z) * v.n; v.h = (1 - z) * v.n + z * s.h_prev;
      return v;""",
    note="Pre-activations: a = w\u00b7x<sub>t</sub> + u\u00b7h<sub>t\u22121</sub> + b with w = {w} and "
         "u = {u} (r, z, n). z = 1 keeps the old state (PyTorch, Cho et al.).",
)

SPECS = {"lstm": LSTM_SPEC, "gru": GRU_SPEC}


# ------------------------------------------------------------------ the numbers


def _spec(kind: str) -> ExplorerSpec:
    if kind not in SPECS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return SPECS[kind]


def check_weights(kind: str, weights: Mapping[str, object] | None) -> dict[str, tuple[float, ...]]:
    """The explorer's weights, defaults filled in, as tuples of floats of the right length."""
    spec = _spec(kind)
    merged = dict(spec.weights)
    if weights is not None:
        unknown = set(weights) - set(spec.weights)
        if unknown:
            raise KeyError(f"unknown weight {sorted(unknown)}; the {kind} explorer has {sorted(spec.weights)}")
        merged.update(weights)
    out = {}
    for name, default in spec.weights.items():
        values = tuple(float(v) for v in np.asarray(merged[name], dtype=np.float64).ravel())
        if len(values) != len(default):
            raise ValueError(f"weights[{name!r}] needs {len(default)} numbers (one per block), got {len(values)}")
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"weights[{name!r}] must be finite, got {values}")
        out[name] = values
    return out


def check_settings(kind: str, settings: Mapping[str, object] | None) -> dict[str, object]:
    """Slider (and toggle) settings with defaults filled in; unknown names raise a ``KeyError``."""
    spec = _spec(kind)
    merged = spec.defaults
    toggles = {t.name: t for t in spec.toggles}
    if settings:
        unknown = set(settings) - set(merged)
        if unknown:
            raise KeyError(f"unknown control {sorted(unknown)}; the {kind} explorer has {sorted(merged)}")
        for name, value in settings.items():
            if name in toggles:
                merged[name] = toggles[name].check(value)
                continue
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"setting {name!r} must be finite, got {value}")
            merged[name] = value
    return merged


def explorer_params(kind: str, settings: Mapping[str, float], weights: Mapping[str, object] | None = None) -> dict:
    """The PyTorch-layout parameters (D = H = 1) that the sliders describe."""
    w = check_weights(kind, weights)
    s = check_settings(kind, settings)
    if kind == "lstm":
        bias_ih = [s["b_i"], s["b_f"], s["b_g"], s["b_o"]]
        bias_hh = [0.0, 0.0, 0.0, 0.0]
    else:
        bias_ih = [s["b_r"], s["b_z"], s["b_n"]]
        bias_hh = [0.0, 0.0, s["b_hn"]]
    return {
        "weight_ih": np.array(w["weight_ih"])[:, None],
        "weight_hh": np.array(w["weight_hh"])[:, None],
        "bias_ih": np.array(bias_ih),
        "bias_hh": np.array(bias_hh),
    }


def explorer_values(kind: str, settings: Mapping[str, float] | None = None,
                    weights: Mapping[str, object] | None = None) -> dict[str, float]:
    """Every diagram value for the given slider settings, computed by the package's numpy step.

    For the GRU, ``settings["reset"]`` (``"after"``, the default, or ``"before"``) picks the
    placement of the reset gate (:func:`lstm_edu.diagrams.gru_cell.gru_cell_values`).

    Besides the diagram's values, ``quiet_prod`` and ``quiet_state`` report :data:`QUIET_STEPS`
    further steps with x_t = 0 and the same biases: the product of their memory gates (f or z)
    and the final state (c or h); ``quiet_mean`` is the gate per quiet step, the geometric mean
    ``quiet_prod ** (1 / QUIET_STEPS)``.  Without the input term the gate on those steps differs
    from the one shown (at the LSTM's defaults it is lower), which is why the product is not
    simply the shown gate to the power QUIET_STEPS.
    """
    values = _one_step(kind, settings, weights)
    gate, state = MEMORY[kind]
    quiet, product, last = dict(check_settings(kind, settings), x=0.0), 1.0, values
    for _ in range(QUIET_STEPS):
        quiet["h_prev"] = last["h"]
        if kind == "lstm":
            quiet["c_prev"] = last["c"]
        last = _one_step(kind, quiet, weights)
        product *= last[gate]
    values.update(quiet_prod=product, quiet_mean=product ** (1 / QUIET_STEPS), quiet_state=last[state])
    return values


def _one_step(kind: str, settings, weights) -> dict:
    """The diagram values of one step, computed by the package's numpy step."""
    s = check_settings(kind, settings)
    params = explorer_params(kind, s, weights)
    if kind == "lstm":
        return lstm_cell_values([[s["x"]]], [[s["h_prev"]]], [[s["c_prev"]]], params)
    return gru_cell_values([[s["x"]]], [[s["h_prev"]]], params, reset=s["reset"])


_PLACEHOLDER = re.compile(r"\{([a-z_]+)(%?)\}")


def percent(value: float) -> str:
    """A gate value as a percentage that never rounds a leak away.

    Between 1% and 99% a whole percentage (rounded half up like JavaScript's ``Math.round``);
    closer to 0 or 1 one decimal, so that f = 0.999 reads "99.9%" (0.999^k still leaks over k
    steps), and "<0.1%" or ">99.9%" where even one decimal would round to 0 or 100. The widgets'
    JavaScript (``percent`` in its script) computes the same strings.
    """
    p = 100 * float(value)
    if p >= 100:
        return "100%"
    if p <= 0:
        return "0%"
    if 1 <= p <= 99:
        return f"{math.floor(p + 0.5)}%"
    q = math.floor(10 * p + 0.5) / 10
    if q >= 100:
        return ">99.9%"
    if q <= 0:
        return "<0.1%"
    return f"{q:.1f}%"


def fill_template(template: str, values: Mapping[str, object]) -> str:
    """Replace ``{key}`` by the formatted value and ``{key%}`` by the percentage."""

    def replace(match: re.Match) -> str:
        key, pct = match.group(1), match.group(2)
        if key not in values:
            raise KeyError(f"the reading uses {key!r}, which is not among the values")
        return html.escape(percent(values[key]) if pct else format_number(values[key]))  # "<0.1%" is text

    return _PLACEHOLDER.sub(replace, template)


def reading(kind: str, values: Mapping[str, object], variant: str = "") -> list[str]:
    """The plain-words reading of every gate (HTML sentences), as the widgets show it.

    ``variant`` is the toggle's value (the GRU's ``"after"`` or ``"before"``; ``""`` for the default).
    """
    return [fill_template(t, values) for t in _spec(kind).readout_of(variant)]


# ------------------------------------------------------------------ HTML pieces

_ids = itertools.count(1)


def _uid(kind: str, payload: str) -> str:
    digest = hashlib.sha1(payload.encode()).hexdigest()[:6]
    return f"lstm-edu-{kind}-explorer-{next(_ids)}-{digest}"


def _note(spec: ExplorerSpec, weights: Mapping[str, tuple[float, ...]]) -> str:
    def numbers(values):
        unique = sorted(set(values))
        return format_number(unique[0]) if len(unique) == 1 else "(" + ", ".join(map(format_number, values)) + ")"

    return spec.note.format(w=numbers(weights["weight_ih"]), u=numbers(weights["weight_hh"]))


def drawing_of(kind: str, variant: str = ""):
    """The cell diagram an explorer shows for a variant (the GRU's reset placement)."""
    if kind == "lstm":
        return lstm_drawing()
    return gru_drawing(variant or "after")


def panel_html(kind: str, values: Mapping[str, object], uid: str, variant: str = "") -> str:
    """The diagram and the reading for ``values`` (the part both versions show).

    An explorer with a toggle holds one drawing per variant; only the selected one is
    shown (the others are ``hidden`` and painted when selected).
    """
    spec = _spec(kind)
    variant = variant or spec.variants()[0]
    drawings = []
    for name in spec.variants():
        shown = name == variant
        drawing = drawing_of(kind, name)
        drawn = {k: v for k, v in values.items() if k in drawing.keys} if shown else {}
        svg = drawing.render(drawn, uid=f"{uid}-{name or 'cell'}", scroll=True)
        drawings.append(f'<div class="lee-drawing" data-variant="{name}"{"" if shown else " hidden"}>{svg}</div>')
    items = "".join(f'<li data-template="{k}">{sentence}</li>'
                    for k, sentence in enumerate(reading(kind, values, variant)))
    return (f'<div class="lee-figure" tabindex="0" role="group" aria-label="cell diagram">{"".join(drawings)}</div>'
            f'<ul class="lee-reading" aria-live="polite">{items}</ul>')


_STYLE = """
#UID { font-family: sans-serif; font-size: 14px; border: 1px solid #ddd; border-radius: 8px;
       padding: 10px 12px; margin: 8px 0; max-width: 980px; background: #fff; color: #222;
       color-scheme: light; }
#UID :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
#UID .lee-title { font-weight: bold; margin-bottom: 4px; }
#UID .lee-note { color: #555; font-size: 12.5px; margin-bottom: 6px; }
#UID .lee-body { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
#UID .lee-controls { flex: 0 1 300px; min-width: 250px; }
#UID .lee-controls label { display: grid; grid-template-columns: 128px 1fr 48px; align-items: center;
                           gap: 4px; margin: 2px 0; font-size: 12.5px; }
#UID .lee-controls input[type=range] { width: 100%; margin: 0; }
#UID .lee-controls output { font-variant-numeric: tabular-nums; text-align: right; }
#UID .lee-presets { margin-top: 6px; display: flex; flex-wrap: wrap; gap: 4px; }
#UID .lee-presets button { font-size: 12px; padding: 2px 7px; border: 1px solid #767676; border-radius: 4px;
                           background: #f6f6f6; color: #222; cursor: pointer; }
#UID .lee-figure { flex: 1 1 420px; min-width: 300px; overflow-x: auto; }
#UID .lee-toggle { border: 1px solid #ccc; border-radius: 4px; margin: 6px 0 0 0; padding: 2px 6px 4px; font-size: 12.5px; }
#UID .lee-toggle legend { padding: 0 3px; }
#UID .lee-toggle label { display: flex; gap: 5px; align-items: baseline; margin: 2px 0; }
#UID .lee-reading { margin: 4px 0 0 0; padding-left: 20px; font-size: 13.5px; line-height: 1.5; }
"""

_SCRIPT = """
(function () {
  var root = document.getElementById("UID");
  if (!root) return;
  %(paint)s
  var spec = JSON.parse(root.querySelector("script.lee-spec").textContent);
  function step1(s, w) {%(step)s
  }
  function step(s, w) {   /* the step shown, then spec.quiet steps with x = 0 (as explorer_values) */
    var v = step1(s, w), q = Object.assign({}, s, {x: 0}), last = v, product = 1;
    for (var j = 0; j < spec.quiet; j++) {
      q.h_prev = last.h;
      if ("c" in last) q.c_prev = last.c;
      last = step1(q, w);
      product *= last[spec.memory[0]];
    }
    v.quiet_prod = product;
    v.quiet_mean = Math.pow(product, 1 / spec.quiet);
    v.quiet_state = last[spec.memory[1]];
    return v;
  }
  function percent(v) {   /* the same strings as the Python function percent() */
    var p = 100 * v;
    if (p >= 100) return "100%%";
    if (p <= 0) return "0%%";
    if (p >= 1 && p <= 99) return Math.floor(p + 0.5) + "%%";
    var q = Math.floor(10 * p + 0.5) / 10;
    if (q >= 100) return ">99.9%%";
    if (q <= 0) return "<0.1%%";
    return q.toFixed(1) + "%%";
  }
  function fill(template, values, fmt) {
    return template.replace(/\\{([a-z_]+)(%%?)\\}/g, function (m, key, pct) {
      var text = pct ? percent(values[key]) : fmt(values[key]);
      return text.replace(/</g, "&lt;").replace(/>/g, "&gt;");
    });
  }
  var inputs = Array.prototype.slice.call(root.querySelectorAll("input[data-control]"));
  var radios = Array.prototype.slice.call(root.querySelectorAll("input[data-toggle]"));
  function update() {
    var s = {};
    inputs.forEach(function (el) { s[el.getAttribute("data-control")] = parseFloat(el.value); });
    radios.forEach(function (el) { if (el.checked) s[el.getAttribute("data-toggle")] = el.value; });
    var variant = spec.toggle ? s[spec.toggle] : "";
    var values = step(s, spec.weights);
    var tools = null;
    root.querySelectorAll(".lee-drawing").forEach(function (el) {   /* paint only the shown drawing */
      var shown = el.getAttribute("data-variant") === variant;
      el.hidden = !shown;
      if (shown) tools = lstmEduPaint(el, values);
    });
    inputs.forEach(function (el) {
      root.querySelector('output[data-control="' + el.getAttribute("data-control") + '"]').textContent =
        tools.fmt(s[el.getAttribute("data-control")]);
    });
    root.querySelectorAll("[data-template]").forEach(function (el) {
      el.innerHTML = fill(spec.readout[variant][+el.getAttribute("data-template")], values, tools.fmt);
    });
    root.lstmEduValues = values;
  }
  inputs.forEach(function (el) { el.addEventListener("input", update); });
  radios.forEach(function (el) { el.addEventListener("change", update); });
  root.querySelectorAll("button[data-preset]").forEach(function (button) {
    button.addEventListener("click", function () {
      var changes = spec.presets[+button.getAttribute("data-preset")];
      inputs.forEach(function (el) {
        var k = el.getAttribute("data-control");
        el.value = (k in changes) ? changes[k] : spec.defaults[k];
      });
      update();
    });
  });
  update();
})();
"""


def plain_label(label: str) -> str:
    """A control's HTML label as plain text: ``"input x<sub>t</sub>"`` -> ``"input x_t"``."""
    text = re.sub(r"<sub>([^<]*)</sub>", lambda m: "_" + (m.group(1) if len(m.group(1)) == 1 else f"({m.group(1)})"),
                  label)
    return html.unescape(re.sub("<[^>]+>", "", text))


def _toggle_html(toggle: Toggle, value: str, uid: str) -> str:
    """Radio buttons in a fieldset: keyboard-operable, named by the legend."""
    options = "".join(
        f'<label><input type="radio" name="{uid}-{toggle.name}" data-toggle="{toggle.name}" value="{v}"'
        f'{" checked" if v == value else ""}><span>{text}</span></label>' for v, text in toggle.options)
    return f'<fieldset class="lee-toggle"><legend>{toggle.label}</legend>{options}</fieldset>'


def _slider_html(control: Control, value: float) -> str:
    return (f'<label><span>{control.label}</span>'
            f'<input type="range" data-control="{control.name}" min="{control.low:g}" max="{control.high:g}" '
            f'step="{control.step:g}" value="{value:g}" aria-label="{html.escape(plain_label(control.label))}">'
            f'<output data-control="{control.name}">{html.escape(format_number(value))}</output></label>')


class StaticExplorer:
    """The browser-computed gate explorer: display it (``_repr_html_``) or take ``.html``."""

    def __init__(self, kind: str = "lstm", *, weights: Mapping[str, object] | None = None,
                 settings: Mapping[str, float] | None = None, uid: str | None = None):
        self.spec = _spec(kind)
        self.weights = check_weights(kind, weights)
        chosen = check_settings(kind, settings)
        self.settings = {c.name: c.clip(chosen[c.name]) for c in self.spec.controls}
        self.settings.update({t.name: chosen[t.name] for t in self.spec.toggles})
        self.values = explorer_values(kind, self.settings, self.weights)
        payload = json.dumps({"kind": kind, "weights": self.weights, "settings": self.settings}, sort_keys=True)
        self.uid = uid or _uid(kind, payload)
        self.html = self._build()

    def _build(self) -> str:
        spec, uid = self.spec, self.uid
        data = {
            "weights": self.weights,
            "defaults": spec.defaults,
            "presets": [dict(changes) for _, changes in spec.presets],
            "readout": {variant: list(spec.readout_of(variant)) for variant in spec.variants()},
            "toggle": spec.toggles[0].name if spec.toggles else None,
            "quiet": QUIET_STEPS,
            "memory": list(MEMORY[spec.kind]),
        }
        sliders = "".join(_slider_html(c, self.settings[c.name]) for c in spec.controls)
        sliders += "".join(_toggle_html(t, self.settings[t.name], uid) for t in spec.toggles)
        buttons = "".join(f'<button type="button" data-preset="{k}">{html.escape(text)}</button>'
                          for k, (text, _) in enumerate(spec.presets))
        buttons += f'<button type="button" data-preset="{len(spec.presets)}">defaults</button>'
        data["presets"].append({})
        script = _SCRIPT.replace("UID", uid) % {"paint": PAINT_JS, "step": spec.step_js}
        return (
            f'<div class="lstm-edu-explorer" id="{uid}" data-kind="{spec.kind}">'
            f'<style>{_STYLE.replace("UID", uid)}</style>'
            f'<div class="lee-title">{html.escape(spec.title)}</div>'
            f'<div class="lee-note">{_note(spec, self.weights)}</div>'
            f'<div class="lee-body"><div class="lee-controls">{sliders}<div class="lee-presets">{buttons}</div></div>'
            f'{panel_html(spec.kind, self.values, uid, spec.variant(self.settings))}</div>'
            f'<script type="application/json" class="lee-spec">{_json(data)}</script>'
            f"<script>{script}</script></div>"
        )

    def _repr_html_(self) -> str:
        return self.html


class LiveExplorer:
    """The kernel-computed gate explorer (ipywidgets 7.7 or 8); needs a running kernel.

    ``sliders`` maps control names to ``FloatSlider`` widgets, ``box`` is the whole
    widget, ``values`` the current diagram values and ``timings_ms`` the duration of
    each update (compute + render), which the ``widget-latency`` record reports.
    """

    def __init__(self, kind: str = "lstm", *, weights: Mapping[str, object] | None = None,
                 settings: Mapping[str, float] | None = None):
        from lstm_edu.widgets.live import require_ipywidgets

        self.spec = _spec(kind)
        widgets = require_ipywidgets(f"{kind}_explorer(live=True)")
        self.weights = check_weights(kind, weights)
        start = check_settings(kind, settings)
        self.uid = _uid(kind, "live")
        self.timings_ms: list[float] = []
        self.sliders = {
            c.name: widgets.FloatSlider(value=c.clip(start[c.name]), min=c.low, max=c.high, step=c.step,
                                        description=plain_label(c.label), continuous_update=True,
                                        readout_format=".2f", style={"description_width": "150px"},
                                        layout=widgets.Layout(width="360px"))
            for c in self.spec.controls
        }
        self.toggles = {
            t.name: widgets.RadioButtons(options=[(plain_label(text), v) for v, text in t.options],
                                         value=start[t.name], description=t.label,
                                         layout=widgets.Layout(width="max-content"))
            for t in self.spec.toggles
        }
        buttons = []
        for text, changes in list(self.spec.presets) + [("defaults", {})]:
            button = widgets.Button(description=text, layout=widgets.Layout(width="auto"))
            button.on_click(lambda _, changes=changes: self.apply_preset(changes))
            buttons.append(button)
        self.panel = widgets.HTML()
        note = widgets.HTML(f'<div style="color:#444;background:#fff;font-size:12.5px;padding:2px 6px">'
                            f'{_note(self.spec, self.weights)}</div>')
        controls = widgets.VBox(list(self.sliders.values()) + list(self.toggles.values())
                                + [widgets.HBox(buttons, layout=widgets.Layout(flex_flow="row wrap"))])
        self.box = widgets.VBox([widgets.HTML(f"<b>{html.escape(self.spec.title)}</b> (live: computed in the kernel)"),
                                 note, widgets.HBox([controls, self.panel], layout=widgets.Layout(flex_flow="row wrap"))])
        for slider in list(self.sliders.values()) + list(self.toggles.values()):
            slider.observe(lambda change: self.update(), names="value")
        self.update()

    @property
    def settings(self) -> dict[str, object]:
        values: dict[str, object] = {name: float(slider.value) for name, slider in self.sliders.items()}
        values.update({name: toggle.value for name, toggle in self.toggles.items()})
        return values

    _quiet = False  # True while a preset sets several sliders: one update at the end

    def apply_preset(self, changes: Mapping[str, float]) -> None:
        """Set every slider to its default, then apply ``changes`` (one update at the end); toggles stay."""
        target = {**self.spec.defaults, **changes}
        with self.box.hold_sync():
            self._quiet = True
            try:
                for name, slider in self.sliders.items():
                    slider.value = target[name]
            finally:
                self._quiet = False
        self.update()

    def update(self) -> dict:
        """Recompute the step from the sliders and redraw the panel; returns the values."""
        if self._quiet:
            return self.values
        start = time.perf_counter()
        self.values = explorer_values(self.spec.kind, self.settings, self.weights)
        self.panel.value = (f'<div style="min-width:420px;max-width:640px;font-family:sans-serif;color:#222;background:#fff;'
                            f'padding:4px 6px">'
                            f"{panel_html(self.spec.kind, self.values, self.uid, self.spec.variant(self.settings))}</div>")
        self.timings_ms.append(1000 * (time.perf_counter() - start))
        return self.values

    def _ipython_display_(self, **kwargs):
        from lstm_edu.widgets.live import display_widget

        display_widget(self.box, f"{self.spec.title} (live: computed in the kernel)", **kwargs)


def lstm_explorer(*, live: bool = False, weights=None, settings=None):
    """The LSTM gate explorer: a browser-computed widget, or ``live=True`` for the ipywidgets version."""
    return LiveExplorer("lstm", weights=weights, settings=settings) if live else \
        StaticExplorer("lstm", weights=weights, settings=settings)


def gru_explorer(*, live: bool = False, weights=None, settings=None):
    """The GRU gate explorer, browser-computed or ``live=True``.

    A toggle places the reset gate after the recurrent product (PyTorch's convention, the
    default; ``settings={"reset": "before"}`` starts with Cho et al.'s EMNLP placement).
    """
    return LiveExplorer("gru", weights=weights, settings=settings) if live else \
        StaticExplorer("gru", weights=weights, settings=settings)

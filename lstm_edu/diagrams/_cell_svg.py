"""Drawing machinery shared by the LSTM and GRU cell diagrams.

A cell diagram is built once as a :class:`Drawing` (its geometry) and rendered to
an SVG string for any set of values.  Its *live* parts carry data attributes:

- ``data-text="key"``: a ``<text>`` whose content is the formatted value of ``key``
  (:func:`format_number`, or the string itself for preformatted values);
- ``data-fill="key"`` with ``data-scale="gate"`` or ``"signed"``: a shape whose fill
  colour encodes the value (:func:`fill_colour`);
- ``data-flow="key"``: a wire whose stroke width encodes ``|value|`` (:func:`flow_width`).

Python renders these attributes for the first view; :data:`PAINT_JS`, a small
JavaScript function, recomputes exactly the same attributes in the browser when
the values change, so a diagram can respond without a kernel (the browser tests
compare the two).  Both sides round the same way (half up, like ``Math.round``).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from numbers import Real
from typing import Mapping

#: Colour of a sigmoid gate at 0 (closed) and at 1 (open).
GATE_CLOSED = (245, 245, 245)
GATE_OPEN = (90, 180, 100)
#: Colours of a signed value at -1, 0 and +1 (values beyond are clipped).
SIGNED_NEGATIVE = (80, 150, 210)
SIGNED_ZERO = (247, 247, 247)
SIGNED_POSITIVE = (225, 100, 85)
#: Stroke width of a wire carrying 0, and the extra width at |value| >= 1.
FLOW_MIN, FLOW_GAIN = 1.0, 4.0

MINUS = "\u2212"
#: Size of a subscript relative to its label (80%: a 12 px label keeps 9.6 px subscripts).
SUBSCRIPT_PERCENT = 80
SCALES = ("gate", "signed")


def round_half_up(value: float, decimals: int) -> float:
    """Round like JavaScript's ``Math.round(value * 10**decimals) / 10**decimals``."""
    factor = 10**decimals
    return math.floor(value * factor + 0.5) / factor


def format_number(value) -> str:
    """A value as the diagrams print it: two decimals, a true minus sign, no ``-0.00``.

    Strings are returned unchanged (for preformatted values such as a vector).
    """
    if isinstance(value, str):
        return value
    if not isinstance(value, Real) or isinstance(value, bool):
        raise TypeError(f"diagram values must be numbers or strings, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("\u221e" if value > 0 else MINUS + "\u221e")
    text = f"{round_half_up(value, 2):.2f}"
    if text == "-0.00":
        text = "0.00"
    return text.replace("-", MINUS)


def _mix(low: tuple[int, int, int], high: tuple[int, int, int], t: float) -> str:
    channels = (math.floor(a + (b - a) * t + 0.5) for a, b in zip(low, high))
    return "rgb({}, {}, {})".format(*channels)


def fill_colour(value, scale: str) -> str:
    """Fill colour of a box or node showing ``value``.

    ``scale="gate"``: a sigmoid gate in (0, 1), pale when closed, green when open.
    ``scale="signed"``: blue for negative, white for 0, red for positive, saturated at +-1.
    Strings (preformatted values) get a neutral white.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    if isinstance(value, str):
        return _mix(SIGNED_ZERO, SIGNED_ZERO, 0.0)
    value = float(value)
    if math.isnan(value):
        value = 0.0
    if scale == "gate":
        return _mix(GATE_CLOSED, GATE_OPEN, min(max(value, 0.0), 1.0))
    t = min(max(value, -1.0), 1.0)
    return _mix(SIGNED_ZERO, SIGNED_POSITIVE if t >= 0 else SIGNED_NEGATIVE, abs(t))


def flow_width(value) -> str:
    """Stroke width of a wire carrying ``value``: thin for 0, thick from ``|value| >= 1``."""
    if isinstance(value, str):
        return f"{FLOW_MIN:.1f}"
    magnitude = min(abs(float(value)), 1.0) if math.isfinite(float(value)) else 1.0
    return f"{round_half_up(FLOW_MIN + FLOW_GAIN * magnitude, 1):.1f}"


# The browser twin of format_number / fill_colour / flow_width.  Keep them in step:
# tests/browser/test_ch03_ch04_widgets.py compares both renderings attribute by attribute.
PAINT_JS = """
function lstmEduPaint(root, values) {
  var MINUS = "\\u2212";
  function round(v, d) { var f = Math.pow(10, d); return Math.round(v * f) / f; }
  function fmt(v) {
    if (typeof v === "string") return v;
    if (!isFinite(v)) return isNaN(v) ? "nan" : (v > 0 ? "\\u221e" : MINUS + "\\u221e");
    var s = round(v, 2).toFixed(2);
    if (s === "-0.00") s = "0.00";
    return s.replace("-", MINUS);
  }
  function mix(lo, hi, t) {
    var c = [0, 1, 2].map(function (k) { return Math.round(lo[k] + (hi[k] - lo[k]) * t); });
    return "rgb(" + c.join(", ") + ")";
  }
  function colour(v, scale) {
    var Z = %(zero)s;
    if (typeof v === "string") return mix(Z, Z, 0);
    if (isNaN(v)) v = 0;
    if (scale === "gate") return mix(%(closed)s, %(open)s, Math.min(Math.max(v, 0), 1));
    var t = Math.min(Math.max(v, -1), 1);
    return mix(Z, t >= 0 ? %(positive)s : %(negative)s, Math.abs(t));
  }
  function width(v) {
    if (typeof v === "string") return (%(flow_min)s).toFixed(1);
    var m = isFinite(v) ? Math.min(Math.abs(v), 1) : 1;
    return round(%(flow_min)s + %(flow_gain)s * m, 1).toFixed(1);
  }
  root.querySelectorAll("[data-text]").forEach(function (el) {
    var k = el.getAttribute("data-text");
    if (k in values) el.textContent = fmt(values[k]);
  });
  root.querySelectorAll("[data-fill]").forEach(function (el) {
    var k = el.getAttribute("data-fill");
    if (k in values) el.setAttribute("fill", colour(values[k], el.getAttribute("data-scale")));
  });
  root.querySelectorAll("[data-flow]").forEach(function (el) {
    var k = el.getAttribute("data-flow");
    if (k in values) el.setAttribute("stroke-width", width(values[k]));
  });
  return { fmt: fmt };
}
""" % {
    "zero": list(SIGNED_ZERO),
    "closed": list(GATE_CLOSED),
    "open": list(GATE_OPEN),
    "positive": list(SIGNED_POSITIVE),
    "negative": list(SIGNED_NEGATIVE),
    "flow_min": FLOW_MIN,
    "flow_gain": FLOW_GAIN,
}


# ---------------------------------------------------------------- drawing


def _attribute_text(attrs: Mapping[str, object]) -> str:
    parts = []
    for name, value in attrs.items():
        if value is None:
            continue
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{html.escape(str(value), quote=True)}"')
    return " ".join(parts)


def label_markup(text: str) -> str:
    """SVG markup for a label; ``_{...}`` becomes a subscript (``"c_{t-1}"``), ``-`` a minus sign."""
    out, rest = [], text
    while "_{" in rest:
        head, tail = rest.split("_{", 1)
        index, rest = tail.split("}", 1)
        out.append(html.escape(head).replace("-", MINUS))
        out.append(f'<tspan baseline-shift="sub" font-size="{SUBSCRIPT_PERCENT}%">{html.escape(index).replace("-", MINUS)}</tspan>')
    out.append(html.escape(rest).replace("-", MINUS))
    return "".join(out)


@dataclass
class _Element:
    tag: str
    attrs: dict
    content: str = ""  # markup for fixed text
    text_key: str | None = None  # content is the formatted value of this key
    fill_key: str | None = None
    scale: str | None = None
    flow_key: str | None = None


@dataclass
class Drawing:
    """The geometry of one diagram; :meth:`render` turns it into SVG for given values.

    Coordinates are in SVG user units inside a ``width`` x ``height`` view box; the
    SVG scales to the width of its container (at most ``max_width`` pixels), but not
    below ``min_width`` pixels: on a narrow phone screen the diagram keeps legible labels
    and its wrapper scrolls sideways (:data:`SCROLL_STYLE`) instead of shrinking them.
    """

    width: int
    height: int
    title: str
    max_width: int = 640
    min_width: int = 540
    elements: list[_Element] = field(default_factory=list)
    keys: set = field(default_factory=set)
    #: What the picture shows, in words: with ``title`` it is the SVG's text alternative.
    description: str = ""
    #: A reader's name for each value key (``"f"`` -> ``"forget gate f"``), for the value list.
    value_names: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The text alternative: the title, then the description."""
        return f"{self.title}. {self.description}" if self.description else self.title

    def describe_values(self, values: Mapping[str, object]) -> str:
        """The values shown, in words and in the drawing's order: ``"forget gate f = 0.62; ..."``."""
        order = [key for key in self.value_names if key in values]
        order += sorted(key for key in values if key not in self.value_names)
        return "; ".join(f"{self.value_names.get(key, key)} = {format_number(values[key])}" for key in order)

    # ------------------------------------------------------------- primitives

    def wire(self, points, *, key: str | None = None, arrow: bool = False, colour: str = "#444") -> None:
        """A polyline through ``points``; ``key`` makes its width show ``|values[key]|``."""
        if len(points) < 2:
            raise ValueError("a wire needs at least two points")
        attrs = {
            "points": " ".join(f"{x:g},{y:g}" for x, y in points),
            "fill": "none",
            "stroke": colour,
            "stroke-width": f"{FLOW_MIN:.1f}",
            "stroke-linejoin": "round",
            "marker-end": "url(#ARROW)" if arrow else None,
        }
        self._add(_Element("polyline", attrs, flow_key=key))

    def node(self, x: float, y: float, symbol: str, *, radius: float = 11) -> None:
        """A small circle with an operator symbol (``"×"``, ``"+"``, ``"1−"``)."""
        self._add(_Element("circle", {"cx": x, "cy": y, "r": radius, "fill": "#fff", "stroke": "#444"}))
        size = 15 if len(symbol) == 1 else 11
        self.text(x, y + size * 0.36, symbol, size=size, anchor="middle", weight="bold")

    def box(self, x: float, y: float, name: str, key: str, *, scale: str = "gate", sub_key: str | None = None,
            width: float = 80, height: float = 58) -> None:
        """A gate box centred at (x, y): its name, its value in bold, optionally a second value below."""
        self._add(_Element("rect", {"x": x - width / 2, "y": y - height / 2, "width": width, "height": height,
                                    "rx": 7, "stroke": "#333", "stroke-width": 1.2, "fill": "#fff"},
                           fill_key=key, scale=scale))
        self.text(x, y - height / 2 + 15, name, size=12, anchor="middle")
        value_y = y + 7 if height >= 50 else y + height / 2 - 5
        self.value(x, value_y, key, size=15, anchor="middle", weight="bold")
        if sub_key is not None:
            self.text(x - 4, y + height / 2 - 6, "a =", size=11, anchor="end", colour="#222")
            self.value(x - 1, y + height / 2 - 6, sub_key, size=11, anchor="start", colour="#222")

    def dot(self, x: float, y: float) -> None:
        """A junction where wires join."""
        self._add(_Element("circle", {"cx": x, "cy": y, "r": 3.5, "fill": "#444"}))

    def oval(self, x: float, y: float, name: str) -> None:
        """An activation applied to a wire (e.g. tanh of the cell state)."""
        self._add(_Element("ellipse", {"cx": x, "cy": y, "rx": 24, "ry": 12, "fill": "#fff8e1", "stroke": "#444"}))
        self.text(x, y + 4, name, size=11, anchor="middle")

    def text(self, x: float, y: float, text: str, *, size: float = 12, anchor: str = "start",
             weight: str | None = None, colour: str = "#222", italic: bool = False) -> None:
        """Fixed text (``_{...}`` makes a subscript)."""
        self._add(_Element("text", self._text_attrs(x, y, size, anchor, weight, colour, italic), label_markup(text)))

    def value(self, x: float, y: float, key: str, *, size: float = 12, anchor: str = "start",
              weight: str | None = None, colour: str = "#000") -> None:
        """Text showing ``values[key]``, repainted by :data:`PAINT_JS`."""
        self._add(_Element("text", self._text_attrs(x, y, size, anchor, weight, colour, False), text_key=key))

    @staticmethod
    def _text_attrs(x, y, size, anchor, weight, colour, italic) -> dict:
        return {"x": x, "y": y, "font-size": size, "text-anchor": anchor, "font-weight": weight,
                "fill": colour, "font-style": "italic" if italic else None}

    def _add(self, element: _Element) -> None:
        for key in (element.text_key, element.fill_key, element.flow_key):
            if key is not None:
                self.keys.add(key)
        self.elements.append(element)

    # --------------------------------------------------------------- output

    def render(self, values: Mapping[str, object] | None = None, *, uid: str = "cell", scroll: bool = False) -> str:
        """The diagram as an ``<svg>`` string; ``values`` fills the live parts (missing keys stay blank).

        ``uid`` must be unique on the page (it names the arrow marker).  ``scroll=True`` keeps the
        SVG at least ``min_width`` pixels wide: only for a wrapper that scrolls sideways
        (:data:`SCROLL_ATTRIBUTES`); without one the SVG shrinks with its container.
        """
        values = {} if values is None else dict(values)
        unknown = set(values) - self.keys
        if unknown:
            raise KeyError(f"this diagram has no value called {sorted(unknown)}; it shows {sorted(self.keys)}")
        marker = f"{uid}-arrow"
        min_width = f"min-width:{self.min_width}px;" if scroll else ""
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
            f'width="100%" style="max-width:{self.max_width}px;{min_width}height:auto;'
            f'font-family:sans-serif" '
            f'role="img" aria-label="{html.escape(self.label, quote=True)}" class="lstm-edu-cell-diagram">',
            f"<title>{html.escape(self.label)}</title>",
            f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
            'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
        ]
        for element in self.elements:
            attrs = dict(element.attrs)
            if attrs.get("marker-end") == "url(#ARROW)":
                attrs["marker-end"] = f"url(#{marker})"
            content = element.content
            if element.text_key is not None:
                attrs["data-text"] = element.text_key
                content = html.escape(format_number(values[element.text_key])) if element.text_key in values else ""
            if element.fill_key is not None:
                attrs["data-fill"] = element.fill_key
                attrs["data-scale"] = element.scale
                if element.fill_key in values:
                    attrs["fill"] = fill_colour(values[element.fill_key], element.scale)
            if element.flow_key is not None:
                attrs["data-flow"] = element.flow_key
                if element.flow_key in values:
                    attrs["stroke-width"] = flow_width(values[element.flow_key])
            parts.append(f"<{element.tag} {_attribute_text(attrs)}>{content}</{element.tag}>")
        parts.append("</svg>")
        return "".join(parts)


#: Style of a diagram's wrapper: narrower than the diagram's ``min_width``, it scrolls sideways.
SCROLL_STYLE = "overflow-x:auto;max-width:100%"
#: The wrapper's attributes: the scroll style, and focusable, so that keyboard users can scroll it
#: too (axe-core's rule scrollable-region-focusable).
SCROLL_ATTRIBUTES = f'style="{SCROLL_STYLE}" tabindex="0" role="group" aria-label="cell diagram"'

_VISUALLY_HIDDEN = ("position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;"
                    "clip:rect(0 0 0 0);white-space:nowrap;border:0")


class CellDiagram:
    """A diagram with values, displayed inline by Jupyter (``_repr_html_``).

    ``update(**values)`` changes some values; ``svg()`` returns the SVG string.
    """

    _counter = 0

    def __init__(self, drawing: Drawing, values: Mapping[str, object] | None = None, *, uid: str | None = None):
        self.drawing = drawing
        self.values: dict[str, object] = {}
        if uid is None:
            CellDiagram._counter += 1
            uid = f"lstm-edu-cell-{CellDiagram._counter}"
        self.uid = uid
        if values:
            self.update(**values)

    def update(self, **values) -> "CellDiagram":
        unknown = set(values) - self.drawing.keys
        if unknown:
            raise KeyError(f"this diagram has no value called {sorted(unknown)}; it shows {sorted(self.drawing.keys)}")
        for key, value in values.items():
            format_number(value)  # raises a TypeError for anything that is not a number or a string
        self.values.update(values)
        return self

    def svg(self) -> str:
        return self.drawing.render(self.values, uid=self.uid, scroll=True)

    def _repr_html_(self) -> str:
        # The SVG is one image to a screen reader (its label says what it shows); the numbers
        # drawn in it follow as a visually hidden list, so they are not lost.
        values = ""
        if self.values:
            values = (f'<p style="{_VISUALLY_HIDDEN}">Values shown: '
                      f"{html.escape(self.drawing.describe_values(self.values))}.</p>")
        return f'<div class="lstm-edu-diagram" {SCROLL_ATTRIBUTES}>{self.svg()}{values}</div>'


def script_json(data) -> str:
    """``data`` as JSON that is safe inside an HTML ``<script>`` element."""
    import json

    return json.dumps(data, allow_nan=False).replace("</", "<\\/")

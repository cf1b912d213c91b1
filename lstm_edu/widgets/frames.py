"""Frame viewers: precomputed pictures switched in the browser, with no kernel and no ipywidgets.

Every state the reader can pick is rendered in advance, as a PNG image or a
piece of HTML.  A viewer is one self-contained block of HTML: all the frames
(images as base64 data, every one but the current frame hidden), native
controls (``<input type="range">``, ``<select>``, a Play ``<button>``) and a few
lines of inline JavaScript that show the chosen frame.  It needs no kernel, no
require.js and no widget manager, so it behaves the same in the static HTML
book, Jupyter, JupyterLab, VS Code and Colab (which runs each output's HTML in a
sandboxed frame of its own), whatever the version of ipywidgets.

Accessibility: the controls are native (keyboard: Tab, arrow keys, Home/End,
Space/Enter), each has an accessible name and a visible focus ring, a range
control tells its position in words (``aria-valuetext``), every image carries a
text alternative, and a polite live region announces the frame shown after
each change.  The viewer draws its own white card with dark text, so it reads
the same in a dark theme.

- :func:`figure_to_png` renders a matplotlib figure to a :class:`PNGFrame`, PNG
  bytes that remember a text alternative read from the figure's titles and labels;
- :func:`frame_player`: one slider (and a Play button) over a list of frames;
- :func:`frame_grid`: two sliders choosing ``frames[i][j]``;
- :class:`FrameViewer`: the mechanism behind both, and behind
  :func:`lstm_edu.imdb.display.choice_panel` (a drop-down over HTML panels).
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import math
import re
from dataclasses import dataclass
from typing import Sequence

from lstm_edu.diagrams._cell_svg import script_json

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class PNGFrame(bytes):
    """PNG bytes with a text alternative ``alt`` (what the picture shows, for a screen reader)."""

    def __new__(cls, data: bytes, alt: str = ""):
        frame = super().__new__(cls, data)
        frame.alt = str(alt)
        return frame


# ---------------------------------------------------------------- figures to frames

_TEX = {r"\sigma": "σ", r"\partial": "∂", r"\|": "‖", r"\gamma": "γ", r"\cdot": "·", r"\times": "×",
        r"\alpha": "α", r"\beta": "β", r"\lambda": "λ", r"\eta": "η", r"\rho": "ρ", r"\log": "log",
        r"\top": "T", r"\to": "→", r"\leq": "≤", r"\geq": "≥", r"\approx": "≈"}


def plain_text(label: str) -> str:
    """A matplotlib label as plain words: mathtext ``$\\sigma_{max}$`` becomes ``σ_max``."""
    text = str(label)
    for tex, char in _TEX.items():  # a command swallows one space after it, as in TeX
        text = re.sub(re.escape(tex) + (r"(?![a-zA-Z]) ?" if tex[-1].isalpha() else ""), char, text)
    text = re.sub(r"\\[a-zA-Z]+\s?", "", text)  # other commands (\mathrm, \,) go
    text = text.replace("$", "").replace("{", "").replace("}", "").replace("\\", "")
    return re.sub(r"\s+", " ", text).strip()


def _axes_kind(ax) -> str:
    from matplotlib.container import BarContainer

    if ax.images:
        return "image"
    if any(isinstance(c, BarContainer) for c in ax.containers):
        return "bar chart"
    if ax.lines:
        return "line plot"
    if ax.collections:
        return "scatter plot"
    return "plot"


def describe_figure(fig) -> str:
    """A text alternative built from a figure: its title, and each axes' kind, title and axis labels.

    For example ``line plot “input up to t = 9” (x: time step); bar chart “hidden
    state” (x: h_t; y: unit)``.  Returns "" for a figure without any text.
    """
    parts = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        parts.append(plain_text(suptitle.get_text()))
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        title = " ".join(plain_text(ax.get_title(loc)) for loc in ("left", "center", "right")).strip()
        axis_labels = [f"{name}: {plain_text(text)}" for name, text in (("x", ax.get_xlabel()), ("y", ax.get_ylabel()))
                       if text.strip()]
        if not title and not axis_labels:
            continue
        words = _axes_kind(ax) + (f" \u201c{title}\u201d" if title else "")
        if axis_labels:
            words += " (" + "; ".join(axis_labels) + ")"
        parts.append(words)
    return "; ".join(parts)


def figure_to_png(fig, dpi: int = 80, *, alt: str | None = None) -> PNGFrame:
    """Render a matplotlib figure to PNG bytes and close it (so it is not shown twice).

    The result is a :class:`PNGFrame`: PNG bytes whose ``.alt`` is ``alt`` or, when
    not given, :func:`describe_figure` of the figure.  The frame viewers use it as
    the image's text alternative.
    """
    import matplotlib.pyplot as plt

    from lstm_edu.figures import figure_png

    if alt is None:
        alt = describe_figure(fig)
    data = figure_png(fig, dpi=dpi)  # opaque white, with the record of its smallest font
    plt.close(fig)
    return PNGFrame(data, alt)


# ---------------------------------------------------------------- the viewer

@dataclass(frozen=True)
class Axis:
    """One control of a viewer: its accessible ``name``, the text of each position, and its kind."""

    name: str
    labels: tuple[str, ...]
    control: str = "range"  # "range" (a slider) or "select" (a drop-down menu)

    @property
    def size(self) -> int:
        return len(self.labels)


_ids = itertools.count(1)

_STYLE = """
#UID { font-family: sans-serif; font-size: 14px; line-height: 1.4; color: #222; background: #fff;
       color-scheme: light; border: 1px solid #c4c4c4; border-radius: 8px; padding: 8px 10px; margin: 8px 0;
       max-width: 100%; box-sizing: border-box; position: relative; }
#UID .lef-title { font-weight: bold; margin-bottom: 4px; }
#UID .lef-controls { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; margin-bottom: 6px; }
#UID .lef-control { display: flex; align-items: center; gap: 6px; flex: 1 1 240px; margin: 0; }
#UID .lef-control input[type=range] { flex: 1 1 auto; min-width: 110px; margin: 0; accent-color: #1a5fb4; }
#UID .lef-control select { flex: 1 1 auto; min-width: 0; max-width: 100%; font-size: 13px; color: #222;
                           background: #fff; border: 1px solid #767676; border-radius: 4px; padding: 2px 4px; }
#UID .lef-control output { min-width: 4.5em; font-variant-numeric: tabular-nums; }
#UID button { font-size: 13px; padding: 3px 10px; border: 1px solid #767676; border-radius: 4px;
              background: #f4f4f4; color: #222; cursor: pointer; min-width: 5.5em; }
#UID :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
#UID .lstm-edu-frames > img { display: block; max-width: 100%; height: auto; }
#UID [hidden] { display: none !important; }
#UID .lef-sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
               overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }
"""

_PLAY = '<span aria-hidden="true">\u25b6</span> Play'
_PAUSE = '<span aria-hidden="true">\u275a\u275a</span> Pause'

# Finds its root by the script's own parent (JupyterLab, the book, Colab) or, where
# scripts are run detached (the classic notebook's jQuery), by the id.
_SCRIPT = """
(function () {
  var me = document.currentScript, root = me && me.parentNode;
  if (!root || !root.classList || !root.classList.contains("lstm-edu-frameview")) root = document.getElementById("UID");
  if (!root || root.getAttribute("data-ready")) return;
  root.setAttribute("data-ready", "1");
  var data = JSON.parse(root.querySelector("script.lef-data").textContent);
  var controls = Array.prototype.slice.call(root.querySelectorAll("[data-axis]"));
  var frames = Array.prototype.slice.call(root.querySelector(".lstm-edu-frames").children);
  var live = root.querySelector(".lef-live"), play = root.querySelector("button.lef-play"), timer = null;
  function show(announce) {
    var flat = 0, words = [];
    controls.forEach(function (c, k) {
      var v = Math.max(0, Math.min(data.sizes[k] - 1, parseInt(c.value, 10) || 0)), text = data.labels[k][v];
      flat = flat * data.sizes[k] + v;
      if (c.type === "range") c.setAttribute("aria-valuetext", text);
      var out = root.querySelector('output[data-readout="' + k + '"]');
      if (out) out.textContent = text;
      words.push(data.names[k] + " " + text);
    });
    frames.forEach(function (f, k) { f.hidden = k !== flat; });
    root.setAttribute("data-frame", flat);
    if (announce) {
      var f = frames[flat], what = (f.getAttribute("alt") || f.innerText || f.textContent || "").replace(/\\s+/g, " ").trim();
      var say = data.html ? what : words.join(", ") + ": " + what;
      if (live.textContent !== say) live.textContent = say;
    }
  }
  function stop() {
    if (timer === null) return;
    clearInterval(timer); timer = null;
    play.innerHTML = data.play; live.setAttribute("aria-live", "polite");
  }
  if (play) play.addEventListener("click", function () {
    if (timer !== null) { stop(); show(true); return; }
    var c = controls[0];
    if (+c.value >= +c.max) c.value = 0;
    play.innerHTML = data.pause; live.setAttribute("aria-live", "off");
    show(false);
    timer = setInterval(function () {
      c.value = Math.min(+c.value + 1, +c.max); show(false);
      if (+c.value >= +c.max) { stop(); show(true); }
    }, data.interval);
  });
  controls.forEach(function (c) {
    c.addEventListener("input", function () { stop(); show(true); });
    c.addEventListener("change", function () { stop(); show(true); });
  });
  show(false);
})();
"""


def _is_png(frame) -> bool:
    return isinstance(frame, (bytes, bytearray)) and bytes(frame[:8]) == PNG_MAGIC


class FrameViewer:
    """Precomputed frames chosen by one control or more, switched in the browser.

    Args:
        frames: the frames in row-major order over ``axes`` (``len(frames)`` is the
            product of the axes' sizes): all PNG bytes, or all HTML strings.
        axes: one :class:`Axis` per control.
        alts: for image frames, one text alternative per frame (required, non-empty).
        start: the position of each control shown first.
        play: add a Play button that steps the first control (one axis only).
        interval_ms: time between frames while playing.
        title: a heading shown above the controls (also the group's accessible name).
        css_class: extra class names of the outer ``<div>``.

    Display it in a notebook (``_repr_html_``) or take ``.html``.  ``frame_index(i, j)``
    gives the position of a frame in ``frames``.
    """

    def __init__(self, frames: Sequence, axes: Sequence[Axis], *, alts: Sequence[str] | None = None,
                 start: Sequence[int] | None = None, play: bool = False, interval_ms: int = 600,
                 title: str | None = None, css_class: str = "", uid: str | None = None):
        self.frames, self.axes = list(frames), tuple(axes)
        if not self.axes or any(a.size < 1 for a in self.axes):
            raise ValueError("a frame viewer needs at least one control with at least one position")
        for a in self.axes:
            if a.control not in ("range", "select"):
                raise ValueError(f"an axis control is 'range' or 'select', got {a.control!r}")
        count = math.prod(a.size for a in self.axes)
        if not self.frames:
            raise ValueError("a frame viewer needs at least one frame")
        if len(self.frames) != count:
            raise ValueError(f"{len(self.frames)} frames for controls of sizes "
                             f"{[a.size for a in self.axes]} (expected {count})")
        if all(isinstance(f, str) for f in self.frames):
            self.kind = "html"
        elif all(_is_png(f) for f in self.frames):
            self.kind = "image"
        else:
            raise TypeError("frames must all be PNG bytes (use lstm_edu.widgets.frames.figure_to_png) "
                            "or all HTML strings")
        alts = None if alts is None else list(alts)
        if self.kind == "image":
            if alts is None or len(alts) != count:
                raise ValueError(f"give one text alternative per frame ({count}), got "
                                 f"{'none' if alts is None else len(alts)}")
            self.alts = [str(a).strip() for a in alts]
            if not all(self.alts):
                raise ValueError("every frame needs a non-empty text alternative (alt)")
        elif alts is not None:
            raise ValueError("alts are for image frames; an HTML panel is read as it is")
        else:
            self.alts = None
        self.start = tuple(0 for _ in self.axes) if start is None else tuple(int(s) for s in start)
        if len(self.start) != len(self.axes) or not all(0 <= s < a.size for s, a in zip(self.start, self.axes)):
            raise ValueError(f"start must give a position per control within {[a.size for a in self.axes]}, "
                             f"got {start}")
        if play and len(self.axes) != 1:
            raise ValueError("a Play button steps a single control: play needs exactly one axis")
        if isinstance(interval_ms, bool) or not isinstance(interval_ms, int) or interval_ms < 20:
            raise ValueError(f"interval_ms must be an integer >= 20, got {interval_ms!r}")
        self.play, self.interval_ms, self.title, self.css_class = bool(play), interval_ms, title, css_class
        digest = hashlib.sha1(b"".join(bytes(f) if self.kind == "image" else f.encode() for f in self.frames))
        self.uid = uid or f"lstm-edu-frames-{next(_ids)}-{digest.hexdigest()[:6]}"
        self.html = self._build()

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(a.size for a in self.axes)

    def frame_index(self, *position: int) -> int:
        """The index in ``frames`` of the frame shown at ``position`` (one index per control)."""
        if len(position) != len(self.axes) or not all(0 <= p < a.size for p, a in zip(position, self.axes)):
            raise ValueError(f"position must have one index per control within {self.shape}, got {position}")
        flat = 0
        for p, a in zip(position, self.axes):
            flat = flat * a.size + p
        return flat

    def _control(self, k: int, axis: Axis) -> str:
        name, value = html.escape(axis.name), self.start[k]
        if axis.control == "select":
            options = "".join(f'<option value="{i}"{" selected" if i == value else ""}>{html.escape(text)}</option>'
                              for i, text in enumerate(axis.labels))
            return (f'<label class="lef-control"><span>{name}</span>'
                    f'<select data-axis="{k}" aria-label="{name}">{options}</select></label>')
        label = html.escape(axis.labels[value])
        return (f'<label class="lef-control"><span>{name}</span>'
                f'<input type="range" data-axis="{k}" min="0" max="{axis.size - 1}" step="1" value="{value}" '
                f'aria-label="{name}" aria-valuetext="{label}">'
                f'<output data-readout="{k}" aria-hidden="true">{label}</output></label>')

    def _frame(self, k: int, frame, shown: int) -> str:
        hidden = "" if k == shown else " hidden"
        if self.kind == "html":
            return f'<div class="lef-panel"{hidden}>{frame}</div>'
        data = base64.b64encode(bytes(frame)).decode("ascii")
        return f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alts[k])}"{hidden}>'

    def _build(self) -> str:
        uid, shown = self.uid, self.frame_index(*self.start)
        group = self.title or ", ".join(a.name for a in self.axes)
        controls = "".join(self._control(k, a) for k, a in enumerate(self.axes))
        if self.play:
            controls = f'<button type="button" class="lef-play">{_PLAY}</button>' + controls
        data = {"sizes": list(self.shape), "names": [a.name for a in self.axes],
                "labels": [list(a.labels) for a in self.axes], "interval": self.interval_ms,
                "html": self.kind == "html", "play": _PLAY, "pause": _PAUSE}
        frames = "".join(self._frame(k, f, shown) for k, f in enumerate(self.frames))
        title = f'<div class="lef-title">{html.escape(self.title)}</div>' if self.title else ""
        classes = " ".join(["lstm-edu-frameview", self.css_class]).strip()
        return (
            f'<div class="{classes}" id="{uid}" role="group" aria-label="{html.escape(group)}">'
            f'<style>{_STYLE.replace("UID", uid)}</style>{title}'
            f'<div class="lef-controls">{controls}</div>'
            '<div class="lef-live lef-sr" aria-live="polite" aria-atomic="true"></div>'
            f'<div class="lstm-edu-frames">{frames}</div>'
            f'<script type="application/json" class="lef-data">{script_json(data)}</script>'
            f'<script>{_SCRIPT.replace("UID", uid)}</script></div>'
        )

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<FrameViewer {self.kind} frames, controls {[a.name for a in self.axes]}, shape {self.shape}>"


# ---------------------------------------------------------------- the public viewers

def _labels(labels, size: int, what: str) -> tuple[str, ...]:
    if labels is None:
        return tuple(f"{k + 1} of {size}" for k in range(size))
    labels = tuple(str(text) for text in labels)
    if len(labels) != size:
        raise ValueError(f"{what} has {len(labels)} entries, expected {size}")
    return labels


def _alts(frames: list, alts, alt: str | None, positions: list[str]) -> list[str]:
    """One text alternative per frame: ``alts``, else ``alt`` with the position, else the frame's own."""
    if alts is not None:
        alts = [str(text) for text in alts]
        if len(alts) != len(frames):
            raise ValueError(f"alts has {len(alts)} entries for {len(frames)} frames")
        return alts
    if alt is not None:
        if not str(alt).strip():
            raise ValueError("alt must say what the frames show, got an empty string")
        return [f"{alt} ({where})" for where in positions]
    out = []
    for k, frame in enumerate(frames):
        own = getattr(frame, "alt", "")
        if not own:
            raise ValueError(f"frame {k} has no text alternative: pass alt= (what the frames show) or alts= "
                             "(one per frame), or make the frames with figure_to_png from a figure with a title")
        out.append(own)
    return out


def frame_player(
    frames: Sequence[bytes],
    *,
    description: str = "step",
    interval_ms: int = 600,
    start: int = 0,
    play: bool = True,
    labels: Sequence[str] | None = None,
    alts: Sequence[str] | None = None,
    alt: str | None = None,
    title: str | None = None,
) -> FrameViewer:
    """A slider (and optionally a Play button) that switches between precomputed frames.

    Args:
        frames: PNG images, one per slider position (``figure_to_png`` makes them).
        description: the slider's name, shown beside it and read by screen readers.
        interval_ms: time between frames while playing.
        start: the frame shown first.
        play: add a Play button that steps through the frames.
        labels: the text of each position (default "3 of 7").
        alts: one text alternative per frame; or ``alt``, one sentence for all frames
            (each frame's position is added); by default the ``.alt`` that
            ``figure_to_png`` read from each figure.
        title: a heading above the controls.

    Returns:
        A :class:`FrameViewer` (class ``lstm-edu-player``); display it or take ``.html``.
    """
    frames = list(frames)
    if not frames:
        raise ValueError("frame_player needs at least one frame")
    if not 0 <= start < len(frames):
        raise ValueError(f"start must be in [0, {len(frames) - 1}], got {start}")
    for frame in frames:
        if not _is_png(frame):
            raise TypeError("each frame must be PNG bytes (use lstm_edu.widgets.frames.figure_to_png)")
    names = _labels(labels, len(frames), "labels")
    texts = _alts(frames, alts, alt, [f"{description} {text}" for text in names])
    return FrameViewer(frames, [Axis(description, names)], alts=texts, start=[start], play=play,
                       interval_ms=interval_ms, title=title, css_class="lstm-edu-player")


def frame_grid(
    frames: Sequence[Sequence[bytes]],
    *,
    descriptions: tuple[str, str] = ("a", "b"),
    labels: tuple[Sequence[str], Sequence[str]] | None = None,
    alts: Sequence[Sequence[str]] | None = None,
    alt: str | None = None,
    title: str | None = None,
    css_class: str = "",
) -> FrameViewer:
    """Two sliders choosing a frame from a grid ``frames[i][j]``, switched in the browser.

    The first slider picks the row ``i``, the second the column ``j``.  ``labels``
    gives the text of each position of each slider (default "2 of 3");
    ``alts[i][j]`` a text alternative per frame, or ``alt`` one sentence for all
    (the positions are added), by default each frame's own ``.alt``.  Returns a
    :class:`FrameViewer` (class ``lstm-edu-grid`` and ``css_class``).
    """
    rows = [list(row) for row in frames]
    if not rows or not rows[0]:
        raise ValueError("frame_grid needs a non-empty grid of frames")
    if any(len(row) != len(rows[0]) for row in rows):
        raise ValueError("every row of the frame grid must have the same number of frames")
    if len(descriptions) != 2:
        raise ValueError(f"descriptions names the two sliders, got {descriptions!r}")
    sizes = (len(rows), len(rows[0]))
    if labels is not None and len(labels) != 2:
        raise ValueError("labels holds the texts of both sliders: (row labels, column labels)")
    axes = [Axis(str(name), _labels(None if labels is None else labels[k], size, f"labels[{k}]"))
            for k, (name, size) in enumerate(zip(descriptions, sizes))]
    flat = [frame for row in rows for frame in row]
    for frame in flat:
        if not _is_png(frame):
            raise TypeError("each frame must be PNG bytes (use lstm_edu.widgets.frames.figure_to_png)")
    if alts is not None:
        alts = [list(row) for row in alts]
        if len(alts) != sizes[0] or any(len(row) != sizes[1] for row in alts):
            raise ValueError(f"alts must have the grid's shape {sizes}")
        alts = [text for row in alts for text in row]
    positions = [f"{axes[0].name} {a}, {axes[1].name} {b}" for a in axes[0].labels for b in axes[1].labels]
    texts = _alts(flat, alts, alt, positions)
    return FrameViewer(flat, axes, alts=texts, title=title, css_class=f"lstm-edu-grid {css_class}".strip())


__all__ = ["Axis", "FrameViewer", "PNGFrame", "describe_figure", "figure_to_png", "frame_grid", "frame_player",
           "plain_text"]

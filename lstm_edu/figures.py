"""The book's one plotting style, and figures shown with a text alternative (alt text).

Why one small module at the package root, and not in :mod:`lstm_edu.diagrams`: the
same style serves the drawn diagrams, the plots the chapters make in their own cells,
the capstone's analysis plots and the widget frames, so it must not live inside any
one of them.  Everything that decides how a figure *looks to a reader* is here:

``STYLE``
    the matplotlib ``rcParams`` of the book, in this one place: fonts no smaller than
    :data:`MIN_FONT_PT` points, an opaque white background (a figure stays readable on
    the dark theme instead of black text on dark grey), figures no wider than the page
    column (:data:`COLUMN_WIDTH_IN`, so they are shown at full size and their text at
    its real size) and a colour-blind-safe colour cycle (Okabe and Ito's palette).
    Colour must never carry meaning alone: a function that draws several lines gives
    each its own line style or marker (:data:`LINESTYLES`, in the same order as
    :data:`PALETTE`).  The cycle itself holds colours only, because chapters give line
    styles their own meaning ("measured solid, bound dotted").
:func:`style`
    a context manager; every plotting function of the package draws inside it.
:func:`use_style`
    applies ``STYLE`` for the rest of a notebook (the chapters call it once, after
    importing pyplot) and makes every figure it shows record its smallest font size
    in the PNG (the browser tests turn that into CSS pixels, see below).
:func:`set_alt`, :func:`show`
    attach a text alternative to a figure; the figure is then displayed as an
    ``<img alt="...">`` both in Jupyter and in the HTML book, and ``text/plain`` is the
    alt text itself.  Chapter cells that call ``plt.show()`` on their own figures
    can instead give the alt text in the cell's metadata
    (``{"mystnb": {"image": {"alt": "..."}}}``), which the book's builder (myst-nb) puts
    on the image.

How the smallest text is measured: a figure shown after :func:`use_style` carries a
PNG text chunk ``lstm_edu:min-font-pt`` (the smallest font size, in points, of any
visible text in it, from matplotlib's own text objects) next to the PNG's resolution
(``pHYs``, from which the dpi follows).  In the browser a point then measures
``dpi / 72 * shown_width / natural_width`` CSS pixels.  Subscripts in mathtext are
drawn at 70 % of their label's size; :func:`smallest_font_pt` counts the label's size.

Shapes: figures are matplotlib ``Figure`` objects; :func:`figure_png` returns PNG bytes.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import re

#: No text in a figure of the book is smaller than this (points).  At 100 dpi shown at
#: full size, 9 pt is 12.5 CSS px; the tests require at least 9 CSS px on a 1280 px screen.
MIN_FONT_PT = 9.0
#: Width of the text column of the HTML book on a 1280 px wide screen (688 CSS px, 672 px
#: inside the padding the dark theme gives images), in inches at :data:`DPI`.  A figure this
#: wide or narrower is shown at its natural size; a wider one is scaled down, and its text
#: with it (a 10 pt label in an 11 inch wide figure measures 8.7 px).
COLUMN_WIDTH_IN = 6.7
DPI = 100

#: Okabe and Ito's colour-blind-safe palette (yellow left out: too pale on white).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]
#: A line style for each colour of :data:`PALETTE`, for functions that draw several lines.
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)), (0, (1, 1))]

STYLE = {
    "figure.dpi": DPI,
    "savefig.dpi": "figure",
    "figure.figsize": (COLUMN_WIDTH_IN, 3.4),
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.transparent": False,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.title_fontsize": 10,
    "figure.titlesize": 12,
    "lines.linewidth": 1.8,
    "lines.markersize": 6,
}

#: The alt text of a figure is kept on the figure under this attribute name.
ALT_ATTRIBUTE = "lstm_edu_alt"
#: Name of the PNG text chunk that records the smallest font size (points).
FONT_CHUNK = "lstm_edu:min-font-pt"
#: Alt texts that say nothing about the picture.
_GENERIC_ALT = re.compile(r"^\s*(figure|fig\.?|image|img|plot|chart|graph|diagram|picture|output|png)"
                          r"\s*[\d.:-]*\s*$", re.IGNORECASE)


def _rc() -> dict:
    from cycler import cycler

    rc = dict(STYLE)
    rc["axes.prop_cycle"] = cycler(color=PALETTE)
    return rc


@contextlib.contextmanager
def style():
    """Draw inside the book's style (``with style(): fig, ax = plt.subplots()``)."""
    import matplotlib

    with matplotlib.rc_context(_rc()):
        yield


def check_alt(alt) -> str:
    """Return ``alt`` stripped, or raise if it is empty or generic ("figure 3", "plot")."""
    if not isinstance(alt, str):
        raise TypeError(f"alt text must be a string, got {type(alt).__name__}")
    text = " ".join(alt.split())
    if not text:
        raise ValueError("alt text must say what the figure shows; got an empty string")
    if _GENERIC_ALT.match(text) or len(text) < 12:
        raise ValueError(f"alt text {alt!r} is too generic: say what the figure shows "
                         "(e.g. 'training loss falling from 1.2 to 0.1 over 300 steps')")
    return text


def set_alt(fig, alt: str):
    """Attach the text alternative ``alt`` to ``fig`` and return ``fig``.

    Shown by ``plt.show()`` or as a cell's last value after :func:`use_style`, or by
    :func:`show`, the figure becomes an ``<img>`` with this alt text.
    """
    setattr(fig, ALT_ATTRIBUTE, check_alt(alt))
    return fig


def alt_of(fig) -> str | None:
    """The alt text attached to ``fig``, or None."""
    return getattr(fig, ALT_ATTRIBUTE, None)


def smallest_font_pt(fig) -> float | None:
    """The smallest font size (points) of any visible, non-empty text in ``fig``.

    The figure is drawn first, so tick labels are those really shown.  None when the
    figure has no text at all.
    """
    from matplotlib.text import Text

    fig.canvas.draw()
    figure_box = fig.bbox
    renderer = fig.canvas.get_renderer()
    sizes = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        if text.axes is not None and not text.axes.get_visible():
            continue
        box = text.get_window_extent(renderer)
        if box.width <= 0 or not box.overlaps(figure_box):
            continue
        sizes.append(float(text.get_fontsize()))
    return min(sizes) if sizes else None


def figure_png(fig, *, dpi: float | None = None) -> bytes:
    """``fig`` as PNG bytes, cropped to what is drawn, on white, with its font record.

    The PNG carries its resolution and the text chunk :data:`FONT_CHUNK`.
    """
    smallest = smallest_font_pt(fig)
    metadata = {FONT_CHUNK: f"{smallest:g}"} if smallest is not None else {}
    alt = alt_of(fig)
    if alt:
        metadata["Description"] = alt
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi or fig.dpi, bbox_inches="tight", facecolor="white",
                transparent=False, metadata=metadata)
    return buffer.getvalue()


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels of PNG bytes."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def figure_html(fig, alt: str | None = None) -> str:
    """An ``<img>`` element holding ``fig`` as a PNG data URI with its alt text."""
    text = check_alt(alt if alt is not None else (alt_of(fig) or ""))
    data = figure_png(fig)
    width, _ = png_size(data)
    encoded = base64.b64encode(data).decode("ascii")
    return (f'<img class="lstm-edu-figure" src="data:image/png;base64,{encoded}" '
            f'alt="{html.escape(text, quote=True)}" width="{width}">')


def show(fig=None, alt: str | None = None) -> None:
    """Display ``fig`` (default: the current figure) with its alt text, then close it.

    The output has three forms: ``text/html`` (the ``<img alt>``, used by Jupyter and
    the book), ``image/png`` (for other front ends) and ``text/plain`` (the alt text).
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    fig = plt.gcf() if fig is None else fig
    if alt is not None:
        set_alt(fig, alt)
    text = check_alt(alt_of(fig) or "")
    data = figure_png(fig)
    display({"text/html": figure_html(fig), "image/png": base64.b64encode(data).decode("ascii"),
             "text/plain": text}, raw=True)
    plt.close(fig)


def _png_formatter(fig):
    if not fig.axes and not fig.lines:
        return None  # like IPython: nothing to show for an empty figure
    return base64.b64encode(figure_png(fig)).decode("ascii")


def _html_formatter(fig):
    if alt_of(fig) is None or (not fig.axes and not fig.lines):
        return None  # no alt text attached: the PNG form is used (alt from the cell's metadata)
    return figure_html(fig)


def use_style() -> None:
    """Apply :data:`STYLE` for the rest of the session and register the figure formatters.

    In an IPython kernel, figures shown afterwards are PNGs with a font record, and
    figures with :func:`set_alt` are shown as ``<img alt>``.  Call it after importing
    ``matplotlib.pyplot`` (importing pyplot later may reset the PNG formatter).
    """
    import matplotlib

    matplotlib.rcParams.update(_rc())
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: the style is all there is to set
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # Loading the backend (here: by making a figure) configures the inline backend, which
    # registers IPython's own PNG formatter; ours is registered after it, so it stays.
    plt.close(plt.figure())
    formatters = shell.display_formatter.formatters
    formatters["image/png"].for_type(Figure, _png_formatter)
    formatters["text/html"].for_type(Figure, _html_formatter)


__all__ = ["ALT_ATTRIBUTE", "COLUMN_WIDTH_IN", "DPI", "FONT_CHUNK", "LINESTYLES", "MIN_FONT_PT", "PALETTE", "STYLE",
           "alt_of", "check_alt", "figure_html", "figure_png", "png_size", "set_alt", "show", "smallest_font_pt",
           "style", "use_style"]

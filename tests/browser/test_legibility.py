"""Every page reads well on a laptop (1280 px) and a phone (390 px), in light and dark mode.

Checked on every page of the built book, at both widths and in both modes:

- **no horizontal scrolling of the page**: the document is no wider than the window,
  and no paragraph, list item or heading sticks out of the window;
- **printed tables do not wrap**: a printed output whose lines are aligned in columns
  (at least two lines with a gap of two or more spaces between words) shows each of its
  lines on one line (it may scroll sideways inside its own box, never the page);
- **figures are opaque**: every PNG in the page has no transparent pixel, so that dark
  text in a figure never lands on the dark page background; every SVG figure sits on a
  light background in dark mode too;
- **figure text is at least 9 CSS px at 1280 px** (``MIN_TEXT_PX``).  How it is
  measured: a matplotlib figure shown after ``lstm_edu.figures.use_style()`` carries
  in its PNG the smallest font size of its texts in points (``lstm_edu:min-font-pt``)
  and its resolution (``pHYs``: dots per inch).  One point is ``dpi / 72`` pixels of
  the image, and the page shows the image at ``shown_width / natural_width`` of its
  size, so the smallest text measures ``pt * dpi / 72 * shown / natural`` CSS px.  A
  matplotlib PNG without the record fails (its chapter must call ``use_style()``).
  For SVG diagrams the browser measures each ``<text>`` label directly (font size
  times the SVG's scale on screen); subscripts drawn smaller inside a label are not
  counted separately, in either kind of figure.
"""

from __future__ import annotations

import base64
import io
import re
import urllib.request

import pytest

from bookpaths import toc_files
from viewing import MODES, open_view

PAGES = toc_files()
WIDTHS = (1280, 390)
MIN_TEXT_PX = 9.0
FONT_CHUNK = "lstm_edu:min-font-pt"

OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    if (document.documentElement.scrollWidth > width + 1)
        out.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${width} px window`);
    for (const el of document.querySelectorAll(['p', 'li', 'dd', 'dt', 'h1', 'h2', 'h3', 'h4'].map(t => 'article.bd-article ' + t).join(', '))) {
        if (el.closest('pre, .cell_output, table, .jupyter-widgets') || el.offsetParent === null) continue;
        const box = el.getBoundingClientRect();
        if (box.right > width + 1 || box.left < -1)
            out.push(`text sticks out of the window (${Math.round(box.left)}..${Math.round(box.right)} px): `
                     + el.textContent.trim().slice(0, 60));
    }
    return out;
}"""

# Rendered lines of every printed output: one rect top per line box.
PRINTED = """() => Array.from(document.querySelectorAll('article.bd-article .cell_output pre')).filter(
        pre => pre.offsetParent !== null).map(pre => {
    const range = document.createRange();
    range.selectNodeContents(pre);
    const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0)
                              .map(r => Math.round(r.top)));
    return {text: pre.textContent, lines: tops.size, overflowing: pre.scrollWidth > pre.clientWidth + 1,
            scrollable: ['auto', 'scroll'].includes(getComputedStyle(pre).overflowX)};
})"""

# ``shown``: the width of the picture itself, without the padding and border the theme may add.
IMAGES = """() => Array.from(document.querySelectorAll('article.bd-article img')).map(img => {
    const cs = getComputedStyle(img);
    const frame = ['paddingLeft', 'paddingRight', 'borderLeftWidth', 'borderRightWidth']
        .reduce((sum, key) => sum + (parseFloat(cs[key]) || 0), 0);
    return {src: img.currentSrc || img.src, alt: img.getAttribute('alt'), visible: img.offsetParent !== null,
            shown: img.getBoundingClientRect().width - frame, natural: img.naturalWidth};
})"""

SVG_TEXT = """() => {
    const out = [];
    for (const svg of document.querySelectorAll('article.bd-article svg[role="img"]:not([aria-hidden="true"])')) {
        if (svg.closest('.jupyter-widgets') ? svg.getBoundingClientRect().width === 0 : svg.offsetParent === null)
            continue;
        const scale = svg.getScreenCTM() ? svg.getScreenCTM().a : 1;
        for (const t of svg.querySelectorAll('text')) {
            if (!t.textContent.trim()) continue;
            out.push({label: svg.getAttribute('aria-label') || '', text: t.textContent.trim(),
                      px: parseFloat(getComputedStyle(t).fontSize) * scale});
        }
    }
    return out;
}"""

SVG_BACKGROUNDS = """() => Array.from(document.querySelectorAll('article.bd-article svg[role="img"]:not([aria-hidden="true"])')).map(svg => {
    let el = svg, colour = 'rgba(0, 0, 0, 0)';
    while (el && el.nodeType === 1) {
        const c = getComputedStyle(el).backgroundColor;
        if (c && !/rgba\\(.*,\\s*0\\)$/.test(c) && c !== 'transparent') { colour = c; break; }
        el = el.parentElement;
    }
    return {label: svg.getAttribute('aria-label') || svg.outerHTML.slice(0, 60), colour};
})"""


def is_table(text: str) -> bool:
    """A printed output laid out in columns: two or more lines with a two-space gap between words."""
    aligned = [line for line in text.splitlines() if re.search(r"\S {2,}\S", line)]
    return len(aligned) >= 2


def luminance(css_colour: str) -> float:
    """Relative luminance (WCAG) of a CSS ``rgb()``/``rgba()`` colour."""
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css_colour)[:3])

    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def png_facts(data: bytes) -> dict:
    """dpi, font record, matplotlib origin and opacity of PNG bytes."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    info = image.info
    dpi = info.get("dpi", (None,))[0]
    opaque = True
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in info:
        opaque = image.convert("RGBA").getchannel("A").getextrema()[0] == 255
    record = info.get(FONT_CHUNK)
    return {"dpi": float(dpi) if dpi else None, "min_pt": float(record) if record else None,
            "matplotlib": str(info.get("Software", "")).startswith("Matplotlib"), "opaque": opaque}


def image_bytes(src: str) -> bytes | None:
    if src.startswith("data:image/png;base64,"):
        return base64.b64decode(src.split(",", 1)[1])
    if src.startswith("data:"):
        return None
    with urllib.request.urlopen(src) as response:
        return response.read() if response.headers.get_content_type() == "image/png" else None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_page_is_legible(browser, site_url, path, width, mode):
    page = open_view(browser, site_url, path, width=width, mode=mode)
    try:
        problems = list(page.evaluate(OVERFLOW))
        for out in page.evaluate(PRINTED):
            if not is_table(out["text"]):
                continue
            text_lines = len(out["text"].rstrip("\n").splitlines())
            first = out["text"].strip().splitlines()[0][:50]
            if out["lines"] > text_lines:
                problems.append(f"a printed table wraps ({text_lines} lines shown on {out['lines']}): {first}")
            if out["overflowing"] and not out["scrollable"]:
                problems.append(f"a printed table is cut off at the right edge: {first}")
        images = page.evaluate(IMAGES)
        svg_text = page.evaluate(SVG_TEXT) if width == 1280 else []
        backgrounds = page.evaluate(SVG_BACKGROUNDS) if mode == "dark" else []
    finally:
        page.context.close()

    facts = {}
    for image in images:
        src = image["src"]
        if src not in facts:
            data = image_bytes(src)
            facts[src] = png_facts(data) if data else None
        png = facts[src]
        name = image["alt"] or src[-40:]
        if png is None:
            continue
        if not png["opaque"]:
            problems.append(f"a figure has a transparent background (unreadable in dark mode): {name[:80]}")
        if width != 1280 or not image["visible"] or not image["natural"]:
            continue
        if png["min_pt"] is None:
            if png["matplotlib"]:
                problems.append(f"a matplotlib figure has no font-size record (call lstm_edu.figures.use_style() "
                                f"in its notebook): {name[:80]}")
            continue
        if not png["dpi"]:
            problems.append(f"a figure has no resolution (pHYs): {name[:80]}")
            continue
        px = png["min_pt"] * png["dpi"] / 72 * image["shown"] / image["natural"]
        if px < MIN_TEXT_PX - 0.05:
            problems.append(f"the smallest text of a figure is {px:.1f} CSS px ({png['min_pt']:g} pt at "
                            f"{png['dpi']:.0f} dpi, shown at {image['shown']:.0f} of {image['natural']} px): "
                            f"{name[:80]}")
    for item in svg_text:
        if item["px"] < MIN_TEXT_PX - 0.05:
            problems.append(f"SVG text '{item['text']}' is {item['px']:.1f} CSS px in: {item['label'][:60]}")
    for item in backgrounds:
        if luminance(item["colour"]) < 0.5:
            problems.append(f"an SVG figure sits on a dark background ({item['colour']}) in dark mode: "
                            f"{item['label'][:60]}")
    problems = list(dict.fromkeys(problems))
    assert not problems, f"{path} at {width} px, {mode} mode:\n  " + "\n  ".join(problems)

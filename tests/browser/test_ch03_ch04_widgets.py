"""The gate explorers and the sequence stepper in a real browser, without a kernel.

Two kinds of tests:

- stand-alone: the widget HTML that lstm_edu produces is loaded into an empty page;
  the numbers JavaScript computes after a slider move must equal the package's
  numpy step, and the diagram JavaScript repaints must be attribute for attribute
  the one Python renders for the same values;
- in the built book: chapters 3 and 4 hold responding explorers and a stepper, and
  using them raises no console errors.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from lstm_edu.diagrams.gru_cell import gru_drawing
from lstm_edu.diagrams.lstm_cell import lstm_drawing
from lstm_edu.widgets.gate_explorer import LSTM_SPEC, explorer_values, gru_explorer, lstm_explorer, percent, reading
from test_site import open_page

SET_SLIDERS = """([settings]) => {
    const root = document.querySelector('.lstm-edu-explorer');
    for (const [name, value] of Object.entries(settings)) {
        const el = root.querySelector(`input[data-control="${name}"]`);
        if (el) {
            el.value = value;
            el.dispatchEvent(new Event('input'));
        } else {  // a toggle: click its radio button
            root.querySelector(`input[data-toggle="${name}"][value="${value}"]`).click();
        }
    }
    return root.lstmEduValues;
}"""

#: The drawing an explorer shows (an explorer with a toggle holds one hidden drawing per other variant).
SHOWN = ".lee-drawing:not([hidden])"

# Text boxes of every shown cell diagram that overlap each other or leave the view box.  A text's
# box is its line box, taller than its glyphs: 20% of the font size is taken off at the top and the
# bottom, so that a label and the value printed under it do not count as overlapping.
TEXT_CLASHES = """() => {
    const out = [];
    for (const svg of document.querySelectorAll('svg.lstm-edu-cell-diagram')) {
        if (svg.getBoundingClientRect().width === 0) continue;
        const vb = svg.viewBox.baseVal;
        const boxes = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim()).map(t => {
            const b = t.getBBox(), trim = 0.2 * parseFloat(t.getAttribute('font-size'));
            return {text: t.textContent, x0: b.x, x1: b.x + b.width, y0: b.y + trim, y1: b.y + b.height - trim};
        });
        for (const b of boxes)
            if (b.x0 < vb.x || b.x1 > vb.x + vb.width || b.y0 < vb.y || b.y1 > vb.y + vb.height)
                out.push(`clipped: ${b.text}`);
        for (let i = 0; i < boxes.length; i++)
            for (let j = i + 1; j < boxes.length; j++) {
                const a = boxes[i], c = boxes[j];
                if (Math.min(a.x1, c.x1) - Math.max(a.x0, c.x0) > 0.5 && Math.min(a.y1, c.y1) - Math.max(a.y0, c.y0) > 0.5)
                    out.push(`overlap: ${a.text} / ${c.text}`);
            }
    }
    return out;
}"""

LIVE_PARTS = """(root) => {
    const parts = {};
    root.querySelectorAll('[data-text]').forEach((el, k) => parts['text' + k] = el.textContent);
    root.querySelectorAll('[data-fill]').forEach((el, k) => parts['fill' + k] = el.getAttribute('fill'));
    root.querySelectorAll('[data-flow]').forEach((el, k) => parts['flow' + k] = el.getAttribute('stroke-width'));
    return parts;
}"""


@pytest.fixture
def page(page_of):
    return page_of(1100, 900)


def load(page, html: str) -> None:
    page.set_content(f"<!doctype html><html><body>{html}</body></html>")


def python_parts(page, drawing, values) -> dict:
    """The live parts of the diagram as Python renders them, read by the same browser code."""
    page.evaluate("(svg) => { const d = document.createElement('div'); d.id = 'python-render';"
                  " d.innerHTML = svg; document.body.appendChild(d); }", drawing.render({k: v for k, v in values.items() if k in drawing.keys}, uid="py"))
    parts = page.eval_on_selector("#python-render", LIVE_PARTS)
    page.evaluate("() => document.getElementById('python-render').remove()")
    return parts


@pytest.mark.parametrize("kind, settings", [
    ("lstm", {"x": -1.3, "h_prev": 0.85, "c_prev": -2.4, "b_i": 2.5, "b_f": -0.75, "b_g": 1.25, "b_o": -3.5}),
    ("lstm", {"b_f": 6, "b_i": -6}),
    ("gru", {"x": 0.4, "h_prev": -0.65, "b_r": -2.0, "b_z": 1.5, "b_n": 0.25}),
    ("gru", {"x": 0.4, "h_prev": -0.65, "b_r": -2.0, "b_z": 1.5, "b_n": 0.25, "b_hn": 1.75, "reset": "before"}),
    ("gru", {"b_r": -8, "b_z": -8, "reset": "before"}),
    ("gru", {"b_hn": -2.5, "reset": "after"}),
])
def test_browser_numbers_and_diagram_equal_pythons(page, kind, settings):
    load(page, (lstm_explorer() if kind == "lstm" else gru_explorer()).html)
    if settings.get("reset") == "after":  # switch away and back: the first drawing is painted again
        page.evaluate(SET_SLIDERS, [{"reset": "before"}])
    js_values = page.evaluate(SET_SLIDERS, [settings])
    py_values = explorer_values(kind, settings)
    assert set(js_values) == set(py_values)
    for key, value in py_values.items():
        assert js_values[key] == pytest.approx(value, abs=1e-12), key
    variant = settings.get("reset", "after") if kind == "gru" else ""
    drawing = lstm_drawing() if kind == "lstm" else gru_drawing(variant)
    assert page.eval_on_selector_all(".lee-drawing:not([hidden])", "els => els.length") == 1
    assert page.eval_on_selector(SHOWN, LIVE_PARTS) == python_parts(page, drawing, py_values)
    shown = page.eval_on_selector_all(".lee-reading li", "items => items.map(li => li.innerHTML)")
    assert shown == reading(kind, py_values, variant)
    assert page.evaluate(TEXT_CLASHES) == []
    assert page.errors == []


@pytest.mark.parametrize("width", [672, 360])
def test_cell_diagram_labels_neither_overlap_nor_leave_the_picture(page_of, width):
    """Issue 15 (review D): crowded subscripts, labels clipped at the right edge, ~6 px text on a phone."""
    from lstm_edu.diagrams.gru_cell import gru_cell_diagram
    from lstm_edu.diagrams.lstm_cell import lstm_cell_diagram

    page = page_of(width, 900)
    def drawn(kind, **settings):  # the diagram's values, without the quiet-step summary
        return {k: v for k, v in explorer_values(kind, settings).items() if not k.startswith("quiet_")}

    diagrams = [lstm_cell_diagram(drawn("lstm")), gru_cell_diagram(drawn("gru")),
                gru_cell_diagram(drawn("gru", reset="before"), reset="before")]
    load(page, "".join(d._repr_html_() for d in diagrams))
    assert page.evaluate(TEXT_CLASHES) == []
    # at least 9 CSS px (labels) on a phone: the diagram keeps its minimum width and scrolls instead
    smallest = page.evaluate("""() => Math.min(...Array.from(document.querySelectorAll('svg text')).map(t =>
        parseFloat(t.getAttribute('font-size')) * t.ownerSVGElement.getScreenCTM().a))""")
    assert smallest >= 9.0 - 0.05
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1  # the page does not scroll


def test_presets_make_the_gate_readings_visible(page):
    load(page, lstm_explorer().html)
    page.click("button:has-text('hide')")
    hide = page.evaluate("() => document.querySelector('.lstm-edu-explorer').lstmEduValues")
    assert hide["o"] < 0.01 and abs(hide["h"]) < 0.01 and abs(hide["c"]) > 0.5
    assert f"shows {percent(hide['o'])} of tanh" in page.inner_text(".lee-reading li:nth-child(4)")
    page.click("button:has-text('keep')")  # (the reading is per gate; the keep preset reads f and i)
    keep = page.evaluate("() => document.querySelector('.lstm-edu-explorer').lstmEduValues")
    assert keep["f"] > 0.99 and keep["c"] == pytest.approx(keep["c_prev"], abs=0.02)
    assert page.input_value('input[data-control="b_o"]') == str(int(LSTM_SPEC.defaults["b_o"]))  # others reset
    page.click("button:has-text('defaults')")
    assert page.input_value('input[data-control="b_f"]') == str(int(LSTM_SPEC.defaults["b_f"]))
    assert page.errors == []


def test_keyboard_moves_a_slider_and_the_diagram_follows(page):
    load(page, lstm_explorer().html)
    before = page.eval_on_selector(".lee-figure", LIVE_PARTS)
    page.focus('input[data-control="b_f"]')
    for _ in range(8):
        page.keyboard.press("ArrowLeft")
    assert page.eval_on_selector(".lee-figure", LIVE_PARTS) != before
    expected = LSTM_SPEC.defaults["b_f"] - 8 * 0.25
    assert page.inner_text('output[data-control="b_f"]') == f"{expected:.2f}".replace("-", "\u2212")


@pytest.fixture(scope="module")
def stepper_html():
    import torch

    from lstm_edu.widgets.stepper import record, sequence_stepper
    from lstm_edu.tasks import adding_problem

    torch.manual_seed(0)
    x, _ = adding_problem(1, 12, np.random.default_rng(0))
    rec = record(torch.nn.LSTM(2, 4), x)
    widget = sequence_stepper(rec, units=[0, 2], marked=x[:, 0, 1] > 0, input_names=("value", "marker"),
                              interval_ms=50)
    return widget.html, rec


def test_stepper_plays_and_shows_the_recorded_numbers(page, stepper_html):
    html, rec = stepper_html
    load(page, html)
    cursor_x = "() => document.querySelector('.lee-chart-unit .lee-cursor').getAttribute('x')"
    start = page.evaluate(cursor_x)
    page.click("button.lee-play")
    page.wait_for_function("() => +document.querySelector('input.lee-step').value === 11", timeout=5000)
    assert page.evaluate(cursor_x) != start
    assert "Play" in page.inner_text("button.lee-play")  # stopped at the end
    values = page.evaluate("() => document.querySelector('.lstm-edu-stepper').lstmEduValues")
    assert values["c"] == pytest.approx(rec.states["c"][11, 0], abs=1e-4)
    page.select_option("select.lee-unit", "1")  # the second unit offered: unit 2
    values = page.evaluate("() => document.querySelector('.lstm-edu-stepper').lstmEduValues")
    assert values["f"] == pytest.approx(rec.states["f"][11, 2], abs=1e-4)
    visible = page.eval_on_selector_all(".lee-chart-unit", "gs => gs.map(g => g.style.display !== 'none')")
    assert visible == [False, True]
    assert page.errors == []


# ------------------------------------------------------------------ the built book

CHAPTERS = ("notebooks/03_lstm", "notebooks/04_gru")


@pytest.mark.parametrize("path", CHAPTERS)
def test_chapter_widgets_respond_in_the_book(browser, site_url, path):
    visit = open_page(browser, site_url, path)
    page = visit.page
    explorers = page.query_selector_all(".lstm-edu-explorer")
    assert explorers, f"{path}: no gate explorer on the page"
    for root in explorers:
        root.scroll_into_view_if_needed()
        before = root.evaluate(LIVE_PARTS)
        slider = root.query_selector('input[data-control^="b_"]')
        slider.focus()
        for _ in range(6):
            page.keyboard.press("ArrowRight")
        assert root.evaluate(LIVE_PARTS) != before, f"{path}: moving a slider did not repaint the diagram"
    if path.endswith("03_lstm"):
        stepper = page.query_selector(".lstm-edu-stepper")
        assert stepper is not None, f"{path}: no sequence stepper"
        stepper.scroll_into_view_if_needed()
        label = stepper.query_selector(".lee-t").inner_text()
        stepper.query_selector("button.lee-play").click()
        page.wait_for_timeout(1500)
        assert stepper.query_selector(".lee-t").inner_text() != label, f"{path}: Play did not advance"
        stepper.query_selector("button.lee-play").click()
    assert visit.errors == [], f"{path}: errors while using the widgets: {visit.errors}"
    assert not re.search(r"\\[\(\[]", page.inner_text("main")), f"{path}: raw TeX left on the page"
    page.context.close()

"""The frame viewers in a real browser, without a kernel: stand-alone and in chapter 2.

- stand-alone: the viewer HTML of ``lstm_edu.widgets.frames`` loaded into an empty
  page, into a page the way JupyterLab inserts outputs (scripts re-created
  inside the output), the way the classic notebook does (scripts run detached,
  in ``<head>``), and into a sandboxed ``srcdoc`` frame like Colab's.  The
  keyboard moves the sliders, Play advances, the live region announces the
  frame's text alternative, and in a dark colour scheme the card keeps its
  light background and dark text;
- in the built book: chapter 2's gradient-flow viewer responds to both sliders,
  exactly one picture at a time, and the live version is not in the page.
"""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lstm_edu.widgets.frames import figure_to_png, frame_grid, frame_player  # noqa: E402
from test_site import open_page  # noqa: E402

PAGE = "notebooks/02_vanishing_exploding_gradients"
VISIBLE_FRAME = """box => {
    const frames = Array.from(box.querySelectorAll('.lstm-edu-frames > img'));
    const shown = frames.filter(img => img.offsetParent !== null);
    return shown.length === 1 ? shown[0].getAttribute('alt') : null;
}"""
LIVE_TEXT = "box => box.querySelector('.lef-live').textContent"


def _frames(n: int, stem: str = "step"):
    out = []
    for k in range(n):
        fig, ax = plt.subplots(figsize=(2, 1))
        ax.plot([0, k + 1])
        ax.set_title(f"{stem} {k}")
        out.append(figure_to_png(fig, dpi=30))
    return out


@pytest.fixture
def page(page_of):
    return page_of(900, 700)


def _load(page, html: str, how: str):
    """Put the viewer into a page as a front end would; returns the element (or frame) holding it."""
    if how == "page":
        page.set_content(f"<!doctype html><html><body><p>before</p>{html}</body></html>")
        return page
    if how == "jupyterlab":  # innerHTML, then each script replaced by a fresh copy (evalInnerHTMLScriptTags)
        page.set_content("<!doctype html><html><body><div id='out'></div></body></html>")
        page.evaluate("""(html) => {
            const host = document.getElementById('out'); host.innerHTML = html;
            host.querySelectorAll('script').forEach(old => {
                const s = document.createElement('script');
                for (const a of old.attributes) s.setAttribute(a.name, a.value);
                s.textContent = old.textContent; old.parentNode.replaceChild(s, old);
            });
        }""", html)
        return page
    if how == "classic":  # jQuery's html(): markup first, then each script run from a detached copy in <head>
        page.set_content("<!doctype html><html><body><div id='out'></div></body></html>")
        page.evaluate("""(html) => {
            const host = document.getElementById('out'); host.innerHTML = html;
            host.querySelectorAll('script:not([type])').forEach(old => {
                const s = document.createElement('script'); s.text = old.textContent;
                document.head.appendChild(s).parentNode.removeChild(s);
            });
        }""", html)
        return page
    assert how == "colab"  # each output in a sandboxed frame of its own, scripts allowed
    page.set_content("<!doctype html><html><body><iframe id='out' sandbox='allow-scripts' "
                     "style='width:850px;height:600px'></iframe></body></html>")
    page.eval_on_selector("#out", "(f, html) => { f.srcdoc = '<!doctype html><body>' + html + '</body>'; }", html)
    page.wait_for_timeout(300)
    return page.frame_locator("#out")


@pytest.mark.parametrize("how", ["page", "jupyterlab", "classic", "colab"])
def test_player_responds_to_keyboard_and_play_in_every_front_end(page, how):
    frames = _frames(5)
    viewer = frame_player(frames, description="frame", interval_ms=400)
    where = _load(page, viewer.html, how)
    box = where.locator(".lstm-edu-player")
    assert box.evaluate(VISIBLE_FRAME) == frames[0].alt
    slider = box.locator("input[type=range]")
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert box.evaluate(VISIBLE_FRAME) == frames[2].alt
    assert slider.get_attribute("aria-valuetext") == "3 of 5"
    assert box.evaluate(LIVE_TEXT) == f"frame 3 of 5: {frames[2].alt}"
    page.keyboard.press("End")
    assert box.evaluate(VISIBLE_FRAME) == frames[4].alt
    assert box.locator("output").inner_text() == "5 of 5"
    play = box.locator("button.lef-play")
    play.focus()
    page.keyboard.press("Enter")  # at the end, Play starts over from the first frame
    assert box.evaluate(VISIBLE_FRAME) == frames[0].alt and "Pause" in play.inner_text()
    box.locator("button.lef-play:has-text('Play')").wait_for(timeout=6000)  # stops by itself at the end
    assert box.evaluate(VISIBLE_FRAME) == frames[4].alt
    assert box.evaluate(LIVE_TEXT) == f"frame 5 of 5: {frames[4].alt}"
    assert page.errors == []


def test_grid_switches_rows_and_columns_and_announces_both(page):
    frames = [_frames(3, stem=f"row {i} column") for i in range(2)]
    viewer = frame_grid(frames, descriptions=("σ_max", "T"), labels=(["0.5", "2"], ["10", "20", "40"]))
    _load(page, viewer.html, "page")
    box = page.locator(".lstm-edu-grid")
    row, column = box.locator("input[type=range]").all()
    assert row.get_attribute("aria-label") == "σ_max" and column.get_attribute("aria-label") == "T"
    column.focus()
    page.keyboard.press("End")
    assert box.evaluate(VISIBLE_FRAME) == frames[0][2].alt
    row.focus()
    page.keyboard.press("ArrowRight")
    assert box.evaluate(VISIBLE_FRAME) == frames[1][2].alt
    assert box.evaluate(LIVE_TEXT) == f"σ_max 2, T 40: {frames[1][2].alt}"
    assert page.errors == []


def test_focus_is_visible_and_dark_mode_keeps_the_card_readable(browser):
    context = browser.new_context(color_scheme="dark", viewport={"width": 900, "height": 700})
    page = context.new_page()
    try:
        page.set_content("<!doctype html><html><head><meta name='color-scheme' content='dark light'>"
                         "<style>body{background:#121212;color:#eee}</style></head><body>"
                         f"{frame_player(_frames(2), description='frame').html}</body></html>")
        colours = page.eval_on_selector(".lstm-edu-player", """el => {
            const s = getComputedStyle(el), b = getComputedStyle(el.querySelector('button'));
            return [s.color, s.backgroundColor, b.color, b.backgroundColor];
        }""")
        assert colours == ["rgb(34, 34, 34)", "rgb(255, 255, 255)", "rgb(34, 34, 34)", "rgb(244, 244, 244)"]
        page.keyboard.press("Tab")  # the Play button is the first stop
        outline = page.evaluate("() => [document.activeElement.className, "
                                "getComputedStyle(document.activeElement).outlineStyle]")
        assert outline == ["lef-play", "solid"]
    finally:
        context.close()


# ------------------------------------------------------------------ the built book

def test_gradient_flow_viewer_responds_to_both_sliders(browser, site_url):
    visit = open_page(browser, site_url, PAGE)
    page = visit.page
    viewers = page.query_selector_all(".lstm-edu-gradflow")
    assert len(viewers) == 1, f"{PAGE}: expected one gradient-flow viewer, found {len(viewers)}"
    box = viewers[0]
    box.scroll_into_view_if_needed()
    sliders = box.query_selector_all("input[type=range]")
    assert len(sliders) == 2, "the viewer needs a sigma_max slider and a T slider"

    seen = [box.evaluate(VISIBLE_FRAME)]
    assert seen[0] is not None, "the viewer must show exactly one picture"
    for slider in sliders:  # sigma_max, then T: each move must change the picture
        slider.focus()
        page.keyboard.press("End")
        page.wait_for_timeout(100)
        now = box.evaluate(VISIBLE_FRAME)
        assert now is not None and now not in seen, "moving a slider did not switch the picture"
        seen.append(now)
    sliders[0].focus()
    page.keyboard.press("Home")
    page.wait_for_timeout(100)
    assert box.evaluate(VISIBLE_FRAME) not in (None, seen[-1])
    assert sliders[1].get_attribute("aria-valuetext").isdigit(), "the T slider should read a length"
    assert "T = " in box.evaluate(LIVE_TEXT), "the live region should announce the frame shown"
    assert "live_gradient_flow" not in page.content(), "the kernel-only live viewer leaked into the page"
    assert visit.errors == [], f"errors while using the viewer: {visit.errors}"
    page.context.close()

"""Chapter 7's prediction menu, stand-alone and in the built book: choosing a review switches the
prediction, no kernel.

The menu is a native ``<select>`` (lstm_edu.imdb.display.choice_panel); the prediction shown after
a choice is announced by a polite live region.
"""

from __future__ import annotations

from lstm_edu.imdb.display import choice_panel, prediction_html
from test_site import open_page

PAGE = "notebooks/07_capstone_imdb"

SHOWN_PANEL = """(box) => {
    const panels = Array.from(box.querySelectorAll('.lstm-edu-prediction'));
    const shown = panels.filter(panel => panel.offsetParent !== null);
    return shown.length === 1 ? shown[0].textContent : null;
}"""


def test_menu_works_from_the_keyboard_and_announces_the_prediction(browser):
    texts = ["A wonderful film.", "A dull film.", "Not bad at all."]
    viewer = choice_panel(texts, [prediction_html(t, label, p) for t, label, p in
                                  zip(texts, ["positive", "negative", "positive"], [0.9, 0.2, 0.6])],
                          description="review")
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.set_content(f"<!doctype html><html><body>{viewer.html}</body></html>")
        box = page.query_selector(".lstm-edu-choice")
        assert "A wonderful film." in box.evaluate(SHOWN_PANEL)
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.tagName") == "SELECT"
        page.keyboard.press("ArrowDown")  # a focused closed <select> changes its choice with the arrow keys
        page.keyboard.press("ArrowDown")
        assert "Not bad at all." in box.evaluate(SHOWN_PANEL)
        announced = box.evaluate("b => b.querySelector('.lef-live').textContent")
        assert announced.startswith("Not bad at all. prediction: positive (P(positive) = 0.600)")
        card = box.eval_on_selector(".lstm-edu-prediction", "c => getComputedStyle(c).backgroundColor")
        assert card == "rgb(255, 255, 255)"  # dark mode: the card keeps its own light background
        assert errors == []
    finally:
        context.close()


def test_prediction_menu_responds_without_a_kernel(browser, site_url):
    visit = open_page(browser, site_url, PAGE)
    page = visit.page
    try:
        box = page.wait_for_selector(".lstm-edu-choice", timeout=20000)
        first = box.evaluate(SHOWN_PANEL)
        assert first is not None, "the prediction menu must show exactly one prediction"
        select = box.query_selector("select")
        options = select.evaluate("(s) => s.options.length")
        assert options >= 3
        select.select_option(index=options - 1)
        page.wait_for_timeout(300)
        last = box.evaluate(SHOWN_PANEL)
        assert last is not None and last != first, "choosing another review did not switch the prediction"
        assert "prediction:" in last
        assert select.get_attribute("aria-label"), "the menu needs an accessible name"
        announced = box.evaluate("b => b.querySelector('.lef-live').textContent")
        assert "prediction:" in announced, "the live region should announce the prediction shown"
        assert not visit.errors, visit.errors
    finally:
        page.context.close()

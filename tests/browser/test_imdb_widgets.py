"""Chapter 7's prediction menu in the built book: choosing a review switches the prediction, no kernel.

The menu is a native ``<select>`` (lstm_edu.imdb.display.choice_panel); the prediction shown after
a choice is announced by a polite live region.
"""

from __future__ import annotations

from test_site import open_page

PAGE = "notebooks/07_capstone_imdb"

SHOWN_PANEL = """(box) => {
    const panels = Array.from(box.querySelectorAll('.lstm-edu-prediction'));
    const shown = panels.filter(panel => panel.offsetParent !== null);
    return shown.length === 1 ? shown[0].textContent : null;
}"""


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

"""Chapters 5 and 6 in a real browser, without a kernel.

- chapter 5's "what the network believes while it reads" player steps through its
  7 frames (one per four rows) with the slider, from the keyboard; every frame has a
  text alternative and the live region announces the frame;
- the exercise solutions of both chapters are hidden until the reader opens them;
- chapter 6's deliberate error (backward through a freed graph) is shown as an error
  output, not swallowed.
"""

from __future__ import annotations

import pytest

from test_site import open_page

VISIBLE_FRAME = """box => {
    const frames = Array.from(box.querySelectorAll('.lstm-edu-frames > img'));
    const shown = frames.filter(img => img.offsetParent !== null);
    return shown.length === 1 ? shown[0].src : null;
}"""

CHAPTERS = ("notebooks/05_sequence_modes", "notebooks/06_training_in_practice")
SOLUTION_LINES = {
    "notebooks/05_sequence_modes": "return torch.cat([start, targets[:, :-1]], dim=1)",
    "notebooks/06_training_in_practice": "return outputs[rows, lengths - 1]",
}


def test_reading_player_switches_between_its_seven_frames(browser, site_url):
    visit = open_page(browser, site_url, CHAPTERS[0])
    page = visit.page
    players = page.query_selector_all(".lstm-edu-player")
    assert len(players) == 1, f"expected one frame player in chapter 5, found {len(players)}"
    box = players[0]
    box.scroll_into_view_if_needed()
    seen = {box.evaluate(VISIBLE_FRAME)}
    slider = box.query_selector("input[type=range]")
    assert slider.get_attribute("aria-label"), "the slider needs an accessible name"
    slider.focus()
    for _ in range(8):  # two presses past the end: the last frame stays
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(50)
        seen.add(box.evaluate(VISIBLE_FRAME))
    assert None not in seen and len(seen) == 7, f"the slider showed {len(seen)} different frames, expected 7"
    alts = box.eval_on_selector_all(".lstm-edu-frames > img", "imgs => imgs.map(i => i.getAttribute('alt'))")
    assert len(alts) == 7 and all(alts), "every frame needs a text alternative"
    assert box.evaluate("b => b.querySelector('.lef-live').textContent"), "the live region announced nothing"
    assert visit.errors == [], visit.errors
    page.context.close()


FIND_SOLUTION = """(text) => {
    const pre = Array.from(document.querySelectorAll('main pre')).find(p => p.textContent.includes(text));
    if (!pre) return null;
    const details = pre.closest('details');
    return {inDetails: details !== null, open: details !== null && details.open};
}"""


@pytest.mark.parametrize("path", CHAPTERS)
def test_exercise_solutions_are_hidden_until_opened(browser, site_url, path):
    visit = open_page(browser, site_url, path)
    page = visit.page
    solution = SOLUTION_LINES[path]
    state = page.evaluate(FIND_SOLUTION, solution)
    assert state is not None, f"{path}: the solution is missing from the page"
    assert state == {"inDetails": True, "open": False}, f"{path}: the solution is not behind a closed toggle"
    page.evaluate("""(text) => Array.from(document.querySelectorAll('main pre'))
        .find(p => p.textContent.includes(text)).closest('details').querySelector('summary').click()""", solution)
    assert page.evaluate(FIND_SOLUTION, solution)["open"], f"{path}: clicking the toggle did not open it"
    page.context.close()


def test_chapter6_shows_its_teaching_error(browser, site_url):
    visit = open_page(browser, site_url, CHAPTERS[1])
    text = visit.page.inner_text("main")
    visit.page.context.close()
    assert "Trying to backward through the graph a second time" in text

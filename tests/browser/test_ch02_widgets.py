"""Chapter 2's gradient-flow viewer responds in the static HTML book, without a kernel.

The viewer (``lstm_edu.widgets.gradient_flow_viewer.gradient_flow_viewer``) has two sliders,
sigma_max and T, linked in the browser to nested stacks of precomputed heat
strips.  Moving either slider must show a different picture, exactly one at a
time; the live version (which needs a kernel) must not be in the page.
"""

from __future__ import annotations

from test_site import open_page

PAGE = "notebooks/02_vanishing_exploding_gradients"
VISIBLE_FRAME = """box => {
    const frames = box.querySelectorAll('.lstm-edu-frames img');
    const shown = Array.from(frames).filter(img => img.offsetParent !== null);
    return shown.length === 1 ? shown[0].src : null;
}"""


def test_gradient_flow_viewer_responds_to_both_sliders(browser, site_url):
    visit = open_page(browser, site_url, PAGE)
    page = visit.page
    viewers = page.query_selector_all(".lstm-edu-gradflow")
    assert len(viewers) == 1, f"{PAGE}: expected one gradient-flow viewer, found {len(viewers)}"
    box = viewers[0]
    page.wait_for_selector(".lstm-edu-gradflow .noUi-handle", timeout=20000)
    box.scroll_into_view_if_needed()
    handles = box.query_selector_all(".noUi-handle")
    assert len(handles) == 2, "the viewer needs a sigma_max slider and a T slider"

    seen = [box.evaluate(VISIBLE_FRAME)]
    assert seen[0] is not None, "the viewer must show exactly one picture"
    for handle in handles:  # sigma_max, then T: each move must change the picture
        handle.focus()
        page.keyboard.press("End")
        page.wait_for_timeout(300)
        now = box.evaluate(VISIBLE_FRAME)
        assert now is not None and now not in seen, "moving a slider did not switch the picture"
        seen.append(now)
    handles[0].focus()
    page.keyboard.press("Home")
    page.wait_for_timeout(300)
    assert box.evaluate(VISIBLE_FRAME) not in (None, seen[-1])

    readouts = [r.inner_text().strip() for r in box.query_selector_all(".widget-readout")]
    assert readouts and readouts[-1].isdigit(), f"the T slider should show a length, got {readouts}"
    assert "live_gradient_flow" not in page.content(), "the kernel-only live viewer leaked into the page"
    assert visit.errors == [], f"errors while using the viewer: {visit.errors}"
    page.context.close()

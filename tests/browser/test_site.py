"""Drive every page of the built book in headless Chromium.

For each page: no request leaves the site, no console or page errors, every
image loads, math is typeset (no raw TeX left), and notebook chapters link to
their Colab edition (``colab/``).  Widget pages must respond without a kernel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from bookpaths import toc_files

PAGES = toc_files()
NOTEBOOK_PAGES = [p for p in PAGES if p.startswith("notebooks/")]
# sphinx-thebe 0.3.1 under Sphinx 7.4 emits its config script twice; harmless, and
# the only message allowed through.
ALLOWED_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",)
MATHJAX_READY = """() => !window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise
    && window.MathJax.startup.promise.then(() => true))"""


@dataclass
class Visit:
    page: object
    blocked: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def open_page(browser, site_url, path) -> Visit:
    """Load a page, recording blocked off-site requests, failures and console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    visit = Visit(page)

    def route(route):
        url = route.request.url
        if url.startswith((site_url, "data:", "blob:", "about:")):
            route.continue_()
        else:
            visit.blocked.append(url)
            route.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: visit.failed.append(f"{r.url} ({r.failure})")
            if r.url.startswith(site_url) else None)
    page.on("response", lambda r: visit.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
    page.on("pageerror", lambda e: visit.errors.append(str(e))
            if not str(e).startswith(ALLOWED_ERRORS) else None)
    page.on("console", lambda m: visit.errors.append(m.text)
            if m.type == "error" and not m.text.startswith(ALLOWED_ERRORS) else None)
    page.goto(f"{site_url}/{path}.html", wait_until="load")
    page.wait_for_function(MATHJAX_READY, timeout=20000)
    if page.query_selector('script[type="application/vnd.jupyter.widget-view+json"]'):
        # embedded widgets render asynchronously after the page has loaded
        page.wait_for_selector(".jupyter-widgets", timeout=20000)
    page.wait_for_timeout(300)
    return visit


@pytest.fixture(params=PAGES, scope="module")
def visit(request, browser, site_url):
    """One load per page, shared by the per-page checks below."""
    v = open_page(browser, site_url, request.param)
    v.path = request.param
    yield v
    v.page.context.close()


def test_page_is_self_contained_and_clean(visit):
    assert visit.blocked == [], f"{visit.path}: requests left the site: {visit.blocked}"
    assert visit.failed == [], f"{visit.path}: failed requests: {visit.failed}"
    assert visit.errors == [], f"{visit.path}: console/page errors: {visit.errors}"


def test_images_load(visit):
    broken = visit.page.eval_on_selector_all(
        "main img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert broken == [], f"{visit.path}: images that did not load: {broken}"


def test_math_is_rendered(visit):
    text = visit.page.inner_text("main")
    raw = re.findall(r"\\[\(\[]|\$\$", text)
    assert raw == [], f"{visit.path}: raw TeX left in the page: {raw[:5]}"
    if "$" in (visit.page.content().split("<main", 1)[-1]) or visit.page.query_selector(".math"):
        assert visit.page.query_selector_all("mjx-container"), f"{visit.path}: math was not typeset"


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_colab_button_opens_the_colab_edition(browser, site_url, path):
    """The launch button opens the chapter's Colab edition (colab/<path>.ipynb), which must exist."""
    import yaml

    from bookpaths import ROOT

    repository = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]
    org_repo = repository["url"].rstrip("/").removeprefix("https://github.com/")
    expected = (f"https://colab.research.google.com/github/{org_repo}/blob/{repository['branch']}/"
                f"{repository['path_to_book']}/{path}.ipynb")
    v = open_page(browser, site_url, path)
    links = v.page.eval_on_selector_all("a[href*='colab.research.google.com']", "as => as.map(a => a.href)")
    v.page.context.close()
    assert links, f"{path}: no Colab launch link"
    for href in links:
        assert href == expected, f"{path}: Colab link {href}, expected the Colab edition {expected}"
    assert (ROOT / repository["path_to_book"] / f"{path}.ipynb").is_file(), f"{path}: no Colab edition; make colab"


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_hidden_setup_cell_is_not_shown(browser, site_url, path):
    v = open_page(browser, site_url, path)
    html = v.page.content()
    v.page.context.close()
    assert "google.colab" not in html, f"{path}: the Colab set-up cell leaked into the page"


VISIBLE_FRAME = """box => {
    const frames = box.querySelectorAll('.lstm-edu-frames img');
    const shown = Array.from(frames).filter(img => img.offsetParent !== null);
    return shown.length === 1 ? shown[0].src : null;
}"""


def test_frame_player_responds_without_a_kernel(browser, site_url):
    """Moving a slider or pressing Play switches the precomputed frame in the browser."""
    checked = 0
    for path in NOTEBOOK_PAGES:
        v = open_page(browser, site_url, path)
        page = v.page
        players = page.query_selector_all(".lstm-edu-player")
        for box in players:
            box.scroll_into_view_if_needed()
            before = box.evaluate(VISIBLE_FRAME)
            assert before is not None, f"{path}: a frame player does not show exactly one frame"
            box.query_selector("input[type=range]").focus()
            page.keyboard.press("End")
            page.wait_for_timeout(300)
            assert box.evaluate(VISIBLE_FRAME) not in (None, before), \
                f"{path}: moving the slider did not change the frame"
            play = box.query_selector("button.lef-play")
            if play is not None:
                box.query_selector("input[type=range]").focus()
                page.keyboard.press("Home")
                page.wait_for_timeout(300)
                start = box.evaluate(VISIBLE_FRAME)
                play.click()
                page.wait_for_timeout(2000)
                assert box.evaluate(VISIBLE_FRAME) not in (None, start), \
                    f"{path}: pressing Play did not advance the frames"
            checked += 1
        assert v.errors == [], f"{path}: errors while using widgets: {v.errors}"
        v.page.context.close()
    assert checked > 0, "no frame-player widget was found in any chapter"

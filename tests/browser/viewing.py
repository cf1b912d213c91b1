"""Open a page of the built book as a reader would see it: screen width and light or dark mode.

Shared by the accessibility and legibility tests.  Dark mode is the theme's own
(pydata-sphinx-theme reads the reader's choice from ``localStorage["mode"]`` before
the page is drawn), so the page is the one a reader who picked "dark" gets.
"""

from __future__ import annotations

from bookpaths import ROOT

AXE = ROOT / "_vendor" / "axe-core" / "axe.min.js"
MODES = ("light", "dark")
MATHJAX_READY = """() => !window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise
    && window.MathJax.startup.promise.then(() => true))"""


def open_view(browser, site_url: str, path: str, *, width: int = 1280, mode: str = "light", height: int = 900):
    """A Playwright page showing ``path`` (no extension) at ``width`` CSS px in ``mode``.

    Requests that leave the site are aborted.  The caller closes ``page.context``.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=mode)
    context.add_init_script(f"try {{ localStorage.setItem('mode', '{mode}'); }} catch (e) {{}}")
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_()
               if route.request.url.startswith((site_url, "data:", "blob:", "about:")) else route.abort())
    page.goto(f"{site_url}/{path}.html", wait_until="load")
    page.wait_for_function(MATHJAX_READY, timeout=20000)
    if page.query_selector('script[type="application/vnd.jupyter.widget-view+json"]'):
        page.wait_for_selector(".jupyter-widgets", timeout=20000)
    page.wait_for_timeout(300)
    theme = page.evaluate("document.documentElement.dataset.theme")
    if theme != mode:
        page.context.close()
        raise AssertionError(f"{path}: asked for {mode} mode, the theme shows {theme!r}")
    return page

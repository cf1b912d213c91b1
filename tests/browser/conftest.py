"""Fixtures for the browser tests: a local server for _build/html and Debian's Chromium.

The tests never download a browser: they drive the system Chromium through
Playwright.  ``make test`` installs Chromium with apt-get when it is missing and
passes its path in ``LSTM_EDU_CHROMIUM``.  ``LSTM_EDU_HTML`` points them at a book built
elsewhere (default: ``_build/html``).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

from bookpaths import ROOT

HTML = Path(os.environ.get("LSTM_EDU_HTML") or ROOT / "_build" / "html")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent.name == "browser":
            item.add_marker(pytest.mark.browser)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url():
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book in {HTML}: run `make book` (or `make test`) first", pytrace=False)
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _chromium_path() -> str:
    for candidate in (os.environ.get("LSTM_EDU_CHROMIUM"), shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("Chromium not found: install Debian's `chromium` package, set LSTM_EDU_CHROMIUM, "
                "or skip the browser stage with LSTM_EDU_SKIP_BROWSER=1 make test", pytrace=False)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_of(browser):
    """A factory of blank pages of a given viewport; each page collects its script errors in ``page.errors``."""
    contexts = []

    def new_page(width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        return page

    yield new_page
    for context in contexts:
        context.close()

"""axe-core on every page of the built book, in light and dark mode: no serious WCAG 2.1 A/AA failure.

axe-core (Deque's accessibility engine, vendored from npm by
``scripts/vendor-web-assets.sh`` into ``_vendor/axe-core/``; never loaded from
outside the site) runs the rules tagged WCAG 2.0/2.1 level A and AA on each page
after MathJax and the widgets have rendered.  Every violation is printed with its
page, mode, rule, impact and element (``pytest -s`` shows them even when the test
passes); the test fails on any *critical* or *serious* one.  Moderate and minor
findings are printed only.
"""

from __future__ import annotations

import re

import pytest

from bookpaths import toc_files
from viewing import AXE, MODES, open_view

PAGES = toc_files()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("critical", "serious")

RUN_AXE = """async tags => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                            resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                                  summary: (n.failureSummary || '').split('\\n').slice(0, 2).join(' ')}))
    }));
}"""


def axe_violations(page) -> list[dict]:
    """Run axe-core's WCAG 2.1 A/AA rules on ``page``; a list of violations with their nodes."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make vendor` (scripts/vendor-web-assets.sh)", pytrace=False)
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, WCAG_TAGS)


def describe(path: str, mode: str, violations: list[dict]) -> list[str]:
    """One line per failing element: page, mode, rule, impact, element and what is wrong."""
    lines = []
    for v in violations:
        for node in v["nodes"]:
            lines.append(f"{path} [{mode}] {v['id']} ({v['impact']}): {node['target']}\n"
                         f"    {node['html']}\n    {node['summary']}")
    return lines


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(browser, site_url, path, mode):
    page = open_view(browser, site_url, path, mode=mode)
    try:
        violations = axe_violations(page)
    finally:
        page.context.close()
    report = describe(path, mode, violations)
    if report:
        print("\n".join(report))
    serious = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not serious, (f"{path} [{mode}]: {sum(len(v['nodes']) for v in serious)} critical/serious axe "
                         "violations:\n" + "\n".join(describe(path, mode, serious)))


ALTS = """() => Array.from(document.querySelectorAll('article.bd-article img')).map(img => ({
    alt: img.getAttribute('alt'), src: img.getAttribute('src') || '',
    label: img.getAttribute('aria-label'), hidden: img.getAttribute('aria-hidden') === 'true'}))"""
SVG_LABELS = """() => Array.from(document.querySelectorAll('article.bd-article svg[role="img"]:not([aria-hidden="true"])')).map(svg =>
    svg.getAttribute('aria-label') || (svg.querySelector('title') || {}).textContent || '')"""
# Alt texts that name the kind of picture or its file, not what it shows.
GENERIC = re.compile(r"^(figure|fig|image|img|picture|plot|chart|graph|diagram|output|png|frame|untitled)?"
                     r"[\s\d.:_-]*$", re.IGNORECASE)


def alt_problem(alt: str | None, src: str) -> str | None:
    """Why ``alt`` is no text alternative for the image at ``src`` (None when it is one)."""
    if alt is None or not alt.strip():
        return "no alt text"
    text = " ".join(alt.split())
    name = src.rsplit("/", 1)[-1]
    if GENERIC.match(text) or text in (src, name) or re.fullmatch(r"[\w./-]+\.(png|jpe?g|svg|gif)", text):
        return f"generic alt text {text!r}"
    if len(text.split()) < 3:
        return f"alt text too short to say what the figure shows: {text!r}"
    return None


@pytest.mark.parametrize("path", PAGES)
def test_every_figure_has_alt_text(browser, site_url, path):
    """Every image (figures, diagrams, widget frames) says in words what it shows."""
    page = open_view(browser, site_url, path)
    try:
        images = page.evaluate(ALTS)
        svg_labels = page.evaluate(SVG_LABELS)
    finally:
        page.context.close()
    problems = []
    for image in images:
        if image["hidden"]:
            continue  # decorative, hidden from screen readers on purpose
        why = alt_problem(image["alt"], image["src"])
        if why:
            shown = image["src"] if not image["src"].startswith("data:") else image["src"][:40] + "..."
            problems.append(f"{why}: <img src={shown}>")
    for label in svg_labels:
        why = alt_problem(label, "")
        if why:
            problems.append(f"SVG figure: {why}")
    assert not problems, f"{path}: images without a text alternative:\n  " + "\n  ".join(problems)

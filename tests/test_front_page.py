"""The front page quotes recorded results and executed cells; this keeps its figures in step with them."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import nbformat

from lstm_edu import records

ROOT = Path(__file__).resolve().parents[1]
INTRO = ROOT / "book" / "intro.md"
MYTHS = ROOT / "book" / "myths.ipynb"


def test_front_page_mnist_figures_are_those_of_the_record():
    text = INTRO.read_text(encoding="utf-8")
    metrics = records.load("mnist-rows").metrics
    lstm, mlp = metrics["lstm"]["test_accuracy_mean"], metrics["mlp"]["test_accuracy_mean"]
    for label, value in (("LSTM", lstm), ("MLP", mlp)):
        quoted = f"{100 * value:.1f}%"
        assert quoted in text, (f"book/intro.md should quote the {label}'s recorded mean test accuracy "
                                f"{quoted} (records/mnist-rows.json); update the page")
    assert len(metrics["lstm"]["test_accuracy"]) == 2 and "mean of two seeds" in text


def test_front_page_imdb_figures_are_those_of_the_records():
    text = INTRO.read_text(encoding="utf-8")
    lstm, ngram = (records.load(name).metrics["test_accuracy"] for name in ("imdb-cpu", "imdb-ngram"))
    for label, name, value in (("cpu preset", "imdb-cpu", lstm), ("NBSVM", "imdb-ngram", ngram)):
        quoted = f"{100 * value:.1f}%"
        assert quoted in text, (f"book/intro.md should quote the {label}'s recorded test accuracy {quoted} "
                                f"(records/{name}.json); update the page")
    n = records.load("imdb-cpu").metrics["n_test"]
    se = math.sqrt((lstm * (1 - lstm) + ngram * (1 - ngram)) / n)
    assert abs(ngram - lstm) < 2 * se and "level with" in text and "not above it" in text, (
        f"the page says the cpu preset is level with NBSVM (within 2 standard errors) and not above it: "
        f"{lstm:.4f} vs {ngram:.4f}, SE {se:.4f}")
    assert lstm <= ngram, "the page says the cpu preset is not above NBSVM"
    minutes = records.load("imdb-cpu").metrics["train_seconds"] / 60
    assert f"in {minutes:.0f} minutes of training" in text, f"the page should say {minutes:.0f} minutes of training"
    date = records.load("imdb-cpu").provenance["date"][:10]
    assert f"Measured on {date}" in text, f"the page should date the cpu preset's run: {date}"


# The sentence of the front page's "taste of the myths" that quotes M1's demonstration.
M1_SENTENCE = re.compile(r"grows from about (?P<small>[0-9.]+) after (?P<short>\d+) steps to about\s+"
                         r"\$(?P<mantissa>\d+) \\times 10\^\{(?P<exponent>\d+)\}\$ after (?P<long>\d+)")
M1_LINE = re.compile(r"T =\s*(?P<steps>\d+):\s*\|\|dL/dW_hh\|\| = (?P<norm>\S+)")


def _m1_cells() -> tuple[str, str]:
    """The source of the appendix's import cell and of M1's demonstration cell."""
    cells = nbformat.read(MYTHS, as_version=4).cells
    imports = next(c.source for c in cells
                   if c.cell_type == "code" and "from lstm_edu.experiments import myths" in c.source)
    start = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and "(myth-m1)=" in c.source)
    demo = next(c.source for c in cells[start:] if c.cell_type == "code")
    return imports, demo


def _run_m1() -> dict[int, float]:
    """Execute M1's cell as the appendix does (in a fresh interpreter); its gradient norm per length T."""
    imports, demo = _m1_cells()
    script = "import matplotlib\nmatplotlib.use('Agg')\n" + imports + "\n" + demo
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, f"M1's cell failed:\n{done.stderr[-2000:]}"
    norms = {int(m["steps"]): float(m["norm"]) for m in M1_LINE.finditer(done.stdout)}
    assert norms, f"M1's cell no longer prints 'T = ...: ||dL/dW_hh|| = ...' lines:\n{done.stdout}"
    return norms


def test_front_page_m1_figures_are_those_the_myths_appendix_computes():
    match = M1_SENTENCE.search(INTRO.read_text(encoding="utf-8"))
    assert match, ("book/intro.md no longer quotes M1 as 'grows from about A after N steps to about "
                   "$B \\times 10^{E}$ after M': update this test with the page")
    norms = _run_m1()
    short, long = int(match["short"]), int(match["long"])
    assert short in norms and long in norms, (f"the front page quotes T = {short} and T = {long}, but M1 "
                                              f"prints T = {sorted(norms)}")
    assert f"{norms[short]:.2g}" == match["small"], (
        f"M1 prints {norms[short]:.3g} at T = {short}; the front page says about {match['small']}")
    mantissa, exponent = f"{norms[long]:.0e}".split("e")
    assert (int(mantissa), int(exponent)) == (int(match["mantissa"]), int(match["exponent"])), (
        f"M1 prints {norms[long]:.3g} at T = {long}; the front page says about "
        f"{match['mantissa']} x 10^{match['exponent']}")


RUN_TIME = re.compile(r"\b\d+(?:\.\d+)?\s*(?:s|seconds?|min|minutes?|hours?)\b")


def test_every_run_time_on_the_front_page_says_when_and_where_it_was_measured():
    paragraphs = INTRO.read_text(encoding="utf-8").split("\n\n")
    timed = [p for p in paragraphs if RUN_TIME.search(p)]
    assert timed, "the front page should say how long the chapters take"
    for paragraph in timed:
        assert re.search(r"Measured on \d{4}-\d{2}-\d{2}", paragraph) and "core" in paragraph, (
            "a run time on the front page must come with the date and machine of its measurement: "
            + " ".join(paragraph.split())[:200])

"""The frame viewers (lstm_edu.widgets.frames): self-contained HTML, no kernel, no ipywidgets.

The browser side (keyboard, Play, live region, front ends) is tested in
tests/browser/test_ch02_widgets.py; here the HTML itself: controls and their
names, one image per frame with its text alternative, exactly one frame shown,
and bad input.
"""

from __future__ import annotations

import base64
import html
import json
import re
import sys

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lstm_edu.widgets.frames import (  # noqa: E402
    Axis,
    FrameViewer,
    PNGFrame,
    describe_figure,
    figure_to_png,
    frame_grid,
    frame_player,
    plain_text,
)


def _figure(k: int):
    fig, (left, right) = plt.subplots(1, 2, figsize=(2, 1))
    left.plot([0, k])
    left.set(title=f"input up to t = {k}", xlabel="time step")
    right.barh([0, 1], [k, 1])
    right.set(title="hidden state", xlabel="$h_t$", ylabel="unit")
    return fig


@pytest.fixture(scope="module")
def pngs():
    return [figure_to_png(_figure(k), dpi=20) for k in range(3)]


def images(page: str) -> list[str]:
    return re.findall(r"<img [^>]*>", page)


def shown(page: str) -> list[str]:
    return [tag for tag in images(page) if " hidden" not in tag]


def test_figure_to_png_returns_png_with_a_description_and_closes_the_figure():
    fig = _figure(2)
    png = figure_to_png(fig)
    assert isinstance(png, PNGFrame) and png.startswith(b"\x89PNG")
    assert not plt.fignum_exists(fig.number)
    assert png.alt == 'line plot “input up to t = 2” (x: time step); bar chart “hidden state” (x: h_t; y: unit)'
    assert figure_to_png(_figure(1), alt="my words").alt == "my words"


def test_describe_figure_reads_titles_kinds_and_math():
    fig, ax = plt.subplots()
    ax.imshow([[0, 1]])
    ax.set_title(r"$\sigma_{max}(W_{hh})$ = 1")
    fig.suptitle("overview")
    assert describe_figure(fig) == 'overview; image “σ_max(W_hh) = 1”'
    plt.close(fig)
    empty = plt.figure()
    empty.add_subplot().plot([1, 2])
    assert describe_figure(empty) == ""
    plt.close(empty)
    assert plain_text(r"log$_{10}$ $\|\partial h_T/\partial h_t\|$") == "log_10 ‖∂h_T/∂h_t‖"


def test_player_html_holds_every_frame_controls_and_aria(pngs):
    viewer = frame_player(pngs, description="frame", start=1, interval_ms=300)
    page = viewer._repr_html_()
    assert page == viewer.html and 'class="lstm-edu-frameview lstm-edu-player"' in page
    tags = images(page)
    assert len(tags) == 3 and shown(page) == [tags[1]]
    for tag, png in zip(tags, pngs):
        src = re.search(r'src="data:image/png;base64,([^"]+)"', tag).group(1)
        assert base64.b64decode(src) == png
        assert f'alt="{html.escape(png.alt)}"' in tag
    slider = re.search(r'<input type="range"[^>]*>', page).group(0)
    assert 'max="2"' in slider and 'value="1"' in slider
    assert 'aria-label="frame"' in slider and 'aria-valuetext="2 of 3"' in slider
    assert '<button type="button" class="lef-play"><span aria-hidden="true">' in page
    assert 'aria-live="polite"' in page and 'role="group" aria-label="frame"' in page
    assert ":focus-visible" in page and "color: #222; background: #fff" in page
    data = json.loads(re.search(r'class="lef-data">(.*?)</script>', page).group(1))
    assert data["sizes"] == [3] and data["interval"] == 300 and data["labels"] == [["1 of 3", "2 of 3", "3 of 3"]]
    assert viewer.uid in page and "require" not in page  # no require.js, no widget manager


def test_frames_do_not_import_ipywidgets():
    import subprocess

    code = ("import sys, lstm_edu.widgets.frames, lstm_edu.imdb.display, lstm_edu.widgets.gradient_flow_viewer; "
            "print('ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_player_alt_text_from_alts_alt_or_the_figures(pngs):
    page = frame_player(pngs, alts=["first", "second", "third"]).html
    assert [re.search(r'alt="([^"]*)"', t).group(1) for t in images(page)] == ["first", "second", "third"]
    page = frame_player(pngs, description="rows read", alt="A digit read row by row",
                        labels=["4 rows", "8 rows", "12 rows"]).html
    assert 'alt="A digit read row by row (rows read 8 rows)"' in page
    assert 'aria-valuetext="4 rows"' in page
    assert not re.search(r'alt="(figure|frame|image) ?\d*"', page)


def test_player_rejects_bad_input(pngs):
    with pytest.raises(ValueError, match="at least one frame"):
        frame_player([])
    with pytest.raises(TypeError, match="PNG bytes"):
        frame_player([b"not a png"])
    with pytest.raises(ValueError, match="start must be"):
        frame_player(pngs, start=5)
    with pytest.raises(ValueError, match="labels has 2 entries"):
        frame_player(pngs, labels=["a", "b"])
    with pytest.raises(ValueError, match="alts has 1 entries"):
        frame_player(pngs, alts=["only one"])
    with pytest.raises(ValueError, match="non-empty text alternative"):
        frame_player(pngs, alts=["a", " ", "c"])
    with pytest.raises(ValueError, match="empty string"):
        frame_player(pngs, alt="")
    with pytest.raises(ValueError, match="interval_ms"):
        frame_player(pngs, interval_ms=5)
    bare = bytes(pngs[0])  # PNG bytes without a text alternative
    with pytest.raises(ValueError, match="frame 0 has no text alternative"):
        frame_player([bare])
    assert len(images(frame_player([bare], alt="a line").html)) == 1


def test_grid_orders_frames_row_major_and_names_both_sliders(pngs):
    grid = [[pngs[0], pngs[1], pngs[2]], [pngs[2], pngs[1], pngs[0]]]
    viewer = frame_grid(grid, descriptions=("σ_max", "T"), labels=(["0.5", "2"], ["10", "20", "40"]),
                        css_class="lstm-edu-gradflow")
    page = viewer.html
    assert "lstm-edu-grid lstm-edu-gradflow" in page and viewer.shape == (2, 3)
    assert len(images(page)) == 6 and len(shown(page)) == 1
    assert viewer.frame_index(1, 0) == 3 and viewer.frames[3] == pngs[2]
    sliders = re.findall(r'<input type="range"[^>]*>', page)
    assert ['aria-label="σ_max"' in sliders[0], 'aria-label="T"' in sliders[1]] == [True, True]
    assert "<button" not in page  # no Play button on a grid
    alts = [html.unescape(re.search(r'alt="([^"]*)"', t).group(1)) for t in images(page)]
    assert alts[3] == pngs[2].alt
    page = frame_grid(grid, descriptions=("σ_max", "T"), labels=(["0.5", "2"], ["10", "20", "40"]),
                      alt="Gradient norms").html
    assert 'alt="Gradient norms (σ_max 2, T 20)"' in page


def test_grid_rejects_bad_input(pngs):
    with pytest.raises(ValueError, match="non-empty"):
        frame_grid([])
    with pytest.raises(ValueError, match="same number"):
        frame_grid([pngs, pngs[:2]])
    with pytest.raises(ValueError, match="labels\\[0\\] has 1 entries"):
        frame_grid([pngs, pngs], labels=(["a"], ["x", "y", "z"]))
    with pytest.raises(ValueError, match="labels\\[1\\]"):
        frame_grid([pngs], labels=(["a"], ["x"]))
    with pytest.raises(ValueError, match="shape"):
        frame_grid([pngs], alts=[["a", "b"]])


def test_viewer_checks_frames_axes_and_start(pngs):
    with pytest.raises(ValueError, match="expected 2"):
        FrameViewer(pngs, [Axis("a", ("x", "y"))], alts=["1", "2", "3"])
    with pytest.raises(TypeError, match="all be PNG bytes"):
        FrameViewer([pngs[0], "<p>html</p>"], [Axis("a", ("x", "y"))], alts=["1", "2"])
    with pytest.raises(ValueError, match="one text alternative per frame"):
        FrameViewer(pngs, [Axis("a", ("x", "y", "z"))])
    with pytest.raises(ValueError, match="alts are for image frames"):
        FrameViewer(["<p>a</p>"], [Axis("a", ("x",))], alts=["a"])
    with pytest.raises(ValueError, match="start"):
        FrameViewer(["<p>a</p>"], [Axis("a", ("x",))], start=[1])
    with pytest.raises(ValueError, match="exactly one axis"):
        FrameViewer(["<p>a</p>"] * 4, [Axis("a", ("x", "y")), Axis("b", ("x", "y"))], play=True)
    with pytest.raises(ValueError, match="'range' or 'select'"):
        FrameViewer(["<p>a</p>"], [Axis("a", ("x",), control="knob")])
    with pytest.raises(ValueError, match="at least one control"):
        FrameViewer(["<p>a</p>"], [])
    two = FrameViewer(["<p>a</p>", "<p>b</p>"], [Axis("a", ("x", "y"))])
    assert two.uid != FrameViewer(["<p>a</p>", "<p>b</p>"], [Axis("a", ("x", "y"))]).uid


# ---------------------------------------------------------------- live (kernel) widgets: lstm_edu.widgets.live

def test_require_ipywidgets_says_what_to_do_when_missing_or_old(monkeypatch):
    import types

    from lstm_edu.widgets.live import WidgetsUnavailable, require_ipywidgets, version_tuple

    assert version_tuple("7.7.1") == (7, 7) and version_tuple("8.1.0rc1") == (8, 1) and version_tuple("?") == (0, 0)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # `import ipywidgets` raises ImportError
    with pytest.raises(WidgetsUnavailable, match="not installed. Run %pip install") as missing:
        require_ipywidgets("the live explorer")
    assert missing.value._render_traceback_() == [f"WidgetsUnavailable: {missing.value}"]  # IPython: no traceback
    monkeypatch.setitem(sys.modules, "ipywidgets", types.SimpleNamespace(__version__="7.6.5"))
    with pytest.raises(WidgetsUnavailable, match="7.7 or later, this kernel has 7.6.5"):
        require_ipywidgets()
    for version in ("7.7.1", "8.1.9"):
        module = types.SimpleNamespace(__version__=version)
        monkeypatch.setitem(sys.modules, "ipywidgets", module)
        assert require_ipywidgets() is module


def test_live_widget_displays_with_a_plain_text_fallback():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    from lstm_edu.widgets.gate_explorer import lstm_explorer
    from lstm_edu.widgets.gradient_flow_viewer import live_gradient_flow

    InteractiveShell.instance()
    calls = []
    live = lstm_explorer(live=True)
    flow = live_gradient_flow(lambda s, T: calls.append((s, T)) or [0.0] * (T + 1),
                              singular_value=(0.5, 1.5, 0.5), lengths=(2, 4, 2))
    flow.clear_output = False  # outside a kernel, clear_output would also clear what this test captures
    with capture_output() as captured:
        display(live)
        display(flow)
    assert calls, "the first picture must be drawn by the time the widget is shown (ipywidgets 7: on display)"
    views = [out.data["application/vnd.jupyter.widget-view+json"] for out in captured.outputs]
    assert [view["model_id"] for view in views] == [live.box.model_id, flow.model_id]
    assert all(view["version_major"] == 2 for view in views)
    texts = [out.data["text/plain"] for out in captured.outputs]
    assert texts[0].startswith("[LSTM gate explorer (live") and "cannot show widgets" in texts[1]

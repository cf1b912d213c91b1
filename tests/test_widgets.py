"""The browser-side frame widgets."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lstm_edu.widgets.frames import figure_to_png, frame_grid, frame_player  # noqa: E402


@pytest.fixture(scope="module")
def pngs():
    out = []
    for k in range(3):
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, k])
        out.append(figure_to_png(fig, dpi=20))
    return out


def test_figure_to_png_returns_png_and_closes_the_figure():
    fig = plt.figure()
    png = figure_to_png(fig)
    assert png.startswith(b"\x89PNG")
    assert not plt.fignum_exists(fig.number)


def test_frame_player_links_controls_to_the_stack(pngs):
    box = frame_player(pngs, description="t", start=1)
    play, slider = box.children[0].children
    stack = box.children[1]
    assert isinstance(play, widgets.Play) and isinstance(stack, widgets.Stack)
    assert slider.max == len(pngs) - 1 and stack.selected_index == 1
    links = {(l.source[0].model_id, l.target[0].model_id) for l in box.links}
    assert (slider.model_id, stack.model_id) in links
    assert (play.model_id, slider.model_id) in links


def test_frame_player_rejects_bad_frames(pngs):
    with pytest.raises(ValueError, match="at least one frame"):
        frame_player([])
    with pytest.raises(TypeError, match="PNG bytes"):
        frame_player([b"not a png"])
    with pytest.raises(ValueError, match="start must be"):
        frame_player(pngs, start=5)


def test_frame_grid_switches_rows_and_columns(pngs):
    box = frame_grid([pngs, pngs], labels=(["a", "b"], ["x", "y", "z"]))
    outer = box.children[1]
    assert len(outer.children) == 2 and all(len(s.children) == 3 for s in outer.children)
    row, column = box.controls
    linked = {(l.source[0].model_id, l.target[0].model_id) for l in box.links}
    assert (row.model_id, outer.model_id) in linked
    assert all((column.model_id, s.model_id) in linked for s in outer.children)
    with pytest.raises(ValueError, match="same number"):
        frame_grid([pngs, pngs[:2]])
    with pytest.raises(ValueError, match="labels"):
        frame_grid([pngs], labels=(["a"], ["x"]))

"""The unrolled-RNN diagram and the matplotlib primitives it is drawn with."""

from __future__ import annotations

import matplotlib
import matplotlib.colors

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lstm_edu import figures  # noqa: E402
from lstm_edu.diagrams.primitives import Shape, arrow, box, circle, new_diagram, note, self_loop  # noqa: E402
from lstm_edu.diagrams.unrolled import draw_unrolled_rnn, unrolled_rnn_figure  # noqa: E402
from lstm_edu.widgets.frames import figure_to_png  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ primitives


def test_new_diagram_uses_diagram_units():
    fig, ax = new_diagram(6, 3, scale=0.5)
    assert ax.get_xlim() == (0, 6) and ax.get_ylim() == (0, 3)
    assert tuple(fig.get_size_inches()) == (3.0, 1.5)
    assert not ax.axison


def test_shapes_know_their_anchor_points():
    _, ax = new_diagram(6, 3)
    b = box(ax, (3, 1.5), 2, 1, "cell")
    assert (b.left, b.right, b.top, b.bottom) == ((2, 1.5), (4, 1.5), (3, 2.0), (3, 1.0))
    assert b.text.get_text() == "cell" and b.patch in ax.patches
    c = circle(ax, (1, 1), 0.5, "$x$", role="input")
    assert isinstance(c, Shape) and c.top == (1, 1.5) and c.width == 1.0


def test_arrows_loops_and_notes():
    _, ax = new_diagram(6, 3)
    b = box(ax, (3, 1.5), 1, 1)
    patch, text = arrow(ax, (0, 0), b.left, role="gradient", label="$g$", linestyle="--")
    assert patch in ax.patches and text.get_text() == "$g$"
    assert arrow(ax, (0, 0), (1, 1))[1] is None
    loop, loop_text = self_loop(ax, b, label="$W$")
    assert loop in ax.patches and loop_text.get_text() == "$W$"
    assert note(ax, (1, 2), "hello").get_text() == "hello"


@pytest.mark.parametrize("call, error", [
    (lambda ax: box(ax, (0, 0), -1, 1), ValueError),
    (lambda ax: box(ax, (0, 0), 1, 1, role="gate"), ValueError),
    (lambda ax: circle(ax, "here", 1), TypeError),
    (lambda ax: circle(ax, (float("nan"), 0), 1), ValueError),
    (lambda ax: arrow(ax, (1, 1), (1, 1)), ValueError),
    (lambda ax: self_loop(ax, (1, 1)), TypeError),
])
def test_primitives_reject_bad_input(call, error):
    _, ax = new_diagram(2, 2)
    with pytest.raises(error):
        call(ax)


def test_new_diagram_rejects_a_zero_size():
    with pytest.raises(ValueError):
        new_diagram(0, 3)


# --------------------------------------------------------------------- unrolled


@pytest.mark.parametrize("steps", [1, 3, 6])
def test_unrolled_network_has_one_cell_per_step_with_the_same_weights(steps):
    fig = unrolled_rnn_figure(steps, rolled=False)
    drawing = fig.drawing
    assert len(drawing.cells) == len(drawing.inputs) == len(drawing.outputs) == steps
    labels = drawing.label_texts()
    # weight sharing: every step carries the same three weight names
    assert labels.count("$W_{ih}$") == labels.count("$W_{hh}$") == labels.count("$W_{hy}$") == steps
    assert set(labels) == {"$W_{ih}$", "$W_{hh}$", "$W_{hy}$"}
    assert drawing.losses == [] and drawing.gradient_arrows == []


def test_long_chains_are_abbreviated_with_a_last_step_T():
    drawing = unrolled_rnn_figure(5, rolled=False).drawing
    names = [cell.text.get_text() for cell in drawing.cells]
    assert names == ["$h_{1}$", "$h_{2}$", "$h_{3}$", "$h_{4}$", "$h_{T}$"]
    _, ax = new_diagram(20, 5)
    plain = draw_unrolled_rnn(ax, 5, last_label=None)
    assert plain.cells[-1].text.get_text() == "$h_{5}$"


def test_backward_version_adds_losses_and_gradient_arrows():
    drawing = unrolled_rnn_figure(4, backward=True).drawing
    assert len(drawing.losses) == 4
    # one arrow from each loss down to its cell, one along the chain per step
    assert len(drawing.gradient_arrows) == 8
    assert all(a.get_linestyle() == "--" for a in drawing.gradient_arrows)


def test_figure_fits_what_was_drawn_and_renders():
    fig = unrolled_rnn_figure(4)
    ax = fig.axes[0]
    assert ax.get_xlim()[1] >= fig.drawing.right
    for shape in fig.drawing.cells + fig.drawing.outputs:
        assert 0 <= shape.center[0] <= ax.get_xlim()[1]
        assert 0 <= shape.top[1] <= ax.get_ylim()[1]
    assert figure_to_png(fig, dpi=40).startswith(b"\x89PNG")


@pytest.mark.parametrize("steps, error", [(0, ValueError), (13, ValueError), (2.0, TypeError), (True, TypeError)])
def test_bad_step_counts(steps, error):
    with pytest.raises(error):
        unrolled_rnn_figure(steps)


# ------------------------------------------------------------------ labels (issue 15, review D)


def _text_boxes(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in fig.axes[0].texts if t.get_text().strip()]


@pytest.mark.parametrize("backward", [False, True])
def test_no_two_labels_overlap_and_none_is_clipped(backward):
    fig = unrolled_rnn_figure(4, backward=backward)
    boxes = _text_boxes(fig)
    width, height = fig.bbox.width, fig.bbox.height
    for text, box in boxes:
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, f"{text} is clipped"
    for k, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[k + 1:]:
            assert not box_a.overlaps(box_b), f"labels {a!r} and {b!r} overlap"


def test_the_rolled_loop_label_does_not_read_as_part_of_the_equals_line():
    """The review read "W_hh = h_0 → ...": the loop's label sat on the row of "=" and h_0."""
    fig = unrolled_rnn_figure(4)
    boxes = dict(_text_boxes(fig))
    equals, h0 = boxes["$=$"], boxes["$h_0$"]
    loop_label = next(box for text, box in _text_boxes(fig) if text == "$W_{hh}$" and box.x1 < equals.x0)
    # entirely below the row on which "=" and h_0 sit
    assert loop_label.y1 < min(equals.y0, h0.y0)


def test_read_outs_are_predictions_and_losses_take_the_targets():
    """Chapter 1 writes the read-out as the prediction ŷ_t and keeps y_t for the target."""
    drawing = unrolled_rnn_figure(4, backward=True).drawing
    assert [o.text.get_text() for o in drawing.outputs] == ["$\\hat{y}_{1}$", "$\\hat{y}_{2}$", "$\\hat{y}_{3}$",
                                                          "$\\hat{y}_{T}$"]
    assert drawing.targets == ["1", "2", "3", "T"]
    texts = [t.get_text() for t in unrolled_rnn_figure(4, backward=True).axes[0].texts]
    assert "$y_{T}$" in texts and "$y_{t}$" in texts  # the rolled cell's loss has its target too
    assert unrolled_rnn_figure(4).drawing.targets == []


# ------------------------------------------------------------------ the unrolled LSTM


def test_unrolled_lstm_marks_the_cell_path_and_its_forget_gates():
    from lstm_edu.diagrams.unrolled_lstm import CELL_PATH, unrolled_lstm_figure

    fig = unrolled_lstm_figure(3)
    drawing = fig.drawing
    assert len(drawing.gate_boxes) == len(drawing.products) == len(drawing.sums) == len(drawing.inputs) == 3
    # the cell line: into each x node, on to its + node, into the "..." and out of it, out to c_T
    assert len(drawing.cell_segments) == 2 * 3 + 2 + 0
    assert all(matplotlib.colors.same_color(s.get_edgecolor(), CELL_PATH) for s in drawing.cell_segments)
    labels = drawing.label_texts()
    assert [t for t in labels if t.startswith("$f_")] == ["$f_{1}$", "$f_{2}$", "$f_{T}$"]
    assert "$h_{T-1}$" in labels and "$h_{T}$" in labels
    assert drawing.gradient.get_linestyle() == "--"
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("f_1 f_2 \\cdots f_{T}" in t for t in texts)
    assert "product of the forget gates" in figures.alt_of(fig)
    short = unrolled_lstm_figure(2).drawing  # no gap: steps 1 and 2
    assert [t for t in short.label_texts() if t.startswith("$f_")] == ["$f_{1}$", "$f_{2}$"]


@pytest.mark.parametrize("steps", [2, 3, 5])
def test_unrolled_lstm_labels_neither_overlap_nor_leave_the_figure(steps):
    from lstm_edu.diagrams.unrolled_lstm import unrolled_lstm_figure

    fig = unrolled_lstm_figure(steps)
    boxes = _text_boxes(fig)
    for text, box in boxes:
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height, text
    for k, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[k + 1:]:
            assert not box_a.overlaps(box_b), f"labels {a!r} and {b!r} overlap"
    assert figures.smallest_font_pt(fig) >= figures.MIN_FONT_PT


@pytest.mark.parametrize("steps, error", [(1, ValueError), (9, ValueError), (3.0, TypeError), (True, TypeError)])
def test_unrolled_lstm_rejects_bad_step_counts(steps, error):
    from lstm_edu.diagrams.unrolled_lstm import unrolled_lstm_figure

    with pytest.raises(error):
        unrolled_lstm_figure(steps)

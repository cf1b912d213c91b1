"""Tests of lstm_edu.diagrams.modes: every mode draws the right inputs, states and outputs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lstm_edu.diagrams.modes import MODES, draw_mode, mode_figure, mode_width, modes_figure  # noqa: E402
from lstm_edu.diagrams.primitives import new_diagram  # noqa: E402

#: mode -> (inputs, hidden states, outputs, recurrent arrows, feedback arrows)
EXPECTED = {
    "one-to-one": (1, 1, 1, 0, 0),
    "one-to-many": (1, 4, 4, 3, 0),
    "many-to-one": (4, 4, 1, 3, 0),
    "many-to-many-synced": (4, 4, 4, 3, 0),
    "many-to-many-delayed": (3, 6, 3, 5, 2),
}


@pytest.mark.parametrize("mode", list(MODES))
def test_each_mode_draws_its_shapes(mode):
    fig, ax = new_diagram(mode_width(mode), 4)
    drawing = draw_mode(ax, mode)
    counts = (len(drawing.inputs), len(drawing.hidden), len(drawing.outputs), len(drawing.recurrent_arrows),
              len(drawing.feedback_arrows))
    assert counts == EXPECTED[mode]
    texts = [text.get_text() for text in ax.texts]
    assert MODES[mode][0] in texts
    plt.close(fig)


def test_inputs_sit_below_and_outputs_above_the_states():
    fig, ax = new_diagram(mode_width("many-to-one"), 4)
    drawing = draw_mode(ax, "many-to-one")
    assert drawing.inputs[0].center[1] < drawing.hidden[0].center[1] < drawing.outputs[0].center[1]
    assert drawing.outputs[0].center[0] == drawing.hidden[-1].center[0]  # the single output is at the last step
    plt.close(fig)


def test_delayed_mode_writes_only_after_reading():
    fig, ax = new_diagram(mode_width("many-to-many-delayed"), 4)
    drawing = draw_mode(ax, "many-to-many-delayed")
    last_input = max(shape.center[0] for shape in drawing.inputs)
    first_output = min(shape.center[0] for shape in drawing.outputs)
    assert first_output > last_input
    assert {"encoder", "decoder"} <= {text.get_text() for text in ax.texts}
    plt.close(fig)


def test_modes_figure_places_panels_side_by_side():
    fig = modes_figure()
    drawings = fig.mode_drawings
    assert [d.mode for d in drawings] == list(MODES)
    centres = [d.hidden[0].center[0] for d in drawings]
    assert centres == sorted(centres)
    plt.close(fig)
    single = mode_figure("one-to-many")
    assert len(single.axes) == 1
    plt.close(single)


def test_modes_figure_on_two_rows():
    fig = modes_figure(rows=2)
    assert len(fig.axes) == 2
    assert [len(ax.patches) > 0 for ax in fig.axes] == [True, True]
    first_row = {d.mode for d in fig.mode_drawings[:3]}
    assert first_row == {"one-to-one", "one-to-many", "many-to-one"}
    plt.close(fig)
    with pytest.raises(ValueError, match="rows"):
        modes_figure(rows=0)
    with pytest.raises(ValueError, match="rows"):
        modes_figure(rows=6)


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="mode must be one of"):
        mode_figure("two-to-one")
    with pytest.raises(ValueError, match="at least one"):
        modes_figure(())

"""The sequence stepper: recordings agree with torch; unit selection; the HTML widget."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from lstm_edu.scratch import LSTM as NumpyLSTM
from lstm_edu.widgets.stepper import ROWS, Recording, record, select_units, sequence_stepper, strip_chart_svg


@pytest.fixture(scope="module")
def sequence():
    return np.random.default_rng(0).normal(size=(9, 2))


@pytest.fixture(scope="module")
def lstm():
    torch.manual_seed(0)
    return torch.nn.LSTM(2, 5, dtype=torch.float64)


def test_lstm_recording_agrees_with_torch(lstm, sequence):
    rec = record(lstm, sequence)
    outputs, (h_n, c_n) = lstm(torch.from_numpy(sequence)[:, None])
    assert rec.kind == "lstm" and rec.steps == 9 and rec.hidden_size == 5
    np.testing.assert_allclose(rec.states["h"], outputs[:, 0].detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(rec.states["c"][-1], c_n[0, 0].detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(rec.states["c"], rec.states["f"] * rec.states["c_prev"] + rec.states["i"] * rec.states["g"])
    np.testing.assert_allclose(rec.states["h_prev"][1:], rec.states["h"][:-1])
    assert np.all(rec.states["h_prev"][0] == 0)


def test_gru_recording_agrees_with_torch(sequence):
    torch.manual_seed(1)
    gru = torch.nn.GRU(2, 3, dtype=torch.float64)
    rec = record(gru, sequence[:, None, :])  # (T, 1, D) works too
    outputs, _ = gru(torch.from_numpy(sequence)[:, None])
    np.testing.assert_allclose(rec.states["h"], outputs[:, 0].detach().numpy(), atol=1e-12)
    z, n, h_prev = rec.states["z"], rec.states["n"], rec.states["h_prev"]
    np.testing.assert_allclose(rec.states["h"], (1 - z) * n + z * h_prev)


def test_record_accepts_numpy_layers_and_parameter_dicts(lstm, sequence):
    layer = NumpyLSTM(2, 4, seed=3)
    rec = record(layer, sequence)
    outputs, _ = layer.forward(sequence[:, None])
    np.testing.assert_allclose(rec.states["h"], outputs[:, 0], atol=1e-12)
    from_dict = record(dict(layer.params), sequence, kind="lstm")
    np.testing.assert_allclose(from_dict.states["h"], rec.states["h"])
    with pytest.raises(ValueError, match="kind"):
        record(dict(layer.params), sequence)
    with pytest.raises(ValueError, match="does not fit"):
        record(dict(layer.params), sequence, kind="gru")
    with pytest.raises(ValueError, match="kind='gru' but"):
        record(lstm, sequence, kind="gru")


def test_record_rejects_bad_inputs(lstm):
    with pytest.raises(ValueError, match="one sequence at a time"):
        record(lstm, np.zeros((4, 2, 2)))
    with pytest.raises(ValueError, match="features"):
        record(lstm, np.zeros((4, 3)))
    with pytest.raises(TypeError, match="LSTM and GRU"):
        record(torch.nn.RNN(2, 3), np.zeros((4, 2)))


def test_values_at_a_step_match_the_recording(lstm, sequence):
    rec = record(lstm, sequence)
    v = rec.values(4, 2)
    for key in ("i", "f", "g", "o", "c", "h"):
        assert v[key] == pytest.approx(rec.states[key][4, 2])
    assert v["c_prev"] == pytest.approx(rec.states["c"][3, 2])
    with pytest.raises(ValueError, match="t must be"):
        rec.values(9, 0)


def synthetic_recording(T=6, H=3):
    marked = np.zeros(T, bool)
    marked[[1, 4]] = True
    i = np.full((T, H), 0.1)
    i[marked, 2] = 0.9  # unit 2 writes at the marked steps
    i[marked, 0] = 0.5  # unit 0 a little
    g = np.full((T, H), 0.5)
    c = np.cumsum(i * g, axis=0) * np.array([1.0, 0.1, 3.0])
    states = {"i": i, "g": g, "c": c, "h": np.tanh(c), "f": np.ones((T, H)), "o": np.ones((T, H))}
    return Recording("lstm", np.zeros((T, 2)), {}, states), marked


def test_select_units_ranks_writers_at_marked_steps_first():
    rec, marked = synthetic_recording()
    assert select_units(rec, k=2, marked=marked) == [2, 0]
    assert select_units(rec, k=10) == [2, 0, 1]  # by the spread of the cell
    with pytest.raises(ValueError, match="some steps"):
        select_units(rec, marked=np.ones(6, bool))
    with pytest.raises(ValueError, match="shape"):
        select_units(rec, marked=np.ones(5, bool))
    with pytest.raises(ValueError, match="positive"):
        select_units(rec, k=0)


def test_strip_chart_draws_a_cell_per_step_and_gate_row(lstm, sequence):
    rec = record(lstm, sequence)
    marked = np.zeros(9, bool)
    marked[3] = True
    svg = strip_chart_svg(rec, 1, input_names=("a", "b"), marked=marked)
    tiles = len(re.findall(r'<rect x="\d+" width="\d+" height="16" fill="#[0-9a-f]{6}"/>', svg))
    heat_rows = 2 + sum(how != "line" for _, _, how in ROWS["lstm"])
    assert tiles == 9 * heat_rows
    assert svg.count('class="lee-cursor"') == 1 and svg.count('fill="#ffe9a8"') == 1
    with pytest.raises(ValueError, match="unit"):
        strip_chart_svg(rec, 5, input_names=("a", "b"))


def test_stepper_widget_embeds_every_step_of_every_unit(lstm, sequence):
    rec = record(lstm, sequence)
    marked = np.zeros(9, bool)
    marked[[2, 6]] = True
    widget = sequence_stepper(rec, units=[3, 1], input_names=("value", "marker"), marked=marked, start=2)
    page = widget._repr_html_()
    data = json.loads(re.search(r'class="lee-data">(.*?)</script>', page).group(1))
    assert data["steps"] == 9 and data["marked"][2] is True and len(data["values"]) == 2
    assert data["values"][0]["f"][5] == pytest.approx(rec.states["f"][5, 3], abs=1e-4)
    assert page.count("<option value=") == 2 and page.count("class=\"lee-chart-unit\"") == 2
    assert 'value="2"' in page  # the slider starts at step 2
    assert widget.uid in page and "lstmEduPaint" in page
    # keyboard and screen reader: named controls, the step in words, a polite live region, a focus ring
    assert 'aria-label="time step" aria-valuetext="t = 2 of 8"' in page
    assert '<span class="lee-t" aria-live="polite">t = 2 of 8</span>' in page
    assert '<label>watch <select class="lee-unit">' in page
    assert '<button type="button" class="lee-play"><span aria-hidden="true">' in page
    assert ":focus-visible" in page and "color-scheme: light" in page


def test_stepper_checks_its_options(lstm, sequence):
    rec = record(lstm, sequence)
    assert len(sequence_stepper(rec).units) == 4
    with pytest.raises(ValueError, match="units"):
        sequence_stepper(rec, units=[7])
    with pytest.raises(ValueError, match="input_names"):
        sequence_stepper(rec, input_names=("only one",))
    with pytest.raises(ValueError, match="start"):
        sequence_stepper(rec, start=9)
    with pytest.raises(ValueError, match="interval_ms"):
        sequence_stepper(rec, interval_ms=5)
    with pytest.raises(ValueError, match="marked"):
        sequence_stepper(rec, marked=np.ones(3, bool))

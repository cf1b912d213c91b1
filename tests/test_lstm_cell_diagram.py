"""The LSTM and GRU cell diagrams: drawing machinery, values computed by the package, agreement with torch."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from lstm_edu.diagrams._cell_svg import (
    GATE_CLOSED,
    GATE_OPEN,
    SIGNED_NEGATIVE,
    SIGNED_POSITIVE,
    fill_colour,
    flow_width,
    format_number,
    label_markup,
    round_half_up,
    script_json,
)
from lstm_edu.diagrams.gru_cell import GRU_KEYS, GRU_KEYS_BEFORE, gru_cell_diagram, gru_cell_values, gru_drawing
from lstm_edu.diagrams.lstm_cell import LSTM_KEYS, format_vector, lstm_cell_diagram, lstm_cell_values, lstm_drawing


def rgb(triple):
    return "rgb({}, {}, {})".format(*triple)


# ------------------------------------------------------------------ formats


@pytest.mark.parametrize("value, text", [
    (0.5, "0.50"), (-0.5, "\u22120.50"), (1.0049, "1.00"), (0.125, "0.13"), (-0.125, "\u22120.12"),
    (-0.001, "0.00"), (0.0, "0.00"), (12, "12.00"), (np.float32(0.25), "0.25"), ("(1, 2)", "(1, 2)"),
])
def test_format_number_rounds_half_up_with_a_true_minus(value, text):
    assert format_number(value) == text


def test_format_number_handles_non_finite_and_rejects_other_types():
    assert format_number(float("nan")) == "nan"
    assert format_number(float("inf")) == "\u221e"
    with pytest.raises(TypeError, match="numbers or strings"):
        format_number(None)
    with pytest.raises(TypeError):
        format_number(True)


def test_round_half_up_matches_javascript_math_round():
    # Math.round(-12.5) is -12 and Math.round(12.5) is 13
    assert round_half_up(-0.125, 2) == -0.12
    assert round_half_up(0.125, 2) == 0.13
    assert round_half_up(3.25, 1) == 3.3


def test_fill_colour_scales():
    assert fill_colour(0.0, "gate") == rgb(GATE_CLOSED)
    assert fill_colour(1.0, "gate") == rgb(GATE_OPEN)
    assert fill_colour(7.0, "gate") == rgb(GATE_OPEN)  # clipped
    assert fill_colour(-1.0, "signed") == rgb(SIGNED_NEGATIVE)
    assert fill_colour(3.0, "signed") == rgb(SIGNED_POSITIVE)
    assert fill_colour(0.5, "gate") != fill_colour(0.6, "gate")
    with pytest.raises(ValueError, match="scale"):
        fill_colour(0.5, "rainbow")


def test_flow_width_grows_with_magnitude_and_saturates():
    assert flow_width(0.0) == "1.0"
    assert flow_width(-1.0) == flow_width(1.0) == flow_width(30.0) == "5.0"
    assert float(flow_width(0.2)) < float(flow_width(0.6))
    assert flow_width("text") == "1.0"


def test_label_markup_makes_subscripts_and_minus_signs():
    assert label_markup("c_{t-1}") == 'c<tspan baseline-shift="sub" font-size="80%">t\u22121</tspan>'
    assert label_markup("a<b") == "a&lt;b"


def test_script_json_cannot_close_the_script_element():
    assert "</" not in script_json({"a": "</script>"})
    with pytest.raises(ValueError):
        script_json({"a": float("nan")})


def test_format_vector():
    assert format_vector(np.array([0.5])) == 0.5
    assert format_vector([0.5, 1]) == "(0.50, 1.00)"
    assert format_vector(np.arange(6.0)).endswith("\u2026)")


# ------------------------------------------------------------------ drawings


@pytest.mark.parametrize("drawing, keys", [(lstm_drawing(), LSTM_KEYS), (gru_drawing(), GRU_KEYS),
                                           (gru_drawing("before"), GRU_KEYS_BEFORE)])
def test_every_value_has_a_place_in_the_drawing(drawing, keys):
    assert drawing.keys == set(keys)


def test_render_fills_the_live_parts():
    values = {key: 0.25 for key in LSTM_KEYS}
    values["f"] = 0.9
    svg = lstm_drawing().render(values, uid="u1")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert re.search(r'data-text="f"[^>]*>0\.90<', svg)
    assert re.search(r'<rect [^>]*fill="{}"[^>]*data-fill="f"'.format(re.escape(fill_colour(0.9, "gate"))), svg)
    assert 'marker-end="url(#u1-arrow)"' in svg and 'id="u1-arrow"' in svg
    blank = lstm_drawing().render(None)
    assert re.search(r'data-text="f"[^>]*></text>', blank)


def test_render_rejects_unknown_values():
    with pytest.raises(KeyError, match="no value called"):
        lstm_drawing().render({"forget": 1.0})


def test_cell_diagram_displays_and_updates():
    diagram = lstm_cell_diagram({"f": 0.1}, uid="d1")
    assert diagram._repr_html_().count("<svg") == 1
    diagram.update(f=0.95, x="(1, 2)")
    assert ">0.95<" in diagram.svg()
    with pytest.raises(KeyError):
        diagram.update(z=0.5)
    with pytest.raises(TypeError):
        diagram.update(f=None)
    assert gru_cell_diagram({"z": 0.5}).uid != gru_cell_diagram({"z": 0.5}).uid


# ------------------------------------------------------------------ values


def random_params(rng, blocks, D, H):
    return {"weight_ih": rng.normal(size=(blocks * H, D)), "weight_hh": rng.normal(size=(blocks * H, H)),
            "bias_ih": rng.normal(size=blocks * H), "bias_hh": rng.normal(size=blocks * H)}


def copy_into(cell, params):
    with torch.no_grad():
        for name, value in params.items():
            getattr(cell, name).copy_(torch.from_numpy(value))
    return cell


def test_lstm_values_agree_with_torch_and_with_the_equations():
    rng = np.random.default_rng(0)
    D, H = 3, 4
    params = random_params(rng, 4, D, H)
    x, h_prev, c_prev = rng.normal(size=(2, D)), np.tanh(rng.normal(size=(2, H))), rng.normal(size=(2, H))
    cell = copy_into(torch.nn.LSTMCell(D, H, dtype=torch.float64), params)
    h, c = (t.detach().numpy() for t in cell(torch.from_numpy(x), (torch.from_numpy(h_prev), torch.from_numpy(c_prev))))
    v = lstm_cell_values(x, h_prev, c_prev, params, unit=2, batch=1)
    assert set(v) == set(LSTM_KEYS)
    assert v["h"] == pytest.approx(h[1, 2], abs=1e-12) and v["c"] == pytest.approx(c[1, 2], abs=1e-12)
    assert v["c"] == pytest.approx(v["f"] * v["c_prev"] + v["i"] * v["g"])
    assert v["fc"] == pytest.approx(v["f"] * v["c_prev"]) and v["ig"] == pytest.approx(v["i"] * v["g"])
    assert v["h"] == pytest.approx(v["o"] * np.tanh(v["c"]))
    assert v["f"] == pytest.approx(1 / (1 + np.exp(-v["a_f"])))
    assert v["g"] == pytest.approx(np.tanh(v["a_g"]))
    assert v["x"].startswith("(")  # D = 3: preformatted
    with pytest.raises(ValueError, match="unit"):
        lstm_cell_values(x, h_prev, c_prev, params, unit=H)
    with pytest.raises(ValueError, match="batch"):
        lstm_cell_values(x, h_prev, c_prev, params, batch=2)


def test_gru_values_agree_with_torch_and_with_the_equations():
    rng = np.random.default_rng(1)
    D, H = 2, 3
    params = random_params(rng, 3, D, H)
    x, h_prev = rng.normal(size=(1, D)), np.tanh(rng.normal(size=(1, H)))
    cell = copy_into(torch.nn.GRUCell(D, H, dtype=torch.float64), params)
    h = cell(torch.from_numpy(x), torch.from_numpy(h_prev)).detach().numpy()
    v = gru_cell_values(x, h_prev, params, unit=1)
    assert set(v) == set(GRU_KEYS)
    assert v["h"] == pytest.approx(h[0, 1], abs=1e-12)
    assert v["h"] == pytest.approx(v["omzn"] + v["zh"])
    assert v["omz"] == pytest.approx(1 - v["z"]) and v["rhn"] == pytest.approx(v["r"] * v["hn"])
    assert v["n"] == pytest.approx(np.tanh(v["a_n"]))
    # the reset gate acts after the matmul: hn includes b_hn
    assert v["hn"] == pytest.approx(h_prev[0] @ params["weight_hh"][2 * H + 1] + params["bias_hh"][2 * H + 1])
    with pytest.raises(ValueError, match="unit"):
        gru_cell_values(x, h_prev, params, unit=-1)


def test_gru_reset_before_values_fit_their_drawing():
    rng = np.random.default_rng(2)
    params = random_params(rng, 3, 2, 3)
    x, h_prev = rng.normal(size=(1, 2)), np.tanh(rng.normal(size=(1, 3)))
    v = gru_cell_values(x, h_prev, params, unit=2, reset="before")
    assert set(v) == set(GRU_KEYS_BEFORE)
    # W_hn mixes the units: the recurrent term uses r*h of every unit, not only unit 2's
    r_all = 1 / (1 + np.exp(-(x @ params["weight_ih"][:3].T + params["bias_ih"][:3]
                              + h_prev @ params["weight_hh"][:3].T + params["bias_hh"][:3])))
    assert v["rhn"] == pytest.approx((r_all * h_prev)[0] @ params["weight_hh"][8] + params["bias_hh"][8])
    assert "title" in gru_cell_diagram(v, reset="before").svg()
    with pytest.raises(ValueError, match="reset"):
        gru_cell_values(x, h_prev, params, reset="sideways")
    with pytest.raises(KeyError):
        gru_cell_diagram(v)  # the reset-after drawing has no place for r*h


def test_diagrams_keep_a_legible_width_only_inside_a_scrolling_wrapper():
    """On a phone the diagram scrolls sideways instead of shrinking its labels below 9 px; a bare
    SVG (the stepper embeds one in its own layout) still shrinks with its container."""
    html = lstm_cell_diagram({"f": 0.5})._repr_html_()
    assert f"min-width:{lstm_drawing().min_width}px" in html
    assert 'overflow-x:auto' in html and 'tabindex="0"' in html  # keyboard users can scroll it too
    assert "min-width" not in lstm_drawing().render({"f": 0.5})

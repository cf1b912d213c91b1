"""The gate explorers: numbers from the package's step, readings, presets, both widget versions."""

from __future__ import annotations

import html
import json
import re

import pytest
import torch

from lstm_edu.widgets.gate_explorer import (
    GRU_SPEC,
    LSTM_SPEC,
    LiveExplorer,
    StaticExplorer,
    check_settings,
    check_weights,
    explorer_params,
    explorer_values,
    fill_template,
    gru_explorer,
    lstm_explorer,
    percent,
    reading,
)


def preset(spec, start):
    return next(changes for text, changes in spec.presets if text.startswith(start))


def test_lstm_explorer_values_are_torchs():
    settings = {"x": -0.7, "h_prev": 0.3, "c_prev": 1.5, "b_i": 1.0, "b_f": -2.0, "b_g": 0.5, "b_o": 3.0}
    weights = {"weight_ih": (0.5, -1.0, 2.0, 1.0), "weight_hh": (1.0, 0.2, -0.3, 0.4)}
    params = explorer_params("lstm", settings, weights)
    cell = torch.nn.LSTMCell(1, 1, dtype=torch.float64)
    with torch.no_grad():
        for name, value in params.items():
            getattr(cell, name).copy_(torch.from_numpy(value))
    h, c = cell(torch.tensor([[-0.7]], dtype=torch.float64),
                (torch.tensor([[0.3]], dtype=torch.float64), torch.tensor([[1.5]], dtype=torch.float64)))
    values = explorer_values("lstm", settings, weights)
    assert values["h"] == pytest.approx(h.item(), abs=1e-12)
    assert values["c"] == pytest.approx(c.item(), abs=1e-12)
    assert values["a_f"] == pytest.approx(-1.0 * -0.7 + 0.2 * 0.3 - 2.0)


def test_gru_explorer_values_are_torchs():
    settings = {"x": 1.2, "h_prev": -0.4, "b_r": 0.5, "b_z": -1.0, "b_n": 0.25, "b_hn": 0.7}
    weights = {"weight_ih": (1.0, 1.0, 1.0), "weight_hh": (0.5, 0.5, 1.0)}
    params = explorer_params("gru", settings, weights)
    cell = torch.nn.GRUCell(1, 1, dtype=torch.float64)
    with torch.no_grad():
        for name, value in params.items():
            getattr(cell, name).copy_(torch.from_numpy(value))
    h = cell(torch.tensor([[1.2]], dtype=torch.float64), torch.tensor([[-0.4]], dtype=torch.float64))
    values = explorer_values("gru", settings, weights)
    assert values["h"] == pytest.approx(h.item(), abs=1e-12)
    assert values["hn"] == pytest.approx(1.0 * -0.4 + 0.7)  # reset applies to W_hn h + b_hn
    assert values == explorer_values("gru", {**settings, "reset": "after"}, weights)  # the default placement


def torch_gru_reset_before(x, h_prev, params):
    """Cho et al.'s EMNLP candidate, tanh(x W_in^T + b_in + (r * h) W_hn^T + b_hn), written in torch."""
    x, h_prev = torch.tensor([[x]], dtype=torch.float64), torch.tensor([[h_prev]], dtype=torch.float64)
    w_ih, w_hh, b_ih, b_hh = (torch.from_numpy(params[k]) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    gi, gh = x @ w_ih.T + b_ih, h_prev @ w_hh.T + b_hh
    r, z = torch.sigmoid(gi[:, 0] + gh[:, 0]), torch.sigmoid(gi[:, 1] + gh[:, 1])
    n = torch.tanh(gi[:, 2] + (r * h_prev[:, 0]) * w_hh[2, 0] + b_hh[2])
    return ((1 - z) * n + z * h_prev[:, 0]).item(), n.item()


@pytest.mark.parametrize("settings", [
    {"x": 1.2, "h_prev": -0.4, "b_r": 0.5, "b_z": -1.0, "b_n": 0.25, "b_hn": 0.7},
    {"b_r": -8.0, "b_z": -8.0},  # the "reset and take" preset
    {},
])
def test_gru_reset_before_is_cho_et_als_emnlp_form(settings):
    settings = {**settings, "reset": "before"}
    params = explorer_params("gru", settings)
    v = explorer_values("gru", settings)
    h, n = torch_gru_reset_before(v["x"], v["h_prev"], params)
    assert v["h"] == pytest.approx(h, abs=1e-12) and v["n"] == pytest.approx(n, abs=1e-12)
    assert v["rh"] == pytest.approx(v["r"] * v["h_prev"])
    assert v["rhn"] == pytest.approx(params["weight_hh"][2, 0] * v["rh"] + params["bias_hh"][2])
    assert "hn" not in v


def test_the_two_reset_placements_differ_by_the_reset_scaled_bias():
    """For one unit, r*(u*h + b_hn) and u*(r*h) + b_hn differ by exactly (1 - r)*b_hn."""
    for b_hn in (-1.0, 0.0, 2.0):
        after = explorer_values("gru", {"b_hn": b_hn})
        before = explorer_values("gru", {"b_hn": b_hn, "reset": "before"})
        assert before["a_n"] - after["a_n"] == pytest.approx((1 - after["r"]) * b_hn, abs=1e-12)
    # at the defaults the difference is visible in the candidate (two decimals apart)
    after, before = explorer_values("gru"), explorer_values("gru", {"reset": "before"})
    assert abs(after["n"] - before["n"]) > 0.1
    # with the reset closed, PyTorch's candidate ignores b_hn while Cho et al.'s keeps it
    reset = {"b_r": -8.0, "b_z": -8.0}
    assert explorer_values("gru", reset)["rhn"] == pytest.approx(0.0, abs=0.01)
    assert explorer_values("gru", {**reset, "reset": "before"})["rhn"] == pytest.approx(GRU_SPEC.defaults["b_hn"],
                                                                                         abs=0.01)


def test_default_gates_are_distinct_and_show_a_memory_unit():
    """Issue 15 (review D): with shared weights every gate read 0.78 at the defaults."""
    v = explorer_values("lstm")
    gates = [v["i"], v["f"], v["o"]]
    assert min(abs(a - b) for k, a in enumerate(gates) for b in gates[k + 1:]) > 0.05
    assert v["f"] > 0.9  # the forget gate keeps
    assert v["o"] < 0.5  # h_t shows part of the cell
    salient, quiet = explorer_values("lstm", {"x": 2.0}), explorer_values("lstm", {"x": 0.0})
    assert salient["i"] > 0.95 and quiet["i"] < 0.25  # the input gate opens on a large input
    g = explorer_values("gru")
    assert abs(g["r"] - g["z"]) > 0.05 and 0.5 < g["z"] < 0.9
    assert explorer_values("gru", {"x": 0.0})["z"] > 0.9  # keeps without a salient input


def test_forget_gate_near_one_keeps_and_near_zero_erases():
    keep = explorer_values("lstm", preset(LSTM_SPEC, "keep"))
    assert keep["f"] > 0.99 and keep["i"] < 0.01
    assert keep["c"] == pytest.approx(keep["c_prev"], abs=0.02)
    erase = explorer_values("lstm", preset(LSTM_SPEC, "erase"))
    assert erase["f"] < 0.01 and abs(erase["fc"]) < 0.01
    assert erase["i"] < 0.01 and abs(erase["c"]) < 0.02  # erased: neither old nor new content
    overwrite = explorer_values("lstm", preset(LSTM_SPEC, "overwrite"))
    assert overwrite["c"] == pytest.approx(overwrite["g"], abs=0.01)  # only the new content


def test_output_gate_near_zero_hides_the_cell_but_keeps_it():
    hide = explorer_values("lstm", preset(LSTM_SPEC, "hide"))
    assert hide["o"] < 0.01
    assert abs(hide["h"]) < 0.01  # h_t is about 0 ...
    assert hide["h"] != pytest.approx(hide["h_prev"], abs=0.1)  # ... not a copy of h_{t-1}
    assert abs(hide["c"]) > 0.5  # while the cell still carries its content


def test_update_gate_near_one_keeps_the_old_gru_state():
    keep = explorer_values("gru", preset(GRU_SPEC, "keep"))
    assert keep["z"] > 0.99 and keep["h"] == pytest.approx(keep["h_prev"], abs=0.01)
    take = explorer_values("gru", preset(GRU_SPEC, "take"))
    assert take["h"] == pytest.approx(take["n"], abs=0.01)
    reset = explorer_values("gru", preset(GRU_SPEC, "reset"))
    assert reset["r"] < 0.01 and reset["z"] < 0.01 and reset["h"] == pytest.approx(reset["n"], abs=0.01)


def test_reading_states_each_gate_in_percent():
    values = explorer_values("lstm", {"b_f": 6.0})
    sentences = reading("lstm", values)
    assert len(sentences) == len(LSTM_SPEC.readout)
    assert f"keeps {percent(values['f'])}" in sentences[0]
    assert percent(0.3) == "30%" and percent(0.125) == "13%" and percent(0.99) == "99%"
    # near 0 and 1 one decimal: a forget gate of 0.999 leaks (0.999^k), so it must not read 100%
    assert percent(0.999) == "99.9%" and percent(0.9993) == "99.9%" and percent(0.995) == "99.5%"
    assert percent(0.99999) == ">99.9%" and percent(1.0) == "100%"
    assert percent(0.004) == "0.4%" and percent(0.00001) == "<0.1%" and percent(0.0) == "0%"
    assert fill_template("{f} and {f%}", {"f": 0.5}) == "0.50 and 50%"
    with pytest.raises(KeyError, match="not among"):
        fill_template("{q}", {"f": 0.5})


def test_settings_and_weights_are_checked():
    assert check_settings("lstm", None) == LSTM_SPEC.defaults
    with pytest.raises(KeyError, match="unknown control"):
        check_settings("lstm", {"b_z": 1.0})
    with pytest.raises(ValueError, match="finite"):
        check_settings("gru", {"x": float("nan")})
    with pytest.raises(ValueError, match="one per block"):
        check_weights("lstm", {"weight_ih": (1.0, 2.0)})
    with pytest.raises(KeyError, match="unknown weight"):
        check_weights("lstm", {"bias_hn": (1.0,)})
    with pytest.raises(ValueError, match="kind"):
        explorer_values("rnn")
    with pytest.raises(ValueError, match="must be one of"):
        check_settings("gru", {"reset": "sideways"})
    with pytest.raises(KeyError, match="unknown control"):
        check_settings("lstm", {"reset": "before"})


@pytest.mark.parametrize("make, spec", [(lstm_explorer, LSTM_SPEC), (gru_explorer, GRU_SPEC)])
def test_static_explorer_carries_controls_script_and_first_view(make, spec):
    widget = make(settings={"x": 0.5})
    page = widget._repr_html_()
    assert page.count('type="range"') == len(spec.controls)
    assert page.count('type="radio"') == sum(len(t.options) for t in spec.toggles)
    assert page.count("data-preset=") == len(spec.presets) + 1
    assert "lstmEduPaint" in page and f'id="{widget.uid}"' in page
    data = json.loads(re.search(r'class="lee-spec">(.*?)</script>', page).group(1))
    assert data["defaults"] == spec.defaults
    assert {k: len(v) for k, v in data["readout"].items()} == {v: len(spec.readout) for v in spec.variants()}
    # one drawing per variant, all but the selected one hidden
    assert page.count('class="lee-drawing"') == len(spec.variants())
    assert page.count('class="lee-drawing" data-variant="') - page.count("hidden>") == 1
    assert data["weights"] == {k: list(v) for k, v in check_weights(spec.kind, None).items()}
    # the first view (before any JavaScript runs) already shows the numbers
    assert reading(spec.kind, widget.values)[0] in page
    assert make().uid != make().uid


def test_static_explorer_clips_settings_to_the_sliders():
    widget = StaticExplorer("lstm", settings={"b_f": 50.0})
    assert widget.settings["b_f"] == 8.0


def test_gru_explorer_starts_in_the_chosen_reset_placement():
    page = gru_explorer(settings={"reset": "before"}).html
    assert re.search(r'value="before" checked', page) and not re.search(r'value="after" checked', page)
    assert 'data-variant="after" hidden' in page and 'data-variant="before">' in page
    values = explorer_values("gru", {"reset": "before"})
    assert reading("gru", values, "before")[2] in page and "b<sub>hn</sub> is added in full" in page


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_live_explorer_recomputes_on_every_slider_move(kind):
    live = LiveExplorer(kind)
    bias = "b_f" if kind == "lstm" else "b_z"
    before = dict(live.values)
    live.sliders[bias].value = 5.0
    assert live.values != before
    assert live.values == explorer_values(kind, live.settings)
    assert reading(kind, live.values)[0] in live.panel.value
    assert len(live.timings_ms) == 2 and all(ms >= 0 for ms in live.timings_ms)


def test_live_gru_explorer_switches_the_reset_placement():
    live = gru_explorer(live=True)
    live.toggles["reset"].value = "before"
    assert live.values == explorer_values("gru", {**live.settings})
    assert "rh" in live.values and 'data-variant="before">' in live.panel.value
    live.apply_preset(preset(GRU_SPEC, "reset"))
    assert live.settings["reset"] == "before"  # presets leave the toggle alone


def test_live_preset_sets_every_slider_and_updates_once():
    live = lstm_explorer(live=True)
    count = len(live.timings_ms)
    live.apply_preset(preset(LSTM_SPEC, "hide"))
    assert len(live.timings_ms) == count + 1
    assert live.settings["b_o"] == -8.0 and live.settings["b_f"] == LSTM_SPEC.defaults["b_f"]
    assert live.values["o"] < 0.01


def test_explorers_are_named_announced_and_readable_in_dark_mode():
    from lstm_edu.widgets.gate_explorer import plain_label

    assert plain_label("hidden h<sub>t\u22121</sub>") == "hidden h_(t\u22121)"
    assert plain_label("bias b<sub>f</sub> (forget)") == "bias b_f (forget)"
    page = lstm_explorer().html
    names = re.findall(r'<input type="range"[^>]*aria-label="([^"]*)"', page)
    assert names == [plain_label(c.label) for c in LSTM_SPEC.controls]
    assert '<ul class="lee-reading" aria-live="polite">' in page
    assert ":focus-visible { outline: 3px solid" in page and "background: #fff; color: #222;" in page
    live = lstm_explorer(live=True)
    assert [s.description for s in live.sliders.values()] == names  # plain text: no description_allow_html
    assert 'aria-live="polite"' in live.panel.value and "color:#222;background:#fff" in live.panel.value


@pytest.mark.parametrize("settings", [{}, {"b_f": 8.0, "b_i": -8.0}, {"x": -1.5, "b_g": 2.0}])
def test_quiet_steps_are_torchs_lstm_run_with_zero_input(settings):
    """After the step shown, QUIET_STEPS more steps with x_t = 0: the product of f and the final cell."""
    from lstm_edu.widgets.gate_explorer import QUIET_STEPS

    s = check_settings("lstm", settings)
    params = explorer_params("lstm", s)
    cell = torch.nn.LSTMCell(1, 1, dtype=torch.float64)
    with torch.no_grad():
        for name, value in params.items():
            getattr(cell, name).copy_(torch.from_numpy(value))
    h, c = cell(torch.tensor([[s["x"]]], dtype=torch.float64),
                (torch.tensor([[s["h_prev"]]], dtype=torch.float64), torch.tensor([[s["c_prev"]]], dtype=torch.float64)))
    product = 1.0
    for _ in range(QUIET_STEPS):
        gates = cell.weight_hh @ h[0] + cell.bias_ih + cell.bias_hh  # x_t = 0: no input term
        product *= torch.sigmoid(gates[1]).item()  # the forget gate (block order i, f, g, o)
        h, c = cell(torch.zeros(1, 1, dtype=torch.float64), (h, c))
    v = explorer_values("lstm", settings)
    assert v["quiet_state"] == pytest.approx(c.item(), abs=1e-12)
    assert v["quiet_prod"] == pytest.approx(product, rel=1e-12)


def test_quiet_steps_show_how_long_the_memory_lasts():
    default, keep = explorer_values("lstm"), explorer_values("lstm", preset(LSTM_SPEC, "keep"))
    assert keep["quiet_prod"] > 0.99 and keep["quiet_state"] == pytest.approx(keep["c"], rel=0.01)
    assert default["quiet_prod"] < 0.5  # a forget gate near 0.9 still leaks most of the cell in 20 steps
    gru_keep = explorer_values("gru", preset(GRU_SPEC, "keep"))
    assert gru_keep["quiet_prod"] > 0.9 and "keep" in reading("gru", gru_keep)[-1]


def test_quiet_mean_is_the_gate_per_quiet_step_and_explains_the_product():
    """The reading gives the memory gate per quiet step: the shown gate to the 20th power is not the product."""
    from lstm_edu.widgets.gate_explorer import QUIET_STEPS

    for kind, settings in (("lstm", {}), ("lstm", {"x": -2.0}), ("gru", {}), ("gru", {"b_z": -8.0})):
        v = explorer_values(kind, settings)
        assert v["quiet_mean"] ** QUIET_STEPS == pytest.approx(v["quiet_prod"], rel=1e-9, abs=1e-300)
        assert f"keeps {percent(v['quiet_mean'])} per step" in html.unescape(reading(kind, v)[-1])
    default = explorer_values("lstm")
    # at the defaults the input term raises f, so on the quiet steps (x_t = 0) the gate is lower
    assert default["quiet_mean"] < default["f"] - 0.02
    assert default["quiet_prod"] < 0.5 * default["f"] ** QUIET_STEPS

"""The gate explorers: numbers from the package's step, readings, presets, both widget versions."""

from __future__ import annotations

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
    settings = {"x": 1.2, "h_prev": -0.4, "b_r": 0.5, "b_z": -1.0, "b_n": 0.25}
    weights = {"bias_hn": (0.7,)}
    params = explorer_params("gru", settings, weights)
    cell = torch.nn.GRUCell(1, 1, dtype=torch.float64)
    with torch.no_grad():
        for name, value in params.items():
            getattr(cell, name).copy_(torch.from_numpy(value))
    h = cell(torch.tensor([[1.2]], dtype=torch.float64), torch.tensor([[-0.4]], dtype=torch.float64))
    values = explorer_values("gru", settings, weights)
    assert values["h"] == pytest.approx(h.item(), abs=1e-12)
    assert values["hn"] == pytest.approx(1.0 * -0.4 + 0.7)  # reset applies to W_hn h + b_hn


def test_forget_gate_near_one_keeps_and_near_zero_erases():
    keep = explorer_values("lstm", preset(LSTM_SPEC, "keep"))
    assert keep["f"] > 0.99 and keep["i"] < 0.01
    assert keep["c"] == pytest.approx(keep["c_prev"], abs=0.02)
    erase = explorer_values("lstm", preset(LSTM_SPEC, "erase"))
    assert erase["f"] < 0.01 and abs(erase["fc"]) < 0.01


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


@pytest.mark.parametrize("make, spec", [(lstm_explorer, LSTM_SPEC), (gru_explorer, GRU_SPEC)])
def test_static_explorer_carries_controls_script_and_first_view(make, spec):
    widget = make(settings={"x": 0.5})
    page = widget._repr_html_()
    assert page.count('type="range"') == len(spec.controls)
    assert page.count("data-preset=") == len(spec.presets) + 1
    assert "lstmEduPaint" in page and f'id="{widget.uid}"' in page
    data = json.loads(re.search(r'class="lee-spec">(.*?)</script>', page).group(1))
    assert data["defaults"] == spec.defaults and len(data["readout"]) == len(spec.readout)
    assert data["weights"] == {k: list(v) for k, v in check_weights(spec.kind, None).items()}
    # the first view (before any JavaScript runs) already shows the numbers
    assert reading(spec.kind, widget.values)[0] in page
    assert make().uid != make().uid


def test_static_explorer_clips_settings_to_the_sliders():
    widget = StaticExplorer("lstm", settings={"b_f": 50.0})
    assert widget.settings["b_f"] == 6.0


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


def test_live_preset_sets_every_slider_and_updates_once():
    live = lstm_explorer(live=True)
    count = len(live.timings_ms)
    live.apply_preset(preset(LSTM_SPEC, "hide"))
    assert len(live.timings_ms) == count + 1
    assert live.settings["b_o"] == -6.0 and live.settings["b_f"] == 0.0
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

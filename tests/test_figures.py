"""lstm_edu.figures: the one plotting style, alt text, and the font-size record in the PNG."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from lstm_edu import figures  # noqa: E402
from lstm_edu.diagrams.activations import plot_activations  # noqa: E402
from lstm_edu.diagrams.modes import mode_figure, modes_figure  # noqa: E402
from lstm_edu.diagrams.unrolled import unrolled_rnn_figure  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_style_is_legible_opaque_and_colour_blind_safe():
    with figures.style():
        rc = dict(matplotlib.rcParams)
    sizes = [rc[key] for key in ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize",
                                 "ytick.labelsize", "legend.fontsize")]
    assert min(float(s) for s in sizes) >= figures.MIN_FONT_PT
    assert matplotlib.colors.to_rgba(rc["figure.facecolor"]) == (1, 1, 1, 1)
    assert [c["color"] for c in rc["axes.prop_cycle"]] == figures.PALETTE
    assert len(set(map(str, figures.LINESTYLES))) == len(figures.LINESTYLES) == len(figures.PALETTE)
    assert "#F0E442" not in figures.PALETTE  # Okabe-Ito yellow is too pale on white


@pytest.mark.parametrize("alt", ["", "   ", "Figure 3", "plot", "fig. 2", "image"])
def test_empty_or_generic_alt_text_is_refused(alt):
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt text"):
        figures.set_alt(fig, alt)


def test_alt_text_must_be_a_string():
    fig, _ = plt.subplots()
    with pytest.raises(TypeError):
        figures.set_alt(fig, None)


def test_png_records_its_smallest_font_and_is_opaque():
    with figures.style():
        fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], label="line")
    ax.set_title("title")
    ax.legend(fontsize=7.5)
    data = figures.figure_png(fig)
    image = Image.open(io.BytesIO(data))
    assert float(image.info[figures.FONT_CHUNK]) == 7.5
    assert round(image.info["dpi"][0]) == figures.DPI
    assert image.convert("RGBA").getchannel("A").getextrema()[0] == 255
    assert figures.png_size(data) == image.size


def test_smallest_font_ignores_hidden_and_empty_text():
    fig, ax = plt.subplots()
    ax.set_title("shown", fontsize=12)
    ax.text(0.5, 0.5, "hidden", fontsize=4).set_visible(False)
    ax.text(0.5, 0.5, "  ", fontsize=3)
    ax.set_xticks([])
    ax.set_yticks([])
    assert figures.smallest_font_pt(fig) == 12


def test_figure_html_is_an_img_with_the_alt_text():
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    figures.set_alt(fig, 'a line rising from 1 to 2, "straight"')
    html = figures.figure_html(fig)
    assert html.startswith('<img class="lstm-edu-figure" src="data:image/png;base64,')
    assert 'alt="a line rising from 1 to 2, &quot;straight&quot;"' in html
    encoded = html.split("base64,", 1)[1].split('"', 1)[0]
    assert base64.b64decode(encoded)[:8] == b"\x89PNG\r\n\x1a\n"


def test_figure_html_without_alt_text_is_refused():
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    with pytest.raises(ValueError, match="alt text"):
        figures.figure_html(fig)


@pytest.mark.parametrize("make", [
    lambda: unrolled_rnn_figure(4), lambda: unrolled_rnn_figure(4, backward=True),
    lambda: plot_activations(), lambda: modes_figure(rows=2), lambda: mode_figure("many-to-one"),
])
def test_package_figures_have_alt_text_legible_fonts_and_white_background(make):
    fig = make()
    alt = figures.alt_of(fig)
    assert alt == figures.check_alt(alt) and len(alt.split()) >= 10
    assert figures.smallest_font_pt(fig) >= figures.MIN_FONT_PT
    assert matplotlib.colors.to_rgba(fig.get_facecolor()) == (1, 1, 1, 1)


def test_package_figures_take_an_alt_argument():
    fig = unrolled_rnn_figure(3, alt="three RNN steps, rolled and unrolled")
    assert figures.alt_of(fig) == "three RNN steps, rolled and unrolled"
    with pytest.raises(ValueError):
        modes_figure(alt="figure 1")


def test_unrolled_alt_names_the_steps_shown():
    assert "1, 2, 3, …, T" in figures.alt_of(unrolled_rnn_figure(4))
    assert "over the time steps 1, 2" in figures.alt_of(unrolled_rnn_figure(2))
    assert "backpropagation through time" in figures.alt_of(unrolled_rnn_figure(2, backward=True))


def test_cell_diagrams_say_what_they_show_and_list_their_values():
    from lstm_edu.diagrams.gru_cell import GRU_KEYS, GRU_NAMES, gru_cell_diagram
    from lstm_edu.diagrams.lstm_cell import LSTM_KEYS, LSTM_NAMES, lstm_cell_diagram

    assert set(LSTM_NAMES) == set(LSTM_KEYS) and set(GRU_NAMES) == set(GRU_KEYS)
    lstm = lstm_cell_diagram({"f": 0.5, "x": 0.25, "h": -0.1})
    svg = lstm.svg()
    assert 'role="img"' in svg and "forget gate f" in svg.split("aria-label=", 1)[1].split('"')[1]
    shown = lstm._repr_html_()
    assert "Values shown: input x_t = 0.25; forget gate f = 0.50; new hidden state h_t = \u22120.10." in shown
    assert "Values shown" not in gru_cell_diagram()._repr_html_()  # nothing to list without values
    assert "update gate z" in gru_cell_diagram().svg()

"""The static-friendly widgets of chapter 7 (lstm_edu.imdb.display)."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from lstm_edu.imdb.display import choice_panel, prediction_html


def test_prediction_html_escapes_and_shortens_the_text():
    card = prediction_html("<b>great</b> " + "x" * 500, "positive", 0.9, max_chars=50)
    assert "&lt;b&gt;great&lt;/b&gt;" in card and "<b>great</b>" not in card
    assert "…" in card and "x" * 60 not in card
    assert "P(positive) = 0.900" in card and "width:90.0%" in card
    with pytest.raises(ValueError):
        prediction_html("text", "negative", 1.5)


def test_choice_panel_links_the_menu_to_the_panels_in_the_browser():
    box = choice_panel(["a", "b", "c"], ["<p>A</p>", "<p>B</p>", "<p>C</p>"], description="review")
    assert isinstance(box.link, widgets.widget_link.Link)
    assert box.link.source == (box.dropdown, "index") and box.link.target == (box.stack, "selected_index")
    assert [child.value for child in box.stack.children] == ["<p>A</p>", "<p>B</p>", "<p>C</p>"]
    assert box.stack.selected_index == 0 and "lstm-edu-choice" in box._dom_classes


@pytest.mark.parametrize("labels, panels", [([], []), (["a"], []), (["a", "a"], ["x", "y"])])
def test_choice_panel_rejects_bad_input(labels, panels):
    with pytest.raises(ValueError):
        choice_panel(labels, panels)

"""The static-friendly widgets of chapter 7 (lstm_edu.imdb.display): no kernel, no ipywidgets."""

from __future__ import annotations

import re

import pytest

from lstm_edu.imdb.display import choice_panel, prediction_html


def test_prediction_html_escapes_and_shortens_the_text():
    card = prediction_html("<b>great</b> " + "x" * 500, "positive", 0.9, max_chars=50)
    assert "&lt;b&gt;great&lt;/b&gt;" in card and "<b>great</b>" not in card
    assert "…" in card and "x" * 60 not in card
    assert "P(positive) = 0.900" in card and "width:90.0%" in card
    assert "color:#222;background:#fff" in card  # readable in a dark theme
    assert '<div aria-hidden="true"' in card  # the bar repeats the number; it is not read out
    with pytest.raises(ValueError):
        prediction_html("text", "negative", 1.5)


def test_choice_panel_is_a_named_menu_over_the_panels():
    viewer = choice_panel(["a", "b & c", "d"], ["<p>A</p>", "<p>B</p>", "<p>C</p>"], description="review")
    page = viewer._repr_html_()
    assert 'class="lstm-edu-frameview lstm-edu-choice"' in page
    select = re.search(r"<select[^>]*>(.*?)</select>", page)
    assert 'aria-label="review"' in select.group(0)
    assert re.findall(r'<option value="(\d)"( selected)?>([^<]*)</option>', select.group(1)) == [
        ("0", " selected", "a"), ("1", "", "b &amp; c"), ("2", "", "d")]
    panels = re.findall(r'<div class="lef-panel"( hidden)?>(<p>.</p>)</div>', page)
    assert panels == [("", "<p>A</p>"), (" hidden", "<p>B</p>"), (" hidden", "<p>C</p>")]
    assert 'aria-live="polite"' in page and "<script>" in page and "<img" not in page


@pytest.mark.parametrize("labels, panels, error", [([], [], ValueError), (["a"], [], ValueError),
                                                   (["a", "a"], ["x", "y"], ValueError),
                                                   (["a", "b"], ["x", b"y"], TypeError)])
def test_choice_panel_rejects_bad_input(labels, panels, error):
    with pytest.raises(error):
        choice_panel(labels, panels)

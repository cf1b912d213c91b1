"""Concept quizzes: one per chapter, every option explained, wrong choices explained without giving
the right option away unless asked."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest

from lstm_edu.check import quiz


def quiet(call, *args, **kwargs):
    with redirect_stdout(io.StringIO()) as printed:
        result = call(*args, **kwargs)
    assert result.text == printed.getvalue()
    return result


def norm(text):
    return " ".join(text.split())


def right_answers(chapter):
    return {n: next(k for k, c in q.choices.items() if c.right) for n, q in enumerate(quiz.QUIZZES[chapter], 1)}


def test_every_chapter_has_a_quiz_with_one_right_option_per_question():
    assert quiz.chapters() == [1, 2, 3, 4, 5, 6, 7]
    for questions in quiz.QUIZZES.values():
        assert len(questions) >= 3
        for question in questions:
            assert sum(choice.right for choice in question.choices.values()) == 1
            assert len(question.choices) >= 2
            assert all(choice.explanation for choice in question.choices.values())


@pytest.mark.parametrize("chapter", [1, 2, 3, 4, 5, 6, 7])
def test_right_answers_pass_and_each_wrong_option_is_explained(chapter):
    answers = right_answers(chapter)
    assert quiet(quiz.check, chapter, answers)
    for number, question in enumerate(quiz.QUIZZES[chapter], 1):
        for label, choice in question.choices.items():
            if choice.right:
                continue
            result = quiet(quiz.check, chapter, {**answers, number: label.upper()})
            assert not result and norm(choice.explanation) in norm(result.text)
            right = next(c for c in question.choices.values() if c.right)
            assert "The right option is" not in result.text
            assert "The right option is" in quiet(quiz.check, chapter, {**answers, number: label}, reveal=True).text
            assert norm(right.text) in norm(quiet(quiz.check, chapter, {**answers, number: label}, reveal=True).text)


def test_bad_input_is_explained():
    assert "no quiz for chapter" in quiet(quiz.check, 9, {}).text
    assert "as a dict" in quiet(quiz.check, 3, ["a"]).text
    text = quiet(quiz.check, 3, {1: "z", "2": "b"}).text
    assert "not one of the options" in text and "not answered" in text and "2. (b)" in text.replace("\u2705 ", "")
    assert "(a)" in quiet(quiz.show, 1).text

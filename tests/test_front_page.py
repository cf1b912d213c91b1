"""The front page quotes recorded results; this keeps its figures in step with the records."""

from __future__ import annotations

from pathlib import Path

from lstm_edu import records

INTRO = Path(__file__).resolve().parents[1] / "book" / "intro.md"


def test_front_page_mnist_figures_are_those_of_the_record():
    text = INTRO.read_text(encoding="utf-8")
    metrics = records.load("mnist-rows").metrics
    lstm, mlp = metrics["lstm"]["test_accuracy_mean"], metrics["mlp"]["test_accuracy_mean"]
    for label, value in (("LSTM", lstm), ("MLP", mlp)):
        quoted = f"{100 * value:.1f}%"
        assert quoted in text, (f"book/intro.md should quote the {label}'s recorded mean test accuracy "
                                f"{quoted} (records/mnist-rows.json); update the page")
    assert len(metrics["lstm"]["test_accuracy"]) == 2 and "mean of two seeds" in text

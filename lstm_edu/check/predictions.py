"""Predict, then measure: the reader commits to a prediction, runs code that measures, and the
check compares the two and explains.

Usage in a chapter (three cells)::

    from lstm_edu.check import predictions
    predictions.ask("vanishing-product")          # prints the question and the options

    my_prediction = "c"                           # the reader writes a letter BEFORE measuring

    measured = ...                                # a cell of the chapter measures the quantity
    predictions.compare("vanishing-product", my_prediction, measured)

``compare`` classifies the measured value into one of the options (by rules written here, not
by a stored answer: the measurement decides), says whether the prediction held, explains why
the measured option is what happens, and, when the prediction did not hold, what was wrong
with the option chosen.  It returns a :class:`~lstm_edu.check._core.CheckResult` (true when
the prediction held) and never raises because of the reader's input.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lstm_edu.check._core import FAIL_MARK, PASS_MARK, CheckResult, Report, finish

__all__ = ["ask", "compare", "keys"]


@dataclass(frozen=True)
class Question:
    """One predict-then-measure question.

    ``outcome(measured)`` returns the option label that the measurement shows; ``why[label]``
    explains that outcome when it happens, ``wrong[label]`` what is mistaken about choosing
    ``label`` when it does not.
    """

    key: str
    chapter: int
    question: str
    options: Mapping[str, str]
    measured_as: str
    outcome: Callable[[object], str]
    why: Mapping[str, str]
    wrong: Mapping[str, str]


def _by_thresholds(*bounds: tuple[float, str], above: str) -> Callable[[object], str]:
    """Label of the first bound the (absolute) measured value lies below, else ``above``."""

    def outcome(value) -> str:
        number = abs(float(value))
        for bound, label in bounds:
            if number < bound:
                return label
        return above

    return outcome


QUESTIONS: dict[str, Question] = {}


def _add(question: Question) -> None:
    QUESTIONS[question.key] = question


_add(Question(
    key="gradient-check-error",
    chapter=1,
    question=("You compare the BPTT gradient of a small tanh RNN's loss (float64) with centred finite "
              "differences, eps = 1e-5. If the BPTT code is right, how large is the relative error?"),
    options={"a": "about 1e-1", "b": "about 1e-4", "c": "below 1e-7"},
    measured_as="the relative error max|analytic - numeric| / max|analytic|",
    outcome=_by_thresholds((1e-7, "c"), (1e-2, "b"), above="a"),
    why={"c": "The centred difference's own error shrinks like eps^2 (about 1e-10 here) and float64 rounding "
              "adds about 1e-16 / eps; a correct gradient agrees far below 1e-7.",
         "b": "An error of 1e-4 with a centred difference in float64 usually means a bug that changes the "
              "gradient a little, such as a forgotten path through time, or a one-sided difference.",
         "a": "An error this large means the two gradients disagree: the BPTT code (or the check) is wrong."},
    wrong={"a": "a correct BPTT gradient does not differ from a centred difference by 10%.",
           "b": "1e-4 is the level of a one-sided difference or of float32; a centred difference in float64 "
                "is much closer.",
           "c": "the measurement shows a larger error: look for a bug in the gradient or in the check."},
))

_add(Question(
    key="vanishing-product",
    chapter=2,
    question=("A tanh RNN with W_hh = 0.5 I runs 30 steps from a small state. How large is the norm of "
              "dh_30 / dh_0, the product of the 30 step Jacobians?"),
    options={"a": "about 1", "b": "between 1e-3 and 1", "c": "below 1e-6"},
    measured_as="the largest singular value of dh_30/dh_0",
    outcome=_by_thresholds((1e-6, "c"), (1e-3, "b"), above="a"),
    why={"c": "Each factor diag(1 - h_t^2) W_hh has norm at most 1 * 0.5, so the product of 30 of them is at "
              "most 0.5^30, about 1e-9: the gradient vanishes geometrically.",
         "b": "With W_hh = 0.5 I the bound 0.5^30 is far below 1e-3; a value in this range means W_hh or the "
              "number of steps differ from the question.",
         "a": "A product of factors of norm at most 0.5 cannot stay near 1."},
    wrong={"a": "tanh's slope is at most 1 and every factor multiplies by at most 0.5, 30 times.",
           "b": "the shrinking is geometric, not gradual: 0.5^10 is already 1e-3.",
           "c": "the measurement shows a larger norm than the bound 0.5^30 allows; check the set-up."},
))

_add(Question(
    key="forget-path",
    chapter=3,
    question=("An LSTM cell whose forget gate is held near 1 (forget bias +20) and input gate near 0 (input "
              "bias -20), recurrent weights zero, runs 100 steps. How large is dc_100 / dc_0 (per unit)?"),
    options={"a": "about 1", "b": "about 0.5^100", "c": "exactly 0"},
    measured_as="the mean of dc_100/dc_0 over the units",
    outcome=lambda value: "c" if abs(float(value)) == 0.0 else ("a" if abs(float(value)) > 0.5 else "b"),
    why={"a": "Along the cell path the only factor per step is f_t, here sigmoid(20), within 1e-8 of 1: the "
              "product of 100 of them stays about 1. This is the constant error carousel.",
         "b": "Only a forget gate around 0.5 would halve the gradient at every step.",
         "c": "Only a forget gate of exactly 0 would cut the path."},
    wrong={"a": "the measurement shows the gradient did shrink: is the forget bias really +20?",
           "b": "0.5 is the sigmoid of 0; with a forget bias of +20 the gate is almost exactly 1.",
           "c": "c_t = f_t c_{t-1} + i_t g_t keeps a copy of the old cell whenever f_t > 0."},
))

_add(Question(
    key="update-gate-keeps",
    chapter=4,
    question=("In one torch.nn.GRUCell step, the update gate is pushed to z = 1 (its bias +20 in both bias "
              "vectors' z rows). What is the new state h_t?"),
    options={"a": "h_{t-1}, the old state", "b": "the candidate n_t", "c": "zero"},
    measured_as="(max |h_t - h_{t-1}|, max |h_t|)",
    outcome=lambda value: "a" if float(value[0]) < 1e-6 else ("c" if float(value[1]) < 1e-6 else "b"),
    why={"a": "PyTorch writes h_t = (1 - z_t) n_t + z_t h_{t-1}: z_t = 1 keeps the old state unchanged.",
         "b": "The state became the candidate: that is the other convention, h_t = z_t n_t + (1 - z_t) h_{t-1}.",
         "c": "A zero state would need both terms to vanish."},
    wrong={"a": "the measurement shows the state changed: check that z really is 1.",
           "b": "that is Chung et al.'s and Colah's convention; PyTorch's (and Cho et al.'s) z close to 1 KEEPS the old state.",
           "c": "no gate multiplies both terms by zero at once."},
))

_add(Question(
    key="row-lstm-vs-mlp",
    chapter=5,
    question=("Which has more parameters: nn.LSTM(28, 128) plus nn.Linear(128, 10) (the row-by-row MNIST "
              "reader), or the MLP nn.Linear(784, 128), ReLU, nn.Linear(128, 10)?"),
    options={"a": "the LSTM model", "b": "the MLP", "c": "about the same (within 5%)"},
    measured_as="(LSTM model's parameter count) / (MLP's parameter count)",
    outcome=lambda value: "c" if abs(float(value) - 1) <= 0.05 else ("a" if float(value) > 1 else "b"),
    why={"a": "The LSTM's 4 blocks of H x (D + H) weights, 4 * 128 * (28 + 128), outweigh the MLP's 784 x 128 "
              "input layer, although the LSTM reads only 28 numbers per step.",
         "b": "The MLP's first layer, 784 x 128, dominates: the LSTM reuses its weights at every one of the 28 "
              "steps, so its size does not grow with the length of the input.",
         "c": "The two counts are close: weight sharing over time makes the LSTM as small as one dense layer."},
    wrong={"a": "count the MLP's first layer: 784 x 128 weights.",
           "b": "count the LSTM's four gate blocks: 4 x 128 x (28 + 128) weights plus two bias vectors.",
           "c": "the two counts differ by more than 5%."},
))

_add(Question(
    key="padded-last-step",
    chapter=6,
    question=("A batch holds a sequence of length 4 padded with zeros to length 10, run through nn.LSTM "
              "WITHOUT packing. Is outputs[0, -1] equal to outputs[0, 3], the output at the last real step?"),
    options={"a": "yes, exactly", "b": "no"},
    measured_as="max |outputs[0, -1] - outputs[0, 3]|",
    outcome=lambda value: "a" if abs(float(value)) < 1e-7 else "b",
    why={"b": "Without packing the LSTM keeps stepping through the six padding positions: zeros are inputs "
              "like any other, and the biases and the state keep changing h. Read the output at lengths - 1, "
              "or pack the batch.",
         "a": "The two agree only if the padding steps leave the state unchanged, which a generic LSTM does not do."},
    wrong={"a": "padding zeros are still inputs: the cell keeps updating its state on them.",
           "b": "the measurement shows equal outputs: is the batch really padded after step 4?"},
))

_add(Question(
    key="padding-share",
    chapter=7,
    question=("Each IMDB review is cut to this run's max_len tokens, and reviews drawn at random, without "
              "length bucketing, form batches padded to their longest review (in the quick mode: cut at "
              "200 tokens, batches of 32). Over an epoch, what share of the batches' positions is padding?"),
    options={"a": "under 5%", "b": "between 5% and 35%", "c": "more than 35%"},
    measured_as="the padding share of an epoch of random batches at this run's cut",
    outcome=lambda value: "a" if float(value) < 0.05 else ("b" if float(value) <= 0.35 else "c"),
    why={"b": "A batch is as wide as its longest review. With a cut not far above the typical review length, "
              "nearly every batch of random reviews holds one review that reaches the cut, so nearly every "
              "batch is max_len wide while each review fills only its own (cut) length of its row: the share "
              "is close to 1 - (average cut length) / max_len. That is sizeable although many reviews reach the "
              "cut and fill their row, and the recurrence runs over all of it unless the batch is packed. "
              "Bucketing, the second share printed above, groups reviews of similar length and removes most "
              "of it.",
         "a": "Almost no padding means the reviews of each batch are nearly equally long: with length "
              "bucketing (the second share printed above), or when nearly every review is longer than the "
              "cut, so that every row is full.",
         "c": "A large share of a batch is padding when the cut is long compared with the typical review, or "
              "absent: review lengths have a long tail, so one long review among the random ones stretches "
              "every row of its batch to its own length, and the typical review fills only part of its row. "
              "The table printed above shows the share growing with the cut; bucketing (the second share "
              "printed above) is what keeps long cuts affordable."},
    wrong={"a": "padding is set by a batch's LONGEST review, not its typical one: one review in the batch that "
                "reaches the cut is enough to stretch every row to max_len.",
           "b": "the share is set by how far a batch's longest review exceeds its typical one. A cut far above "
                "the typical length (or none) lets one long review stretch every batch, so a large share is "
                "padding; reviews of nearly equal length (bucketed, or all longer than the cut) leave hardly any.",
           "c": "the cut caps every batch's width at max_len, and with a cut near the typical review length most "
                "reviews fill much of their row: a share this large needs a long tail of lengths left uncut, "
                "as in the longer cuts of the table printed above."},
))


def keys() -> list[str]:
    """The keys of every predict-then-measure question, in chapter order."""
    return sorted(QUESTIONS, key=lambda key: (QUESTIONS[key].chapter, key))


def _question(key: str, out: Report) -> Question | None:
    question = QUESTIONS.get(key)
    if question is None:
        out.say(f"{FAIL_MARK} There is no prediction question {key!r}. The questions are: {', '.join(keys())}.")
    return question


def ask(key: str) -> CheckResult:
    """Print the question and its options."""
    out = Report()
    question = _question(key, out)
    if question is None:
        return finish(key, False, out)
    out.say(f"Predict (chapter {question.chapter}): {question.question}")
    for label, text in question.options.items():
        out.say(f"({label}) {text}", indent=2)
    out.say("Write your answer as a letter, for example my_prediction = \"a\", BEFORE you run the measurement.")
    return finish(key, True, out)


def _valid_measurement(value) -> bool:
    try:
        numbers = [float(v) for v in value] if isinstance(value, (tuple, list)) else [float(value)]
    except (TypeError, ValueError):
        return False
    return all(math.isfinite(number) for number in numbers)


def compare(key: str, predicted, measured) -> CheckResult:
    """Compare the reader's prediction (an option letter) with the measured value; explain."""
    out = Report()
    question = _question(key, out)
    if question is None:
        return finish(key, False, out)
    label = str(predicted).strip().lower().strip("()") if predicted is not None else ""
    if label not in question.options:
        out.say(f"{FAIL_MARK} {key}: your prediction {predicted!r} is not one of the options "
                f"{', '.join(question.options)}. Write one letter, then run the comparison again.")
        return finish(key, False, out)
    if not _valid_measurement(measured):
        out.say(f"{FAIL_MARK} {key}: the measured value {measured!r} is not a finite number. Run the measuring "
                f"cell first; it should compute {question.measured_as}.")
        return finish(key, False, out)
    try:
        happened = question.outcome(measured)
    except (TypeError, ValueError, IndexError):
        out.say(f"{FAIL_MARK} {key}: the measured value should be {question.measured_as}; got {measured!r}.")
        return finish(key, False, out)
    shown = ", ".join(f"{float(v):.3g}" for v in measured) if isinstance(measured, (tuple, list)) \
        else f"{float(measured):.3g}"
    held = label == happened
    mark = PASS_MARK if held else FAIL_MARK
    out.say(f"{mark} {key}: you predicted ({label}) {question.options[label]}; the measurement, "
            f"{question.measured_as} = {shown}, shows ({happened}) {question.options[happened]}.")
    if held:
        out.say("Your prediction held.", indent=2)
    else:
        out.say(f"Why ({label}) did not happen: {question.wrong[label]}", indent=2)
    out.say(f"Why: {question.why[happened]}", indent=2)
    return finish(key, held, out)

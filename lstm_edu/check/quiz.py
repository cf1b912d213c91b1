"""Concept quizzes, one per chapter: multiple choice, auto-checked, every option explained.

Usage in a notebook or a terminal::

    from lstm_edu.check import quiz
    quiz.show(3)                                   # prints chapter 3's questions
    quiz.check(3, {1: "a", 2: "b", 3: "a", 4: "b"})

``check`` says which answers are right and, for each wrong one, why the chosen option is wrong
(without naming the right one); ``check(..., reveal=True)`` also gives the right option and why
it is right.  It returns a :class:`~lstm_edu.check._core.CheckResult`, true when every answer is
right, and never raises because of the reader's input.  (The answers are in this file, like the
reference answers of the checkers: a quiz is for practice, see the teacher's guide.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lstm_edu.check._core import FAIL_MARK, PASS_MARK, CheckResult, Report, finish

__all__ = ["check", "show", "chapters"]


@dataclass(frozen=True)
class Choice:
    text: str
    explanation: str  # why this option is right, or what is wrong with it
    right: bool = False


@dataclass(frozen=True)
class Question:
    prompt: str
    choices: Mapping[str, Choice]


def _q(prompt: str, right: str, **choices: tuple[str, str]) -> Question:
    return Question(prompt, {label: Choice(text, why, label == right) for label, (text, why) in choices.items()})


QUIZZES: dict[int, tuple[Question, ...]] = {
    1: (
        _q("torch.nn.RNN(input_size=D, hidden_size=H): what is the shape of weight_hh_l0?", "b",
           a=("(H, D)", "That is weight_ih_l0, which maps the D inputs to the H hidden units."),
           b=("(H, H)", "Right: it maps the previous hidden state (H numbers) to the H hidden units."),
           c=("(D, H)", "That is the transpose of weight_ih in the column-vector habit; PyTorch stores (rows = "
                        "outputs, columns = inputs)."),
           d=("(H,)", "That is the shape of a bias vector, not of a weight matrix.")),
        _q("Backpropagation through time computes the gradient of the loss with respect to W_hh as ...", "b",
           a=("the gradient at the last time step only", "W_hh is used at EVERY step, and each use contributes."),
           b=("a sum over the time steps of the contributions of each use of W_hh",
              "Right: one weight shared by all steps collects the gradient of every step it was used in."),
           c=("an average of gradients computed independently for each step",
              "The contributions are added, not averaged, and they are not independent: each flows back "
              "through the later steps."),
           d=("the gradient of a separate copy of W_hh per step, each updated on its own",
              "Unrolling draws one copy per step, but they are the same parameter: their gradients are added "
              "and one W_hh is updated.")),
        _q("A gradient check in float64 with centred differences (eps = 1e-5) reports a relative error of 3e-3. "
           "What is most likely?", "b",
           a=("normal rounding error", "Rounding and the centred difference's own error are around 1e-10 here, "
                                       "far below 3e-3."),
           b=("a bug in the analytic gradient", "Right: an error of this size is the signature of a real "
                                                "mistake, such as a path through time left out."),
           c=("eps is too small", "eps = 1e-5 is a good choice in float64; a too-small eps shows as noise of "
                                  "order 1e-16 / eps, about 1e-11.")),
        _q("Why is cross-entropy, not the squared error, the loss for classification with a softmax?", "b",
           a=("it is cheaper to compute", "Both are cheap; the reason is the gradient."),
           b=("its gradient with respect to the logits, p - y, stays large when the model is confidently wrong",
              "Right: the squared error through a softmax has a gradient that vanishes when a probability "
              "saturates near 0 or 1, however wrong the prediction is."),
           c=("it is bounded between 0 and 1", "Cross-entropy is not bounded above: it grows without limit as "
                                               "the probability of the true class goes to 0.")),
    ),
    2: (
        _q("For a tanh RNN, which quantity bounds every factor ||dh_t/dh_{t-1}||?", "a",
           a=("sigma_max(W_hh), the largest singular value", "Right: ||diag(1 - h_t^2) W_hh|| <= 1 * sigma_max."),
           b=("rho(W_hh), the largest |eigenvalue|", "The spectral radius can be smaller than the norm of a "
                                                    "non-normal matrix; it describes the long-run growth (Gelfand), "
                                                    "not a bound on every factor."),
           c=("the largest entry of W_hh", "A matrix with small entries can still have a large norm (many "
                                           "entries add up).")),
        _q("Gradient norm clipping with threshold c changes ...", "b",
           a=("the direction of the gradient", "Norm clipping multiplies the whole gradient by one number: the "
                                               "direction stays."),
           b=("only the gradient's length, and only when it exceeds c", "Right."),
           c=("each component, clipped to [-c, c]", "That is element-wise clipping, which does change the "
                                                    "direction.")),
        _q("If gamma * sigma_max(W_hh) < 1 for an RNN, then over k steps the gradient ...", "a",
           a=("vanishes at least geometrically, like (gamma sigma_max)^k", "Right: a sufficient condition for "
                                                                         "vanishing."),
           b=("may explode", "Every factor has norm below 1, so the product cannot grow."),
           c=("is unaffected", "The bound shrinks geometrically with k.")),
        _q("What does a vanishing gradient make hard?", "b",
           a=("decreasing the loss at all", "The loss can still fall using short-range information."),
           b=("learning dependencies that span many steps", "Right: the signal from distant steps is "
                                                           "exponentially small next to that of recent ones."),
           c=("storing the weights", "The weights are not the problem; their updates from far-away steps are.")),
    ),
    3: (
        _q("In which order does PyTorch stack the LSTM's four row blocks of weight_ih?", "a",
           a=("i, f, g, o", "Right (input, forget, candidate, output)."),
           b=("i, f, o, g", "That is CS231n's order; reading PyTorch's weights in it swaps the candidate and the "
                            "output gate."),
           c=("f, i, o, g", "No library in the chapter uses this order.")),
        _q("A forget gate value close to 1 means the cell ...", "b",
           a=("forgets its content", "The name misleads: f multiplies the old cell, so f near 1 keeps it."),
           b=("keeps its previous content", "Right: c_t = f_t c_{t-1} + i_t g_t.")),
        _q("What lets gradients survive many steps along the cell path, once an LSTM has learnt to keep?", "a",
           a=("along the direct path dc_t/dc_{t-1} = diag(f_t), with no weight matrix and no squashing slope",
              "Right: with f_t near 1 the product over many steps stays near 1. At PyTorch's initialisation "
              "f_t is about 0.5 and the path leaks as fast as a plain RNN's state: keeping is learnt."),
           b=("because LSTMs use ReLU", "The LSTM uses sigmoid and tanh; the reason is the additive cell update."),
           c=("because the output gate amplifies gradients", "The output gate is a number in (0, 1): it cannot "
                                                            "amplify.")),
        _q("Which activation does the candidate g use?", "b",
           a=("sigmoid", "Sigmoids are for the gates, multipliers in (0, 1); the candidate is a value to write."),
           b=("tanh", "Right: a value in (-1, 1), so the cell can be increased or decreased."),
           c=("none", "Without a squashing function the cell's increments would be unbounded.")),
    ),
    4: (
        _q("In torch.nn.GRU, an update gate z close to 1 ...", "a",
           a=("keeps the old state", "Right: h_t = (1 - z_t) n_t + z_t h_{t-1}."),
           b=("replaces the state by the candidate", "That is the other convention (Chung et al., Colah's blog); "
                                                    "PyTorch's z keeps.")),
        _q("Where does PyTorch's GRU apply the reset gate?", "b",
           a=("to h_{t-1} before the multiplication by W_hn", "That is the form of Cho et al.'s EMNLP "
                                                              "version (arXiv v3; Keras reset_after=False), "
                                                              "not torch.nn.GRU. Their first arXiv version "
                                                              "(v1) reset after, as PyTorch does."),
           b=("to W_hn h_{t-1} + b_hn, after the multiplication", "Right: the reset scales the recurrent "
                                                                  "contribution, bias b_hn included."),
           c=("to the input x_t", "The reset gate only touches the recurrent part.")),
        _q("For the same input and hidden sizes, a GRU layer has about how many parameters of an LSTM layer?", "a",
           a=("3/4", "Right: 3 blocks (r, z, n) against 4 (i, f, g, o), each of the same size."),
           b=("the same", "The GRU has one block fewer."),
           c=("half", "Three blocks against four is 3/4, not 1/2.")),
    ),
    5: (
        _q("Classifying an MNIST digit by reading its 28 rows one at a time is which mode?", "a",
           a=("many-to-one", "Right: a sequence in, one label out."),
           b=("one-to-many", "That is generation from one input, such as a wave from its parameters."),
           c=("many-to-many, aligned", "That gives one output per step, such as tagging.")),
        _q("Teacher forcing means that during training the decoder reads ...", "a",
           a=("the true previous token", "Right."),
           b=("its own previous prediction", "That is free running, as at test time."),
           c=("nothing: the encoder does all the work", "The decoder reads a token at every step.")),
        _q("Exposure bias is ...", "a",
           a=("the mismatch between training on true prefixes and testing on the model's own predictions",
              "Right: at test time one mistake feeds the next steps with inputs unlike those seen in training."),
           b=("a bias vector that is too large", "It is about the inputs the decoder sees, not about parameters."),
           c=("an imbalance between the classes", "That is class imbalance, a different problem.")),
    ),
    6: (
        _q("Truncated BPTT with a window of k steps ...", "a",
           a=("carries the hidden state forward but lets gradients flow back at most k steps",
              "Right: the state is detached, not reset, between windows."),
           b=("resets the hidden state every k steps", "Resetting loses the context; truncation keeps the state "
                                                      "and cuts only the gradient."),
           c=("splits the data into independent sequences of length k", "The windows stay connected through the "
                                                                       "carried state.")),
        _q("In a padded (not packed) batch, where is the output at sequence b's last real step?", "b",
           a=("outputs[b, -1]", "That is after the padding steps, which the LSTM processed too."),
           b=("outputs[b, lengths[b] - 1]", "Right."),
           c=("h_n[-1][b]", "Without packing, h_n is the state after the padding as well.")),
        _q("A bidirectional layer's backward direction has read the whole sequence at ...", "a",
           a=("time step 0", "Right: it reads right to left and ends at the first step."),
           b=("the last time step", "There the backward direction has read only the last token.")),
        _q("nn.LSTM(..., num_layers=2, dropout=0.3) applies dropout ...", "a",
           a=("to the outputs of every layer except the last", "Right: between the stacked layers."),
           b=("to the recurrent connections at every step", "PyTorch's dropout argument does not touch the "
                                                           "recurrent path."),
           c=("to the input of the first layer", "The input is passed unchanged; add nn.Dropout yourself if you "
                                                 "want that.")),
    ),
    7: (
        _q("Why are models compared on the validation split rather than on the test split?", "a",
           a=("choices made by looking at the test split would make its accuracy an optimistic estimate",
              "Right: the test split is used once, at the end."),
           b=("the validation split is bigger", "Its size is not the reason."),
           c=("the validation split is faster to evaluate", "Speed is not the reason.")),
        _q("Mean pooling over a padded batch must ...", "a",
           a=("sum the real positions only and divide by each review's length", "Right."),
           b=("divide the sum over all T positions by T", "The padding would dilute short reviews' "
                                                           "representation.")),
        _q("A bag-of-words baseline that comes close to the LSTM on IMDB suggests ...", "a",
           a=("much of the sentiment signal is in which words occur, not in their order", "Right."),
           b=("the LSTM is implemented wrongly", "A strong simple baseline is common on IMDB; it says something "
                                                 "about the task."),
           c=("the test set leaked into training", "Nothing in the comparison suggests a leak.")),
    ),
}


def chapters() -> list[int]:
    """The chapters that have a quiz."""
    return sorted(QUIZZES)


def _quiz(chapter, out: Report):
    questions = QUIZZES.get(chapter) if isinstance(chapter, int) else None
    if questions is None:
        out.say(f"{FAIL_MARK} There is no quiz for chapter {chapter!r}; the quizzes are for chapters "
                f"{', '.join(map(str, chapters()))}.")
    return questions


def show(chapter: int) -> CheckResult:
    """Print the chapter's questions and their options."""
    out = Report()
    questions = _quiz(chapter, out)
    if questions is None:
        return finish(f"quiz {chapter}", False, out)
    out.say(f"Chapter {chapter} quiz: answer with quiz.check({chapter}, {{1: \"a\", 2: ...}}).")
    for number, question in enumerate(questions, start=1):
        out.say(f"{number}. {question.prompt}")
        for label, choice in question.choices.items():
            out.say(f"({label}) {choice.text}", indent=3)
    return finish(f"quiz {chapter}", True, out)


def check(chapter: int, answers, reveal: bool = False) -> CheckResult:
    """Check ``answers`` ({question number: option letter}); explain each wrong choice."""
    out = Report()
    name = f"quiz {chapter}"
    questions = _quiz(chapter, out)
    if questions is None:
        return finish(name, False, out)
    if not isinstance(answers, Mapping):
        out.say(f"{FAIL_MARK} Give the answers as a dict, for example {{1: \"a\", 2: \"c\"}}.")
        return finish(name, False, out)
    right = 0
    for number, question in enumerate(questions, start=1):
        given = answers.get(number, answers.get(str(number)))
        label = str(given).strip().lower().strip("()") if given is not None else None
        if label is None:
            out.say(f"{FAIL_MARK} {number}. not answered.")
            continue
        choice = question.choices.get(label)
        if choice is None:
            out.say(f"{FAIL_MARK} {number}. {given!r} is not one of the options {', '.join(question.choices)}.")
            continue
        if choice.right:
            right += 1
            out.say(f"{PASS_MARK} {number}. ({label}) {choice.explanation}")
            continue
        out.say(f"{FAIL_MARK} {number}. ({label}) {choice.text}: {choice.explanation}")
        if reveal:
            (correct, best), = [(k, c) for k, c in question.choices.items() if c.right]
            out.say(f"The right option is ({correct}) {best.text}. {best.explanation}", indent=3)
    out.say(f"{right} of {len(questions)} right." + ("" if right == len(questions) or reveal else
                                                     " Think again about the others, or call quiz.check(..., "
                                                     "reveal=True) to see the right options."))
    return finish(name, right == len(questions), out)

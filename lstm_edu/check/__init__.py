"""Exercise checkers that say *what* is wrong, not just "wrong".

Usage in a chapter's check cell::

    from lstm_edu import check
    check.lstm_step(lstm_step)

Every checker takes the learner's function, runs it on several test cases
(deterministic and random inputs; B = 1 among them; D != H and B != H so a
missing transpose shows), prints kind, specific feedback and returns a
:class:`CheckResult`, true when the function is correct.  The result shows
nothing in a notebook (the feedback was printed already), so a check cell does
not echo a value; graders use ``bool(result)`` or ``result.passed``.

Feedback comes as a ladder: by default the checker says what is wrong and where
(the common mistake it recognises, the failing case, the shapes); called again
with ``hint=1`` it adds a hint for that mistake and the chapter's equations,
written as mathematics.  It never prints the solution's code, and the
reference answers are not part of this public API.  A checker never raises
because of the learner's code: exceptions (``NotImplementedError`` from an
unfinished stub is reported as "not implemented yet"), ``None`` or a wrong
type, wrong shapes, NaN and in-place changes of the inputs are all explained.

When the result is wrong, the checker compares it with a catalogue of common
mistakes (wrong gate order, inverted forget gate, Cho's reset-before GRU, a
forgotten bias, a missing tanh derivative, ...) and names the one that
reproduces the learner's outputs on every test case.

Cell checkers (numpy arrays in PyTorch's layout: ``x`` (B, D); ``h_prev``,
``c_prev``, ``dh_next``, ``dc_next`` (B, H); ``params`` a dict with
``weight_ih`` (G*H, D), ``weight_hh`` (G*H, H), ``bias_ih``, ``bias_hh`` (G*H,);
LSTM blocks i, f, g, o; GRU blocks r, z, n with the reset after the matmul):

- ``rnn_step(fn)``   ``fn(x, h_prev, params) -> h_next``
- ``lstm_step(fn)``  ``fn(x, h_prev, c_prev, params) -> (h_next, c_next)``
- ``gru_step(fn)``   ``fn(x, h_prev, params) -> h_next``
- ``rnn_step_backward(fn)``   ``fn(dh_next, x, h_prev, params) -> (dx, dh_prev, dparams)``
- ``lstm_step_backward(fn)``  ``fn(dh_next, dc_next, x, h_prev, c_prev, params) -> (dx, dh_prev, dc_prev, dparams)``
- ``gru_step_backward(fn)``   ``fn(dh_next, x, h_prev, params) -> (dx, dh_prev, dparams)``

The backward functions take the forward inputs explicitly (not a cache), so a
learner's solution does not depend on how someone else laid out a cache; they
recompute the forward step inside.  ``dparams`` has the keys and shapes of
``params``.

Other checkers:

- ``sigmoid_derivative(fn, of="input")``: ``fn(z) -> sigmoid'(z)``; with
  ``of="output"`` the function receives ``s = sigmoid(z)`` and returns ``s*(1-s)``.
- ``tanh_derivative(fn, of="input")``: likewise, ``1 - tanh(z)**2``.
- ``clip_grad_norm(fn)``: ``fn(grads, max_norm) -> total_norm``, global-norm
  clipping of a dict of arrays in place, returning the norm before clipping.
- ``count_parameters(fn)``: ``fn(kind, input_size, hidden_size) -> int`` with
  kind ``"rnn"``, ``"gru"`` or ``"lstm"``; PyTorch's ``G*H*(D+H) + 2*G*H``.
- ``array_close(name, got, expected, rtol=1e-5, atol=1e-8)``: compare any array
  and explain the difference (shape, NaN, largest difference and where).

Chapter checkers live in topic modules and are reachable as ``check.<name>``
too (imported on first use, so ``import lstm_edu.check`` needs neither torch nor
the chapters' code): ``gradients`` (chapters 1-2: ``cross_entropy``,
``embedding_backward``, ``rnn_jacobian``, ``gradient_bound``, ``copy_baseline``),
``gates`` (chapters 3-4: ``cifg_lstm_step``, ``set_forget_bias``,
``flip_update_convention``), ``practice`` (chapters 5-6: ``decoder_inputs``,
``greedy_decode``, ``exact_match``, ``last_valid_output``,
``bidirectional_summary``, ``lstm_parameter_count``) and ``imdb`` (chapter 7:
``pad_and_truncate``, ``masked_mean``, ``masked_max``).

``catalogue()`` returns the mistakes each checker diagnoses and
``catalogue_markdown()`` renders them for the teacher's guide.
"""

from __future__ import annotations

from dataclasses import dataclass

from lstm_edu.check._core import CheckResult, Mistake
from lstm_edu.check._registry import TOPIC_MODULES
from lstm_edu.check._registry import exercises as _exercises
from lstm_edu.check._registry import topic as _topic
from lstm_edu.check.cells import (
    gru_step,
    gru_step_backward,
    lstm_step,
    lstm_step_backward,
    rnn_step,
    rnn_step_backward,
)
from lstm_edu.check.helpers import (
    array_close,
    clip_grad_norm,
    count_parameters,
    sigmoid_derivative,
    tanh_derivative,
)


def __getattr__(name: str):
    """Make ``check.<checker>`` find the chapter checkers in the topic modules, lazily."""
    if name in TOPIC_MODULES:
        return _topic(name)
    for topic in TOPIC_MODULES:
        module = _topic(topic)
        if name in getattr(module, "_EXERCISES", {}):
            return getattr(module, name)
    raise AttributeError(f"lstm_edu.check has no checker {name!r}")


@dataclass(frozen=True)
class ExerciseCard:
    """What the public API says about one exercise: no reference answer."""

    name: str
    signature: str
    options: dict
    mistakes: tuple[Mistake, ...]


def all_exercises() -> dict[str, tuple[ExerciseCard, ...]]:
    """Every checker in the package with a description of its exercise(s) (signature, options, mistakes)."""
    return {
        name: tuple(ExerciseCard(e.name, e.signature, dict(e.options), e.catalogue) for e in found)
        for name, found in _exercises().items()
    }


def checker_names() -> list[str]:
    """The names of every checker, e.g. ``"lstm_step"`` for ``check.lstm_step``."""
    return list(_exercises())


#: Families with more members than this are summarised in one line of the guide.
SUMMARY_THRESHOLD = 3


def catalogue() -> dict[str, tuple[Mistake, ...]]:
    """The mistakes each checker can name, keyed by checker name."""
    return {
        name: tuple(mistake for exercise in found for mistake in exercise.catalogue)
        for name, found in _exercises().items()
    }


def _family_lines(mistakes: tuple[Mistake, ...]) -> list[str]:
    families: dict[str, list[Mistake]] = {}
    for mistake in mistakes:
        families.setdefault(mistake.family, []).append(mistake)
    lines = []
    for family, members in families.items():
        if len(members) > SUMMARY_THRESHOLD:
            example = members[0].title.split(": ", 1)[-1]
            lines.append(f"{family} (each of the {len(members)} possibilities, e.g. {example})")
        else:
            lines.extend(member.title for member in members)
    return lines


def catalogue_markdown() -> str:
    """The catalogue as a Markdown list, one bullet per checker (used by the teacher's guide)."""
    blocks = []
    for name, mistakes in catalogue().items():
        unique = list(dict.fromkeys(_family_lines(mistakes)))
        blocks.append(f"- `check.{name}`: " + "; ".join(unique) + ".")
    return "\n".join(blocks) + "\n"


__all__ = [
    "rnn_step",
    "lstm_step",
    "gru_step",
    "rnn_step_backward",
    "lstm_step_backward",
    "gru_step_backward",
    "sigmoid_derivative",
    "tanh_derivative",
    "clip_grad_norm",
    "count_parameters",
    "array_close",
    "CheckResult",
    "all_exercises",
    "checker_names",
    "catalogue",
    "catalogue_markdown",
]

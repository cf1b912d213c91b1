"""The private registry of exercises behind the checkers (for tests and the classroom tools).

A learner's notebook never needs this module: it holds the :class:`~._core.Exercise`
objects, whose reference answers are what the checkers compare with.  The public
API (:mod:`lstm_edu.check`) exposes only the checkers, their results and the
catalogue of mistakes.
"""

from __future__ import annotations

import importlib

from lstm_edu.check._core import Exercise

#: Topic modules of chapter-specific checkers; each has an ``_EXERCISES`` dict.
TOPIC_MODULES = ("gradients", "gates", "practice", "imdb")


def topic(name: str):
    """Import one topic module of :mod:`lstm_edu.check`."""
    return importlib.import_module(f"lstm_edu.check.{name}")


def core_exercises() -> dict[str, tuple[Exercise, ...]]:
    """The checkers that ``lstm_edu.check`` imports eagerly (cells and helpers)."""
    from lstm_edu.check import cells, helpers

    return {
        "rnn_step": (cells._RNN_STEP,),
        "lstm_step": (cells._LSTM_STEP,),
        "gru_step": (cells._GRU_STEP,),
        "rnn_step_backward": (cells._RNN_STEP_BACKWARD,),
        "lstm_step_backward": (cells._LSTM_STEP_BACKWARD,),
        "gru_step_backward": (cells._GRU_STEP_BACKWARD,),
        "sigmoid_derivative": (helpers._slope_exercise("sigmoid", "input"),
                               helpers._slope_exercise("sigmoid", "output")),
        "tanh_derivative": (helpers._slope_exercise("tanh", "input"), helpers._slope_exercise("tanh", "output")),
        "clip_grad_norm": (helpers._CLIP_GRAD_NORM,),
        "count_parameters": (helpers._COUNT_PARAMETERS,),
    }


def exercises() -> dict[str, tuple[Exercise, ...]]:
    """Every checker in the package, with the exercise(s) behind it."""
    found = core_exercises()
    for name in TOPIC_MODULES:
        for checker, value in topic(name)._EXERCISES.items():
            found[checker] = value if isinstance(value, tuple) else (value,)
    return found


def checker(name: str):
    """The public checker function called ``name``."""
    from lstm_edu import check

    return getattr(check, name)

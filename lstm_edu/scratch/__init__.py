"""Recurrent networks from scratch: numpy RNN, LSTM and GRU with backpropagation through time.

No autograd: every gradient is written by hand, checked against centred finite
differences (:mod:`lstm_edu.scratch.gradcheck`) and against PyTorch.

- step functions (:mod:`~lstm_edu.scratch.steps`), the readable reference of one time step:
  ``rnn_step_forward/backward``, ``lstm_step_forward/backward``, ``gru_step_forward/backward``;
- fast sequence layers (:mod:`~lstm_edu.scratch.layers`): ``RNN``, ``LSTM``, ``GRU``;
- a linear read-out (:mod:`~lstm_edu.scratch.linear`): ``Linear``;
- conversion to and from ``torch.nn`` (:mod:`~lstm_edu.scratch.convert`): ``from_torch``, ``to_torch``;
- activations (:mod:`~lstm_edu.scratch.activations`): ``sigmoid``, ``tanh``, ``relu`` and their slopes;
- a numpy LSTM trained end to end on the adding problem (:mod:`~lstm_edu.scratch.demo`): ``train_adding_lstm``.

Equations and parameter layout follow PyTorch (LSTM gates i, f, g, o; GRU gates
r, z, n with the reset applied after the recurrent matmul; two bias vectors).
torch itself is only imported by the conversion functions.
"""

from __future__ import annotations

from lstm_edu.scratch.activations import (
    relu,
    relu_grad_from_output,
    sigmoid,
    sigmoid_grad_from_output,
    tanh,
    tanh_grad_from_output,
)
from lstm_edu.scratch.base import RecurrentLayer
from lstm_edu.scratch.convert import from_torch, to_torch
from lstm_edu.scratch.demo import AddingDemoResult, train_adding_lstm
from lstm_edu.scratch.layers import GRU, LSTM, RNN
from lstm_edu.scratch.linear import Linear
from lstm_edu.scratch.steps import (
    gru_step_backward,
    gru_step_forward,
    lstm_step_backward,
    lstm_step_forward,
    rnn_step_backward,
    rnn_step_forward,
)
from lstm_edu.scratch.validation import PARAM_NAMES, ForwardNotCalledError

__all__ = [
    "RNN",
    "LSTM",
    "GRU",
    "Linear",
    "RecurrentLayer",
    "from_torch",
    "to_torch",
    "train_adding_lstm",
    "AddingDemoResult",
    "rnn_step_forward",
    "rnn_step_backward",
    "lstm_step_forward",
    "lstm_step_backward",
    "gru_step_forward",
    "gru_step_backward",
    "sigmoid",
    "tanh",
    "relu",
    "sigmoid_grad_from_output",
    "tanh_grad_from_output",
    "relu_grad_from_output",
    "PARAM_NAMES",
    "ForwardNotCalledError",
]

"""Checkers for the exercises of chapters 5 (sequence modes) and 6 (training in practice).

Usage in a check cell::

    from lstm_edu.check import practice
    practice.decoder_inputs(decoder_inputs)

Each checker runs the learner's function on several cases (batch size B
different from the number of steps T, so an axis mix-up shows), prints what is
wrong with the help of a catalogue of common mistakes, and returns a result that is true or
false; it never raises because of the learner's code.  Tensors are torch
tensors (the learner may return numpy arrays too).

Chapter 5:

- ``decoder_inputs(fn)``: ``fn(targets (B, T), bos) -> (B, T)``, the decoder's
  inputs under teacher forcing (``bos`` then the targets shifted right).
- ``greedy_decode(fn)``: ``fn(step, state, bos, steps) -> tokens (B, steps)``,
  where ``step(tokens (B,), state) -> (logits (B, V), state)`` is one decoder step.
- ``exact_match(fn)``: ``fn(predicted (B, T), target (B, T)) -> float``, the
  fraction of sequences that are right at *every* step.

Chapter 6:

- ``last_valid_output(fn)``: ``fn(outputs (B, T, H), lengths (B,)) -> (B, H)``,
  each sequence's output at its last real (unpadded) step (myth M36).
- ``bidirectional_summary(fn)``: ``fn(outputs (B, T, 2H), lengths (B,)) -> (B, 2H)``,
  the forward half at the last real step and the backward half at step 0 (myth M19).
- ``lstm_parameter_count(fn)``: ``fn(input_size, hidden_size, num_layers,
  bidirectional) -> int``, the number of parameters of that ``nn.LSTM``.
"""

from __future__ import annotations

import torch
from torch import nn

from lstm_edu.check._core import CheckResult, Case, Exercise, Mistake, Output, run_exercise
from lstm_edu.check.helpers import _count_variant

__all__ = ["bidirectional_summary", "decoder_inputs", "exact_match", "greedy_decode", "lstm_parameter_count",
           "last_valid_output"]


def _mistake(exercise: str, key: str, title: str, explanation: str, hint: str, **flags) -> Mistake:
    return Mistake(key=f"{exercise}.{key}", family=title, title=title, explanation=explanation, hint=hint,
                   flags=flags)


def _tokens(seed: int, shape: tuple[int, int], high: int = 9) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(1, high, shape, generator=generator)


# ---------------------------------------------------------- decoder_inputs


def _decoder_inputs_variant(targets, bos, *, shift: str = "right", axis: int = 1):
    """``bos`` then the targets shifted right (or a mistaken version)."""
    targets = torch.as_tensor(targets)
    moved = targets.transpose(0, 1) if axis == 0 else targets
    start = torch.full_like(moved[:, :1], bos)
    if shift == "none":
        result = moved.clone()
    elif shift == "left":
        result = torch.cat([moved[:, 1:], start], dim=1)
    elif shift == "prepend":
        result = torch.cat([start, moved], dim=1)
    elif shift == "drop_first":
        result = torch.cat([start, moved[:, 1:]], dim=1)
    else:
        result = torch.cat([start, moved[:, :-1]], dim=1)
    return result.transpose(0, 1) if axis == 0 else result


def decoder_inputs_cases() -> list[Case]:
    names = ("targets", "bos")
    return [
        Case("'B=2 sequences of T=5 tokens, bos=0'", (_tokens(0, (2, 5)), 0), names),
        Case("'B=4, T=3, bos=9'", (_tokens(1, (4, 3)), 9), names),
        Case("'B=1, T=6, bos=0'", (_tokens(2, (1, 6)), 0), names),
    ]


_DECODER_INPUTS = Exercise(
    name="decoder_inputs",
    signature="decoder_inputs(targets (B, T), bos) -> decoder inputs (B, T)",
    outputs=(Output("decoder_inputs"),),
    reference=_decoder_inputs_variant,
    variant=_decoder_inputs_variant,
    cases=decoder_inputs_cases,
    catalogue=(
        _mistake("decoder_inputs", "none", "targets not shifted (the decoder sees the answer)",
                 "Your decoder inputs equal the targets, so at step t the decoder is given the very token it must "
                 "predict: training looks perfect and greedy decoding fails.",
                 "start with bos and append the targets without their last token: "
                 "a column of bos, then the targets without their last step.", shift="none"),
        _mistake("decoder_inputs", "left", "shifted left instead of right",
                 "Your decoder inputs are the targets moved one step to the left (bos at the end): at step t the "
                 "decoder sees the *next* target, the future.",
                 "the decoder must see the PREVIOUS token: bos first, then the earlier targets.", shift="left"),
        _mistake("decoder_inputs", "prepend", "bos added without dropping the last token",
                 "Your result has T + 1 steps: bos followed by all T targets.",
                 "drop the last target (it is never an input, there is nothing after it to predict).",
                 shift="prepend"),
        _mistake("decoder_inputs", "drop_first", "first target dropped instead of the last",
                 "Your result is bos followed by targets[:, 1:]: the decoder never sees the first target and sees "
                 "each later one too early.",
                 "keep everything but the LAST target token.", shift="drop_first"),
        _mistake("decoder_inputs", "axis", "shifted along the batch axis",
                 "Your function shifts along axis 0, which is the batch: one sequence receives another "
                 "sequence's tokens.",
                 "targets is (B, T), batch first: shift along dim=1.", axis=0),
    ),
    equations="""
Teacher forcing: at step t the decoder reads the TARGET of step t - 1; at step 0 it reads bos.
So the decoder input is the target sequence moved one step later in time along the time axis,
with bos in front; the last target is never read.
""",
    see="the section on the encoder–decoder and teacher forcing",
)


def decoder_inputs(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(targets, bos) -> decoder inputs`` (teacher forcing)."""
    return run_exercise(_DECODER_INPUTS, fn, hint)


# ------------------------------------------------------------ greedy_decode

VOCAB = 7


class ToyDecoderStep:
    """A stand-in for one decoder step whose best next token depends on the token fed in *and* the state.

    ``step(tokens (B,), state (B,)) -> (logits (B, 7), state + 1)``: the arg-max
    is ``(2 * token + state + 1 + b) % 7`` for row ``b``, so feeding back the
    wrong token, or not carrying the state, gives different sequences.
    """

    def __call__(self, tokens, state):
        tokens = torch.as_tensor(tokens).reshape(-1).long()
        state = torch.as_tensor(state).reshape(-1).long()
        new_state = state + 1
        rows = torch.arange(tokens.shape[0])
        best = (2 * tokens + new_state + rows) % VOCAB
        logits = torch.linspace(-0.3, 0.3, VOCAB).repeat(tokens.shape[0], 1)
        logits[rows, best] = 3.0
        return logits, new_state

    def __repr__(self):
        return "step"


def _greedy_variant(step, state, bos, steps, *, feed: str = "prediction", carry_state: bool = True,
                   include_bos: bool = False, extra_steps: int = 0):
    batch = torch.as_tensor(state).shape[0]
    token = torch.full((batch,), bos, dtype=torch.long)
    initial, outputs = state, [token] if include_bos else []
    for _ in range(steps + extra_steps):
        logits, new_state = step(token, state)
        prediction = logits.argmax(-1)
        outputs.append(prediction)
        state = new_state if carry_state else initial
        token = prediction if feed == "prediction" else torch.full_like(prediction, bos)
    return torch.stack(outputs, dim=1)


def greedy_cases() -> list[Case]:
    names = ("step", "state", "bos", "steps")
    step = ToyDecoderStep()
    return [
        Case("'B=2, bos=0, 5 steps'", (step, torch.zeros(2, dtype=torch.long), 0, 5), names),
        Case("'B=3, bos=4, 4 steps, state starting at 2'", (step, torch.full((3,), 2), 4, 4), names),
        Case("'B=1, bos=0, 6 steps'", (step, torch.zeros(1, dtype=torch.long), 0, 6), names),
    ]


_GREEDY_DECODE = Exercise(
    name="greedy_decode",
    signature="greedy_decode(step, state, bos, steps) -> tokens (B, steps);  "
              "step(tokens (B,), state) -> (logits (B, V), new_state)",
    outputs=(Output("tokens"),),
    reference=_greedy_variant,
    variant=_greedy_variant,
    cases=greedy_cases,
    catalogue=(
        _mistake("greedy_decode", "bos", "bos fed at every step",
                 "Your decoder receives bos at every step instead of the token it has just produced, so it cannot "
                 "know what it already wrote.",
                 "after each step the most probable token becomes the input of the next step.",
                 feed="bos"),
        _mistake("greedy_decode", "state", "state not carried from step to step",
                 "Your loop calls step() with the initial state every time, so the decoder forgets everything "
                 "between steps (and the encoder's summary after the first).",
                 "step() returns a new state: feed THAT state to the next call, not the initial one.", carry_state=False),
        _mistake("greedy_decode", "include_bos", "bos included in the output",
                 "Your output starts with bos and so has steps + 1 columns.",
                 "return only the generated tokens, one per step.", include_bos=True),
        _mistake("greedy_decode", "one_short", "one step too few",
                 "Your output has steps - 1 tokens.",
                 "call step() exactly `steps` times and keep every prediction.", extra_steps=-1),
    ),
    equations="""
Step 0 reads bos (for every row). At every step: run the step function on the current token and
the state; the next token is the most probable one (the arg max of the logits); the new state is
carried to the next step. The result holds the `steps` generated tokens, (B, steps), without bos.
""",
    see="the section on greedy decoding",
)


def greedy_decode(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(step, state, bos, steps) -> tokens`` (greedy decoding)."""
    return run_exercise(_GREEDY_DECODE, fn, hint)


# -------------------------------------------------------------- exact_match


def _exact_match_variant(predicted, target, *, per: str = "sequence", fraction: bool = True):
    equal = torch.as_tensor(predicted) == torch.as_tensor(target)
    if per == "token":
        hits = equal.float()
        return float(hits.mean()) if fraction else float(hits.sum())
    if per == "any":
        rows = equal.any(dim=1).float()
    elif per == "position":
        rows = equal.all(dim=0).float()
    else:
        rows = equal.all(dim=1).float()
    return float(rows.mean()) if fraction else float(rows.sum())


def exact_match_cases() -> list[Case]:
    names = ("predicted", "target")
    target = torch.tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [2, 2, 2, 2, 2], [7, 1, 7, 1, 7]])
    predicted = target.clone()
    predicted[1, 4] = 9  # one wrong token
    predicted[3] = torch.tensor([1, 7, 1, 7, 1])  # all wrong
    other_target = torch.tensor([[3, 1], [3, 2], [1, 1]])
    other_predicted = torch.tensor([[3, 1], [3, 1], [2, 2]])
    return [
        Case("'B=4 sequences of T=5: two right, one with one wrong token, one all wrong'", (predicted, target), names),
        Case("'B=3 sequences of T=2'", (other_predicted, other_target), names),
        Case("'everything right'", (target, target.clone()), names),
    ]


_EXACT_MATCH = Exercise(
    name="exact_match",
    signature="exact_match(predicted (B, T), target (B, T)) -> fraction of sequences right at every step",
    outputs=(Output("exact_match", "scalar"),),
    reference=_exact_match_variant,
    variant=_exact_match_variant,
    cases=exact_match_cases,
    catalogue=(
        _mistake("exact_match", "token", "token accuracy instead of exact match",
                 "Your function returns the fraction of correct tokens. A reversed sequence with one wrong token "
                 "scores 80% there, but it is still a wrong answer.",
                 "a sequence counts only when every step matches; then take the fraction of such sequences.", per="token"),
        _mistake("exact_match", "any", "a sequence counted when any token is right",
                 "Your function counts a sequence as right when at least one of its tokens is right.",
                 "every step must match, not just one.", per="any"),
        _mistake("exact_match", "position", "rows and columns swapped",
                 "Your function checks whole columns (one time step across the batch) instead of whole rows "
                 "(one sequence across its time steps).",
                 "the tensors are (B, T): reduce over the time axis, one answer per sequence.", per="position"),
        _mistake("exact_match", "count", "a count instead of a fraction",
                 "Your function returns how many sequences are right, not which fraction.",
                 "divide by the number of sequences.", fraction=False),
    ),
    equations="""
exact match = (number of sequences b with predicted[b, t] = target[b, t] at EVERY step t) / B
""",
    see="the section on greedy decoding",
    rtol=0.0,
    atol=1e-9,
)


def exact_match(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(predicted, target) -> exact-match accuracy``."""
    return run_exercise(_EXACT_MATCH, fn, hint)


# -------------------------------------------------------- last_valid_output


def _sequence_outputs(seed: int, batch: int, steps: int, features: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, steps, features, generator=generator)


def _last_valid_variant(outputs, lengths, *, position: str = "last_valid"):
    outputs, lengths = torch.as_tensor(outputs), torch.as_tensor(lengths).long()
    rows = torch.arange(outputs.shape[0])
    if position == "padded_end":
        return outputs[:, -1]
    if position == "length":
        return outputs[rows, lengths]
    if position == "first":
        return outputs[:, 0]
    return outputs[rows, lengths - 1]


def last_valid_cases() -> list[Case]:
    names = ("outputs", "lengths")
    return [
        Case("'B=3 padded sequences, T=6, lengths [6, 2, 4], H=4'",
             (_sequence_outputs(0, 3, 6, 4), torch.tensor([6, 2, 4])), names),
        Case("'B=4, T=5, lengths [3, 1, 5, 2], H=3'", (_sequence_outputs(1, 4, 5, 3), torch.tensor([3, 1, 5, 2])),
             names),
        Case("'B=2, T=7, lengths [4, 3], none full length, H=5'",
             (_sequence_outputs(2, 2, 7, 5), torch.tensor([4, 3])), names),
    ]


_LAST_VALID_OUTPUT = Exercise(
    name="last_valid_output",
    signature="last_valid_output(outputs (B, T, H), lengths (B,)) -> (B, H)",
    outputs=(Output("last"),),
    reference=_last_valid_variant,
    variant=_last_valid_variant,
    cases=last_valid_cases,
    catalogue=(
        _mistake("last_valid_output", "padded_end", "read at the last padded position (myth M36)",
                 "Your function returns outputs[:, -1], the output after the padding for every sequence shorter "
                 "than T: the classifier then reads the state after a run of pad tokens.",
                 "pick outputs[b, lengths[b] - 1] for each row b, e.g. outputs[torch.arange(B), lengths - 1].",
                 position="padded_end"),
        _mistake("last_valid_output", "length", "off by one: outputs[b, lengths[b]]",
                 "Your function reads one step after the last real step (the first pad step), and fails for "
                 "sequences of full length.",
                 "indices start at 0: the last real step of a sequence of length L is L - 1.", position="length"),
        _mistake("last_valid_output", "first", "read at the first step",
                 "Your function returns outputs[:, 0], the output after reading a single token.",
                 "a unidirectional network has read the whole sequence only at its last real step.",
                 position="first"),
    ),
    equations="""
for each sequence b: the output at the last REAL time step, index L_b - 1 with L_b = lengths[b]
(0-based; the steps from L_b on are padding)
""",
    see="the section on padding, masking and packing",
)


def last_valid_output(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(outputs, lengths) -> (B, H)``, the output at each sequence's last real step."""
    return run_exercise(_LAST_VALID_OUTPUT, fn, hint)


# --------------------------------------------------- bidirectional_summary


def _bidirectional_variant(outputs, lengths, *, forward_at: str = "last_valid", backward_at: str = "first",
                          swapped: bool = False):
    outputs, lengths = torch.as_tensor(outputs), torch.as_tensor(lengths).long()
    hidden = outputs.shape[-1] // 2
    rows = torch.arange(outputs.shape[0])
    positions = {"last_valid": lengths - 1, "padded_end": torch.full_like(lengths, outputs.shape[1] - 1),
                 "first": torch.zeros_like(lengths)}
    forward = outputs[rows, positions[forward_at], :hidden]
    backward = outputs[rows, positions[backward_at], hidden:]
    return torch.cat([backward, forward] if swapped else [forward, backward], dim=-1)


def bidirectional_cases() -> list[Case]:
    """Real packed bidirectional LSTM outputs, so the right answer is also what h_n holds."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    cases = []
    for seed, (batch, steps, hidden, lengths) in enumerate(((3, 6, 4, [6, 2, 4]), (2, 5, 3, [3, 5]),
                                                            (4, 4, 2, [1, 4, 2, 3]))):
        torch.manual_seed(seed)
        lstm = nn.LSTM(3, hidden, batch_first=True, bidirectional=True)
        x = torch.randn(batch, steps, 3)
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        with torch.no_grad():
            outputs, _ = pad_packed_sequence(lstm(packed)[0], batch_first=True, total_length=steps)
        cases.append(Case(f"'B={batch}, T={steps}, H={hidden}, lengths {lengths}'",
                          (outputs, torch.tensor(lengths)), ("outputs", "lengths")))
    return cases


_BIDIRECTIONAL_SUMMARY = Exercise(
    name="bidirectional_summary",
    signature="bidirectional_summary(outputs (B, T, 2H), lengths (B,)) -> (B, 2H)",
    outputs=(Output("summary"),),
    reference=_bidirectional_variant,
    variant=_bidirectional_variant,
    cases=bidirectional_cases,
    catalogue=(
        _mistake("bidirectional_summary", "last_both", "both halves read at the last step (myth M19)",
                 "Your function reads the backward half at the last step too. The backward direction reads the "
                 "sequence from the end, so at the last real step it has seen a single token; its summary of the "
                 "whole sequence is at step 0.",
                 "take the backward half (the last H features) at step 0.", backward_at="last_valid"),
        _mistake("bidirectional_summary", "padded_end_both", "outputs[:, -1] for both directions (myth M19)",
                 "Your function returns outputs[:, -1]: the forward half after the padding and the backward half "
                 "after reading only the last position.",
                 "forward half at lengths - 1, backward half at step 0 (or read both from h_n).",
                 forward_at="padded_end", backward_at="padded_end"),
        _mistake("bidirectional_summary", "padded_end_forward", "forward half read after the padding",
                 "Your backward half is right, but the forward half is read at the last padded position.",
                 "read the forward half at lengths - 1.", forward_at="padded_end"),
        _mistake("bidirectional_summary", "swapped", "the two halves swapped",
                 "Your result puts the backward summary first. PyTorch's outputs hold the forward direction in "
                 "the first H features and the backward direction in the last H.",
                 "the forward half comes first, as in the two last rows of h_n.", swapped=True),
    ),
    equations="""
Forward direction (first H features): it has read the whole sequence at its last real step, L_b - 1.
Backward direction (last H features): it reads right to left, so it has read everything at step 0.
The summary joins the two halves, forward first: the same as concatenating h_n's two last rows.
""",
    see="the section on bidirectional layers",
)


def bidirectional_summary(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(outputs, lengths) -> (B, 2H)``, the summary of a bidirectional layer."""
    return run_exercise(_BIDIRECTIONAL_SUMMARY, fn, hint)


# ---------------------------------------------------------- lstm_parameter_count


def _parameter_count_variant(input_size, hidden_size, num_layers=1, bidirectional=False, *, blocks: int = 4,
                            biases: int = 2, upper_input: str = "output", directions: str = "counted"):
    """How many parameters ``nn.LSTM(input_size, hidden_size, num_layers, bidirectional=...)`` has.

    Per layer and direction: ``blocks * H * (D_in + H + biases)`` (chapter 4's one-layer
    count, :func:`lstm_edu.check.helpers._count_variant`), where ``D_in`` is
    ``input_size`` for layer 0 and the output width of the layer below (``H``, or ``2H``
    when bidirectional) for the others.  The keywords make the mistaken versions:
    ``blocks=1`` (one weight block instead of i, f, g, o), ``biases=1`` or ``0``,
    ``upper_input="input"`` (upper layers read ``input_size``) or ``"hidden"`` (they read
    ``H`` even when the layer below is bidirectional), ``directions="once"`` (the reverse
    direction not counted).
    """
    n_directions = 2 if bidirectional and directions == "counted" else 1
    below = hidden_size * (2 if bidirectional else 1)
    total = 0
    for layer in range(num_layers):
        if layer == 0 or upper_input == "input":
            layer_input = input_size
        else:
            layer_input = hidden_size if upper_input == "hidden" else below
        # one layer and direction: chapter 4's count (helpers._count_variant)
        total += n_directions * _count_variant("lstm", layer_input, hidden_size, gates={"lstm": blocks}, biases=biases)
    return total


def parameter_count_cases() -> list[Case]:
    names = ("input_size", "hidden_size", "num_layers", "bidirectional")
    sizes = ((8, 32, 1, False), (3, 5, 2, False), (10, 4, 3, True), (1, 7, 1, True))
    return [Case(f"'nn.LSTM({d}, {h}, num_layers={n}, bidirectional={b})'", (d, h, n, b), names)
            for d, h, n, b in sizes]


_LSTM_PARAMETER_COUNT = Exercise(
    name="lstm_parameter_count",
    signature="lstm_parameter_count(input_size, hidden_size, num_layers, bidirectional) -> int",
    outputs=(Output("parameter count", "scalar"),),
    reference=_parameter_count_variant,
    variant=_parameter_count_variant,
    cases=parameter_count_cases,
    catalogue=(
        _mistake("lstm_parameter_count", "one_block", "one weight block instead of four",
                 "Your count is that of a plain RNN layer. An LSTM has four blocks of weights and biases, one "
                 "each for i, f, g and o, stacked into matrices with 4H rows.",
                 "multiply each layer's count by 4.", blocks=1),
        _mistake("lstm_parameter_count", "one_bias", "one bias vector instead of two",
                 "PyTorch keeps two bias vectors per layer and direction, bias_ih and bias_hh, although only "
                 "their sum matters to the gates.",
                 "each layer and direction has 4H * (D_in + H + 2) parameters.", biases=1),
        _mistake("lstm_parameter_count", "no_bias", "the biases left out",
                 "Your count has the weights only; nn.LSTM has bias=True by default.",
                 "add 2 * 4H bias parameters per layer and direction.", biases=0),
        _mistake("lstm_parameter_count", "upper_input", "upper layers counted as reading the input",
                 "A stacked layer reads the output sequence of the layer below it, not x: its weight_ih has "
                 "H (or 2H) columns, not input_size.",
                 "for layer k > 0 the input size is H, or 2H when the layers are bidirectional.", upper_input="input"),
        _mistake("lstm_parameter_count", "upper_hidden", "upper layers of a bidirectional stack read H",
                 "Above a bidirectional layer the next layer reads both directions concatenated: 2H features "
                 "per step, so its weight_ih has 2H columns.",
                 "for layer k > 0 of a bidirectional LSTM, D_in = 2H.", upper_input="hidden"),
        _mistake("lstm_parameter_count", "one_direction", "the reverse direction not counted",
                 "A bidirectional layer has a second, independent set of weights for the reverse direction "
                 "(the parameters whose names end in '_reverse').",
                 "count every layer twice when bidirectional=True.", directions="once"),
    ),
    equations="""
per layer k and per direction: weight_ih_lk (4H x D_k), weight_hh_lk (4H x H), bias_ih_lk and bias_hh_lk (4H)
D_0 = input_size;  for k > 0, D_k = H, or 2H when the layer below is bidirectional
""",
    see="the sections on stacked and bidirectional layers",
    rtol=0.0,
    atol=0.5,
)


def lstm_parameter_count(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(input_size, hidden_size, num_layers, bidirectional) -> int``, the size of an ``nn.LSTM``."""
    return run_exercise(_LSTM_PARAMETER_COUNT, fn, hint)


#: Every checker of this module with its exercise (for a catalogue of mistakes).
_EXERCISES = {
    "decoder_inputs": (_DECODER_INPUTS,),
    "greedy_decode": (_GREEDY_DECODE,),
    "exact_match": (_EXACT_MATCH,),
    "last_valid_output": (_LAST_VALID_OUTPUT,),
    "bidirectional_summary": (_BIDIRECTIONAL_SUMMARY,),
    "lstm_parameter_count": (_LSTM_PARAMETER_COUNT,),
}

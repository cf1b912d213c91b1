"""Checkers for the exercises of chapter 7 (the IMDB capstone).

Usage in a check cell::

    from lstm_edu.check import imdb as check_imdb
    check_imdb.pad_and_truncate(pad_and_truncate)

- ``pad_and_truncate(fn)``: ``fn(sequences (list of id lists), max_len) -> (ids (B, T), lengths (B,))``:
  keep the first ``max_len`` ids of each review, pad with id 0 *after* the review up
  to the longest kept length ``T``, and return the real lengths.
- ``masked_mean(fn)``: ``fn(outputs (B, T, H), lengths (B,)) -> (B, H)``, the mean of
  each review's outputs over its real positions only.
- ``masked_max(fn)``: ``fn(outputs (B, T, H), lengths (B,)) -> (B, H)``, the maximum
  over the real positions only (zero is not a neutral value for a maximum).

Each checker runs the learner's function on several cases (B different from T
and H, lengths that include 1 and the full length), names the common mistake
that reproduces a wrong answer, and returns a result that is true or false; it never raises
because of the learner's code.  Learners may return torch tensors or numpy arrays.
"""

from __future__ import annotations

import torch

from lstm_edu.check._core import CheckResult, Case, Exercise, Mistake, Output, run_exercise

__all__ = ["masked_max", "masked_mean", "pad_and_truncate"]

PAD_ID, UNK_ID = 0, 1


def _mistake(exercise: str, key: str, title: str, explanation: str, hint: str, **flags) -> Mistake:
    return Mistake(key=f"{exercise}.{key}", family=title, title=title, explanation=explanation, hint=hint,
                   flags=flags)


# --------------------------------------------------------- pad_and_truncate


def _pad_variant(sequences, max_len, *, side: str = "post", pad_value: int = PAD_ID, keep: str = "head",
                cap_lengths: bool = True, width: str = "longest"):
    """Pad/truncate id lists (or a mistaken version of it)."""
    kept = []
    for sequence in sequences:
        sequence = [int(i) for i in sequence]
        if len(sequence) > max_len:
            sequence = sequence[:max_len] if keep == "head" else sequence[-max_len:]
        kept.append(sequence)
    lengths = [len(s) for s in kept] if cap_lengths else [len(s) for s in sequences]
    steps = max_len if width == "max_len" else max(len(s) for s in kept)
    ids = torch.full((len(kept), steps), pad_value, dtype=torch.int64)
    for row, sequence in enumerate(kept):
        if side == "post":
            ids[row, :len(sequence)] = torch.tensor(sequence, dtype=torch.int64)
        else:
            ids[row, steps - len(sequence):] = torch.tensor(sequence, dtype=torch.int64)
    return ids, torch.tensor(lengths, dtype=torch.int64)


def pad_cases() -> list[Case]:
    names = ("sequences", "max_len")
    return [
        Case("'3 reviews of lengths 4, 2, 7 and max_len=5'",
             ([[5, 8, 2, 9], [7, 3], [4, 4, 6, 2, 8, 9, 3]], 5), names),
        Case("'4 reviews of lengths 1, 3, 2, 3 and max_len=10'", ([[9], [2, 3, 4], [1, 6], [8, 7, 5]], 10), names),
        Case("'2 reviews longer than max_len=3'", ([[2, 3, 4, 5, 6], [7, 8, 9, 10]], 3), names),
    ]


_PAD_AND_TRUNCATE = Exercise(
    name="pad_and_truncate",
    signature="pad_and_truncate(sequences (list of id lists), max_len) -> (ids (B, T), lengths (B,))",
    outputs=(Output("ids"), Output("lengths")),
    reference=_pad_variant,
    variant=_pad_variant,
    cases=pad_cases,
    catalogue=(
        _mistake("pad_and_truncate", "unk", "padded with the unknown-word id (myth M36)",
                 "Your padding uses id 1, the id of <unk>: the model cannot tell padding from a rare word, which "
                 "is d2l's pad == unk bug.",
                 "pad with id 0 (<pad>), the id reserved for padding.", pad_value=UNK_ID),
        _mistake("pad_and_truncate", "pre", "padding before the review",
                 "Your padding comes before each review (Keras' default 'pre' padding). That is allowed with "
                 "masks, but this book's models pack batches whose reviews start at position 0.",
                 "put the ids first and the padding after them (post-padding).", side="pre"),
        _mistake("pad_and_truncate", "tail", "kept the last max_len ids",
                 "For reviews longer than max_len your function keeps the end of the review; this exercise keeps "
                 "the first max_len ids.",
                 "truncate with seq[:max_len].", keep="tail"),
        _mistake("pad_and_truncate", "lengths", "lengths not capped at max_len",
                 "Your lengths are the lengths before truncation, so they can exceed the width of the batch and "
                 "point into positions that do not exist.",
                 "compute the lengths after truncating: min(len(seq), max_len).", cap_lengths=False),
        _mistake("pad_and_truncate", "width", "always max_len columns",
                 "Your batch always has max_len columns, even when every review is shorter: that is correct but "
                 "wastes time on padding. This exercise pads only to the longest kept review.",
                 "use T = the longest length after truncation.", width="max_len"),
    ),
    equations="""
Keep the FIRST max_len ids of each review. T = the longest kept length in the batch.
Row b holds review b's kept ids at the start, then the padding id 0 up to T (post-padding).
lengths[b] = how many real ids row b holds.
""",
    see="the section on padding and bucketing",
)


def pad_and_truncate(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(sequences, max_len) -> (ids, lengths)`` (post-padding with id 0, head truncation)."""
    return run_exercise(_PAD_AND_TRUNCATE, fn, hint)


# ------------------------------------------------------------- pooling


def _outputs(seed: int, batch: int, steps: int, features: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, steps, features, generator=generator)


def _with_padding(outputs: torch.Tensor, lengths: torch.Tensor, value: float) -> torch.Tensor:
    """``value`` at the padding positions (0 is what ``pad_packed_sequence`` returns)."""
    mask = torch.arange(outputs.shape[1])[None, :] < lengths[:, None]
    return torch.where(mask[..., None], outputs, torch.full_like(outputs, value))


def pooling_cases() -> list[Case]:
    names = ("outputs", "lengths")
    first, second, third = torch.tensor([6, 2, 4]), torch.tensor([3, 1, 5, 2]), torch.tensor([4, 3])
    return [
        Case("'B=3, T=6, H=4, lengths [6, 2, 4], zeros at the padding'",
             (_with_padding(_outputs(0, 3, 6, 4), first, 0.0), first), names),
        Case("'B=4, T=5, H=3, lengths [3, 1, 5, 2], the value 5.0 at the padding'",
             (_with_padding(_outputs(1, 4, 5, 3), second, 5.0), second), names),
        Case("'B=2, T=7, H=5, lengths [4, 3], all real outputs negative, zeros at the padding'",
             (_with_padding(-_outputs(2, 2, 7, 5).abs() - 0.1, third, 0.0), third), names),
    ]


def _mean_variant(outputs, lengths, *, over: str = "real", divide_by: str = "lengths", axis: int = 1):
    outputs, lengths = torch.as_tensor(outputs).double(), torch.as_tensor(lengths).long()
    if axis == 0:
        return outputs.mean(dim=0)
    steps = outputs.shape[1]
    if over == "shifted":
        mask = torch.arange(steps)[None, :] < (lengths - 1)[:, None]
    else:
        mask = torch.arange(steps)[None, :] < (lengths if over == "real" else torch.full_like(lengths, steps))[:, None]
    total = (outputs * mask[..., None]).sum(dim=1)
    if divide_by == "none":
        return total
    if divide_by == "steps":
        return total / steps
    return total / mask.sum(dim=1, keepdim=True).clamp(min=1)


_MASKED_MEAN = Exercise(
    name="masked_mean",
    signature="masked_mean(outputs (B, T, H), lengths (B,)) -> (B, H)",
    outputs=(Output("pooled"),),
    reference=_mean_variant,
    variant=_mean_variant,
    cases=pooling_cases,
    catalogue=(
        _mistake("masked_mean", "all_steps", "averaged over every position, padding included",
                 "Your function computes outputs.mean(dim=1): whatever sits at the padding positions counts, and "
                 "the result depends on how much padding the batch has.",
                 "sum over the real positions only and divide by each review's length; zero the padding by "
                 "filling it, not by multiplying with the mask (inf * 0 is nan).",
                 over="all", divide_by="lengths"),
        _mistake("masked_mean", "no_division", "summed, not averaged",
                 "Your function returns the sum over the real positions: long reviews get larger vectors.",
                 "divide the masked sum by the number of real positions of each review.", divide_by="none"),
        _mistake("masked_mean", "divide_by_T", "divided by T instead of the length",
                 "Your masked sum is divided by the padded length T, the same for every review: short reviews get "
                 "smaller averages.",
                 "divide by each review's own length, not by the padded length T.", divide_by="steps"),
        _mistake("masked_mean", "off_by_one", "mask one position too short",
                 "Your mask keeps positions t < lengths - 1, dropping each review's last real output.",
                 "position t is real when t < lengths[b] (positions start at 0).", over="shifted"),
        _mistake("masked_mean", "batch_axis", "averaged over the batch axis",
                 "Your function averages over dim 0, mixing different reviews.",
                 "outputs is (B, T, H): average over the time axis, dim=1.", axis=0),
    ),
    equations="""
pooled[b] = (1 / L_b) sum_{t < L_b} outputs[b, t]        L_b = lengths[b]; padded steps never count
""",
    see="the section on pooling",
)


def _max_variant(outputs, lengths, *, fill: str = "-inf", over: str = "real"):
    outputs, lengths = torch.as_tensor(outputs).double(), torch.as_tensor(lengths).long()
    steps = outputs.shape[1]
    if over == "all":
        return outputs.amax(dim=1)
    mask = torch.arange(steps)[None, :] < lengths[:, None]
    value = float("-inf") if fill == "-inf" else 0.0
    return outputs.masked_fill(~mask[..., None], value).amax(dim=1)


_MASKED_MAX = Exercise(
    name="masked_max",
    signature="masked_max(outputs (B, T, H), lengths (B,)) -> (B, H)",
    outputs=(Output("pooled"),),
    reference=_max_variant,
    variant=_max_variant,
    cases=pooling_cases,
    catalogue=(
        _mistake("masked_max", "all_steps", "maximum over every position, padding included",
                 "Your function takes the maximum over all positions, so any padding value larger than the "
                 "real outputs wins and the result depends on the padding.",
                 "set the padding positions to minus infinity before the maximum, so they can never win.", over="all"),
        _mistake("masked_max", "zero_fill", "padding filled with 0 before the maximum",
                 "Your function masks the padding with 0, but 0 is not neutral for a maximum: it beats every "
                 "negative output.",
                 "fill with float('-inf') (the neutral value of max), not 0.", fill="zero"),
    ),
    equations="""
pooled[b, h] = max_{t < L_b} outputs[b, t, h]        L_b = lengths[b]; padded steps never count,
whatever they hold (even -inf or +inf)
""",
    see="the section on pooling",
)


def masked_mean(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(outputs, lengths) -> (B, H)``, the mean over the real positions."""
    return run_exercise(_MASKED_MEAN, fn, hint)


def masked_max(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(outputs, lengths) -> (B, H)``, the maximum over the real positions."""
    return run_exercise(_MASKED_MAX, fn, hint)


_EXERCISES = {exercise.name: exercise for exercise in (_PAD_AND_TRUNCATE, _MASKED_MEAN, _MASKED_MAX)}

"""What every chapter shares: the quick/full-size switch, the device, and seeding.

:func:`full_size` reads the book's one size switch (``LSTM_EDU_FULL``, or a GPU), which
:func:`grading` (``LSTM_EDU_GRADING``, set by autograders) overrides; :func:`long_runs`
(``LSTM_EDU_LONG_RUNS``) opts in to the full-size runs that exceed a chapter's GPU time budget;
:func:`get_device` picks CUDA, then MPS, then the CPU; :func:`seed_everything`
seeds Python, numpy and torch.
"""

from __future__ import annotations

import os
import random

import numpy as np

#: Name of the book's one switch between quick demonstrations and full-size runs.
FULL_SIZE_ENV = "LSTM_EDU_FULL"
#: Set by the recommended nbgrader configuration while an autograder runs a notebook.
GRADING_ENV = "LSTM_EDU_GRADING"
#: Opt-in to the full-size runs that do not fit a chapter's GPU time budget (see :func:`long_runs`).
LONG_RUNS_ENV = "LSTM_EDU_LONG_RUNS"


def grading() -> bool:
    """Whether an autograder (nbgrader, otter-grader) is running the notebook.

    True when ``LSTM_EDU_GRADING`` is ``1`` (or ``true``/``yes``/``on``); heavy cells then
    run their smallest version and :func:`full_size` is False whatever the hardware.
    """
    value = os.environ.get(GRADING_ENV, "").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"", "0", "false", "no", "off"}:
        return False
    raise ValueError(f"{GRADING_ENV}={value!r} is not understood; use 1 or 0")


def full_size() -> bool:
    """Whether heavy experiments should run at full size.

    True when the environment variable ``LSTM_EDU_FULL`` is ``1`` (or ``true``/``yes``),
    or, unless it is explicitly ``0``, when a CUDA GPU is present.  The book build on a
    CPU therefore runs the quick versions; Colab with a GPU runs the full ones.  While an
    autograder runs the notebook (:func:`grading`) it is always False.
    """
    if grading():
        return False
    value = os.environ.get(FULL_SIZE_ENV, "").strip().lower()
    if value in {"1", "true", "yes"}:
        return True
    if value in {"0", "false", "no"}:
        return False
    if value:
        raise ValueError(f"{FULL_SIZE_ENV}={value!r} is not understood; use 1 or 0")
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def long_runs() -> bool:
    """Whether a full-size chapter also runs its long, opt-in experiments.

    At full size each chapter's default runs are sized to finish within the book's GPU time
    budget (about 10 minutes per chapter on Colab's usual GPU, a T4, and 20 for the capstone;
    the README says how that was estimated).  Runs beyond it, such as the capstone's full-size
    model comparison and its tutorial reproductions, start only when ``LSTM_EDU_LONG_RUNS`` is
    ``1`` (or ``true``/``yes``/``on``) **and** :func:`full_size` is True; otherwise the chapter
    runs them at its quick size (its recorded full-size results are shown in either case).  An
    unreadable value raises ``ValueError`` even in quick mode, so a typo is not silently ignored.
    While an autograder runs (:func:`grading`) it is False.
    """
    value = os.environ.get(LONG_RUNS_ENV, "").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        wanted = True
    elif value in {"", "0", "false", "no", "off"}:
        wanted = False
    else:
        raise ValueError(f"{LONG_RUNS_ENV}={value!r} is not understood; use 1 or 0")
    return wanted and full_size()


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python's ``random``, numpy's global generator and torch (CPU and CUDA).

    Returns a fresh ``numpy.random.Generator`` seeded with ``seed`` so that new
    code can use the recommended generator API.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # the numpy chapters work without torch
        pass
    else:
        torch.manual_seed(seed)  # also seeds every CUDA device
    return np.random.default_rng(seed)


def get_device(prefer: str = "auto"):
    """Choose a torch device: CUDA if present, then Apple's MPS, then the CPU.

    ``prefer`` may be ``"auto"`` or an explicit ``"cuda"``, ``"mps"`` or ``"cpu"``;
    asking for an accelerator that is not available raises a clear error instead
    of silently falling back.
    """
    import torch

    choice = str(prefer).lower()
    if choice not in {"auto", "cuda", "mps", "cpu"}:
        raise ValueError(f"unknown device {prefer!r}; choose 'auto', 'cuda', 'mps' or 'cpu'")
    mps_ok = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if choice == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if mps_ok:
            return torch.device("mps")
        return torch.device("cpu")
    if choice == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was requested but torch sees no CUDA GPU; use 'auto' or 'cpu'")
    if choice == "mps" and not mps_ok:
        raise RuntimeError("device 'mps' was requested but this machine has no Apple MPS backend; use 'auto' or 'cpu'")
    return torch.device(choice)

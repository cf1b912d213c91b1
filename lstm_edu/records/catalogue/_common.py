"""Small helpers shared by the experiment modules: thinning curves, summary statistics, settings."""

from __future__ import annotations

import dataclasses
import math

import numpy as np


def thin(values, every: int, window: int = 1) -> list[float]:
    """Every ``every``-th value of the running mean over ``window`` values (the last value always kept)."""
    values = np.asarray(values, dtype=float)
    if window > 1 and len(values) >= window:
        values = np.convolve(values, np.ones(window) / window, mode="valid")
    idx = list(range(every - 1, len(values), every))
    if not idx or idx[-1] != len(values) - 1:
        idx.append(len(values) - 1)
    return [float(values[i]) for i in idx]


def mean_and_se(values) -> tuple[float, float]:
    """Mean and standard error of the mean (0 for one value)."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float(values.mean()), 0.0
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def set_threads(config: dict) -> None:
    """Use the configuration's number of torch CPU threads (small models run best on one)."""
    import torch

    threads = config.get("threads")
    if threads:
        torch.set_num_threads(int(threads))


def config_values(config) -> dict:
    """A configuration dataclass as a plain dict without its free-text ``description`` (what a record keeps)."""
    return {key: value for key, value in dataclasses.asdict(config).items() if key != "description"}

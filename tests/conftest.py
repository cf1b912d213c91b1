"""Shared pytest configuration."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# As the Makefile does: when the repository sits next to a shared/data folder with the offline copies
# of the datasets (CI), the loaders read them there instead of downloading, also under a bare `pytest`.
_SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if (_SHARED_DATA / "mnist").is_dir():
    os.environ.setdefault("LSTM_EDU_DATA", str(_SHARED_DATA))

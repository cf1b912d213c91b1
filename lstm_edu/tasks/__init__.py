"""Synthetic sequence tasks whose right answer (or best baseline) is known exactly.

- :mod:`lstm_edu.tasks.long_lag`: tasks that need memory over a long lag, with the baseline a
  memoryless model reaches: the adding problem, the copy task, the echo task (chapters 2-4);
- :mod:`lstm_edu.tasks.sequence_modes`: one small task per sequence mode (waveforms, regime
  tagging, reversal, sorting, an echo stream, the last token of a padded sequence; chapters 5-6).

Every generator is re-exported here, so a chapter writes ``from lstm_edu import tasks`` and
``tasks.adding_problem(...)``.
"""

from lstm_edu.tasks.long_lag import (
    ADDING_BASELINE_MSE,
    COPY_BLANK,
    adding_baseline_mse,
    adding_problem,
    as_generator,
    copy_baseline,
    copy_delimiter,
    copy_num_classes,
    copy_task,
    echo_task,
)
from lstm_edu.tasks.sequence_modes import (
    BOS,
    IGNORE,
    PAD,
    echo_stream,
    future_tags,
    last_token_task,
    regime_posterior,
    regime_signal,
    reversal_pairs,
    sorting_pairs,
    waveforms,
)

__all__ = [
    "ADDING_BASELINE_MSE", "COPY_BLANK", "adding_baseline_mse", "adding_problem", "as_generator",
    "copy_baseline", "copy_delimiter", "copy_num_classes", "copy_task", "echo_task",
    "BOS", "IGNORE", "PAD", "echo_stream", "future_tags", "last_token_task", "regime_posterior",
    "regime_signal", "reversal_pairs", "sorting_pairs", "waveforms",
]

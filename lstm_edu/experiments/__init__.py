"""Small, seeded torch experiments that the chapters run (quick on a CPU, full size with ``lstm_edu.full_size()``).

- :mod:`lstm_edu.experiments.gates`: LSTM gate variants (Greff et al.'s NFG, NOAF, CIFG),
  the forget-gate bias, and a small trainer for the adding problem (chapters 3 and 4).
"""

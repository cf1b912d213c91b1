"""Recurrent networks in PyTorch: the models the chapters train and the loop that trains them.

- :mod:`lstm_edu.nets.models`: batch-first models, one per sequence mode (MLP, vector to
  sequence, sequence classifier, tagger, seq2seq), and helpers such as ``set_forget_gate_bias``;
- :mod:`lstm_edu.nets.training`: ``fit()`` (device choice, mixed precision on CUDA, clipping,
  early stopping, atomic checkpoints, a ``History`` that plots itself), ``evaluate``,
  ``predict`` and truncated BPTT on one long stream.
"""

"""Recurrent networks in PyTorch: the models the chapters train and the loop that trains them.

- :mod:`lstm_edu.nets.models`: batch-first models, one per sequence mode (MLP, vector to
  sequence, sequence classifier, tagger, seq2seq), and helpers such as ``set_forget_gate_bias``;
- :mod:`lstm_edu.nets.training`: ``fit()`` (device choice, mixed precision on CUDA, clipping,
  early stopping, checkpoints), ``evaluate`` and ``predict``;
- :mod:`lstm_edu.nets.metrics`: ``accuracy``, ``sequence_cross_entropy``, batch-weighted averages;
- :mod:`lstm_edu.nets.history`: the per-epoch ``History`` that ``fit`` returns, which plots itself;
- :mod:`lstm_edu.nets.checkpoints`: atomic checkpoint files, read back safely;
- :mod:`lstm_edu.nets.truncated_bptt`: training on one long stream chunk by chunk (chapter 6).
"""

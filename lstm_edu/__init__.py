"""lstm_edu: the companion package of the interactive LSTM textbook.

Chapters hold the explanation and short calls; this package holds the reusable
logic, tested by pytest.  Its folders follow the book's architecture, from the
hand-written cells to the capstone, then the pictures and the classroom:

Recurrent networks, by hand and in PyTorch
    :mod:`lstm_edu.scratch`      numpy RNN, LSTM and GRU steps and layers with hand-written BPTT,
                                 their gradient checks (``scratch.gradcheck``) and numpy optimisers
                                 (``scratch.optim``), conversion to and from ``torch.nn``
    :mod:`lstm_edu.nets`         the torch models the chapters train and ``fit()``, the training loop
                                 (split into one epoch, evaluation, early stopping, checkpoints)

What the networks are trained and measured on
    :mod:`lstm_edu.tasks`        synthetic tasks with known answers: long-lag tasks (adding, copy,
                                 echo) and one small task per sequence mode
    :mod:`lstm_edu.datasets`     verified downloads and the MNIST loader (``LSTM_EDU_DATA``)
    :mod:`lstm_edu.experiments`  the measurements the chapters and the myths appendix run:
                                 gradient flow through time, gate ablations, myth demonstrations
    :mod:`lstm_edu.imdb`         the capstone: IMDB data, classifiers, training, analysis, CLI

What the reader sees
    :mod:`lstm_edu.diagrams`     pictures drawn by code: the unrolled RNN, LSTM and GRU cells,
                                 the sequence modes, the activation functions
    :mod:`lstm_edu.widgets`      interactive viewers that also respond in the static HTML book

The classroom
    :mod:`lstm_edu.check`        exercise checkers that name the mistake
    :mod:`lstm_edu.classroom`    student and instructor editions of the notebooks

:mod:`lstm_edu.settings` holds what every chapter shares, re-exported here:
:func:`seed_everything`, :func:`get_device`, :func:`full_size`, the book's
one switch between quick and full-size runs, :func:`long_runs` (the capstone's opt-in
for its longest runs) and :func:`grading`.  The networks, tasks and datasets never
import the pictures, the widgets or the classroom.
"""

from lstm_edu.settings import full_size, get_device, grading, long_runs, seed_everything

__version__ = "0.1.0"

__all__ = ["__version__", "full_size", "get_device", "grading", "long_runs", "seed_everything"]

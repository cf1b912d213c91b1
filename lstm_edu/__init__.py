"""lstm_edu: the companion package of the interactive LSTM textbook.

Chapters hold the explanation and short calls; this package holds the reusable
logic, tested by pytest:

- :mod:`lstm_edu.scratch`   numpy RNN, LSTM and GRU with hand-written backpropagation
- :mod:`lstm_edu.gradcheck` centred-difference gradient checks
- :mod:`lstm_edu.optim`     SGD, Adam and global-norm clipping for numpy parameter dicts
- :mod:`lstm_edu.check`     exercise checkers that diagnose common mistakes
- :mod:`lstm_edu.classroom` student and instructor editions of the notebooks
"""

from lstm_edu.runtime import full_size, get_device, seed_everything

__version__ = "0.1.0"

__all__ = ["__version__", "full_size", "get_device", "seed_everything"]

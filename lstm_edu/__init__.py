"""lstm_edu: the companion package of the interactive LSTM textbook.

Chapters hold the explanation and short calls; this package holds the reusable
logic, tested by pytest.  Modules, by job:

From-scratch cells (numpy, no autograd)
    :mod:`lstm_edu.scratch`     RNN, LSTM and GRU steps and layers with hand-written BPTT,
                                conversion to and from ``torch.nn``; ``scratch.demo`` trains one
    :mod:`lstm_edu.scratch.gradcheck`   centred-difference gradient checks
    :mod:`lstm_edu.scratch.optim`       SGD, Adam and global-norm clipping for numpy parameter dicts
    :mod:`lstm_edu.diagrams.activations` sigmoid, tanh, ReLU, leaky ReLU and their slopes

Experiments and data
    :mod:`lstm_edu.tasks`, :mod:`lstm_edu.tasks.sequence_modes`   task generators (adding problem, copy
                                task, echo, reversal, sorting, ...) with their baselines
    :mod:`lstm_edu.experiments.gradient_flow`    gradient norms through time (∂h_T/∂h_t, ∂c_T/∂c_t)
    :mod:`lstm_edu.experiments` LSTM gate ablations and forget-bias experiments
    :mod:`lstm_edu.nets.models`      small torch models shared by the chapters
    :mod:`lstm_edu.nets.training`    ``fit()``: device choice, mixed precision on CUDA, clipping,
                                early stopping, atomic checkpoints, history for plotting
    :mod:`lstm_edu.datasets`        verified downloads and the MNIST loader (``LSTM_EDU_DATA``)
    :mod:`lstm_edu.imdb`        the capstone: IMDB data, models, training, CLI
    :mod:`lstm_edu.experiments.myths`       demonstrations for the myths-and-corrections appendix

Pictures and widgets (respond in Colab and in the static HTML book)
    :mod:`lstm_edu.diagrams`    unrolled RNN, LSTM and GRU cells, sequence modes, drawn by code
    :mod:`lstm_edu.widgets`     frame players: precomputed frames switched in the browser
    :mod:`lstm_edu.widgets.gate_explorer`, :mod:`lstm_edu.widgets.stepper`, :mod:`lstm_edu.widgets.gradient_flow_viewer`
                                gate explorers, sequence stepper, gradient-flow viewer

Classroom
    :mod:`lstm_edu.check`       exercise checkers that name the mistake
    :mod:`lstm_edu.classroom`   student and instructor editions (``make student``)

Shared helpers here: :func:`seed_everything`, :func:`get_device`, and
:func:`full_size`, the book's one switch between quick and full-size runs.
"""

from lstm_edu.settings import full_size, get_device, seed_everything

__version__ = "0.1.0"

__all__ = ["__version__", "full_size", "get_device", "seed_everything"]

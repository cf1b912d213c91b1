"""Widgets that respond in a live kernel and in the static HTML book alike.

- :mod:`lstm_edu.widgets.frames`: frame players, precomputed figures switched in the browser;
- :mod:`lstm_edu.widgets.gate_explorer`: move one LSTM or GRU unit's inputs and biases, watch its cell;
- :mod:`lstm_edu.widgets.stepper`: step through a trained model's gates along a sequence;
- :mod:`lstm_edu.widgets.gradient_flow_viewer`: heat strips of gradient norms through time.
"""

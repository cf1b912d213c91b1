"""Diagrams drawn by lstm_edu itself (no external images).

- :mod:`lstm_edu.diagrams.lstm_cell`: the LSTM cell as SVG, able to show live values;
- :mod:`lstm_edu.diagrams.gru_cell`: the GRU cell, drawn the same way.
- :mod:`lstm_edu.diagrams.unrolled`: a recurrent network rolled up and unrolled in time
  (matplotlib), with the weight sharing and the BPTT gradient path marked;
- :mod:`lstm_edu.diagrams.unrolled_lstm`: the LSTM unrolled in time, with the cell path and its
  product of forget gates marked (matplotlib);
- :mod:`lstm_edu.diagrams.primitives`: matplotlib boxes, circles, arrows and loops with
  anchor points, for block diagrams in the same colours.
"""

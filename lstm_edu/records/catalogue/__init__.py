"""The full-size experiments of chapters 2 to 7 registered by this package.

Each module registers its experiments when imported; each experiment calls the same package
functions as the chapter's quick run, at the size its record needs.  (The capstone's own presets,
``imdb-cpu`` and friends, are registered by :mod:`lstm_edu.imdb`.)
"""

from lstm_edu.records.catalogue import adding, clipping, imdb_runs, mnist_rows  # noqa: F401  (registers)

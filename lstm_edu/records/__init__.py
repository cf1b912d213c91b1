"""Recorded full-size runs: named experiments, their records, and how the book shows them.

The HTML book is built on a small CPU, so its heavy experiments run in a quick version.  Where a
conclusion needs the full size, the chapter shows a *record*: the result of one named, full-size
run, committed to the repository as small JSON under ``records/`` (metrics, learning curves, seeds
and provenance; never model weights).

In a chapter::

    from lstm_edu import records
    records.show("ablation-lstm")          # figure/table + one-line provenance caption
    rec = records.load("ablation-lstm")    # rec.metrics, rec.curves, rec.provenance

From a terminal::

    python -m lstm_edu.records list             # every named experiment and its state
    python -m lstm_edu.records run NAME         # run it at full size, write records/NAME.json
    python -m lstm_edu.records show NAME        # print its table and caption
    python -m lstm_edu.records render           # regenerate benchmarks/RESULTS.md

Registering an experiment from another module is one call (see :func:`register`); a subpackage
``lstm_edu/<pkg>/`` that holds a module ``recorded.py`` has it imported automatically the first
time any name is looked up, so its registrations are always known.

Modules, by job: :mod:`~lstm_edu.records.registry` (named experiments),
:mod:`~lstm_edu.records.provenance` (device, versions, commit, hashes),
:mod:`~lstm_edu.records.storage` (the versioned JSON format, atomic writes),
:mod:`~lstm_edu.records.runner` (run one experiment and save its record),
:mod:`~lstm_edu.records.display` (figures, tables, captions, placeholders),
:mod:`~lstm_edu.records.report` (the generated ``benchmarks/RESULTS.md``),
:mod:`~lstm_edu.records.freshness` (which records the notebooks use, and whether they are current),
:mod:`~lstm_edu.records.catalogue` (the experiments of chapters 2 to 7 registered here).
"""

from lstm_edu.records.display import caption, show
from lstm_edu.records.freshness import check_references, notebook_references
from lstm_edu.records.provenance import config_hash
from lstm_edu.records.registry import Experiment, experiment, experiments, get, names, register
from lstm_edu.records.runner import run
from lstm_edu.records.storage import (
    FORMAT_VERSION,
    Record,
    RecordError,
    load,
    record_path,
    records_dir,
    save,
)

__all__ = [
    "FORMAT_VERSION",
    "Experiment",
    "Record",
    "RecordError",
    "caption",
    "check_references",
    "config_hash",
    "experiment",
    "experiments",
    "get",
    "load",
    "names",
    "notebook_references",
    "record_path",
    "records_dir",
    "register",
    "run",
    "save",
    "show",
]

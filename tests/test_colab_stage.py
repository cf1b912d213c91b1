"""The Colab stage's own logic (scripts/colab_stage.py); the stage itself is `make test-colab`."""

from __future__ import annotations

import sys

import pytest

from bookpaths import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import colab_stage  # noqa: E402

BEFORE = ["ipywidgets==7.7.1", "numpy==2.1.3", "pip==24.1.2"]


def test_a_freeze_that_gained_only_lstm_edu_passes():
    for line in ["lstm_edu @ file:///tmp/x/lstm-book", "lstm-edu==0.1.0",
                 "lstm_edu @ git+https://example.org/r@0123abc"]:
        assert colab_stage.only_lstm_edu_added(BEFORE, BEFORE + [line]) == [f"+ {line}"]


@pytest.mark.parametrize("after", [
    BEFORE,                                                                # nothing installed
    ["ipywidgets==8.1.9", "numpy==2.1.3", "pip==24.1.2", "lstm_edu==0.1.0"],  # an upgrade on the side
    BEFORE + ["lstm_edu==0.1.0", "torch==2.13.0"],                         # torch pulled in
    ["numpy==2.1.3", "pip==24.1.2", "lstm_edu==0.1.0"],                    # something removed
    BEFORE + ["lstm_edu_extras==1.0"],                                     # a look-alike name
])
def test_any_other_change_fails_and_is_listed(after):
    with pytest.raises(colab_stage.StageError, match="changed more than lstm_edu"):
        colab_stage.only_lstm_edu_added(BEFORE, after)


def test_the_constraints_name_their_source_and_date():
    assert colab_stage.CONSTRAINTS, "no constraints/colab-*.txt"
    header = colab_stage.CONSTRAINTS[0].read_text(encoding="utf-8").split("\n", 12)
    text = "\n".join(header[:12])
    assert "googlecolab/backend-info" in text and "pip-freeze.txt" in text
    assert "2026-08-19" in text
    pins = dict(line.split("==", 1) for line in colab_stage.CONSTRAINTS[0].read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert pins["ipywidgets"] == "7.7.1" and pins["ipython"] == "7.34.0" and pins["numpy"] == "2.1.3"
    assert "torch" not in pins, "torch is installed by the stage itself (CPU build), not from Colab's URL"


def test_the_environment_is_rebuilt_when_its_inputs_change(monkeypatch):
    first = colab_stage.fingerprint()
    monkeypatch.setattr(colab_stage, "TORCH_SPEC", "torch==9.9.9")
    assert colab_stage.fingerprint() != first

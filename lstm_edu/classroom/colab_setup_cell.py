"""The first cell of every Colab notebook: install ``lstm_edu`` without touching Colab's packages.

This file is a template: :func:`lstm_edu.classroom.colab.setup_cell_source` copies the part
below the ``# --- cell ---`` line into each notebook of the Colab edition, replacing the
``__PLACEHOLDER__`` strings (package version, install source, requirements, where to
report problems).  It is plain Python (no ``%pip`` magic) so that it also runs as a script,
which is how the Colab stage of the tests installs the package "exactly as the cell does".

What the cell does, in order:

1. if ``lstm_edu`` of the book's version is already importable: nothing to install;
2. checks that the installed packages satisfy the book's requirements (versions read
   with :mod:`importlib.metadata`); an unmet one (e.g. ipywidgets older than 7.7, no torch)
   stops with a message saying what to do, *before* anything is installed;
3. ``pip install --no-deps`` of the pinned source: only ``lstm_edu`` is added, every package
   Colab ships keeps its version (torch is never reinstalled);
4. imports the package and compares its version; any failure (no network, GitHub
   unreachable, a wrong tag) stops with a message instead of a later ``ModuleNotFoundError``.

The environment variable ``LSTM_EDU_SOURCE`` replaces the install source (the tests point it
at the working tree; a reader behind a firewall can point it at a downloaded copy).
"""

# --- cell ---
import importlib
import importlib.metadata
import os
import socket
import subprocess
import sys

LSTM_EDU_VERSION = "__VERSION__"
LSTM_EDU_SOURCE = os.environ.get("LSTM_EDU_SOURCE") or "__SOURCE__"
LSTM_EDU_NEEDS = {"__NEEDS__": ""}  # what lstm_edu requires, from the book's pyproject.toml


class SetupFailed(Exception):
    """Stops "Run all" at this cell with a plain message (IPython shows no traceback)."""

    def _render_traceback_(self):
        return ["", "SET-UP FAILED: lstm_edu is not ready.", "", *str(self).split("\n")]


def _installed(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _unmet_requirements():
    try:
        from packaging.specifiers import SpecifierSet
    except ImportError:  # pip always carries a copy
        from pip._vendor.packaging.specifiers import SpecifierSet
    problems = []
    for name, spec in LSTM_EDU_NEEDS.items():
        version = _installed(name)
        if version is None:
            problems.append(f"- {name} is not installed (the book needs {name}{spec}).")
        elif not SpecifierSet(spec).contains(version, prereleases=True):
            problems.append(f"- {name} {version} is installed; the book needs {name}{spec}.")
            if name == "ipywidgets" and not SpecifierSet(">=7.7").contains(version, prereleases=True):
                problems.append("  Widgets older than 7.7 cannot show the book's explorers.")
    return problems


def _github_reachable():
    try:
        socket.create_connection(("github.com", 443), timeout=5).close()
        return True
    except OSError:
        return False


def _install():
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-input",
               "--disable-pip-version-check", LSTM_EDU_SOURCE]
    print(f"Installing lstm_edu {LSTM_EDU_VERSION} (only this package; nothing Colab ships changes) ...")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        done = subprocess.CompletedProcess(command, 1, "", "pip did not finish within 15 minutes")
    if done.returncode == 0:
        return
    said = "\n".join((done.stdout + done.stderr).strip().splitlines()[-12:])
    if "git+https://github.com" in LSTM_EDU_SOURCE and not _github_reachable():
        raise SetupFailed(
            "This runtime cannot reach github.com, where the book's package is.\n"
            "What to do: check the internet connection (in Colab: Runtime > Disconnect and delete\n"
            "runtime, then run this cell again). If GitHub is blocked where you are, download the\n"
            "repository as a zip elsewhere, upload it here, and run this cell again after\n"
            "os.environ['LSTM_EDU_SOURCE'] = '/content/<the zip file>'.")
    raise SetupFailed(
        f"pip could not install {LSTM_EDU_SOURCE}.\n"
        f"What to do: run this cell again (a network hiccup is the usual cause); if it fails again,\n"
        f"report it at __ISSUES__ with pip's last lines:\n{said}")


def lstm_edu_setup():
    """Install (if needed) and check lstm_edu; print one line saying what is ready."""
    have = _installed("lstm_edu")
    if have != LSTM_EDU_VERSION:
        problems = _unmet_requirements()
        if problems:
            raise SetupFailed(
                "This Python environment does not have what the book needs:\n" + "\n".join(problems) + "\n"
                "What to do: in Colab, choose Runtime > Disconnect and delete runtime, reconnect and run\n"
                "this cell again (a fresh Colab runtime has every requirement). Elsewhere: install the\n"
                "versions named above (torch first, for your machine), restart the kernel, run again.")
        _install()
        importlib.invalidate_caches()
        if "lstm_edu" in sys.modules:
            raise SetupFailed(
                f"lstm_edu {have} was already imported in this session; it is now replaced by\n"
                f"{LSTM_EDU_VERSION}. What to do: Runtime > Restart session, then run this cell again.")
    try:
        import lstm_edu
    except Exception as error:  # noqa: BLE001 - any import failure gets the same advice
        raise SetupFailed(f"lstm_edu was installed but does not import: {error!r}.\n"
                          f"What to do: Runtime > Restart session and run this cell again.") from None
    if lstm_edu.__version__ != LSTM_EDU_VERSION:
        raise SetupFailed(
            f"lstm_edu {lstm_edu.__version__} is imported, but this notebook was written for "
            f"{LSTM_EDU_VERSION}.\nWhat to do: Runtime > Restart session, then run this cell again.")
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    print(f"lstm_edu {lstm_edu.__version__} ready: torch {torch.__version__}, "
          f"ipywidgets {_installed('ipywidgets')}, numpy {_installed('numpy')}.")
    size = "full-size" if lstm_edu.full_size() else "quick"
    print(f"GPU: {gpu}; this chapter runs its {size} experiments (see the note below)." if gpu else
          f"No GPU: this chapter runs its {size} experiments (Runtime > Change runtime type for a GPU).")


if __name__ == "__main__":  # true in a notebook cell and in `python cell.py`
    lstm_edu_setup()

"""The first cell of every Colab notebook: install ``lstm_edu`` without touching Colab's packages.

This file is a template: :func:`lstm_edu.classroom.colab.setup_cell_source` copies the part
below the ``# --- cell ---`` line into each notebook of the Colab edition, replacing the
``__PLACEHOLDER__`` strings (package version, repository, tag or commit, requirements).  It is
plain Python (no ``%pip`` magic) so that it also runs as a script, which is how the Colab stage
of the tests installs the package "exactly as the cell does".

What the cell does, in order:

1. gets a copy of the book's repository at the pinned tag or commit: a shallow ``git fetch``
   into ``~/.cache/lstm_edu/book-<ref>`` (once per runtime), or the folder named by the
   environment variable ``LSTM_EDU_SOURCE`` (the tests point it at the working tree; a reader
   behind a firewall at an unzipped download); its ``records/`` (the recorded full-size runs
   the chapters show) becomes ``LSTM_EDU_RECORDS``;
2. unless ``lstm_edu`` of the book's version is already installed: checks that the installed
   packages satisfy the book's requirements (versions read with :mod:`importlib.metadata`); an
   unmet one (e.g. ipywidgets older than 7.7, no torch) stops with a message saying what to
   do, *before* anything is installed; then ``pip install --no-deps`` of that copy: only
   ``lstm_edu`` is added, every package Colab ships keeps its version (torch is never
   reinstalled);
3. imports the package and compares its version.

Any failure (no network, GitHub unreachable, no git, a wrong tag) stops "Run all" with a message
saying what to do, instead of a later ``ModuleNotFoundError``.
"""

# --- cell ---
import importlib
import importlib.metadata
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

LSTM_EDU_VERSION = "__VERSION__"
LSTM_EDU_REPOSITORY = "__REPOSITORY__"
LSTM_EDU_REF = "__REF__"  # the tag or commit this notebook was written for
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


def _run(command, what):
    """Run a command; on failure raise SetupFailed with its last lines and advice."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    except FileNotFoundError:
        raise SetupFailed(f"{command[0]} is not installed here, and {what} needs it.\n"
                          "What to do: in Colab, Runtime > Disconnect and delete runtime, then run this cell\n"
                          "again; elsewhere install it (or set LSTM_EDU_SOURCE, see below).") from None
    except subprocess.TimeoutExpired:
        done = subprocess.CompletedProcess(command, 1, "", f"{command[0]} did not finish within 15 minutes")
    if done.returncode == 0:
        return
    said = "\n".join((done.stdout + done.stderr).strip().splitlines()[-12:])
    if "github.com" in " ".join(command) and not _github_reachable():
        raise SetupFailed(
            "This runtime cannot reach github.com, where the book's package is.\n"
            "What to do: check the internet connection (in Colab: Runtime > Disconnect and delete\n"
            "runtime, then run this cell again). If GitHub is blocked where you are, download the\n"
            f"repository at {LSTM_EDU_REF} as a zip elsewhere, upload and unzip it here, and run this\n"
            "cell again after os.environ['LSTM_EDU_SOURCE'] = '<the unzipped folder>'.")
    raise SetupFailed(f"{what} failed.\nWhat to do: run this cell again (a network hiccup is the usual "
                      f"cause); if it fails again, report it at {LSTM_EDU_REPOSITORY}/issues with these lines:\n"
                      f"{said}")


def _book_copy():
    """A folder holding the book's repository at LSTM_EDU_REF (its package and its records)."""
    source = os.environ.get("LSTM_EDU_SOURCE", "").strip()
    if source:
        folder = Path(source).expanduser()
        if not (folder / "pyproject.toml").is_file():
            raise SetupFailed(f"LSTM_EDU_SOURCE is {source}, which is not a copy of the book's repository\n"
                              "(no pyproject.toml there). What to do: point it at the unzipped folder.")
        return folder
    folder = Path.home() / ".cache" / "lstm_edu" / f"book-{LSTM_EDU_REF}"
    if (folder / "pyproject.toml").is_file():
        return folder
    print(f"Fetching the book's repository at {LSTM_EDU_REF} ...")
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix="book-", dir=folder.parent))
    git = ["git", "-C", str(partial)]
    _run(git + ["init", "--quiet"], "git init")
    _run(git + ["fetch", "--quiet", "--depth", "1", LSTM_EDU_REPOSITORY, LSTM_EDU_REF],
         f"Fetching {LSTM_EDU_REF} from {LSTM_EDU_REPOSITORY}")
    _run(git + ["checkout", "--quiet", "FETCH_HEAD"], "git checkout")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)  # complete copies only: an interrupted fetch leaves no half folder behind
    return folder


def lstm_edu_setup():
    """Install (if needed) and check lstm_edu; print one line saying what is ready."""
    book = _book_copy()
    if (book / "records").is_dir():
        os.environ["LSTM_EDU_RECORDS"] = str(book / "records")
    have = _installed("lstm_edu")
    if have != LSTM_EDU_VERSION:
        problems = _unmet_requirements()
        if problems:
            raise SetupFailed(
                "This Python environment does not have what the book needs:\n" + "\n".join(problems) + "\n"
                "What to do: in Colab, choose Runtime > Disconnect and delete runtime, reconnect and run\n"
                "this cell again (a fresh Colab runtime has every requirement). Elsewhere: install the\n"
                "versions named above (torch first, for your machine), restart the kernel, run again.")
        print(f"Installing lstm_edu {LSTM_EDU_VERSION} (only this package; nothing Colab ships changes) ...")
        _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-input", "--disable-pip-version-check",
              str(book)], f"pip install of lstm_edu from {book}")
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

#!/usr/bin/env python3
"""The Colab stage of the tests: run the Colab edition on Colab's own package versions.

    python scripts/colab_stage.py            # `make test-colab`; part of `make test`

1. **Environment.** A virtual environment in ``.venv-colab/`` (ignored by git) holding the
   packages a chapter can touch at the versions of Colab's runtime, read as pip constraints from
   ``constraints/colab-*.txt`` (Google's published pip freeze; the file names its source and
   date). It is built once and reused while the constraints file and this script are unchanged.
   What differs from Colab, by necessity: Python 3.11 instead of 3.13.15 and torch 2.13.0 (CPU)
   instead of 2.11.0, because no CPU build of torch for Python 3.13 can be installed here
   (``COLAB_PYTHON`` and ``TORCH_SPEC`` change them); torch 2.13 asks for setuptools >= 77, but
   setuptools stays at Colab's 75.2.0 (pip warns; nothing the book runs needs it); only the
   packages the book can touch are installed, not all of Colab's.
2. **Install as the reader does.** The set-up cell of the first Colab notebook runs as a script
   with ``LSTM_EDU_SOURCE`` pointing at a copy of the working tree's package (instead of GitHub),
   then ``pip freeze --all`` before and after must differ by ``lstm_edu`` only.
3. **Run every notebook** of the Colab edition (``colab/notebooks``, ``colab/book``; with
   ``--student`` also ``colab/student``) top to bottom with nbclient, each from its own empty
   working directory, with a stand-in ``google.colab`` module imported at kernel start (as Colab
   does, so every "running in Colab" branch runs), ``LSTM_EDU_DATA`` for the data and
   ``LSTM_EDU_FULL=0`` (quick mode; ``--full`` runs full size, to time the chapters on a GPU).
   A failure names the notebook and the cell; the time of every notebook is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("COLAB_VENV", ROOT / ".venv-colab"))
PYTHON = os.environ.get("COLAB_PYTHON") or ("python3.11" if shutil.which("python3.11") else "python3")
TORCH_SPEC = os.environ.get("TORCH_SPEC", "torch==2.13.0")
CONSTRAINTS = sorted((ROOT / "constraints").glob("colab-*.txt"))[-1:]
#: Colab packages that a chapter (or running it) can touch; pip adds their dependencies, all pinned.
PACKAGES = ["pip", "setuptools", "numpy", "matplotlib", "matplotlib-inline", "ipywidgets", "widgetsnbextension",
            "jupyterlab_widgets", "ipython", "ipykernel", "jupyter_client", "jupyter_core", "traitlets", "pyzmq",
            "tornado", "nbclient", "nbformat", "nbconvert", "notebook", "tqdm", "packaging", "pillow", "requests"]
#: torch's own dependencies, put back to Colab's versions after torch is installed.
TORCH_DEPS = ["filelock", "typing-extensions", "sympy", "networkx", "jinja2", "fsspec"]
STANDIN = '''"""Stand-in for Colab's google.colab package (the Colab stage of the tests): importing it marks
the kernel as "running in Colab", as the real package does in every Colab kernel."""
from google.colab import output  # noqa: F401
'''
STANDIN_OUTPUT = '''"""Stand-in for google.colab.output: the widget-manager switches are accepted and do nothing."""
def enable_custom_widget_manager():
    pass


def disable_custom_widget_manager():
    pass
'''


class StageError(RuntimeError):
    """The Colab stage failed; the message says where."""


def say(message: str) -> None:
    print(f"[colab stage] {message}", flush=True)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, text=True, capture_output=True, **kwargs)
    if done.returncode != 0:
        raise StageError(f"{' '.join(map(str, command))} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done


# ------------------------------------------------------------ environment


#: Bump when the way the environment is built changes (the lists above are fingerprinted already).
STAGE_ENVIRONMENT = "2: Colab's pip, torch with its dependencies, then torch's dependencies and the packages pinned"


def fingerprint() -> str:
    """What the environment is built from; the cached one is rebuilt when this changes."""
    digest = hashlib.sha256()
    for part in [*(p.read_bytes() for p in CONSTRAINTS), PYTHON.encode(), TORCH_SPEC.encode(),
                 " ".join(PACKAGES + TORCH_DEPS).encode(), STAGE_ENVIRONMENT.encode()]:
        digest.update(part)
    return digest.hexdigest()[:16]


def environment() -> Path:
    """The stage's virtual environment, built when missing or out of date; returns its python."""
    if not CONSTRAINTS:
        raise StageError(f"no constraints file constraints/colab-*.txt in {ROOT}")
    python, stamp, wanted = VENV / "bin" / "python", VENV / ".colab-stage", fingerprint()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        say(f"reusing {VENV.relative_to(ROOT) if VENV.is_relative_to(ROOT) else VENV}/ (built for {CONSTRAINTS[0].name})")
        return python
    if shutil.which(PYTHON) is None:
        raise StageError(f"{PYTHON} not found: install it, or set COLAB_PYTHON to a Python 3.10-3.13 interpreter")
    say(f"building {VENV}/ with {PYTHON}, constraints {CONSTRAINTS[0].name} (a few minutes, once)")
    if VENV.exists():
        shutil.rmtree(VENV)
    run([PYTHON, "-m", "venv", str(VENV)])
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    pinned = ["-c", str(CONSTRAINTS[0])]
    run(pip + pinned + ["pip", "setuptools"])  # Colab's pip first: it is the one the set-up cell runs
    run(pip + [TORCH_SPEC])  # with its dependencies (a CUDA build needs its nvidia-* libraries) ...
    run(pip + pinned + TORCH_DEPS + PACKAGES)  # ... then those Colab also has go back to Colab's versions
    run([str(python), "-m", "ipykernel", "install", "--prefix", str(VENV), "--name", "python3"])
    stamp.write_text(wanted + "\n")
    return python


def freeze(python: Path) -> list[str]:
    return run([str(python), "-m", "pip", "freeze", "--all", "--disable-pip-version-check"]).stdout.splitlines()


def package_copy(scratch: Path) -> Path:
    """A copy of the package's sources, as a clone of the repository would hold them."""
    source = scratch / "lstm-book"
    shutil.copytree(ROOT / "lstm_edu", source / "lstm_edu", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    if (ROOT / "records").is_dir():  # the recorded runs the chapters show, found through LSTM_EDU_RECORDS
        shutil.copytree(ROOT / "records", source / "records")
    return source


def setup_cell(colab: Path) -> str:
    import nbformat

    first = sorted((colab / "notebooks").glob("*.ipynb"))[0]
    cell = nbformat.read(first, as_version=4).cells[0]
    if cell.metadata.get("cellView") != "form" or not cell.source.startswith("# @title"):
        raise StageError(f"{first}: the first cell is not the Colab set-up form")
    return cell.source


def install_as_the_cell_does(python: Path, colab: Path, scratch: Path) -> list[str]:
    """Run the set-up cell; return the freeze diff (+/- lines), which must name lstm_edu only.

    ``LSTM_EDU_SOURCE`` (a copy of the working tree in ``scratch/lstm-book``) stands for the
    repository the cell fetches from GitHub; the notebooks' set-up cells use it too.
    """
    run([str(python), "-m", "pip", "uninstall", "--yes", "--quiet", "lstm_edu"])
    before = freeze(python)
    script = scratch / "setup_cell.py"
    script.write_text(setup_cell(colab), encoding="utf-8")
    env = dict(os.environ, LSTM_EDU_SOURCE=str(package_copy(scratch)))
    workdir = scratch / "install"
    workdir.mkdir()
    started = time.perf_counter()
    done = subprocess.run([str(python), str(script)], cwd=workdir, env=env, text=True, capture_output=True)
    say(f"set-up cell ({time.perf_counter() - started:.1f} s): {(done.stdout + done.stderr).strip()}")
    if done.returncode != 0:
        raise StageError("the set-up cell failed (see above)")
    return only_lstm_edu_added(before, freeze(python))


def only_lstm_edu_added(before: list[str], after: list[str]) -> list[str]:
    """The freeze diff (``- old``/``+ new`` lines); raises unless it is one added ``lstm_edu`` line."""
    diff = [f"- {line}" for line in before if line not in after] + [f"+ {line}" for line in after if line not in before]
    names = [line[2:].split("=")[0].split(" @ ")[0].strip().lower().replace("-", "_") for line in diff]
    if len(diff) != 1 or not diff[0].startswith("+ ") or names != ["lstm_edu"]:
        raise StageError("installing lstm_edu changed more than lstm_edu:\n" + ("\n".join(diff) or "(nothing added)"))
    return diff


# --------------------------------------------------------------- notebooks


def kernel_home(scratch: Path, full: bool = False) -> dict[str, str]:
    """Environment of the kernels: the google.colab stand-in importable and imported at start."""
    standin = scratch / "standin" / "google" / "colab"
    standin.mkdir(parents=True)
    (standin / "__init__.py").write_text(STANDIN)
    (standin / "output.py").write_text(STANDIN_OUTPUT)
    startup = scratch / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-google-colab.py").write_text("import google.colab  # as in every Colab kernel\n")
    env = dict(os.environ, PYTHONPATH=str(scratch / "standin"), IPYTHONDIR=str(scratch / "ipython"),
               JUPYTER_PATH=str(VENV / "share" / "jupyter"), JUPYTER_DATA_DIR=str(scratch / "jupyter-data"),
               LSTM_EDU_FULL="1" if full else "0", PYTHONUNBUFFERED="1", LSTM_EDU_SOURCE=str(scratch / "lstm-book"),
               PYDEVD_DISABLE_FILE_VALIDATION="1")  # ipykernel 6.17's debugger warning on Python 3.11
    for name in ("MPLBACKEND", "PYTHONSTARTUP", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env


def execute_all(python: Path, notebooks: list[Path], scratch: Path, timeout: int,
                full: bool = False) -> list[tuple[str, float, str]]:
    """Run each notebook in the stage's Python; returns (name, seconds, error or '')."""
    env = kernel_home(scratch, full)
    results = []
    for number, notebook in enumerate(notebooks):
        workdir = scratch / f"run-{number}"
        workdir.mkdir()
        report = scratch / f"report-{number}.json"
        started = time.perf_counter()
        subprocess.run([str(python), __file__, "--execute-one", str(notebook), "--workdir", str(workdir),
                        "--report", str(report), "--timeout", str(timeout)], cwd=workdir, env=env)
        seconds = time.perf_counter() - started
        outcome = json.loads(report.read_text()) if report.exists() else {"error": "the runner crashed (no report)"}
        name = f"{notebook.parent.name}/{notebook.name}"
        say(f"{name}: {'ok' if not outcome['error'] else 'FAILED'} in {seconds:.1f} s")
        results.append((name, seconds, outcome["error"]))
    return results


def execute_one(notebook: Path, workdir: Path, report: Path, timeout: int) -> None:
    """Inner mode, in the stage's Python: run one notebook with nbclient and write a JSON report."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    spec = KernelSpecManager().get_kernel_spec("python3")
    if Path(spec.argv[0]).resolve() != Path(sys.executable).resolve() and spec.argv[0] != "python":
        report.write_text(json.dumps({"error": f"kernel python3 runs {spec.argv[0]}, not the stage's {sys.executable}"}))
        return
    nb = nbformat.read(notebook, as_version=4)
    # Unix sockets instead of TCP ports: other jobs on the machine cannot take the kernel's ports
    # between their choice and their use ("Address already in use"); the socket files live
    # outside the notebook's empty working directory.
    sockets = workdir.parent / f"ipc-{workdir.name}"
    sockets.mkdir(exist_ok=True)
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=str(sockets / "kernel"))
    client = NotebookClient(nb, km=manager, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    error = ""
    try:
        client.execute(cwd=str(workdir))
    except CellExecutionError as failure:
        index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                      and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        where = f"cell {index + 1} of {len(nb.cells)} (counting from 1)" if index is not None else "a cell"
        source = "\n".join(nb.cells[index].source.splitlines()[:12]) if index is not None else ""
        error = f"{notebook.name}: {where} raised.\n--- cell source ---\n{source}\n--- error ---\n{str(failure)[-3000:]}"
    except Exception as failure:  # noqa: BLE001 - a dead kernel, a timeout: report, never hide
        error = f"{notebook.name}: {type(failure).__name__}: {failure}"
    report.write_text(json.dumps({"error": error}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--colab", type=Path, default=ROOT / "colab", help="the Colab edition to run")
    parser.add_argument("--student", action="store_true", help="also run the student edition")
    parser.add_argument("--only", nargs="*", default=[], help="run only notebooks whose name contains one of these")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--full", action="store_true",
                        help="full-size runs (LSTM_EDU_FULL=1), to time each chapter on a GPU against its budget")
    parser.add_argument("--execute-one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.execute_one:
        execute_one(args.execute_one, args.workdir, args.report, args.timeout)
        return 0
    if "LSTM_EDU_DATA" not in os.environ:
        say("LSTM_EDU_DATA is not set: the chapters will download MNIST and IMDB")
    started = time.perf_counter()
    try:
        python = environment()
        with tempfile.TemporaryDirectory(prefix="colab-stage-") as scratch_name:
            scratch = Path(scratch_name)
            diff = install_as_the_cell_does(python, args.colab, scratch)
            say("pip freeze before/after the set-up cell differs by: " + "; ".join(diff))
            folders = ["notebooks", "book"] + (["student"] if args.student else [])
            snapshot = scratch / "edition"  # a copy: regenerating colab/ meanwhile changes nothing here
            for folder in folders:
                if (args.colab / folder).is_dir():
                    shutil.copytree(args.colab / folder, snapshot / folder)
            notebooks = [p for folder in folders for p in sorted((snapshot / folder).glob("*.ipynb"))
                         if not args.only or any(part in p.name for part in args.only)]
            if not notebooks:
                raise StageError(f"no notebooks to run in {args.colab}")
            results = execute_all(python, notebooks, scratch, args.timeout, args.full)
    except StageError as error:
        print(f"COLAB STAGE FAILED: {error}", file=sys.stderr)
        return 1
    failed = [error for _, _, error in results if error]
    say("per-notebook times (wall clock, this machine):")
    for name, seconds, error in results:
        print(f"    {name:48s} {seconds:7.1f} s  {'FAILED' if error else 'ok'}")
    say(f"{len(results) - len(failed)} of {len(results)} notebooks passed in {time.perf_counter() - started:.0f} s "
        f"(Python {run([str(python), '-c', 'import sys; print(sys.version.split()[0])']).stdout.strip()}, "
        f"{CONSTRAINTS[0].name})")
    for error in failed:
        print(f"\nCOLAB STAGE FAILED: {error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

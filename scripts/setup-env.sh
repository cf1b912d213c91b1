#!/usr/bin/env bash
# Create (or update) the project's virtual environment in .venv/.
#
# torch==2.13.0 is installed first and on its own: with torch already present,
# nothing later pulls in a CUDA build of several GB.  Called by the Makefile; safe
# to re-run.
set -euo pipefail

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}

fail() { echo "error: $*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null 2>&1 \
  || fail "$PYTHON not found. Install Python 3.10 or newer (e.g. 'sudo apt-get install python3 python3-venv')."
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || fail "Python 3.10 or newer is needed; $PYTHON is $("$PYTHON" --version 2>&1)."

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "creating the virtual environment in $VENV/"
  "$PYTHON" -m venv "$VENV" \
    || fail "could not create a virtual environment. On Debian/Ubuntu: sudo apt-get install python3-venv"
fi

pip_install() {
  if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@"; then
    fail "pip could not install: $*
       Check that this machine can reach the Python package index (or your mirror), then run
       the command again. Nothing else was changed; the partial environment in $VENV/ is reused."
  fi
}

if ! "$VENV/bin/python" -c 'import torch' >/dev/null 2>&1; then
  echo "installing $TORCH_SPEC first (so that no CUDA build of torch is pulled in)"
  pip_install "$TORCH_SPEC"
fi
echo "installing the book's requirements and lstm_edu (editable)"
pip_install -r requirements-dev.txt
pip_install --no-deps -e .
"$VENV/bin/python" -m ipykernel install --prefix "$VENV" --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
echo "environment ready: $VENV/ ($("$VENV/bin/python" -c 'import torch; print("torch", torch.__version__)'))"

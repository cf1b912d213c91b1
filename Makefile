# The README's two commands, `make book` and `make test`, do all set-up themselves.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV     ?= .venv
PY       := $(VENV)/bin/python
JB       := $(VENV)/bin/jupyter-book
ENV_OK   := $(VENV)/.env-ready
VENDORED := _vendor/.vendored
HTML     := _build/html
PORT     ?= 8000

# Offline copies of the datasets, when the repository sits next to a shared/ folder (as in
# CI): the loaders read them instead of downloading. Elsewhere the loaders download the real
# files and verify their checksums.
SHARED_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED_DATA)/mnist),)
export LSTM_EDU_DATA ?= $(SHARED_DATA)
endif

.PHONY: help env vendor book serve test test-unit test-notebooks test-build test-browser \
        test-grading student sync-colab colab test-colab records clean distclean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(ENV_OK): requirements.txt requirements-dev.txt pyproject.toml scripts/setup-env.sh
	VENV=$(VENV) bash scripts/setup-env.sh
	touch $@

env: $(ENV_OK)  ## create .venv/ and install everything (torch 2.13.0 CPU first)

$(VENDORED): scripts/vendor-web-assets.sh
	bash scripts/vendor-web-assets.sh _vendor

vendor: $(VENDORED)  ## vendor MathJax, require.js and the widget manager from npm

book: env vendor  ## build the HTML book, executing every notebook, warnings as errors
	$(JB) build . --all -W -n --keep-going
	@echo
	@echo "The book is at $(CURDIR)/$(HTML)/index.html  (make serve: http://127.0.0.1:$(PORT)/)"

serve:  ## serve the built book on http://127.0.0.1:$(PORT)/
	@test -f $(HTML)/index.html || $(MAKE) book
	@echo "serving $(HTML) on http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory $(HTML)

test: env vendor  ## run the whole test suite (unit, notebooks, Colab stage, clean build, browser)
	@browser=$$(bash scripts/ensure-chromium.sh) && \
	$(MAKE) --no-print-directory test-unit test-notebooks test-colab test-build test-grading && \
	if [[ "$$browser" == skip ]]; then \
	  echo "BROWSER TESTS SKIPPED: LSTM_EDU_SKIP_BROWSER=1 was set"; \
	else \
	  LSTM_EDU_CHROMIUM=$$browser $(MAKE) --no-print-directory test-browser; \
	fi

test-unit: env  ## pytest unit tests of lstm_edu
	$(PY) -m pytest -m "not notebooks and not browser" -q

test-notebooks: env  ## execute every chapter notebook top to bottom
	$(PY) -m pytest -m notebooks -q

test-build: env vendor  ## clean book build from an empty _build, -W -n --keep-going
	rm -rf _build
	$(JB) build . -W -n --keep-going

test-browser: env  ## browser tests of the built HTML (headless Debian chromium)
	$(PY) -m pytest -m browser -q

# The classroom tools need only nbformat (and numpy, which `import lstm_edu` loads): a small
# environment of their own, so that `make student` does not build the book's 1.5 GB one.
CLASSROOM_VENV ?= .venv-classroom
CLASSROOM_OK   := $(CLASSROOM_VENV)/.classroom-ready
$(CLASSROOM_OK):
	python3 -m venv $(CLASSROOM_VENV)
	$(CLASSROOM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "nbformat>=5.10" "numpy>=1.26"
	touch $@

student: $(CLASSROOM_OK)  ## student and instructor editions, and nbgrader sources, into _build/
	$(CLASSROOM_VENV)/bin/python -m lstm_edu.classroom --notebooks notebooks --out _build --nbgrader

# nbgrader and otter-grader live in an environment of their own (never in .venv): torch 2.13.0
# first, so nothing pulls a CUDA build, then the graders and the book's runtime requirements.
GRADING_VENV ?= .venv-grading
GRADING_OK   := $(GRADING_VENV)/.grading-ready
$(GRADING_OK): requirements.txt pyproject.toml
	python3 -m venv $(GRADING_VENV)
	$(GRADING_VENV)/bin/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(GRADING_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
	  nbgrader==0.9.6 otter-grader==7.0.0 ipykernel pytest -r requirements.txt
	$(GRADING_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

test-grading: $(GRADING_OK)  ## nbgrader and otter-grader routes with the real tools, in .venv-grading/
	PATH="$(abspath $(GRADING_VENV))/bin:$$PATH" $(GRADING_VENV)/bin/python -m pytest tests/grading -q -p no:cacheprovider

sync-colab: env  ## regenerate the hidden Colab set-up cell of every notebook
	$(PY) scripts/sync_colab_cells.py

colab: env  ## regenerate the Colab edition (colab/, what the Colab buttons open) from the notebooks
	$(PY) -m lstm_edu.classroom.colab

test-colab: env  ## run the Colab edition on Colab's package versions (venv in .venv-colab/, built once)
	$(PY) scripts/colab_stage.py

records:  ## list the full-size records and their state (run one: python -m lstm_edu.records run NAME)
	$(PY) -m lstm_edu.records list

clean:  ## remove the built book
	rm -rf _build

distclean: clean  ## also remove the environment and vendored assets
	rm -rf $(VENV) $(CLASSROOM_VENV) $(GRADING_VENV) _vendor

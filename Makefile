# Jurang: the two commands the README documents are `make run` and `make test`.
# Everything runs in a project virtual environment (.venv, git-ignored) made from any Python 3.11+,
# Debian's /usr/bin/python3 included (PEP 668 forbids pip into the system interpreter there).
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8501
export JURANG_MIRROR ?=

PY := $(VENV)/bin/python
# Re-installs only when a pin or the package definition changes (the stamp is older than them).
STAMP := $(VENV)/.jurang-installed
# Tests keep their compiled modules and pytest's rewritten test files between runs (an empty
# PYTHONDONTWRITEBYTECODE, which some machines set, is "unset"): re-rewriting 200 test modules costs ~7 s a run.
PYTEST := PYTHONDONTWRITEBYTECODE= $(PY) -m pytest
# Fast tier: unit, contract and real-build tests; not the browser, the AppTest matrix or the slow tests
# (fault injection, extra rebuilds, CLI subprocesses, Chromium renders). Markers: pyproject.toml, tests/conftest.py.
# tests/e2e and tests/app hold only e2e / apptest tests (marked by folder): not even collected here (~3 s of imports).
FAST := -m "not e2e and not apptest and not slow" --ignore=tests/e2e --ignore=tests/app

.PHONY: install build run check test test-fast lint bench clean-venv

install: $(STAMP)  ## create .venv and install the pinned requirements + this package (editable)

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Jurang needs Python 3.11 or newer; this is " + sys.version.split()[0] + " (set PYTHON=...)")'
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "could not create $(VENV) with $(PYTHON): on Debian/Ubuntu run 'apt-get install python3-venv'"; exit 1; }

# pip byte-compiles on one core (2/3 of a fresh install's time here): install with --no-compile, then
# compile site-packages on every core. Keep the bytecode: with PYTHONDONTWRITEBYTECODE set, a process
# without it compiles pandas/plotly/streamlit from source at every start (about twice the import time).
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check --no-compile

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml | $(PY)
	$(PIP_INSTALL) -r requirements.txt -r requirements-dev.txt
	$(PIP_INSTALL) --no-deps -e .
	@$(PY) -m compileall -q -j 0 "$$($(PY) -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" >/dev/null || true
	@touch $@

build: install  ## fetch (or mirror), validate and transform every source into data/processed
	$(PY) -m etl build

check: install  ## validate data/processed against the output contracts
	$(PY) -m etl check

run: build  ## build the data, then start the dashboard on http://localhost:$(PORT) (warm-up at process start)
	$(PY) deploy/serve.py --server.port $(PORT)

test: install  ## the whole test suite (unit, contract, AppTest, browser, fault injection)
	$(PYTEST)

test-fast: install  ## unit + contract + real-build tests: no browser/Chromium, no AppTest matrix, no fault injection
	$(PYTEST) $(FAST)

lint: install  ## ruff check + ruff format --check (rules in pyproject.toml); never rewrites files
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: build  ## print build, page, export, browser, load and scale figures (see bench/README.md)
	$(PY) bench/bench_foundation.py
	$(PY) bench/bench_pages.py
	$(PY) bench/bench_export.py
	$(PY) bench/bench_browser.py
	$(PY) bench/bench_load.py
	$(PY) bench/bench_scale.py

clean-venv:  ## remove .venv (the next command recreates it)
	rm -rf $(VENV)

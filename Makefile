# Jurang: the two commands the README documents are `make run` and `make test`.
PYTHON ?= python3
PORT ?= 8501
export JURANG_MIRROR ?=

.PHONY: install build run check test bench

install:  ## install the pinned Python dependencies
	$(PYTHON) -m pip install --quiet -r requirements.txt

build: install  ## fetch (or mirror), validate and transform every source into data/processed
	$(PYTHON) -m etl build

check:  ## validate data/processed against the output contracts
	$(PYTHON) -m etl check

run: build  ## build the data, then start the dashboard on http://localhost:$(PORT)
	$(PYTHON) -m streamlit run dashboard/app.py --server.port $(PORT)

test: install  ## the whole test suite (unit, contract, AppTest, browser, fault injection)
	$(PYTHON) -m pytest

bench: build  ## print build, page, export, browser, load and scale figures (see bench/README.md)
	$(PYTHON) bench/bench_foundation.py
	$(PYTHON) bench/bench_pages.py
	$(PYTHON) bench/bench_export.py
	$(PYTHON) bench/bench_browser.py
	$(PYTHON) bench/bench_load.py
	$(PYTHON) bench/bench_scale.py

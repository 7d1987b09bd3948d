# Two entry points: `make run` (set up + the whole default study + report) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format report clean help

help:
	@echo "make run   - set up .venv, run the default study, build results/report.html"
	@echo "make test  - set up .venv and run the test suite"
	@echo "make lint  - snakemake --lint, snakefmt --check, ruff"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Benchmark peers (glmnet, adelie) need numpy < 2: their own venv, see requirements-bench.txt.
.venv-bench/.installed: requirements-bench.txt pyproject.toml
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet "setuptools<66" wheel numpy==1.26.4
	.venv-bench/bin/python -m pip install --quiet --no-build-isolation -r requirements-bench.txt
	.venv-bench/bin/python -m pip install --quiet --no-deps -e .
	touch $@

run: $(STAMP)
	$(BIN)/snakemake
	$(BIN)/snakemake --report results/report.html

report: $(STAMP)
	$(BIN)/snakemake --report results/report.html

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check .
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/snakefmt .
	$(BIN)/ruff check --fix .

clean:
	rm -rf data results logs benchmarks/out .snakemake

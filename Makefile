# Samverkan report pipeline. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml dev/pyproject.toml environment.yml constraints.txt | sha1sum | cut -c1-12)

export DVC_NO_ANALYTICS := 1
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export PATH := $(BIN):$(PATH)

.PHONY: help setup report test test-fast lab demo-data check-leaks bench bench-deid bench-coding lint format clean-outputs

help: ## List the targets and what they do
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml dev/pyproject.toml environment.yml constraints.txt
	@bash scripts/setup-system.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]' -e ./dev
	$(BIN)/python -m ipykernel install --sys-prefix --name samverkan --display-name "Python (samverkan)" >/dev/null
	@if [ -d .git ]; then $(BIN)/pre-commit install >/dev/null && echo "Git hooks installed (pre-commit: outputs stripped, no raw data, no personal data)" \
	  || echo "Could not install the git hooks; run .venv/bin/pre-commit install"; fi
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)
	@echo "Environment ready in $(VENV) (Jupyter kernel: samverkan)"

setup: $(STAMP) ## Create .venv with the pinned packages and register the Jupyter kernel "samverkan"

demo-data: setup ## Write the demo exports and the demo analysts' sheets if data/raw holds no term yet
	@if ls -d data/raw/[0-9][0-9][0-9][0-9][VH]T >/dev/null 2>&1; then \
	  echo "data/raw/ innehåller redan terminsmappar: inga demodata skrivna"; \
	else samverkan-dev demo-data --out data/raw; fi

report: setup demo-data ## Build every term report and annual report (HTML + PDF) with DVC, then scan for leaks
	dvc repro
	samverkan check-leaks
	@echo "Reports:"; find reports -name '*.html' -o -name '*.pdf' | grep -v körningar | sort | sed 's/^/  /'

test: setup ## Run the whole test suite (unit tests, every notebook, end-to-end on the demo data)
	pytest

test-fast: setup ## Run the tests that take less than a few seconds each
	pytest -m "not slow"

lab: setup ## Open JupyterLab on the project's kernel
	jupyter lab --notebook-dir=.

check-leaks: setup ## Scan processed data, reports and run records for personal data
	samverkan check-leaks

bench: bench-deid bench-coding ## Run all benchmarks (quality and speed)
	samverkan-dev bench-ingest

bench-deid: setup ## De-identification: leaks, names caught, over-redaction, texts per second
	samverkan-dev bench-deid

bench-coding: setup ## Automatic coding: precision, recall, micro F1, texts per second
	samverkan-dev bench-coding

lint: setup ## ruff check and format check
	ruff check samverkan dev tests scripts
	ruff format --check samverkan dev tests scripts

format: setup ## Format the code with ruff
	ruff check --fix samverkan dev tests scripts
	ruff format samverkan dev tests scripts

clean-outputs: ## Remove built outputs (processed data, reports, quarantine), never raw data or coding sheets
	rm -rf data/processed/[0-9]* reports/[0-9]* data/quarantine

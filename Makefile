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

.PHONY: help setup report test test-fast lab demo-data check-leaks check-params status new-term remove-demo bench bench-deid bench-coding bench-disclosure lint format clean-outputs

help: ## Visa målen och vad de gör
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml dev/pyproject.toml environment.yml constraints.txt
	@bash scripts/setup-system.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]' -e ./dev
	$(BIN)/python -m ipykernel install --sys-prefix --name samverkan --display-name "Python (samverkan)" >/dev/null
	@if [ -d .git ]; then $(BIN)/pre-commit install >/dev/null && echo "Git-krokar installerade (pre-commit: inga utdata i anteckningsböcker, inga rådata, inga personuppgifter)" \
	  || echo "Git-krokarna kunde inte installeras; kör .venv/bin/pre-commit install"; fi
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)
	@echo "Miljön är klar i $(VENV) (Jupyter-kärna: samverkan). Kommandot: .venv/bin/samverkan"

# The project's secret for pseudonyms of identity numbers (never in git, DVC or any output).
.samverkan-secret:
	@(umask 077; head -c 32 /dev/urandom > $@)

setup: $(STAMP) .samverkan-secret ## Skapa .venv med de låsta paketen och registrera Jupyter-kärnan "samverkan"

demo-data: setup ## Skriv demons exporter och kodningsark när projektet är demon och data/raw är tom
	samverkan-dev demo-data --only-if-needed

# Stages run side by side, one per core (`samverkan repro`); JOBS=1 runs plain `dvc repro`.
JOBS ?= 0

report: setup demo-data ## Bygg alla terminsrapporter och årsrapporter (HTML + PDF) med DVC och sök efter läckor
	@# `samverkan repro` runs `samverkan check-params` first, beside DVC's reading of the pipeline
	@# The demo is a reproducible build of the commit: dated at the commit, so a fresh clone's
	@# reports and dvc.lock come out byte for byte as committed. Real data: dated when built.
	@if [ -f data/raw/.demo-planted.json ] && [ -d .git ]; then \
	  export SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct -- . ':(exclude)dvc.lock'); fi; \
	  samverkan repro --jobs $(JOBS)
	samverkan check-leaks
	@echo "Rapporter:"; find reports -name "*.html" -o -name "*.pdf" | grep -v /notebooks/ | sort | sed 's/^/  /'

test: setup ## Kör alla tester (enhetstester, varje anteckningsbok, hela kedjan på demodata)
	pytest

test-fast: setup ## Kör bara de snabba testerna
	pytest -m "not slow"

lab: setup ## Öppna JupyterLab med projektets kärna
	jupyter lab --notebook-dir=. $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

check-params: setup ## Kontrollera params.yaml: en rad per problem med nyckel och åtgärd
	samverkan check-params

status: setup ## Visa läget per termin och år: exporter, steg att köra, fall, rapporter
	samverkan status

new-term: setup ## Lägg till en termin: make new-term TERMIN=2026VT
	@test -n "$(TERMIN)" || { echo "Ange terminen: make new-term TERMIN=2026VT"; exit 2; }
	samverkan new-term $(TERMIN)

remove-demo: setup ## Ta bort demons data, terminer, år, ark och utdata (vägrar om data är riktiga)
	samverkan remove-demo

check-leaks: setup ## Sök efter personuppgifter i alla utdata
	samverkan check-leaks

bench: bench-deid bench-coding bench-disclosure ## Kör alla mätningar (kvalitet, röjandekontroll, hastighet: 1 000 000 fall, metrics/bench.json)
	samverkan-dev bench --json metrics/bench.json

bench-deid: setup ## Avidentifiering: läckor, fångade namn, överredigering, texter per sekund
	samverkan-dev bench-deid --all

bench-coding: setup ## Automatisk kodning: precision, täckning, mikro-F1, texter per sekund
	samverkan-dev bench-coding

bench-disclosure: setup ## Röjandekontroll: dolda celler och synliga fall mot Tau-Argus OPT
	samverkan-dev bench-disclosure

lint: setup ## Kontrollera koden med ruff
	ruff check samverkan dev tests scripts
	ruff format --check samverkan dev tests scripts

format: setup ## Formatera koden med ruff
	ruff check --fix samverkan dev tests scripts
	ruff format samverkan dev tests scripts

clean-outputs: ## Ta bort byggda utdata (bearbetade data, rapporter, karantän), aldrig rådata eller kodningsark
	rm -rf data/processed/[0-9]* reports/[0-9]* data/quarantine

# Lamina — every entry point sets up what it needs from this repository's own files.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 3000
APP ?= examples/hello

.PHONY: run test test-fast check bench services clean venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/lamina up $(APP) --host 127.0.0.1 --port $(PORT)

test: $(STAMP) services
	$(BIN)/python -m pytest -q -n auto --dist loadfile

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m 'not slow' -x

check: $(STAMP)
	$(BIN)/ruff check lamina tests bench examples
	$(BIN)/ruff format --check lamina tests bench examples
	$(BIN)/mypy
	$(BIN)/lint-imports

# PostgreSQL, Redis and NATS: this machine kind starts them; install and start them if not.
services:
	@bash scripts/services.sh

# Load generator is wrk (not Python), from Debian's packages.
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .lamina .pytest_cache .mypy_cache .ruff_cache

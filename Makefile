# Lamina — every entry point sets up what it needs from this repository's own files.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 3000
APP ?= examples/tickets

.PHONY: run test test-fast check bench services browser clean venv

# One install at a time (make run and make test may start together); pip's output goes
# to a log that is shown only when the install fails.
$(STAMP): pyproject.toml
	@flock .venv.lock sh -c '\
	  test -f $(STAMP) -a $(STAMP) -nt pyproject.toml && exit 0; \
	  echo "Installing Lamina into $(VENV) (log: $(VENV)/install.log)"; \
	  { test -x $(BIN)/python || $(PY) -m venv $(VENV); } && \
	  $(BIN)/python -m pip install --upgrade pip > $(VENV)/install.log 2>&1 && \
	  $(BIN)/python -m pip install -e ".[dev]" >> $(VENV)/install.log 2>&1 && \
	  touch $(STAMP) || { cat $(VENV)/install.log; exit 1; }'

venv: $(STAMP)

# The flagship's /info reads PostgreSQL: services starts it when nothing answers on 5432.
run: $(STAMP) services
	$(BIN)/lamina up $(APP) --host 127.0.0.1 --port $(PORT)

test: $(STAMP) services browser
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

# Browser tests drive Debian's chromium through Playwright (its own download is unreachable).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# Load generator is wrk (not Python), from Debian's packages.
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/api_overhead.py
	$(BIN)/python bench/throttle.py
	$(BIN)/python bench/jwt_auth.py
	$(BIN)/python bench/waf.py
	$(BIN)/python bench/security.py
	$(BIN)/python bench/iam.py
	$(BIN)/python bench/vtl.py
	$(BIN)/python bench/vtl_custom.py
	$(BIN)/python bench/metrics.py
	$(BIN)/python bench/tracing.py
	$(BIN)/python bench/observability.py
	$(BIN)/python bench/deploy.py
	$(BIN)/python bench/stage_swap.py
	$(BIN)/python bench/cache.py
	$(BIN)/python bench/dynamodb.py
	$(BIN)/python bench/s3.py
	$(BIN)/python bench/cdn.py
	$(BIN)/python bench/console.py

clean:
	rm -rf $(VENV) .lamina .pytest_cache .mypy_cache .ruff_cache

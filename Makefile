# Every target sets up .venv on first use, so a fresh machine needs nothing else.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BUF := .tools/node_modules/.bin/buf
ARGS ?=

.PHONY: help serve test proto lint fmt check bench-quick clean

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  make /' -e 's/: / — /'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

## serve: start the server on its embedded defaults (paper venue, 127.0.0.1:50051)
serve: $(VENV)/.installed
	$(VENV)/bin/fillgate serve $(ARGS)

## test: run the whole test suite
test: $(VENV)/.installed
	$(PY) -m pytest $(ARGS)

## proto: regenerate server/fillgate/v1 from protos/
proto: $(VENV)/.installed
	$(PY) tools/genproto.py

$(BUF):
	npm install --silent --no-audit --no-fund --prefix .tools @bufbuild/buf@1.75.0

## lint: buf lint + format check, ruff (lint, format, complexity), mypy, import layers
lint: $(VENV)/.installed $(BUF)
	$(BUF) lint
	$(BUF) format -d --exit-code
	$(VENV)/bin/ruff check server clients tests tools benchmarks
	$(VENV)/bin/ruff format --check server clients tests tools benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## fmt: format the protos (buf) and the Python code (ruff)
fmt: $(VENV)/.installed $(BUF)
	$(BUF) format -w
	$(VENV)/bin/ruff format server clients tests tools benchmarks

## clean: remove the virtualenv and the tools
clean:
	rm -rf $(VENV) .tools

.PHONY: bench bench-quick

## bench: the full latency benchmark (~10 min): writes benchmarks/results/<time>/, updates benchmarks/README.md
bench: $(VENV)/.installed
	$(PY) -m benchmarks --update-readme $(ARGS)

## bench-quick: the CI latency gate (< 2 min): SubmitOrder p99 within 100 ms and 3x the empty RPC, no errors
bench-quick: $(VENV)/.installed
	$(PY) -m benchmarks --gate $(ARGS)

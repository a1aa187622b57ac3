# Two commands matter: `make sandbox` (set up and try the bot, no tokens) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: install run migrate sandbox test lint check bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

sandbox: install
	$(BIN)/trt sandbox

run: install
	$(BIN)/trt run

migrate: install
	$(BIN)/trt migrate

lint: install
	$(BIN)/ruff check trt tests bench
	$(BIN)/ruff format --check trt tests bench
	$(BIN)/mypy trt
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q -ra

bench: install
	$(BIN)/python bench/run_all.py

# GAN Book: `make book` builds the executed HTML book; `make test` runs every check.
# Both do all set-up first (virtual environment, packages, data) and are idempotent.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BOOK_FLAGS := -W --keep-going

.PHONY: setup data book test unit notebooks book-strict bench bench-quick clean

setup: $(STAMP) data

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

data: $(STAMP)
	@bash tools/install_data.sh $(PY)

book: setup
	$(VENV)/bin/jupyter-book build . $(BOOK_FLAGS)
	@echo "Book built: $(CURDIR)/_build/html/index.html"

unit: setup
	$(PY) -m pytest tests

notebooks: setup
	$(PY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks

book-strict: setup
	$(VENV)/bin/jupyter-book build . $(BOOK_FLAGS)

test: unit notebooks book-strict
	@echo "All checks passed."

bench: setup
	$(PY) -m benchmarks.run

bench-quick: setup
	$(PY) -m benchmarks.run --quick

clean:
	rm -rf _build

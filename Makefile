# Two commands set everything up on a fresh machine:
#   make run   - install, build the index, start the bot (or the console chat without a token)
#   make test  - install and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install build run chat test lint bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,fast]'
	touch $(STAMP)

install: $(STAMP)

build: install
	$(BIN)/article-bot build

run: build
	$(BIN)/article-bot start

chat: build
	$(BIN)/article-bot chat

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check bot index tests bench
	$(BIN)/ruff format --check bot index tests bench
	$(BIN)/mypy

bench: build
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache

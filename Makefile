# Two commands set everything up on a fresh machine:
#   make run   - install, build the index, start the bot (or the console chat without a token)
#   make test  - install and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Evaluation sets: tuning data, held-out data and questions about the seed article.
EVAL_DIR ?= ../shared/eval
# The evaluation sets' questions in English (the abstention model is fitted on those of
# the fitting sets too; the held-out ones are only reported).
TRANSLATIONS ?= bench/questions/en
# Where `make finetune` writes the tuned model; `make bench` compares it when it exists.
TUNED ?= data/models/tuned-arcd-train
# Where `make reranker` writes the optional re-ranker (use it with RERANKER=<this folder>).
RERANKER_DIR ?= data/models/reranker

.PHONY: install build run chat test test-fast lint check-layout bench calibrate finetune \
	reranker clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,train]'
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

# The tests that neither load the model nor run the bot against the fake Bot API.
test-fast: install
	$(BIN)/python -m pytest -q -m "not model and not telegram"

lint: install
	$(BIN)/ruff check bot index tests bench support scripts
	$(BIN)/ruff format --check bot index tests bench support scripts
	$(BIN)/mypy
	$(BIN)/python scripts/check_layout.py

# No import cycle in index/ or bot/; bot/ uses only index's public APIs.
check-layout: install
	$(BIN)/python scripts/check_layout.py

# The sets the shipped weights and abstention are fitted on (never the held-out one).
FIT_SETS = $(EVAL_DIR)/arcd-train.jsonl $(EVAL_DIR)/tydiqa-ar-dev.jsonl \
	$(EVAL_DIR)/kaiflematha-dev.jsonl

bench: build
	$(BIN)/python -m bench.run --heldout $(EVAL_DIR)/xquad-ar.jsonl \
		$(foreach f,$(FIT_SETS),--fit $(f)) \
		--train $(EVAL_DIR)/arcd-train.jsonl --article-questions $(EVAL_DIR)/seed-dev.jsonl \
		--tuned $(TUNED) --reranker $(RERANKER_DIR) --translations $(TRANSLATIONS)

calibrate: install
	$(BIN)/python -m bench.calibrate $(FIT_SETS) --translations $(TRANSLATIONS)

# Fine-tune the embedding model on the training file (about 20 minutes on 2 CPU cores).
finetune: install
	$(BIN)/article-bot finetune $(EVAL_DIR)/arcd-train.jsonl --out $(TUNED) --overwrite

# Train the optional re-ranker on the fitting sets (22 to 34 minutes on 2 CPU cores).
reranker: build
	$(BIN)/article-bot train-reranker $(FIT_SETS) --out $(RERANKER_DIR) --overwrite

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache

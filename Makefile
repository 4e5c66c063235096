# bonecare: `make run` serves the API (SQLite, reminders worker in-process); `make test` runs the tests;
# `make lint` is ruff over the whole tree.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench fuzz clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/flask --app app db upgrade
	BONECARE_INLINE_WORKER=1 $(BIN)/gunicorn --workers 1 --threads 8 --bind 0.0.0.0:$(PORT) \
		--access-logfile - app:app

test: $(STAMP)
	$(BIN)/pytest

fuzz: $(STAMP)
	$(BIN)/python fuzz/run.py

bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/http_bench.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) instance .pytest_cache

# bonecare: `make run` serves the API (SQLite, reminders worker in-process); `make test` runs the tests;
# `make lint` is ruff over the whole tree; `make clients` generates the Python and TypeScript clients from the spec
# into build/clients and fails on anything unclean (tools/clients.py).
PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test lint bench rush scale-demo fuzz clients clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# The Node tools, exactly as package-lock.json pins them.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

run: $(STAMP)
	$(BIN)/flask --app app db upgrade
	BONECARE_INLINE_WORKER=1 $(BIN)/gunicorn --workers 1 --threads 8 --bind 0.0.0.0:$(PORT) app:app

test: $(STAMP)
	$(BIN)/pytest

fuzz: $(STAMP)
	$(BIN)/python fuzz/run.py

bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/http_bench.py

# nginx, Redis and wrk from Debian's packages, when missing (PostgreSQL is expected at 127.0.0.1:5432).
DEPLOY_PARTS := command -v nginx >/dev/null && command -v redis-server >/dev/null && command -v wrk >/dev/null \
	|| (apt-get update -qq && apt-get install -y -qq nginx redis-server wrk)

# nginx before two gunicorn instances, two reminders workers, PostgreSQL and Redis, under load, with a worker
# killed and an instance restarted; prints the checks and fails if one does not hold (docs/deploy.md).
scale-demo: $(STAMP)
	$(DEPLOY_PARTS)
	$(BIN)/python deploy/scale_demo.py

# The morning rush: capacity of the reminders worker and the API on PostgreSQL (bench/rush.py --help).
rush: $(STAMP)
	$(BIN)/python bench/rush.py $(RUSH_ARGS)

clients: $(STAMP) $(NODE_STAMP)
	$(BIN)/python tools/clients.py build/clients

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules build

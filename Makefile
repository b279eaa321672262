# The few commands people need. Every target installs what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# test processes (pytest-xdist): every test has its own database, topics and ports
TEST_WORKERS ?= 4

.PHONY: install run test bench lint typecheck schemas migrate clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## make run: the local broker, the four services on SQLite, demo data; Ctrl-C stops everything
run: install
	$(BIN)/suara dev

## make test: the type check, then the whole suite (unit, contract, integration on SQLite and, when
## SUARA_TEST_POSTGRES_URL is set, PostgreSQL; .ci/run sets it)
test: install
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## make bench: throughput and latency figures against baselines measured in the same run
bench: install
	$(BIN)/python -m benchmarks

lint: install
	$(BIN)/ruff check .

## make typecheck: mypy --strict (config in pyproject.toml) on shared/ and services/
typecheck: install
	$(BIN)/mypy

## make schemas: regenerate the committed JSON Schemas and AsyncAPI document from the models
schemas: install
	$(BIN)/python -m shared.events.docs write

## make migrate: apply every service's migrations (what production runs before starting)
migrate: install
	$(BIN)/suara migrate

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .hypothesis

# jeugdkpi — two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LANDING ?= $(or $(JEUGDKPI_LANDING),data/landing)
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: install run test lint fix dev bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp orchestration/dagster.yaml $@

## make run: install if needed, generate the demo region when the landing folder is empty, run the pipeline
run: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/jeugdkpi generate --out $(LANDING) --if-empty
	$(BIN)/jeugdkpi run --landing $(LANDING)

## make test: the whole test suite (unit, dbt, end-to-end)
test: install
	$(BIN)/pytest

## make lint: ruff (Python) and sqlfluff with the dbt templater and the DuckDB dialect (the dbt project); CI runs it
## make fix: let both tools rewrite what they can fix themselves
LINT_ENV := JEUGDKPI_WAREHOUSE=$(CURDIR)/dbt_project/target/lint.duckdb
lint: install
	$(BIN)/ruff check orchestration tests
	mkdir -p dbt_project/target && cd dbt_project && $(LINT_ENV) ../$(BIN)/sqlfluff lint models tests

fix: install
	$(BIN)/ruff check --fix orchestration tests
	mkdir -p dbt_project/target && cd dbt_project && $(LINT_ENV) ../$(BIN)/sqlfluff fix models tests

## make dev: the Dagster UI (and daemon) on http://localhost:$(DAGSTER_PORT) (make dev DAGSTER_PORT=3001 for another
## port), run history kept in .dagster_home/; Ctrl-C stops every process within seconds (jeugdkpi/devserver.py)
DAGSTER_PORT ?= 3000
dev: install $(DAGSTER_HOME)/dagster.yaml
	exec $(BIN)/python -m jeugdkpi.devserver -- $(BIN)/dagster dev -m jeugdkpi.definitions -p $(DAGSTER_PORT)

## make bench: whole runs (demo, re-run, 100 youths) and the ingest against a bare lxml parse, beside the figures
## of issue 18 (python -m jeugdkpi.bench --help); options: make bench BENCH_ARGS="--repeat 3 --scales 1,4,10"
bench: install
	$(BIN)/python -m jeugdkpi.bench $(BENCH_ARGS)

clean:
	rm -rf data/warehouse.duckdb data/published dbt_project/target

# `make demo` and `make test` each set themselves up from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT_DIR := dbt_project
MANIFEST := $(DBT_DIR)/target/manifest.json
DBT_SOURCES := $(shell find $(DBT_DIR)/models $(DBT_DIR)/macros $(DBT_DIR)/tests -type f 2>/dev/null) $(DBT_DIR)/dbt_project.yml $(DBT_DIR)/profiles.yml

export USM_DUCKDB_PATH ?= $(CURDIR)/data/warehouse.duckdb
export DAGSTER_HOME ?= $(CURDIR)/.dagster

.PHONY: demo test test-fast setup browser lint dev docs clean

demo: setup
	$(BIN)/usm demo

test: setup browser
	$(BIN)/pytest

test-fast: setup
	$(BIN)/pytest -m "not slow"

lint: setup
	$(BIN)/ruff check .

dev: PORT ?= 3333
dev: setup
	mkdir -p $(DAGSTER_HOME) data/landing
	test -e $(DAGSTER_HOME)/dagster.yaml || ln -s $(CURDIR)/dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	# dagster dev re-parses the dbt project (prepare_if_dev), which looks for `dbt` on PATH.
	# The launcher makes Ctrl-C and SIGTERM (which make passes to its child) stop all of dagster dev.
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/python deploy/dagster_dev.py $(BIN)/dagster dev -h 127.0.0.1 -p $(PORT)

# dbt docs on http://127.0.0.1:$(PORT) (Ctrl-C stops it). With a warehouse the catalog holds the
# columns' types; a fresh clone gets the descriptions alone, and no empty warehouse file.
docs: PORT ?= 8080
docs: setup
	cd $(DBT_DIR) && ../$(BIN)/dbt docs generate --quiet --profiles-dir . --project-dir . \
		$(if $(wildcard $(USM_DUCKDB_PATH)),,--no-compile --empty-catalog)
	cd $(DBT_DIR) && ../$(BIN)/dbt docs serve --profiles-dir . --project-dir . --host 127.0.0.1 --port $(PORT) --no-browser

setup: $(VENV)/.installed $(MANIFEST)

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# The evidence page is checked in Debian's Chromium (tests/integration/test_evidence_page.py).
browser:
	command -v chromium >/dev/null || (apt-get install -y --no-install-recommends chromium \
		|| (apt-get update && apt-get install -y --no-install-recommends chromium))

# @dbt_assets reads the manifest at import time, so it is built before anything imports the code.
$(MANIFEST): $(VENV)/.installed $(DBT_SOURCES)
	mkdir -p $(dir $(USM_DUCKDB_PATH)) $(DAGSTER_HOME)
	cd $(DBT_DIR) && ../$(BIN)/dbt parse --quiet --profiles-dir . --project-dir .
	touch $@

clean:
	rm -rf data .dagster $(DBT_DIR)/target $(DBT_DIR)/logs

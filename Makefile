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
# The dbt target `spark` (make spark): the raw layer as Parquet, and Spark's tables and catalog.
export USM_LAKEHOUSE_PATH ?= $(CURDIR)/data/lakehouse
export USM_SPARK_HOME ?= $(CURDIR)/data/spark

.PHONY: demo test test-fast setup spark-setup browser lint dev docs spark clean

demo: setup
	$(BIN)/usm demo

test: setup spark-setup browser
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

# dbt-spark and pyspark (about 450 MB, and Java 17): an extra, for the tests and `make spark`
# only, so that `make demo` stays light.
spark-setup: $(VENV)/.spark-installed

$(VENV)/.spark-installed: $(VENV)/.installed
	command -v java >/dev/null || (echo "make: Spark needs Java 17 or newer (java is not on PATH)" >&2; exit 2)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,spark]'
	touch $@

# The demo's warehouse built again on a local Spark session: raw exported as Parquet, then
# `dbt build` on the target `spark`, into its own target folder (the Dagster manifest stays).
spark: setup spark-setup
	test -e $(USM_DUCKDB_PATH) || (echo "make spark: no warehouse at $(USM_DUCKDB_PATH): run make demo first" >&2; exit 2)
	$(BIN)/python -m pipelines.lib.lakehouse $(USM_DUCKDB_PATH) $(USM_LAKEHOUSE_PATH)
	cd $(DBT_DIR) && ../$(BIN)/dbt build --target spark --exclude-resource-type unit_test \
		--profiles-dir . --project-dir . --target-path target/spark

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

"""DuckDB's memory limit: one variable for the pipeline's connections and dbt's profile."""

import re

import duckdb
import yaml
from conftest import REPO_ROOT

from pipelines import settings
from pipelines.defs.resources import build_resources


def test_the_profile_and_the_pipeline_default_to_the_same_limit():
    profile = yaml.safe_load((REPO_ROOT / "dbt_project" / "profiles.yml").read_text())
    limit = profile["usm"]["outputs"]["local"]["settings"]["memory_limit"]
    assert re.fullmatch(r"\{\{ env_var\('USM_DUCKDB_MEMORY_LIMIT', '(.+)'\) \}\}", limit)[1] == (
        settings.DEFAULT_DUCKDB_MEMORY_LIMIT
    )


def test_the_warehouse_connections_run_under_the_limit_set(tmp_path, monkeypatch):
    # DuckDB counts MB in millions of bytes: 1536 MB is 1.43 GiB, 512 MB is 488.2 MiB, as it shows them
    for value, shown in ((None, "1.4 GiB"), ("512MB", "488.2 MiB")):
        if value:
            monkeypatch.setenv("USM_DUCKDB_MEMORY_LIMIT", value)
        else:
            monkeypatch.delenv("USM_DUCKDB_MEMORY_LIMIT", raising=False)
        config = build_resources()["warehouse"].connection_config
        with duckdb.connect(str(tmp_path / "warehouse.duckdb"), config=config) as con:
            assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == shown

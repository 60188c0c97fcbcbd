"""The analysts' path as the README writes it: the DuckDB shell `make` installs opens a copy of the
output folder, anywhere, and runs the README's queries; every mart column carries its description."""

import json
import os
import re
import shutil
import subprocess
import sysconfig

import duckdb
import pytest
from conftest import REPO_ROOT, shared_world, usm

from pipelines.lib.snapshot import MartDoc, publish_marts

# The shell installed with usm (duckdb-cli in pyproject.toml), not the Python module.
SHELL = os.path.join(sysconfig.get_path("scripts"), "duckdb")


def readme_analyst_queries() -> list[str]:
    """The statements of the ```sql blocks under the README heading that names the analysts."""
    text = (REPO_ROOT / "README.md").read_text()
    heading = re.search(r"^(#+) [^\n]*analysts[^\n]*$", text, flags=re.MULTILINE | re.IGNORECASE)
    assert heading, "README.md has no heading about the analysts"
    level = len(heading.group(1))
    following = re.compile(rf"^#{{1,{level}}} ", flags=re.MULTILINE).search(text, heading.end())
    section = text[heading.end() : following.start() if following else len(text)]
    blocks = re.findall(r"^```sql\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)
    return [statement.query for block in blocks for statement in duckdb.extract_statements(block)]


def shell(snapshot, sql: str, cwd) -> list[dict]:
    done = subprocess.run(
        [SHELL, "-readonly", "-json", str(snapshot), "-c", sql], cwd=cwd, capture_output=True, text=True
    )
    assert done.returncode == 0 and "Error" not in done.stderr, f"{sql}\n{done.stdout}{done.stderr}"
    return json.loads(done.stdout or "[]")


@pytest.mark.slow
def test_a_copied_output_folder_opens_in_the_installed_shell_and_answers_the_readme(tmp_path_factory, tmp_path):
    world = shared_world(tmp_path_factory, "demo-seed7")
    queries = readme_analyst_queries()
    assert 3 <= len(queries) <= 5, queries
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()
        marts = [name for (name,) in tables]
        counts = {table: con.execute(f'SELECT count(*) FROM marts."{table}"').fetchone()[0] for table in marts}
        answers = [len(con.execute(query).fetchall()) for query in queries]
    manifest = json.loads((REPO_ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    described = {
        (node["alias"], column.lower()): (spec.get("description") or "").strip()
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
        for column, spec in node["columns"].items()
    }

    # An analyst is handed the output folder; the one the pipeline wrote is gone.
    shared = tmp_path / "shared" / "output"
    shutil.copytree(world.output, shared)
    moved = world.output.with_name("output.moved")
    world.output.rename(moved)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    snapshot = shared / "usm_marts.duckdb"
    try:
        for query, rows in zip(queries, answers, strict=True):
            assert rows > 0, f"the README's query returns nothing on the demo:\n{query}"
            assert len(shell(snapshot, query, elsewhere)) == rows, query
        every = " UNION ALL ".join(f"SELECT '{table}' AS mart, count(*) AS n FROM marts.\"{table}\"" for table in marts)
        assert {row["mart"]: row["n"] for row in shell(snapshot, every, elsewhere)} == counts
        comments = shell(
            snapshot,
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'marts'",
            elsewhere,
        )
        tables = shell(
            snapshot, "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts'", elsewhere
        )
        # Readers from DuckDB 0.10.3 on: the shell's version reads storage 64–68, not the pipeline's own (69).
        (storage,) = shell(
            snapshot, "SELECT tags['storage_version'] AS v FROM duckdb_databases() WHERE database_name = 'usm_marts'",
            elsewhere,
        )
    finally:
        moved.rename(world.output)

    assert {row["table_name"] for row in comments} == set(marts)
    undocumented = [f"{row['table_name']}.{row['column_name']}" for row in comments if not row["comment"]]
    assert not undocumented, f"mart columns with no description: {undocumented}"
    for row in comments:
        assert row["comment"] == described[(row["table_name"], row["column_name"].lower())], row
    assert all(row["comment"] for row in tables), tables
    assert storage["v"] == "v1.0.0+"


def test_usm_sql_opens_a_published_snapshot_and_names_a_missing_one(tmp_path):
    # What releases that published views over Parquet left: the self-contained snapshot replaces it.
    (tmp_path / "a copy" / "marts_snapshots" / "run-0").mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.fct_tickets AS SELECT range AS ticket_id FROM range(4)")
        publish_marts(con, tmp_path / "a copy", "run-1", {"fct_tickets": MartDoc("One row per ticket.", {})})
    done = usm(
        "sql",
        "--snapshot",
        str(tmp_path / "a copy" / "usm_marts.duckdb"),
        "SELECT (SELECT count(*) FROM marts.fct_tickets) AS n, comment FROM duckdb_tables()",
        env={},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"│\s+4\s+│\s+One row per ticket\.\s+│", done.stdout), done.stdout
    assert sorted(path.name for path in (tmp_path / "a copy").iterdir()) == ["usm_marts.duckdb"]

    missing = tmp_path / "nowhere" / "usm_marts.duckdb"
    done = usm("sql", env={"USM_OUTPUT_DIR": str(missing.parent)}, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"usm sql: no marts snapshot at {missing}; `usm run` publishes it"]

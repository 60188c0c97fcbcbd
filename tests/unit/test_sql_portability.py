"""The dbt project stays portable (docs/production.md, "The dbt project on another warehouse"): outside the
adapter layer (dbt_project/macros/adapter/) no model or macro spells SQL that only DuckDB
reads, or that PostgreSQL or Spark cannot run, and every macro of the layer dispatches to a
DuckDB, a default (PostgreSQL) and a Spark variant.

A grep over the SQL the models and macros write themselves: Jinja expressions and comments are
taken out first, so a call such as `{{ arg_min(...) }}` (the adapter macro) is not SQL.
tests/integration/test_dbt_postgres.py and test_dbt_spark.py prove the same on a PostgreSQL
server and a Spark session.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
ADAPTER = DBT_PROJECT / "macros" / "adapter"

# DuckDB-only constructs, each with what replaces it.
DUCKDB_ONLY = {
    r"->>?\s*'": "JSON operators: json_text / json_get",
    r"\bjson_\w+\s*\(": "DuckDB JSON functions: json_text, json_get, json_is_object, json_array_rows",
    r"\bjson\[\]": "JSON lists: json_array_rows",
    r"\btry_cast\s*\(": "try_cast: try_cast_text",
    r"\b(try_)?strptime\s*\(": "strftime parsing: the vendor stamp macros, stamp_with_format",
    r"\bqualify\b": "qualify: row_number() in a subquery",
    r"\bgroup\s+by\s+all\b": "group by all: the columns",
    r"\border\s+by\s+all\b": "order by all: the columns",
    r"\barg_(min|max)\s*\(": "arg_min/arg_max: the adapter macros",
    r"\bany_value\s*\(": "any_value: min, or the adapter's arg_min",
    r"\b(unnest|generate_subscripts)\s*\(": "lists: json_array_rows",
    r"\blist_\w+\s*\(|\blambda\b|\barray_to_string\s*\(": "lists and lambdas: the adapter layer",
    r"\bregexp_(full_match|extract|extract_all)\s*\(": "regular expressions: regex_full_match, regex_group",
    r"::": "`::` casts: cast(x as t)",
    r"\b(epoch_ms|make_timestamp|to_(days|hours|minutes|seconds))\s*\(": "epochs, intervals: dates.sql, dbt.dateadd",
    r"\bdate_diff\s*\(": "date_diff: dbt.datediff",
    r"\basof\b": "ASOF joins: business_time.sql",
    r"\*\s*(exclude|replace)\s*\(": "select * exclude/replace: name the columns",
    r"\brange\s*\(": "range(): day_series",
    r"\binterval\s+\d": "interval 1 day: interval '1 day' or dbt.dateadd",
    r"\bisodow\s*\(": "isodow(): extract(isodow from ...) in the adapter layer",
}

# Read by DuckDB and PostgreSQL but not by Spark, or read by Spark with another meaning.
NOT_SPARK = {
    r"\bvarchar\b(?!\s*\()": "varchar without a length (Spark needs one): dbt.type_string()",
    r"\bregexp_replace\s*\(": "regexp_replace (Spark's fourth argument is a position, not flags): regex_replace_all",
    r"\binterval\s+'[^']*:": "an interval of a clock time ('23:59:59'): dbt.dateadd",
    r"\bwith\s+recursive\b": "recursive CTEs (Spark's take only UNION ALL): graph_components",
    r"\bgenerate_series\s*\(": "generate_series: day_series",
    r"\bstring_agg\s*\(": "string_agg: dbt.listagg",
    r"\bstarts_with\s*\(": "starts_with: left(x, n) = prefix",
}


def _sql_outside_jinja(text: str) -> str:
    """The SQL a file writes itself: Jinja comments, statements and expressions removed, then
    SQL line comments."""
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}", " ", text, flags=re.S)
    return re.sub(r"--[^\n]*", " ", text)


def _portable_files() -> list[Path]:
    files = sorted((DBT_PROJECT / "models").rglob("*.sql")) + sorted((DBT_PROJECT / "macros").glob("*.sql"))
    assert len(files) > 70
    return files


@pytest.mark.parametrize("path", _portable_files(), ids=lambda path: path.relative_to(DBT_PROJECT).as_posix())
def test_no_duckdb_only_sql_outside_the_adapter_layer(path):
    sql = _sql_outside_jinja(path.read_text()).lower()
    found = [
        f"{match.group(0)!r} ({why})"
        for pattern, why in (DUCKDB_ONLY | NOT_SPARK).items()
        for match in re.finditer(pattern, sql)
    ]
    assert not found, f"{path.relative_to(DBT_PROJECT)} uses SQL not every warehouse reads: {found}"


def test_the_grep_finds_what_it_looks_for():
    """The patterns catch the constructs the models used before the adapter layer existed."""
    before = """
        select record->>'$.name', try_cast(x as integer), arg_min(a, b), unnest(try_cast(j as json[]))
        from t asof left join u on t.a >= u.a qualify row_number() over () = 1 group by all
        -- a comment may say qualify
    """
    sql = _sql_outside_jinja(before).lower()
    hits = {why for pattern, why in DUCKDB_ONLY.items() if re.search(pattern, sql)}
    assert len(hits) == 8
    assert not re.search(r"\bqualify\b.*comment", sql)


def test_the_grep_finds_what_spark_cannot_run():
    """The patterns catch the constructs the models used before the Spark variants existed."""
    before = """
        select cast(null as varchar), cast(x as varchar(20)), regexp_replace(n, '[^A-Z]', '', 'g'),
            max(d) + interval '23:59:59', interval '1 day'
        from (with recursive walk (a) as (select 1 union select a from walk) select * from walk)
        cross join generate_series(1, 3) where starts_with(n, 'x') group by string_agg(n, ',')
    """
    sql = _sql_outside_jinja(before).lower()
    hits = [match.group(0) for pattern in NOT_SPARK for match in re.finditer(pattern, sql)]
    assert hits == [
        "varchar", "regexp_replace(", "interval '23:59:", "with recursive", "generate_series(", "string_agg(",
        "starts_with(",
    ]


def test_every_adapter_macro_has_a_duckdb_a_default_and_a_spark_variant():
    dispatched = {}
    for path in sorted(ADAPTER.glob("*.sql")):
        text = path.read_text()
        assert text.startswith("{#- Adapter layer") or "Adapter layer (README.md in this folder)" in text[:400], (
            f"{path.name} does not say at its top why it is in the adapter layer"
        )
        for name in re.findall(r"adapter\.dispatch\('(\w+)'\)", text):
            dispatched[name] = text
    assert len(dispatched) >= 15
    for name, text in dispatched.items():
        assert f"macro duckdb__{name}(" in text, f"{name} has no duckdb__ variant"
        assert f"macro default__{name}(" in text, f"{name} has no default__ (PostgreSQL) variant"
        assert f"macro spark__{name}(" in text, f"{name} has no spark__ variant"

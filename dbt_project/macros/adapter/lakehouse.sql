{#- Adapter layer (README.md in this folder): where the raw layer's tables come from. On DuckDB
    the loader writes them, and on PostgreSQL raw_export.py copies them: a run finds them there.
    On Spark the raw layer is Parquet folders, `<USM_LAKEHOUSE_PATH>/<schema>/<table>/`, one
    partition per extract date, listed in `<USM_LAKEHOUSE_PATH>/_tables` (pipelines/lib/lakehouse.py):
    each run registers every table listed over its folder when it starts (on-run-start,
    dbt_project.yml), so a table's rows are always what its folder holds now, a declared tool's
    table included. A table once listed and no longer stays registered (over a folder gone). -#}
{% macro register_raw_layer() -%}
    {{ return(adapter.dispatch('register_raw_layer')()) }}
{%- endmacro %}

{#- Nothing to register: `select 1` keeps the hook a statement on every warehouse. -#}
{% macro duckdb__register_raw_layer() -%}
    select 1
{%- endmacro %}

{% macro default__register_raw_layer() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_layer() -%}
    {%- if execute -%}
        {%- set root = env_var('USM_LAKEHOUSE_PATH', '../data/lakehouse') -%}
        {%- if '`' in root -%}
            {{ exceptions.raise_compiler_error("USM_LAKEHOUSE_PATH holds a backquote: " ~ root) }}
        {%- endif -%}
        {%- set tables = run_query(
            "select table_schema, table_name from parquet.`" ~ root ~ "/_tables` order by 1, 2"
        ).rows -%}
        {#- a schema created only where missing: Spark's catalog logs an error for each one that exists -#}
        {%- set schemas = run_query('show schemas').columns[0].values() | map('lower') | list -%}
        {%- for schema, table in tables -%}
            {%- if schema | lower not in schemas -%}
                {%- do run_query('create schema ' ~ schema) -%}
                {%- do schemas.append(schema | lower) -%}
            {%- endif -%}
            {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ table) -%}
            {%- do run_query(
                'create table ' ~ schema ~ '.' ~ table ~ ' using parquet location '
                ~ spark_string_literal(root ~ '/' ~ schema ~ '/' ~ table)
            ) -%}
        {%- endfor -%}
        {{ log("register_raw_layer: " ~ (tables | length) ~ " raw tables from " ~ root, info=true) }}
    {%- endif -%}
    select 1
{%- endmacro %}

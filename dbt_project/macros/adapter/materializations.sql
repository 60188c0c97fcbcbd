{#- Adapter layer (README.md in this folder): whether a warehouse can replace a staging model's
    records in place (the strategy replace_records, macros/current_records.sql: a DELETE, then an
    INSERT). DuckDB and PostgreSQL can. Spark's Parquet tables have no DELETE, so on Spark the
    staging models are tables rebuilt whole on every run. -#}
{% macro replaces_records_in_place() -%}
    {{ return(adapter.dispatch('replaces_records_in_place')()) }}
{%- endmacro %}

{% macro duckdb__replaces_records_in_place() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro default__replaces_records_in_place() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro spark__replaces_records_in_place() -%}
    {{ return(false) }}
{%- endmacro %}

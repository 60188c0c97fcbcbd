{#- Adapter layer (README.md in this folder), DuckDB only: raw data retention (README,
    "Privacy"), run by the asset raw_maintenance/retention as
    `dbt run-operation prune_raw --args '{keep_days: N}'`. Before the newest extract date
    minus keep_days, a record's superseded versions are deleted (its current version stays,
    however old, so no mart loses a record), and quarantined records keep their file,
    position and reason but lose their text. DuckDB-only (rowid): the raw layer lives in
    DuckDB, where the loader writes it; a copy elsewhere (raw_export.py) is replaced whole. -#}
{% macro prune_raw(keep_days) %}
    {%- set tables = run_query(
        "select table_schema || '.' || table_name from information_schema.tables "
        ~ "where starts_with(table_schema, 'raw_') and table_type = 'BASE TABLE' "
        ~ "and table_schema not in ('raw_mappings', 'raw_quarantine', 'raw_loads') order by 1"
    ).columns[0].values() -%}
    {%- if tables | length == 0 -%}
        {{ log("prune_raw: no raw table", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {%- set newest_sql -%}
        select max(_extract_date) from (
        {%- for table in tables %}
            select max(_extract_date) as _extract_date from {{ table }}{% if not loop.last %} union all{% endif %}
        {%- endfor %}
        )
    {%- endset -%}
    {%- set newest = run_query(newest_sql).columns[0].values()[0] -%}
    {%- if newest is none -%}
        {{ log("prune_raw: the raw tables are empty", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {%- set cutoff = "date '" ~ newest ~ "' - " ~ (keep_days | int) -%}
    {%- for table in tables %}
        {%- set pruned = run_query(
            "delete from " ~ table ~ " where rowid in (select rowid from (select rowid, _extract_date, "
            ~ "row_number() over (partition by record_id order by " ~ newest_first() ~ ") as version "
            ~ "from " ~ table ~ ") where version > 1 and _extract_date < " ~ cutoff ~ ") returning 1"
        ) -%}
        {{ log("prune_raw: " ~ table ~ ": " ~ (pruned.rows | length) ~ " superseded versions deleted", info=true) }}
    {%- endfor %}
    {%- set blanked = run_query(
        "update raw_quarantine.quarantined_records set raw_text = null "
        ~ "where raw_text is not null and extract_date < " ~ cutoff ~ " returning 1"
    ) -%}
    {{ log("prune_raw: raw_quarantine.quarantined_records: " ~ (blanked.rows | length) ~ " texts removed", info=true) }}
{% endmacro %}

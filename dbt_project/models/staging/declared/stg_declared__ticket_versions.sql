-- Every row of every declared tool's export (usm.yaml `tools:`, README "Any other tool"): one
-- row per record in a per_record export, one per update in a per_update (history) export, whose
-- sequence of states is then the record's state history. Ordered like the current-version rule:
-- stamp, extract date, position (rows with equal stamps keep the export's order).
-- It reads raw tables by name, not as dbt sources: the tag puts it in the pipeline job even when
-- no tool is declared (pipelines/defs/automation.py), and Dagster makes it depend on the declared
-- raw assets (pipelines/defs/transform/dbt_assets.py).
{{ config(tags=['reads_raw_by_name']) }}

with source as (
    {{ declared_ticket_rows() }}
),

versioned as (
    select
        *,
        row_number() over (
            partition by source_system, record_id
            order by updated_at nulls first, _extract_date, _record_position, _source_file
        ) as version_number
    from source
)

select * from versioned

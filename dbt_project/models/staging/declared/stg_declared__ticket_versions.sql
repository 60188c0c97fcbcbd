-- Every row of every declared tool's export (usm.yaml `tools:`, docs/landing.md, "Any other tool"): one
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

-- An event log (per_update) opens at its first row: the smallest `opened` of its rows, else of
-- their update stamps; a per_record row carries its own.
versioned as (
    select
        source_system,
        source_entity,
        record_id,
        state,
        priority,
        category,
        subcategory,
        client_alias,
        requester_id,
        case
            when has_state_history then coalesce(
                min(opened_at) over (partition by source_system, record_id),
                min(updated_at) over (partition by source_system, record_id)
            )
            else opened_at
        end as opened_at,
        responded_at,
        resolved_at,
        closed_at,
        reopened_at,
        reopen_count,
        has_state_history,
        has_resolved_column,
        updated_at,
        _source_file,
        _extract_date,
        _record_position,
        row_number() over (
            partition by source_system, record_id
            order by updated_at nulls first, _extract_date, _record_position, _source_file
        ) as version_number
    from source
)

select * from versioned

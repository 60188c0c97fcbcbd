-- The current version of every declared tool's record: the newest row by its update stamp,
-- then extract date, then position (docs/marts.md, "fct_tickets").
with source as (
    {{ current_records(ref('stg_declared__ticket_versions'), key='source_system, record_id') }}
),

renamed as (
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
        opened_at,
        responded_at,
        resolved_at,
        closed_at,
        reopened_at,
        reopen_count,
        has_state_history,
        has_resolved_column,
        {{ lineage_columns(loaded_at=false) }}
    from source
)

select * from renamed

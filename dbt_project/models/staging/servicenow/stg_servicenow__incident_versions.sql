-- Every version of every incident (not just the current one): a ServiceNow history export
-- has one row per update, and its sequence of states is the incident's state history when
-- there is no sys_audit. Ordered like the current-version rule: stamp, extract date, position.
with source as (
    select * from {{ source('raw_servicenow', 'incident') }}
),

renamed as (
    select
        record_id as incident_sys_id,
        {{ servicenow_value('number') }} as incident_number,
        coalesce({{ servicenow_value('state') }}, {{ servicenow_value('incident_state') }}) as state,
        coalesce(
            {{ servicenow_display_value('state') }}, {{ servicenow_display_value('incident_state') }}
        ) as state_label,
        row_number() over (
            partition by record_id
            order by updated_at nulls first, _extract_date, _record_position, _source_file
        ) as version_number,
        updated_at,
        _extract_date
    from source
)

select * from renamed

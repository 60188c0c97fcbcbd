{{ incremental_staging_config('incident_sys_id') }}

with source as (
    {{ current_records(source('raw_servicenow', 'incident')) }}
),

renamed as (
    select
        record_id as incident_sys_id,
        {{ servicenow_value('number') }} as incident_number,
        {{ servicenow_value('short_description') }} as short_description,
        {{ servicenow_value('company') }} as company_sys_id,
        {{ servicenow_display_value('company') }} as company_display_name,
        {{ servicenow_value('caller_id') }} as caller_sys_id,
        -- personal data: stays in staging; the marts carry a pseudonymous key (int_ticket_requesters)
        {{ servicenow_display_value('caller_id') }} as caller_name,
        {{ servicenow_value('category') }} as category,
        {{ servicenow_value('subcategory') }} as subcategory,
        {{ servicenow_value('priority') }} as priority,
        {{ servicenow_value('impact') }} as impact,
        {{ servicenow_value('urgency') }} as urgency,
        -- a history export names the field incident_state
        coalesce({{ servicenow_value('state') }}, {{ servicenow_value('incident_state') }}) as state,
        coalesce({{ servicenow_display_value('state') }}, {{ servicenow_display_value('incident_state') }}) as state_label,
        {{ servicenow_value('hold_reason') }} as hold_reason,
        {{ servicenow_value('assignment_group') }} as assignment_group_sys_id,
        {{ servicenow_value('cmdb_ci') }} as cmdb_ci_sys_id,
        {{ servicenow_value('correlation_id') }} as correlation_id,
        {{ servicenow_value('contact_type') }} as contact_type,
        {{ read_field('servicenow.incident', 'made_sla') }} as made_sla,
        {{ read_field('servicenow.incident', 'reopen_count') }} as reopen_count,
        {{ servicenow_value('close_code') }} as close_code,
        {{ read_field('servicenow.incident', 'opened_at') }} as opened_at,
        {{ read_field('servicenow.incident', 'resolved_at') }} as resolved_at,
        {{ read_field('servicenow.incident', 'closed_at') }} as closed_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

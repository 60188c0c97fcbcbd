{{ incremental_staging_config('requested_item_sys_id') }}

with source as (
    {{ current_records(source('raw_servicenow', 'sc_req_item')) }}
),

renamed as (
    select
        record_id as requested_item_sys_id,
        {{ servicenow_value('number') }} as requested_item_number,
        {{ servicenow_value('short_description') }} as short_description,
        {{ servicenow_value('company') }} as company_sys_id,
        {{ servicenow_display_value('company') }} as company_display_name,
        {{ servicenow_value('cat_item') }} as cat_item_sys_id,
        {{ servicenow_display_value('cat_item') }} as cat_item_name,
        {{ servicenow_value('stage') }} as stage,
        {{ servicenow_value('priority') }} as priority,
        {{ servicenow_value('impact') }} as impact,
        {{ servicenow_value('urgency') }} as urgency,
        {{ servicenow_value('state') }} as state,
        {{ servicenow_display_value('state') }} as state_label,
        {{ servicenow_value('assignment_group') }} as assignment_group_sys_id,
        {{ servicenow_value('cmdb_ci') }} as cmdb_ci_sys_id,
        {{ servicenow_value('contact_type') }} as contact_type,
        -- personal data: stays in staging; the marts carry a pseudonymous key (int_ticket_requesters)
        {{ servicenow_value('requested_for') }} as requested_for_sys_id,
        {{ servicenow_value('caller_id') }} as caller_sys_id,
        {{ servicenow_display_value('caller_id') }} as caller_name,
        {{ read_field('servicenow.sc_req_item', 'made_sla') }} as made_sla,
        {{ read_field('servicenow.sc_req_item', 'opened_at') }} as opened_at,
        {{ read_field('servicenow.sc_req_item', 'resolved_at') }} as resolved_at,
        {{ read_field('servicenow.sc_req_item', 'closed_at') }} as closed_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

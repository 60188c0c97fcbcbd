-- sys_audit: one row per change of one field of one record (field history).
{{ incremental_staging_config('audit_sys_id') }}

with source as (
    {{ current_records(source('raw_servicenow', 'sys_audit')) }}
),

renamed as (
    select
        record_id as audit_sys_id,
        {{ servicenow_value('documentkey') }} as document_sys_id,
        {{ servicenow_value('tablename') }} as table_name,
        {{ servicenow_value('fieldname') }} as field_name,
        {{ servicenow_value('oldvalue') }} as old_value,
        {{ servicenow_value('newvalue') }} as new_value,
        {{ read_field('servicenow.sys_audit', 'sys_created_on') }} as changed_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

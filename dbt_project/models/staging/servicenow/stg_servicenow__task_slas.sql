{{ incremental_staging_config('task_sla_sys_id') }}

with source as (
    {{ current_records(source('raw_servicenow', 'task_sla')) }}
),

renamed as (
    select
        record_id as task_sla_sys_id,
        {{ servicenow_value('task') }} as task_sys_id,
        {{ servicenow_display_value('task') }} as task_number,
        coalesce({{ servicenow_display_value('sla') }}, {{ servicenow_value('sla') }}) as sla_name,
        {{ servicenow_value('stage') }} as stage,
        {{ read_field('servicenow.task_sla', 'has_breached') }} as has_breached,
        {{ read_field('servicenow.task_sla', 'start_time') }} as started_at,
        {{ read_field('servicenow.task_sla', 'end_time') }} as ended_at,
        {{ read_field('servicenow.task_sla', 'planned_end_time') }} as planned_end_at,
        -- ServiceNow durations are stamps after 1970-01-01 00:00:00
        {{ dbt.datediff("timestamp '1970-01-01'", read_field('servicenow.task_sla', 'business_duration'), 'second') }} / 60.0 as business_duration_minutes,
        {{ dbt.datediff("timestamp '1970-01-01'", read_field('servicenow.task_sla', 'business_pause_duration'), 'second') }} / 60.0 as business_pause_duration_minutes,
        {{ lineage_columns() }}
    from source
)

select * from renamed

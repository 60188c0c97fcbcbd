{{ incremental_staging_config('alert_uid') }}

with source as (
    {{ current_records(source('raw_ninjaone', 'alerts')) }}
),

renamed as (
    select
        record_id as alert_uid,
        {{ json_text('record', 'deviceId') }} as device_id,
        {{ json_text('record', 'message') }} as message,
        {{ json_text('record', 'subject') }} as subject,
        {{ json_text('record', 'sourceType') }} as source_type,
        {{ json_text('record', 'sourceName') }} as source_name,
        {{ json_text('record', 'severity') }} as severity,
        {{ json_text('record', 'priority') }} as priority,
        nullif(trim({{ json_text('record', 'psaTicketId') }}), '') as psa_ticket_id,
        {{ read_field('ninjaone.alerts', 'createTime') }} as created_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

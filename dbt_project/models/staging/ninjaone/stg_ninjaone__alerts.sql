with source as (
    {{ current_records(source('raw_ninjaone', 'alerts')) }}
),

renamed as (
    select
        record_id as alert_uid,
        record->>'$.deviceId' as device_id,
        record->>'$.message' as message,
        record->>'$.subject' as subject,
        record->>'$.sourceType' as source_type,
        record->>'$.sourceName' as source_name,
        record->>'$.severity' as severity,
        record->>'$.priority' as priority,
        nullif(trim(record->>'$.psaTicketId'), '') as psa_ticket_id,
        {{ ninjaone_stamp("record->>'$.createTime'") }} as created_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

with source as (
    {{ current_records(source('raw_ninjaone', 'activities')) }}
),

renamed as (
    select
        record_id as activity_id,
        record->>'$.deviceId' as device_id,
        record->>'$.seriesUid' as alert_uid,
        record->>'$.activityType' as activity_type,
        record->>'$.statusCode' as status_code,
        record->>'$.severity' as severity,
        record->>'$.message' as message,
        {{ ninjaone_stamp("record->>'$.activityTime'") }} as activity_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

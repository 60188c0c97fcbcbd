{{ incremental_staging_config('activity_id') }}

with source as (
    {{ current_records(source('raw_ninjaone', 'activities')) }}
),

renamed as (
    select
        record_id as activity_id,
        {{ json_text('record', 'deviceId') }} as device_id,
        {{ json_text('record', 'seriesUid') }} as alert_uid,
        {{ json_text('record', 'activityType') }} as activity_type,
        {{ json_text('record', 'statusCode') }} as status_code,
        {{ json_text('record', 'severity') }} as severity,
        {{ json_text('record', 'message') }} as message,
        {{ read_field('ninjaone.activities', 'activityTime') }} as activity_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

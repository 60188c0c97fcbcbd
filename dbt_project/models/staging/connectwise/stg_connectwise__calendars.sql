with source as (
    {{ current_records(source('raw_connectwise', 'calendars')) }}
),

renamed as (
    select
        record_id as calendar_id,
        record->>'$.name' as calendar_name,
        try_cast(record->>'$.mondayStartTime' as time) as monday_start_time,
        try_cast(record->>'$.mondayEndTime' as time) as monday_end_time,
        try_cast(record->>'$.tuesdayStartTime' as time) as tuesday_start_time,
        try_cast(record->>'$.tuesdayEndTime' as time) as tuesday_end_time,
        try_cast(record->>'$.wednesdayStartTime' as time) as wednesday_start_time,
        try_cast(record->>'$.wednesdayEndTime' as time) as wednesday_end_time,
        try_cast(record->>'$.thursdayStartTime' as time) as thursday_start_time,
        try_cast(record->>'$.thursdayEndTime' as time) as thursday_end_time,
        try_cast(record->>'$.fridayStartTime' as time) as friday_start_time,
        try_cast(record->>'$.fridayEndTime' as time) as friday_end_time,
        try_cast(record->>'$.saturdayStartTime' as time) as saturday_start_time,
        try_cast(record->>'$.saturdayEndTime' as time) as saturday_end_time,
        try_cast(record->>'$.sundayStartTime' as time) as sunday_start_time,
        try_cast(record->>'$.sundayEndTime' as time) as sunday_end_time,
        coalesce(record->>'$.holidayList.id', record->>'$.holidayList') as holiday_list_id,
        record->>'$.timeZone' as time_zone,
        {{ lineage_columns() }}
    from source
)

select * from renamed

with source as (
    {{ current_records(source('raw_connectwise', 'calendars')) }}
),

renamed as (
    select
        record_id as calendar_id,
        {{ json_text('record', 'name') }} as calendar_name,
        {{ try_cast_text(json_text('record', 'mondayStartTime'), 'time') }} as monday_start_time,
        {{ try_cast_text(json_text('record', 'mondayEndTime'), 'time') }} as monday_end_time,
        {{ try_cast_text(json_text('record', 'tuesdayStartTime'), 'time') }} as tuesday_start_time,
        {{ try_cast_text(json_text('record', 'tuesdayEndTime'), 'time') }} as tuesday_end_time,
        {{ try_cast_text(json_text('record', 'wednesdayStartTime'), 'time') }} as wednesday_start_time,
        {{ try_cast_text(json_text('record', 'wednesdayEndTime'), 'time') }} as wednesday_end_time,
        {{ try_cast_text(json_text('record', 'thursdayStartTime'), 'time') }} as thursday_start_time,
        {{ try_cast_text(json_text('record', 'thursdayEndTime'), 'time') }} as thursday_end_time,
        {{ try_cast_text(json_text('record', 'fridayStartTime'), 'time') }} as friday_start_time,
        {{ try_cast_text(json_text('record', 'fridayEndTime'), 'time') }} as friday_end_time,
        {{ try_cast_text(json_text('record', 'saturdayStartTime'), 'time') }} as saturday_start_time,
        {{ try_cast_text(json_text('record', 'saturdayEndTime'), 'time') }} as saturday_end_time,
        {{ try_cast_text(json_text('record', 'sundayStartTime'), 'time') }} as sunday_start_time,
        {{ try_cast_text(json_text('record', 'sundayEndTime'), 'time') }} as sunday_end_time,
        coalesce({{ json_text('record', 'holidayList.id') }}, {{ json_text('record', 'holidayList') }}) as holiday_list_id,
        {{ json_text('record', 'timeZone') }} as time_zone,
        {{ lineage_columns() }}
    from source
)

select * from renamed

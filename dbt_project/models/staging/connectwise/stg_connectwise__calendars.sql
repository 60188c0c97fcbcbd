{{ incremental_staging_config('calendar_id') }}

with source as (
    {{ current_records(source('raw_connectwise', 'calendars')) }}
),

renamed as (
    select
        record_id as calendar_id,
        {{ json_text('record', 'name') }} as calendar_name,
        {{ read_field('connectwise.calendars', 'mondayStartTime') }} as monday_start_time,
        {{ read_field('connectwise.calendars', 'mondayEndTime') }} as monday_end_time,
        {{ read_field('connectwise.calendars', 'tuesdayStartTime') }} as tuesday_start_time,
        {{ read_field('connectwise.calendars', 'tuesdayEndTime') }} as tuesday_end_time,
        {{ read_field('connectwise.calendars', 'wednesdayStartTime') }} as wednesday_start_time,
        {{ read_field('connectwise.calendars', 'wednesdayEndTime') }} as wednesday_end_time,
        {{ read_field('connectwise.calendars', 'thursdayStartTime') }} as thursday_start_time,
        {{ read_field('connectwise.calendars', 'thursdayEndTime') }} as thursday_end_time,
        {{ read_field('connectwise.calendars', 'fridayStartTime') }} as friday_start_time,
        {{ read_field('connectwise.calendars', 'fridayEndTime') }} as friday_end_time,
        {{ read_field('connectwise.calendars', 'saturdayStartTime') }} as saturday_start_time,
        {{ read_field('connectwise.calendars', 'saturdayEndTime') }} as saturday_end_time,
        {{ read_field('connectwise.calendars', 'sundayStartTime') }} as sunday_start_time,
        {{ read_field('connectwise.calendars', 'sundayEndTime') }} as sunday_end_time,
        coalesce({{ json_text('record', 'holidayList.id') }}, {{ json_text('record', 'holidayList') }}) as holiday_list_id,
        {{ lineage_columns() }}
    from source
)

select * from renamed

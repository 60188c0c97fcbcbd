{{ incremental_staging_config('holiday_id') }}

with source as (
    {{ current_records(source('raw_connectwise', 'holidays')) }}
),

renamed as (
    select
        record_id as holiday_id,
        {{ json_text('record', 'name') }} as holiday_name,
        coalesce({{ json_text('record', 'holidayList.id') }}, {{ json_text('record', 'holidayList') }}) as holiday_list_id,
        {{ read_field('connectwise.holidays', 'date') }} as holiday_on,
        {{ read_field('connectwise.holidays', 'allDayFlag') }} as is_all_day,
        {{ read_field('connectwise.holidays', 'timeStart') }} as start_time,
        {{ read_field('connectwise.holidays', 'timeEnd') }} as end_time,
        {{ lineage_columns() }}
    from source
)

select * from renamed

with source as (
    {{ current_records(source('raw_connectwise', 'holidays')) }}
),

renamed as (
    select
        record_id as holiday_id,
        record->>'$.name' as holiday_name,
        coalesce(record->>'$.holidayList.id', record->>'$.holidayList') as holiday_list_id,
        try_cast(left(record->>'$.date', 10) as date) as holiday_on,
        try_cast(record->>'$.allDayFlag' as boolean) as is_all_day,
        try_cast(record->>'$.timeStart' as time) as start_time,
        try_cast(record->>'$.timeEnd' as time) as end_time,
        {{ lineage_columns() }}
    from source
)

select * from renamed

with source as (
    {{ current_records(source('raw_connectwise', 'holidays')) }}
),

renamed as (
    select
        record_id as holiday_id,
        {{ json_text('record', 'name') }} as holiday_name,
        coalesce({{ json_text('record', 'holidayList.id') }}, {{ json_text('record', 'holidayList') }}) as holiday_list_id,
        {{ try_cast_text('left(' ~ json_text('record', 'date') ~ ', 10)', 'date') }} as holiday_on,
        {{ try_cast_text(json_text('record', 'allDayFlag'), 'boolean') }} as is_all_day,
        {{ try_cast_text(json_text('record', 'timeStart'), 'time') }} as start_time,
        {{ try_cast_text(json_text('record', 'timeEnd'), 'time') }} as end_time,
        {{ lineage_columns() }}
    from source
)

select * from renamed

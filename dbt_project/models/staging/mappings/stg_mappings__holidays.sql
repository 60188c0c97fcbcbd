-- holidays.csv: days off per calendar; empty start and end times = the whole day.
with source as (
    select * from {{ source('raw_mappings', 'holidays') }}
),

renamed as (
    select
        nullif(trim(calendar), '') as calendar,
        {{ try_cast_text("nullif(trim(date), '')", 'date') }} as holiday_on,
        nullif(trim(name), '') as holiday_name,
        nullif(trim(start_time), '') as start_time,
        nullif(trim(end_time), '') as end_time,
        nullif(trim(start_time), '') is null and nullif(trim(end_time), '') is null as is_all_day,
        _record_position
    from source
)

select * from renamed

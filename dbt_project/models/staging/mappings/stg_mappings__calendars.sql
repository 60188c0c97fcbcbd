-- calendars.csv: business hours per weekday (1 = Monday .. 7 = Sunday); no row = a day off.
-- Times stay `HH:MM` text because `24:00` ends a day; the minute columns are for arithmetic.
with source as (
    select * from {{ source('raw_mappings', 'calendars') }}
),

renamed as (
    select
        nullif(trim(calendar), '') as calendar,
        nullif(trim(time_zone), '') as time_zone,
        {{ try_cast_text("nullif(trim(weekday), '')", 'integer') }} as weekday,
        nullif(trim(start_time), '') as start_time,
        nullif(trim(end_time), '') as end_time,
        {{ try_cast_text("split_part(trim(start_time), ':', 1)", 'integer') }} * 60
            + {{ try_cast_text("split_part(trim(start_time), ':', 2)", 'integer') }} as start_minute,
        {{ try_cast_text("split_part(trim(end_time), ':', 1)", 'integer') }} * 60
            + {{ try_cast_text("split_part(trim(end_time), ':', 2)", 'integer') }} as end_minute,
        _record_position
    from source
)

select * from renamed

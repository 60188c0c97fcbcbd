-- states.csv: each system's state or status to what it means for the clock.
with source as (
    select * from {{ source('raw_mappings', 'states') }}
),

renamed as (
    select
        lower(nullif(trim(system), '')) as system,
        nullif(trim(state), '') as state,
        lower(nullif(trim(clock), '')) as clock,
        _record_position
    from source
)

select * from renamed

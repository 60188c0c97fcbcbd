-- priorities.csv: each system's priority value to P1..P4.
with source as (
    select * from {{ source('raw_mappings', 'priorities') }}
),

renamed as (
    select
        lower(nullif(trim(system), '')) as system,
        nullif(trim(priority), '') as priority,
        upper(nullif(trim(canonical_priority), '')) as canonical_priority,
        _record_position
    from source
)

select * from renamed

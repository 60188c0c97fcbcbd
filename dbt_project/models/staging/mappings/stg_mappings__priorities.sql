-- priorities.csv: each system's priority value to P1..P5 (ServiceNow and many ITSM tools have
-- five levels). A row naming anything else maps nothing: its tickets' priority is null and each
-- such value is an `unknown_priority` normalization exception, never a failed build.
with source as (
    select * from {{ source('raw_mappings', 'priorities') }}
),

renamed as (
    select
        lower(nullif(trim(system), '')) as system,
        nullif(trim(priority), '') as priority,
        case
            when upper(trim(canonical_priority)) in ('P1', 'P2', 'P3', 'P4', 'P5')
                then upper(trim(canonical_priority))
        end as canonical_priority,
        _record_position
    from source
)

select * from renamed

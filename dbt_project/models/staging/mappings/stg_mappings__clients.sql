-- clients.csv: each system's alias for a client, and the canonical client it stands for.
with source as (
    select * from {{ source('raw_mappings', 'clients') }}
),

renamed as (
    select
        lower(nullif(trim(system), '')) as system,
        nullif(trim(alias), '') as alias,
        nullif(trim(client_id), '') as client_id,
        nullif(trim(client_name), '') as client_name,
        -- optional: the client's business-hours calendar (calendars.csv), where a ConnectWise SLA
        -- based on the customer's calendar counts
        nullif(trim({{ json_text('_row', 'calendar') }}), '') as calendar,
        _record_position
    from source
)

select * from renamed

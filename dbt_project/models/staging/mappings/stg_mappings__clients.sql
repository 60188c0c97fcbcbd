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
        _record_position
    from source
)

select * from renamed

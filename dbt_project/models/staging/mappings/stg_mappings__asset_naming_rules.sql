-- asset_naming.csv: the endpoint naming standard (`standard_pattern`, a regular expression).
with source as (
    select * from {{ source('raw_mappings', 'asset_naming') }}
),

renamed as (
    select
        lower(nullif(trim(rule), '')) as rule,
        nullif(trim(value), '') as value,
        _record_position
    from source
)

select * from renamed

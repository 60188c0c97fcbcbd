with source as (
    select * from {{ source('raw_quarantine', 'quarantined_records') }}
),

renamed as (
    select
        system,
        entity,
        source_file,
        record_position,
        extract_date,
        reason,
        detail,
        raw_text
    from source
)

select * from renamed

-- billing_codes.csv: each work type (billing code), the canonical category it bills.
with source as (
    select * from {{ source('raw_mappings', 'billing_codes') }}
),

renamed as (
    select
        nullif(trim(work_type), '') as work_type,
        nullif(trim(category), '') as category,
        try_cast(nullif(trim(is_billable), '') as boolean) as is_billable,
        try_cast(nullif(trim(hourly_rate), '') as decimal(18, 2)) as hourly_rate,
        _record_position
    from source
)

select * from renamed

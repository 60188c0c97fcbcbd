-- billing_codes.csv: each work type (billing code), the canonical category it bills.
with source as (
    select * from {{ source('raw_mappings', 'billing_codes') }}
),

renamed as (
    select
        nullif(trim(work_type), '') as work_type,
        nullif(trim(category), '') as category,
        {{ try_cast_text("nullif(trim(is_billable), '')", 'boolean') }} as is_billable,
        {{ try_cast_text("nullif(trim(hourly_rate), '')", 'decimal(18, 2)') }} as hourly_rate,
        _record_position
    from source
)

select * from renamed

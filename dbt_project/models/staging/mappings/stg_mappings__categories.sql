-- categories.csv: each system's category (and subcategory; empty matches any) to the
-- canonical category and department.
with source as (
    select * from {{ source('raw_mappings', 'categories') }}
),

renamed as (
    select
        lower(nullif(trim(system), '')) as system,
        nullif(trim(category), '') as category,
        nullif(trim(subcategory), '') as subcategory,
        nullif(trim(canonical_category), '') as canonical_category,
        nullif(trim(department), '') as department,
        _record_position
    from source
)

select * from renamed

-- One row per canonical category: its department (categories.csv) and the work type that
-- bills it (billing_codes.csv).
with category_map as (
    select * from {{ ref('stg_mappings__categories') }}
),

billing_codes as (
    select * from {{ ref('stg_mappings__billing_codes') }}
),

categories as (
    select
        canonical_category as category,
        {{ arg_min('department', '_record_position') }} as department
    from category_map
    where canonical_category is not null
    group by canonical_category
),

billed_categories as (
    select
        category,
        {{ arg_min('work_type', '_record_position') }} as billing_code
    from billing_codes
    where category is not null
    group by category
),

final as (
    select
        coalesce(categories.category, billed_categories.category) as category,
        categories.department,
        billed_categories.billing_code
    from categories
    full outer join billed_categories
        on {{ match_value('categories.category') }} = {{ match_value('billed_categories.category') }}
)

select * from final

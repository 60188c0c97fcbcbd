-- The resolved work items that reconciliation judges: resolved (some ticket resolved or
-- closed, none still open or on hold) and with a way to billing: a ConnectWise ticket
-- (ConnectWise time is charged to PSA tickets; an ITSM incident reaches billing through
-- the PSA ticket that mirrors it), or a category whose billing code bills (an ESM request
-- reconciled because the mapping says its category is billable).
-- The work item's category and client: int_work_items_attributed. evaluated_at is the end of
-- the last extract date (var recon_evaluated_at overrides it).
with work_items as (
    select * from {{ ref('int_work_items_attributed') }}
),

categories as (
    select * from {{ ref('dim_service_categories') }}
),

billing_codes as (
    select * from {{ ref('stg_mappings__billing_codes') }}
),

evaluation as (
    select
        coalesce(
            {{ try_cast_text("nullif('" ~ var("recon_evaluated_at", "") ~ "', '')", 'timestamp') }},
            cast({{ dbt.dateadd('day', 1, 'max(_extract_date)') }} as timestamp)
        ) as evaluated_at
    from {{ ref('int_tickets_mapped') }}
),

expected_codes as (
    select
        categories.category,
        categories.billing_code as expected_billing_code,
        coalesce(bool_or(billing_codes.is_billable), false) as is_category_billable
    from categories
    left join billing_codes
        on {{ match_value('categories.billing_code') }} = {{ match_value('billing_codes.work_type') }}
    group by categories.category, categories.billing_code
),

final as (
    select
        work_items.work_item_id,
        work_items.client_id,
        work_items.resolved_at,
        work_items.category,
        expected_codes.expected_billing_code,
        coalesce(expected_codes.is_category_billable, false) as is_category_billable,
        work_items.has_psa_ticket,
        evaluation.evaluated_at
    from work_items
    cross join evaluation
    left join expected_codes
        on {{ match_value('work_items.category') }} = {{ match_value('expected_codes.category') }}
    where work_items.has_resolved_ticket
        and not work_items.has_open_ticket
        and (work_items.has_psa_ticket or coalesce(expected_codes.is_category_billable, false))
)

select * from final

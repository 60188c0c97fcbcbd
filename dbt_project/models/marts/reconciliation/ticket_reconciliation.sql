-- One row per resolved work item: its time against its invoices (docs/marts.md). An analyst's
-- `excluded` standing on any of the work item's exceptions takes it out of billing
-- (recon_status `excluded`); review_decision is the newest decision on any of them.
with work_items as (
    select * from {{ ref('int_work_items_reconciled') }}
),

findings as (
    select * from {{ ref('int_recon_findings_listed') }}
    where entity_type = 'work_item'
),

decisions as (
    select * from {{ ref('int_recon_decisions_current') }}
),

work_item_decisions as (
    select
        findings.entity_id as work_item_id,
        bool_or(decisions.decision = 'excluded') as is_excluded,
        {{ arg_max('decisions.decision', 'decisions.decided_at') }} as review_decision
    from findings
    inner join decisions
        on findings.exception_id = decisions.exception_id
    group by findings.entity_id
),

final as (
    select
        work_items.work_item_id,
        {{ client_or_unassigned('work_items.client_id') }} as client_id,
        work_items.resolved_at,
        work_items.category,
        work_items.expected_billing_code,
        work_items.time_entry_count,
        work_items.actual_hours,
        work_items.billable_hours,
        work_items.invoiced_hours,
        work_items.invoiced_amount,
        work_items.credited_amount,
        case
            when coalesce(work_item_decisions.is_excluded, false) then 'excluded'
            else work_items.recon_status
        end as recon_status,
        work_items.is_billing_code_mismatch,
        work_items.is_hours_variance,
        work_items.is_double_billed,
        work_item_decisions.review_decision,
        work_items.recon_status as computed_status,
        work_items.is_within_grace
    from work_items
    left join work_item_decisions
        on work_items.work_item_id = work_item_decisions.work_item_id
)

select * from final

-- Revenue versus effort per month, client and category: the hours worked on the client's
-- work, the billable hours, what was invoiced for them net of credits, and the effective
-- hourly rate (invoiced amount per hour worked; null without hours).
-- The month is the month the work was done (the time entry's start, UTC), so a month's
-- revenue sits beside the effort that earned it, whenever it was invoiced. Time counts
-- when it is charged to a ticket of a work item (orphan and internal charge-code time are
-- reconciliation's findings, not a client's effort); its client and category are the
-- work item's (int_work_items_attributed). A credit reduces each entry of the invoice it
-- applies to by the share of the invoice it took back. Agreement fees are billed per
-- month and not per category, so they are not here.
with time_entries as (
    select * from {{ ref('int_recon_time_entries_attributed') }}
    where work_item_id is not null
),

work_items as (
    select * from {{ ref('int_work_items_attributed') }}
),

final as (
    select
        cast(date_trunc('month', time_entries.started_at) as date) as month,
        work_items.client_id,
        work_items.category,
        count(*) as time_entries,
        round(sum(time_entries.actual_hours), 2) as hours_worked,
        round(coalesce(sum(time_entries.hours_billed) filter (where time_entries.is_billable), 0), 2)
            as billable_hours,
        cast(round(coalesce(sum(
            time_entries.hours_billed * time_entries.hourly_rate * (1 - time_entries.credited_fraction)
        ) filter (where time_entries.is_billable and time_entries.invoice_id is not null), 0), 2)
            as decimal(18, 2)) as invoiced_amount,
        cast(round(coalesce(sum(
            time_entries.hours_billed * time_entries.hourly_rate * time_entries.credited_fraction
        ) filter (where time_entries.is_billable and time_entries.invoice_id is not null), 0), 2)
            as decimal(18, 2)) as credited_amount,
        cast(round(
            coalesce(sum(
                time_entries.hours_billed * time_entries.hourly_rate * (1 - time_entries.credited_fraction)
            ) filter (where time_entries.is_billable and time_entries.invoice_id is not null), 0)
            / nullif(sum(time_entries.actual_hours), 0), 2
        ) as decimal(18, 2)) as effective_hourly_rate
    from time_entries
    inner join work_items
        on time_entries.work_item_id = work_items.work_item_id
    group by all
)

select * from final

-- Revenue versus effort per month, client and category: the hours worked on the client's
-- work, the billable hours, what was invoiced for them net of credits, and the effective
-- hourly rate (invoiced amount per hour worked; null without hours).
-- The month is the month the work was done (the time entry's start, UTC; where the start
-- cannot be read, its end, else its entry date, else its extract date), so a month's revenue
-- sits beside the effort that earned it, whenever it was invoiced. Time counts
-- when it is charged to a ticket of a work item (orphan and internal charge-code time are
-- reconciliation's findings, not a client's effort); its client and category are the
-- work item's (int_work_items_attributed). A credit memo applied to a ticket reduces each
-- invoiced entry of the ticket by the share it took back. Agreement fees are billed per
-- month and not per category, so they are not here.
with time_entries as (
    select * from {{ ref('int_recon_time_entries_attributed') }}
    where work_item_id is not null
),

work_items as (
    select * from {{ ref('int_work_items_attributed') }}
),

-- Exact decimals, so that the sums do not depend on the order rows are added in.
measured as (
    select
        time_entries.*,
        cast(time_entries.actual_hours as decimal(18, 4)) as worked,
        cast(time_entries.hours_billed as decimal(18, 4)) as billed,
        cast(time_entries.hours_billed as decimal(38, 4)) * cast(time_entries.hourly_rate as decimal(38, 2))
            * cast(1 - time_entries.credited_fraction as decimal(38, 10)) as invoiced_net,
        cast(time_entries.hours_billed as decimal(38, 4)) * cast(time_entries.hourly_rate as decimal(38, 2))
            * cast(time_entries.credited_fraction as decimal(38, 10)) as credited
    from time_entries
),

final as (
    select
        cast(date_trunc('month', time_entries.worked_on) as date) as month,
        {{ client_or_unassigned('work_items.client_id') }} as client_id,
        work_items.category,
        count(*) as time_entries,
        cast(sum(time_entries.worked) as decimal(18, 2)) as hours_worked,
        cast(coalesce(sum(time_entries.billed) filter (where time_entries.is_billable), 0) as decimal(18, 2))
            as billable_hours,
        cast(coalesce(sum(time_entries.invoiced_net) filter (
            where time_entries.is_billable and time_entries.invoice_id is not null
        ), 0) as decimal(18, 2)) as invoiced_amount,
        cast(coalesce(sum(time_entries.credited) filter (
            where time_entries.is_billable and time_entries.invoice_id is not null
        ), 0) as decimal(18, 2)) as credited_amount,
        cast(coalesce(sum(time_entries.invoiced_net) filter (
            where time_entries.is_billable and time_entries.invoice_id is not null
        ), 0) / nullif(sum(time_entries.worked), 0) as decimal(18, 2)) as effective_hourly_rate
    from measured as time_entries
    inner join work_items
        on time_entries.work_item_id = work_items.work_item_id
    group by 1, 2, 3
)

select * from final

-- Each resolved work item's time against its invoices (docs/marts.md, ticket_reconciliation),
-- before analysts' decisions.
--   billed            all billable time on invoices not credited
--   partially_billed  some billable time invoiced and some not, or an invoice credited in part
--                     (or some of its invoices credited in full and others not)
--   time_not_invoiced billable time, none of it invoiced
--   missing_time      no time entry at all
--   non_billable      time, none of it billable (DoNotBill, NoCharge, or rejected)
--   credited          every invoice of its time credited in full
-- Billable time is Billable and not Rejected. Uninvoiced billable time of a work item resolved
-- less than var recon_grace_days before evaluated_at is within the grace period: the status
-- says what is true, is_within_grace says it is not yet an exception.
-- is_hours_variance: some billable entry bills more or less than its actual hours by more than
-- var recon_hours_tolerance (time entered as no charge bills none on purpose: no variance). is_billing_code_mismatch: some entry's work type is not the billing
-- code of the work item's category. is_double_billed: invoiced time of one member over
-- overlapping times reaches the work item through two different tickets.
with work_items as (
    select * from {{ ref('int_recon_work_items_resolved') }}
),

time_entries as (
    select * from {{ ref('int_recon_time_entries_attributed') }}
    where work_item_id is not null
),

-- Invoiced billable entries that repeat another invoiced entry of the same member over an
-- overlapping time on another ticket of the work item: the later copy is the double.
doubles as (
    select
        copy.time_entry_id,
        copy.amount
    from time_entries as copy
    where copy.is_billable and copy.invoice_id is not null
        and exists (
            select 1
            from time_entries as original
            where original.work_item_id = copy.work_item_id
                and original.is_billable and original.invoice_id is not null
                and original.ticket_id <> copy.ticket_id
                and original.member_identifier = copy.member_identifier
                and original.started_at < copy.ended_at
                and copy.started_at < original.ended_at
                and (original.started_at, original.time_entry_id) < (copy.started_at, copy.time_entry_id)
        )
),

measured as (
    select
        time_entries.work_item_id,
        count(*) as time_entry_count,
        sum(time_entries.actual_hours) as actual_hours,
        coalesce(sum(time_entries.hours_billed) filter (where time_entries.is_billable), 0) as billable_hours,
        count(*) filter (where time_entries.is_billable) as billable_entries,
        count(*) filter (where time_entries.is_billable and time_entries.invoice_id is not null) as invoiced_entries,
        coalesce(sum(time_entries.hours_billed) filter (
            where time_entries.is_billable and time_entries.invoice_id is not null
        ), 0) as invoiced_hours,
        coalesce(sum(time_entries.amount) filter (
            where time_entries.is_billable and time_entries.invoice_id is not null
        ), 0) as invoiced_amount,
        coalesce(sum(time_entries.amount) filter (
            where time_entries.is_billable and time_entries.invoice_id is null
        ), 0) as uninvoiced_amount,
        cast(coalesce(sum(time_entries.amount * time_entries.credited_fraction) filter (
            where time_entries.is_billable and time_entries.invoice_id is not null
        ), 0) as decimal(18, 2)) as credited_amount,
        count(*) filter (
            where time_entries.is_billable and time_entries.invoice_id is not null
                and time_entries.credited_fraction >= 0.9999
        ) as fully_credited_entries,
        count(*) filter (
            where time_entries.is_billable and time_entries.invoice_id is not null
                and time_entries.credited_fraction > 0
        ) as credited_entries,
        coalesce(bool_or(
            abs(time_entries.hours_billed - time_entries.actual_hours) > {{ var('recon_hours_tolerance') }}
        ) filter (where time_entries.is_billable), false) as is_hours_variance,
        cast(coalesce(sum(
            abs(time_entries.hours_billed - time_entries.actual_hours) * coalesce(time_entries.hourly_rate, 0)
        ) filter (
            where time_entries.is_billable
                and abs(time_entries.hours_billed - time_entries.actual_hours) > {{ var('recon_hours_tolerance') }}
        ), 0) as decimal(18, 2)) as variance_amount,
        bool_or(
            work_items.expected_billing_code is not null
            and {{ match_value('time_entries.work_type') }} is distinct from {{ match_value('work_items.expected_billing_code') }}
        ) as is_billing_code_mismatch,
        coalesce(sum(time_entries.amount) filter (
            where work_items.expected_billing_code is not null
                and {{ match_value('time_entries.work_type') }} is distinct from {{ match_value('work_items.expected_billing_code') }}
        ), 0) as mismatch_amount,
        count(doubles.time_entry_id) > 0 as is_double_billed,
        coalesce(sum(doubles.amount), 0) as double_billed_amount,
        max(time_entries._extract_date) as last_extract_date
    from time_entries
    inner join work_items
        on time_entries.work_item_id = work_items.work_item_id
    left join doubles
        on time_entries.time_entry_id = doubles.time_entry_id
    group by time_entries.work_item_id
),

final as (
    select
        work_items.work_item_id,
        work_items.client_id,
        work_items.resolved_at,
        work_items.category,
        work_items.expected_billing_code,
        work_items.is_category_billable,
        coalesce(measured.time_entry_count, 0) as time_entry_count,
        coalesce(measured.actual_hours, 0) as actual_hours,
        coalesce(measured.billable_hours, 0) as billable_hours,
        coalesce(measured.invoiced_hours, 0) as invoiced_hours,
        cast(coalesce(measured.invoiced_amount, 0) as decimal(18, 2)) as invoiced_amount,
        cast(coalesce(measured.credited_amount, 0) as decimal(18, 2)) as credited_amount,
        cast(coalesce(measured.uninvoiced_amount, 0) as decimal(18, 2)) as uninvoiced_amount,
        case
            when coalesce(measured.time_entry_count, 0) = 0 then 'missing_time'
            when measured.billable_entries = 0 then 'non_billable'
            when measured.invoiced_entries = 0 then 'time_not_invoiced'
            when measured.invoiced_entries < measured.billable_entries then 'partially_billed'
            when measured.fully_credited_entries = measured.invoiced_entries then 'credited'
            when measured.credited_entries > 0 then 'partially_billed'
            else 'billed'
        end as recon_status,
        coalesce(measured.is_billing_code_mismatch, false) as is_billing_code_mismatch,
        coalesce(measured.is_hours_variance, false) as is_hours_variance,
        coalesce(measured.is_double_billed, false) as is_double_billed,
        cast(coalesce(measured.mismatch_amount, 0) as decimal(18, 2)) as mismatch_amount,
        cast(coalesce(measured.variance_amount, 0) as decimal(18, 2)) as variance_amount,
        cast(coalesce(measured.double_billed_amount, 0) as decimal(18, 2)) as double_billed_amount,
        {{ dbt.dateadd('day', 'cast(' ~ var('recon_grace_days') ~ ' as integer)', 'work_items.resolved_at') }} > work_items.evaluated_at
            as is_within_grace,
        cast(greatest(
            cast(work_items.resolved_at as date),
            coalesce(measured.last_extract_date, cast(work_items.resolved_at as date))
        ) as date) as evidence_on,
        work_items.evaluated_at
    from work_items
    left join measured
        on work_items.work_item_id = measured.work_item_id
    -- Work with no time is judged only when its category bills.
    where coalesce(measured.time_entry_count, 0) > 0 or work_items.is_category_billable
)

select * from final

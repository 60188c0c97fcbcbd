-- Every ConnectWise time entry charged to a ticket (chargeToType ServiceTicket), with the
-- work item it reaches (null: an orphan, charged to a ticket that no system has), whether
-- it is billable time (Billable and not Rejected), its amount, its invoice and how much of
-- that invoice Credit invoices (applyToId) took back.
with time_entries as (
    select * from {{ ref('stg_connectwise__time_entries') }}
    where charge_to_type = 'ServiceTicket'
),

members as (
    select * from {{ ref('int_work_items_linked') }}
    where member_type = 'ticket' and source_system = 'connectwise'
),

invoices as (
    select * from {{ ref('stg_connectwise__invoices') }}
),

-- Credit totals are negative; credited_total is the positive amount taken back.
credits as (
    select
        apply_to_id as invoice_id,
        -sum(total) as credited_total
    from invoices
    where invoice_type = 'Credit' and apply_to_id is not null
    group by apply_to_id
),

invoice_credits as (
    select
        invoices.invoice_id,
        invoices.total as invoice_total,
        coalesce(credits.credited_total, 0) as credited_total,
        case
            when invoices.total is null or invoices.total = 0 then 0
            else least(1, coalesce(credits.credited_total, 0) / invoices.total)
        end as credited_fraction
    from invoices
    left join credits
        on invoices.invoice_id = credits.invoice_id
    where invoices.invoice_type <> 'Credit'
),

final as (
    select
        time_entries.time_entry_id,
        'connectwise:' || time_entries.charge_to_id as ticket_id,
        members.work_item_id,
        time_entries.company_identifier,
        time_entries.member_identifier,
        time_entries.work_type_name as work_type,
        time_entries.started_at,
        time_entries.ended_at,
        -- the day the work was done: its start, else (unreadable, nulled in staging) its end,
        -- else the day it was entered, the extract date when none can be read
        cast(coalesce(
            time_entries.started_at, time_entries.ended_at, time_entries.entered_at,
            cast(time_entries._extract_date as timestamp)
        ) as date) as worked_on,
        coalesce(time_entries.actual_hours, 0) as actual_hours,
        coalesce(time_entries.hours_billed, 0) as hours_billed,
        time_entries.billable_option,
        time_entries.approval_status,
        time_entries.billable_option = 'Billable'
            and coalesce(time_entries.approval_status, '') <> 'Rejected' as is_billable,
        cast(coalesce(time_entries.hours_billed, 0) * coalesce(time_entries.hourly_rate, 0) as decimal(18, 2)) as amount,
        time_entries.hourly_rate,
        time_entries.invoice_id,
        coalesce(invoice_credits.credited_fraction, 0) as credited_fraction,
        time_entries._extract_date,
        time_entries._first_extract_date
    from time_entries
    left join members
        on members.ticket_id = 'connectwise:' || time_entries.charge_to_id
    left join invoice_credits
        on time_entries.invoice_id = invoice_credits.invoice_id
)

select * from final

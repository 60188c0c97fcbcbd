-- Every ConnectWise time entry charged to a ticket (chargeToType ServiceTicket), with the
-- work item it reaches (null: an orphan, charged to a ticket that no system has), whether
-- it is billable time (Billable and not Rejected), its amount, its invoice and the share of it
-- that credit memos applied to its ticket took back.
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

-- A credit memo applied to a ticket (applyToType Ticket) takes back part of what that ticket's
-- billable time was invoiced: each of its invoiced entries loses the same share (the credits over
-- the invoiced amount, at most all of it). Its total may be written negative or positive. A credit
-- memo applied to an agreement, a project or All credits no ticket's time.
ticket_credits as (
    select
        apply_to_id as ticket_id,
        sum(abs(total)) as credited_total
    from invoices
    where is_credit_memo and apply_to_type = 'Ticket' and apply_to_id is not null
    group by apply_to_id
),

ticket_invoiced as (
    select
        charge_to_id as ticket_id,
        sum(cast(coalesce(hours_billed, 0) * coalesce(hourly_rate, 0) as decimal(18, 2))) as invoiced_total
    from time_entries
    where invoice_id is not null
        and billable_option = 'Billable' and coalesce(approval_status, '') <> 'Rejected'
    group by charge_to_id
),

ticket_credit_shares as (
    select
        ticket_credits.ticket_id,
        case
            when coalesce(ticket_invoiced.invoiced_total, 0) = 0 then 0
            else least(1, ticket_credits.credited_total / ticket_invoiced.invoiced_total)
        end as credited_fraction
    from ticket_credits
    left join ticket_invoiced on ticket_credits.ticket_id = ticket_invoiced.ticket_id
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
        -- the share credit memos took back, of invoiced billable time
        case
            when time_entries.invoice_id is not null and time_entries.billable_option = 'Billable'
                and coalesce(time_entries.approval_status, '') <> 'Rejected'
                then coalesce(ticket_credit_shares.credited_fraction, 0)
            else 0
        end as credited_fraction,
        time_entries._extract_date,
        time_entries._first_extract_date
    from time_entries
    left join members
        on members.ticket_id = 'connectwise:' || time_entries.charge_to_id
    left join ticket_credit_shares
        on time_entries.charge_to_id = ticket_credit_shares.ticket_id
)

select * from final

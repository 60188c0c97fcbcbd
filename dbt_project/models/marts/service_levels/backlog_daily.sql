-- The open tickets at the end of every day from the first opening to the last extract date, per client, department and age (whole
-- days since the opening date). Open: the clock is new, open or paused at that instant
-- (from the state history where the system tells it; else, as for ConnectWise, from opening
-- to the resolved stamp, else the closed stamp, canceled tickets left out). Duplicates are not counted.
with tickets as (
    select * from {{ ref('fct_tickets') }}
    where not is_duplicate
),

history as (
    select * from {{ ref('int_ticket_state_history') }}
),

mapped as (
    select * from {{ ref('int_tickets_mapped') }}
),

days as (
    -- from the first opening: a history export's single extract holds years of history
    {{ day_series(
        '(select least(min(_first_extract_date), cast(min(opened_at) as date)) from mapped)',
        '(select max(_extract_date) from mapped) + 1',
        'snapshot_date'
    ) }}
),

open_intervals as (
    select ticket_id, clock_from as open_from, clock_to as open_to
    from history
    where clock in ('new', 'open', 'paused')
    union all
    select ticket_id, opened_at, coalesce(resolved_at, closed_at)
    from mapped
    where not has_state_history and clock is distinct from 'canceled'
),

open_at_day_end as (
    select distinct
        days.snapshot_date,
        tickets.ticket_id,
        tickets.client_id,
        tickets.department,
        {{ dbt.datediff('cast(tickets.opened_at as date)', 'days.snapshot_date', 'day') }} as age_days
    from days
    inner join open_intervals
        on open_intervals.open_from < days.snapshot_date + 1
        and (open_intervals.open_to is null or open_intervals.open_to >= days.snapshot_date + 1)
    inner join tickets on open_intervals.ticket_id = tickets.ticket_id
),

final as (
    select
        snapshot_date,
        client_id,
        department,
        case
            when age_days <= 2 then '0-2d'
            when age_days <= 7 then '3-7d'
            when age_days <= 30 then '8-30d'
            else '31d+'
        end as age_bucket,
        count(*) as open_tickets
    from open_at_day_end
    group by 1, 2, 3, 4
)

select * from final

-- The intervals a resolution clock stands still: on hold (a `paused` clock), and resolved
-- or closed before a reopening. Only systems with a state history carry them (ServiceNow,
-- Jira, a declared tool's per_update export); ConnectWise extracts and per_record exports
-- have none, so their clocks never stop before the end.
with history as (
    select * from {{ ref('int_ticket_state_history') }}
),

last_active as (
    select
        ticket_id,
        max(event_number) filter (where clock in ('new', 'open', 'paused')) as last_active_number
    from history
    group by ticket_id
)

select
    history.ticket_id || '|resolution' as clock_id,
    history.clock_from as off_from,
    history.clock_to as off_to
from history
inner join last_active on history.ticket_id = last_active.ticket_id
where history.clock not in ('new', 'open')
    and history.event_number <= last_active.last_active_number

-- The intervals a resolution clock stands still: on hold (a `paused` clock), and resolved
-- or closed before a reopening. Only systems with a state history carry them (ServiceNow,
-- Jira, a declared tool's per_update export); ConnectWise extracts and per_record exports
-- have none, so their clocks never stop before the end.
with history as (
    select * from {{ ref('int_ticket_state_history') }}
),

resolutions as (
    select * from {{ ref('int_ticket_resolutions_derived') }}
)

select
    history.ticket_id || '|resolution' as clock_id,
    history.clock_from as off_from,
    history.clock_to as off_to
from history
inner join resolutions on history.ticket_id = resolutions.ticket_id
where history.clock not in ('new', 'open')
    and history.event_number <= resolutions.last_active_number

-- What the state history of a ticket tells (ServiceNow, Jira, a declared tool's per_update
-- export): its current clock, the first move out of `new` (a first response), its first
-- resolution, its final one (the start of the resolved or closed run the history ends in;
-- none while it is open or once canceled) and its reopenings (an active state right after a
-- resolved or closed one). The SLA clocks and fct_tickets both read it.
with history as (
    select * from {{ ref('int_ticket_state_history') }}
),

marked as (
    select
        ticket_id,
        event_number,
        clock,
        clock_from,
        clock in ('resolved', 'closed') as is_resolved,
        clock in ('new', 'open', 'paused') as is_active,
        lag(clock) over (partition by ticket_id order by event_number) in ('resolved', 'closed') as follows_resolved
    from history
),

summary as (
    select
        ticket_id,
        {{ arg_max('clock', 'event_number') }} as current_clock,
        min(clock_from) filter (where clock <> 'new') as first_responded_at,
        min(clock_from) filter (where is_resolved) as first_resolved_at,
        max(event_number) filter (where is_active) as last_active_number,
        count(*) filter (where is_active and follows_resolved) as reopen_count,
        max(clock_from) filter (where is_active and follows_resolved) as last_reopened_at
    from marked
    group by ticket_id
),

final_resolutions as (
    select
        marked.ticket_id,
        min(marked.clock_from) as final_resolved_at
    from marked
    inner join summary on marked.ticket_id = summary.ticket_id
    where summary.current_clock in ('resolved', 'closed')
        and marked.event_number > coalesce(summary.last_active_number, 0)
    group by marked.ticket_id
)

select
    summary.ticket_id,
    summary.current_clock,
    summary.first_responded_at,
    summary.first_resolved_at,
    final_resolutions.final_resolved_at,
    summary.last_active_number,
    cast(summary.reopen_count as integer) as reopen_count,
    summary.last_reopened_at
from summary
left join final_resolutions on summary.ticket_id = final_resolutions.ticket_id

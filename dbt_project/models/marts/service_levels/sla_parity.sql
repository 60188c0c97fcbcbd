-- Our SLA verdict beside the source system's own, per ticket and metric (metric `all`:
-- ServiceNow's ticket-wide made_sla against "no clock of the ticket breached"). A
-- disagreement is information, with its reason where known.
with vendor as (
    select * from {{ ref('int_vendor_sla_verdicts_gathered') }}
),

clocks as (
    select * from {{ ref('int_sla_clocks_measured') }}
),

tickets as (
    select * from {{ ref('int_tickets_mapped') }}
),

-- Our verdict so far: false once breached, true once stopped within the target.
ours as (
    select
        ticket_id,
        sla_metric,
        case when is_breached then false when is_met then true end as is_met,
        stopped_at is null as is_running
    from clocks
    union all
    select
        ticket_id,
        'all',
        case when bool_or(is_breached) then false when bool_and(is_met) then true end,
        bool_or(stopped_at is null)
    from clocks
    where sla_metric in ('response', 'resolution')
    group by ticket_id
),

-- Reopened: active again after being resolved or closed.
reopened as (
    select ticket_id
    from {{ ref('int_ticket_state_history') }}
    group by ticket_id
    having min(event_number) filter (where clock in ('resolved', 'closed'))
        < max(event_number) filter (where clock in ('new', 'open', 'paused'))
),

final as (
    select
        vendor.ticket_id,
        vendor.sla_metric,
        vendor.vendor_source,
        vendor.vendor_cycles,
        vendor.vendor_is_met,
        ours.is_met,
        vendor.vendor_is_met is not distinct from ours.is_met as is_agreed,
        case
            when vendor.vendor_is_met is not distinct from ours.is_met then null
            when ours.ticket_id is null and tickets.clock = 'canceled'
                then 'canceled: USM keeps no resolution clock for canceled tickets'
            when ours.ticket_id is null and tickets.priority is null then 'unknown priority: no policy applies'
            when ours.ticket_id is null then 'no SLA clock: no policy or no state history'
            when ours.is_running or vendor.vendor_is_met is null then 'still running on one side'
            when vendor.vendor_cycles > 1 or reopened.ticket_id is not null
                then 'reopened: the vendor starts a new cycle, USM resumes the clock'
            else 'elapsed time differs (calendar, pauses or stamps)'
        end as reason
    from vendor
    left join ours
        on vendor.ticket_id = ours.ticket_id
        and vendor.sla_metric = ours.sla_metric
    left join tickets on vendor.ticket_id = tickets.ticket_id
    left join reopened on vendor.ticket_id = reopened.ticket_id
)

select * from final

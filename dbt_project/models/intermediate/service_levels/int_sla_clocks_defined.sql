-- One SLA clock per ticket and metric, with its policy (README, "Service levels"):
-- response from opening to the first response; resolution from opening to the start of
-- the final resolved or closed run (canceled tickets have none); approval (Jira requests
-- with an approval) from approval requested to decided.
-- Policies: ConnectWise tickets through their SLA (below: connectwise_policies). ServiceNow, Jira and declared
-- tools through sla_policies.csv by system, department, priority and metric: the row for the
-- ticket's client beats the row for all clients.
-- Resolution stops at the start of the final resolved/closed run of the state history; a
-- system without one (ConnectWise, a declared per_record export) at its resolved stamp, else
-- its closed stamp, once the current state is resolved or closed.
with tickets as (
    select * from {{ ref('int_tickets_mapped') }}
),

policies as (
    select * from {{ ref('stg_mappings__sla_policies') }}
),

cw_tickets as (
    select * from {{ ref('stg_connectwise__tickets') }}
),

cw_agreements as (
    select * from {{ ref('stg_connectwise__agreements') }}
),

cw_slas as (
    select * from {{ ref('stg_connectwise__slas') }}
),

cw_sla_priorities as (
    select * from {{ ref('stg_connectwise__sla_priorities') }}
),

client_aliases as (
    select * from {{ ref('stg_mappings__clients') }}
),

approvals as (
    select * from {{ ref('stg_jira__approvals') }}
),

-- The instant every running clock is read at: the end of the last extract date.
evaluation as (
    select {{ dbt.dateadd('second', 86399, 'cast(max(_extract_date) as timestamp)') }} as as_of from tickets
),

-- The current clock, the first response and the final resolution the history tells.
history_summary as (
    select * from {{ ref('int_ticket_resolutions_derived') }}
),

resolution_stops as (
    select
        tickets.ticket_id,
        case
            when not tickets.has_state_history then tickets.clock = 'canceled'
            else history_summary.current_clock = 'canceled'
        end as is_canceled,
        case
            when not tickets.has_state_history and tickets.clock in ('resolved', 'closed')
                then coalesce(tickets.resolved_at, tickets.closed_at)
            when tickets.has_state_history then history_summary.final_resolved_at
        end as stopped_at
    from tickets
    left join history_summary on tickets.ticket_id = history_summary.ticket_id
),

first_approvals as (
    select
        issue_id,
        {{ arg_min('created_at', 'approval_position') }} as requested_at,
        {{ arg_min('completed_at', 'approval_position') }} as decided_at
    from approvals
    group by issue_id
),

clocks as (
    select tickets.ticket_id, 'response' as sla_metric, tickets.opened_at as started_at,
        coalesce(tickets.first_responded_at, history_summary.first_responded_at) as stopped_at
    from tickets
    left join history_summary on tickets.ticket_id = history_summary.ticket_id
    union all
    select tickets.ticket_id, 'resolution', tickets.opened_at, resolution_stops.stopped_at
    from tickets
    inner join resolution_stops on tickets.ticket_id = resolution_stops.ticket_id
    where not coalesce(resolution_stops.is_canceled, false)
    union all
    select tickets.ticket_id, 'approval', first_approvals.requested_at, first_approvals.decided_at
    from tickets
    inner join first_approvals
        on tickets.source_system = 'jira'
        and tickets.source_record_id = first_approvals.issue_id
    where first_approvals.requested_at is not null
),

central_policies as (
    select ticket_id, sla_metric, sla_policy, calendar, target_minutes
    from (
        select
            clocks.ticket_id,
            clocks.sla_metric,
            policies.policy as sla_policy,
            policies.calendar,
            policies.target_minutes,
            row_number() over (
                partition by clocks.ticket_id, clocks.sla_metric
                order by policies.client_id is null, policies._record_position
            ) as policy_rank
        from clocks
        inner join tickets on clocks.ticket_id = tickets.ticket_id
        inner join policies
            on tickets.source_system = policies.system
            and {{ match_value('tickets.department') }} = {{ match_value('policies.department') }}
            and tickets.priority = policies.priority
            and clocks.sla_metric = policies.metric
            and (policies.client_id is null or policies.client_id = tickets.client_id)
        where tickets.source_system <> 'connectwise'
    ) as ranked
    where policy_rank = 1
),

-- A ConnectWise ticket runs under its own SLA, else its agreement's, else the default SLA; the
-- target is the one the SLA lists for the ticket's priority, else the SLA's own. The calendar
-- follows the SLA's basedOn: AllHours 24x7, Custom its customCalendar, Customer the client's
-- calendar (clients.csv `calendar`), MyCalendar the MSP's (var msp_calendar); each by name in
-- calendars.csv.
cw_default_sla as (
    select min(sla_id) as sla_id from cw_slas where is_default
),

cw_ticket_slas as (
    select
        cw_tickets.ticket_id,
        cw_tickets.priority_name,
        coalesce(
            case when cw_tickets.sla_id in (select sla_id from cw_slas) then cw_tickets.sla_id end,
            case when cw_agreements.sla_id in (select sla_id from cw_slas) then cw_agreements.sla_id end,
            (select sla_id from cw_default_sla)
        ) as sla_id
    from cw_tickets
    left join cw_agreements on cw_tickets.agreement_id = cw_agreements.agreement_id
),

client_calendars as (
    select client_id, min(calendar) as calendar
    from client_aliases
    where calendar is not null
    group by client_id
),

connectwise_policies as (
    select
        clocks.ticket_id,
        clocks.sla_metric,
        cw_slas.sla_name as sla_policy,
        case cw_slas.based_on
            when 'AllHours' then '24x7'
            when 'Customer' then client_calendars.calendar
            when 'MyCalendar' then {{ "'" ~ (var('msp_calendar') | replace("'", "''")) ~ "'" if var('msp_calendar') else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
            else cw_slas.calendar_name
        end as calendar,
        cast(round(
            case clocks.sla_metric
                when 'response' then coalesce(cw_sla_priorities.respond_hours, cw_slas.respond_hours)
                else coalesce(cw_sla_priorities.resolution_hours, cw_slas.resolution_hours)
            end * 60
        ) as integer) as target_minutes
    from clocks
    inner join tickets on clocks.ticket_id = tickets.ticket_id
    inner join cw_ticket_slas on tickets.source_record_id = cw_ticket_slas.ticket_id
    inner join cw_slas on cw_ticket_slas.sla_id = cw_slas.sla_id
    left join cw_sla_priorities
        on cw_slas.sla_id = cw_sla_priorities.sla_id
        and {{ match_value('cw_ticket_slas.priority_name') }} = {{ match_value('cw_sla_priorities.priority_name') }}
    left join client_calendars on tickets.client_id = client_calendars.client_id
    where tickets.source_system = 'connectwise'
        and clocks.sla_metric in ('response', 'resolution')
),

with_policies as (
    select * from central_policies
    union all
    select * from connectwise_policies
),

final as (
    select
        clocks.ticket_id || '|' || clocks.sla_metric as clock_id,
        clocks.ticket_id,
        tickets.source_system,
        tickets.client_id,
        tickets.department,
        tickets.category,
        tickets.priority,
        clocks.sla_metric,
        with_policies.sla_policy,
        with_policies.calendar,
        with_policies.target_minutes,
        clocks.started_at,
        clocks.stopped_at,
        coalesce(clocks.stopped_at, evaluation.as_of) as end_at,
        evaluation.as_of
    from clocks
    inner join tickets on clocks.ticket_id = tickets.ticket_id
    inner join with_policies
        on clocks.ticket_id = with_policies.ticket_id
        and clocks.sla_metric = with_policies.sla_metric
    cross join evaluation
    where with_policies.target_minutes is not null
        and with_policies.calendar is not null
        and clocks.started_at is not null
)

select * from final

-- The source systems' own SLA verdicts, per ticket and metric: ServiceNow task_sla (its
-- `sla` is a policy name of sla_policies.csv, which gives the metric), Jira's SLA fields'
-- cycles, and ServiceNow's ticket-wide `made_sla` (metric `all`). Over several cycles (a
-- reopened ticket starts a new one at the vendor): not met when any cycle breached, met
-- when every cycle completed within its goal, null while one still runs.
with task_slas as (
    select * from {{ ref('stg_servicenow__task_slas') }}
),

jira_cycles as (
    select * from {{ ref('stg_jira__sla_cycles') }}
),

policies as (
    select * from {{ ref('stg_mappings__sla_policies') }}
),

tickets as (
    select * from {{ ref('int_tickets_mapped') }}
),

incidents as (
    select * from {{ ref('stg_servicenow__incidents') }}
),

servicenow_cycles as (
    select
        tickets.ticket_id,
        policies.metric as sla_metric,
        task_slas.has_breached as is_breached,
        task_slas.stage = 'completed' as is_completed
    from task_slas
    inner join tickets
        on tickets.source_system = 'servicenow'
        and task_slas.task_sys_id = tickets.source_record_id
    inner join (select distinct policy, metric from policies) as policies
        on {{ match_value('task_slas.sla_name') }} = {{ match_value('policies.policy') }}
    where task_slas.stage <> 'cancelled' or task_slas.has_breached
),

jira as (
    select
        tickets.ticket_id,
        jira_cycles.sla_metric,
        jira_cycles.is_breached,
        not jira_cycles.is_ongoing as is_completed
    from jira_cycles
    inner join tickets
        on tickets.source_system = 'jira'
        and jira_cycles.issue_id = tickets.source_record_id
),

cycles as (
    select 'servicenow task_sla' as vendor_source, * from servicenow_cycles
    union all
    select 'jira sla field', * from jira
),

per_metric as (
    select
        ticket_id,
        sla_metric,
        vendor_source,
        count(*) as vendor_cycles,
        case
            when bool_or(is_breached) then false
            when bool_and(is_completed) then true
        end as vendor_is_met
    from cycles
    group by ticket_id, sla_metric, vendor_source
),

made_sla as (
    select
        'servicenow:' || incidents.incident_number as ticket_id,
        'all' as sla_metric,
        'servicenow made_sla' as vendor_source,
        1 as vendor_cycles,
        incidents.made_sla as vendor_is_met
    from incidents
    where incidents.made_sla is not null and incidents.incident_number is not null
)

select * from per_metric
union all
select * from made_sla

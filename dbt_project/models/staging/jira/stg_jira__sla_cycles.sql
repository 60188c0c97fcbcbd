-- One row per SLA cycle of an issue: the completed cycles and the ongoing one (position 0)
-- of the response and resolution SLA fields (kept as JSON by stg_jira__issues).
with issues as (
    select * from {{ ref('stg_jira__issues') }}
),

sla_fields as (
    select issue_id, issue_key, 'response' as sla_metric, sla_response as sla from issues
    union all
    select issue_id, issue_key, 'resolution' as sla_metric, sla_resolution as sla from issues
),

cycles as (
    select
        issue_id,
        issue_key,
        sla_metric,
        sla->>'$.name' as sla_name,
        false as is_ongoing,
        unnest(try_cast(sla->'$.completedCycles' as json[])) as cycle,
        generate_subscripts(try_cast(sla->'$.completedCycles' as json[]), 1) as cycle_position
    from sla_fields

    union all

    select
        issue_id,
        issue_key,
        sla_metric,
        sla->>'$.name' as sla_name,
        true as is_ongoing,
        sla->'$.ongoingCycle' as cycle,
        0 as cycle_position
    from sla_fields
    where (sla->'$.ongoingCycle') is not null
),

renamed as (
    select
        issue_id,
        issue_key,
        sla_metric,
        sla_name,
        is_ongoing,
        cycle_position,
        {{ jira_date_object("(cycle->'$.startTime')") }} as started_at,
        {{ jira_date_object("(cycle->'$.stopTime')") }} as stopped_at,
        {{ jira_date_object("(cycle->'$.breachTime')") }} as breach_at,
        try_cast(cycle->>'$.breached' as boolean) as is_breached,
        try_cast(cycle->>'$.paused' as boolean) as is_paused,
        try_cast(cycle->>'$.goalDuration.millis' as bigint) / 60000.0 as goal_minutes,
        try_cast(cycle->>'$.elapsedTime.millis' as bigint) / 60000.0 as elapsed_minutes,
        try_cast(cycle->>'$.remainingTime.millis' as bigint) / 60000.0 as remaining_minutes
    from cycles
)

select * from renamed

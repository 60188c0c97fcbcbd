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

completed_cycles as (
    {{ json_array_rows(
        'sla_fields', json_get('sla', 'completedCycles'), 'cycle', 'cycle_position',
        columns=[
            'issue_id', 'issue_key', 'sla_metric',
            json_text('sla', 'name') ~ ' as sla_name',
            'false as is_ongoing',
        ]
    ) }}
),

cycles as (
    select issue_id, issue_key, sla_metric, sla_name, is_ongoing, cycle, cycle_position
    from completed_cycles

    union all

    select
        issue_id,
        issue_key,
        sla_metric,
        {{ json_text('sla', 'name') }} as sla_name,
        true as is_ongoing,
        {{ json_get('sla', 'ongoingCycle') }} as cycle,
        0 as cycle_position
    from sla_fields
    where ({{ json_get('sla', 'ongoingCycle') }}) is not null
),

renamed as (
    select
        issue_id,
        issue_key,
        sla_metric,
        sla_name,
        is_ongoing,
        cycle_position,
        {{ jira_date_object('(' ~ json_get('cycle', 'startTime') ~ ')') }} as started_at,
        {{ jira_date_object('(' ~ json_get('cycle', 'stopTime') ~ ')') }} as stopped_at,
        {{ jira_date_object('(' ~ json_get('cycle', 'breachTime') ~ ')') }} as breach_at,
        {{ try_cast_text(json_text('cycle', 'breached'), 'boolean') }} as is_breached,
        {{ try_cast_text(json_text('cycle', 'paused'), 'boolean') }} as is_paused,
        {{ try_cast_text(json_text('cycle', 'goalDuration.millis'), 'bigint') }} / 60000.0 as goal_minutes,
        {{ try_cast_text(json_text('cycle', 'elapsedTime.millis'), 'bigint') }} / 60000.0 as elapsed_minutes,
        {{ try_cast_text(json_text('cycle', 'remainingTime.millis'), 'bigint') }} / 60000.0 as remaining_minutes
    from cycles
)

select * from renamed

-- One row per SLA cycle of an issue: the completed cycles and the ongoing one of the
-- response and resolution SLA fields.
{%- set sla_fields = {
    'response': var('jira_sla_response_field'),
    'resolution': var('jira_sla_resolution_field'),
} %}
with source as (
    {{ current_records(source('raw_jira', 'issues')) }}
),

cycles as (
    {%- for metric, field in sla_fields.items() %}
    select
        record_id as issue_id,
        record->>'$.key' as issue_key,
        '{{ metric }}' as sla_metric,
        record->'$.fields'->'{{ field }}'->>'$.name' as sla_name,
        false as is_ongoing,
        unnest(try_cast(record->'$.fields'->'{{ field }}'->'$.completedCycles' as json[])) as cycle,
        generate_subscripts(
            try_cast(record->'$.fields'->'{{ field }}'->'$.completedCycles' as json[]), 1
        ) as cycle_position
    from source

    union all

    select
        record_id as issue_id,
        record->>'$.key' as issue_key,
        '{{ metric }}' as sla_metric,
        record->'$.fields'->'{{ field }}'->>'$.name' as sla_name,
        true as is_ongoing,
        record->'$.fields'->'{{ field }}'->'$.ongoingCycle' as cycle,
        0 as cycle_position
    from source
    where (record->'$.fields'->'{{ field }}'->'$.ongoingCycle') is not null
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
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

-- One row per ticket and SLA metric (README, "Service levels"): the policy, the clock read
-- in business time, the verdicts, whether a running clock is at risk, and the source
-- system's own verdict where it gives one.
with clocks as (
    select * from {{ ref('int_sla_clocks_measured') }}
),

vendor as (
    select * from {{ ref('int_vendor_sla_verdicts_gathered') }}
    where sla_metric <> 'all'
),

-- At risk: a running clock that has used at least half of its target and either 80 % of
-- it, or the similar clocks (same system, category, priority, metric) that ran at least
-- as long and stopped before this one started breached in the majority (at least 5 of them).
history as (
    select source_system, category, priority, sla_metric, stopped_at, elapsed_business_minutes, is_breached
    from clocks
    where stopped_at is not null
),

running as (
    select clock_id, source_system, category, priority, sla_metric, started_at, elapsed_business_minutes
    from clocks
    where stopped_at is null
        and elapsed_business_minutes >= 0.5 * target_minutes
        and not is_breached
),

similar_history as (
    select
        running.clock_id,
        count(history.is_breached) as similar_clocks,
        avg(cast(history.is_breached as integer)) as breached_share
    from running
    left join history
        on running.source_system = history.source_system
        and running.category is not distinct from history.category
        and running.priority is not distinct from history.priority
        and running.sla_metric = history.sla_metric
        and history.stopped_at < running.started_at
        and history.elapsed_business_minutes >= running.elapsed_business_minutes
    group by running.clock_id
),

final as (
    select
        clocks.ticket_id,
        clocks.client_id,
        clocks.department,
        clocks.priority,
        clocks.sla_metric,
        clocks.sla_policy,
        clocks.calendar,
        clocks.target_minutes,
        clocks.started_at,
        clocks.due_at,
        clocks.stopped_at,
        round(clocks.elapsed_business_minutes, 4) as elapsed_business_minutes,
        round(clocks.paused_business_minutes, 4) as paused_business_minutes,
        clocks.is_met,
        clocks.is_breached,
        round(clocks.breach_minutes, 4) as breach_minutes,
        coalesce(
            clocks.stopped_at is null
            and not clocks.is_breached
            and clocks.elapsed_business_minutes >= 0.5 * clocks.target_minutes
            and (
                clocks.elapsed_business_minutes >= 0.8 * clocks.target_minutes
                or (similar_history.similar_clocks >= 5 and similar_history.breached_share > 0.5)
            ),
            false
        ) as is_at_risk,
        vendor.vendor_is_met
    from clocks
    left join similar_history on clocks.clock_id = similar_history.clock_id
    left join vendor
        on clocks.ticket_id = vendor.ticket_id
        and clocks.sla_metric = vendor.sla_metric
)

select * from final

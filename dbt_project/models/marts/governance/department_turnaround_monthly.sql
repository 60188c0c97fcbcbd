-- Cross-department request volumes and turnaround: per month a request was opened, client
-- and department (IT, HR, Finance, Facilities, ...), the requests opened, how many are
-- resolved by now, and the turnaround of those (hours from the first opening to the last
-- resolution, wall-clock): their sum, median and 90th percentile (the sum lets a report
-- average over clients). A request is a work item, so an
-- incident mirrored in the PSA counts once.
with work_items as (
    select * from {{ ref('int_work_items_attributed') }}
),

measured as (
    select
        cast(date_trunc('month', opened_at) as date) as month,
        client_id,
        coalesce(department, '{{ var("default_department") }}') as department,
        has_resolved_ticket and not has_open_ticket as is_resolved,
        -- whole seconds: an integer sum is the same in any order, a float sum is not
        case
            when has_resolved_ticket and not has_open_ticket
                then {{ datediff('opened_at', 'resolved_at', 'second') }}
        end as turnaround_seconds
    from work_items
),

final as (
    select
        month,
        client_id,
        department,
        count(*) as requests_opened,
        count(*) filter (where is_resolved) as requests_resolved,
        {{ round_places('coalesce(sum(turnaround_seconds), 0) / 3600.0', 2) }} as total_turnaround_hours,
        {{ round_places(percentile_cont('turnaround_seconds', 0.5) ~ ' / 3600.0', 2) }} as median_turnaround_hours,
        {{ round_places(percentile_cont('turnaround_seconds', 0.9) ~ ' / 3600.0', 2) }} as p90_turnaround_hours
    from measured
    group by month, client_id, department
)

select * from final

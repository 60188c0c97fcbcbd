-- SLA attainment per month the clock stopped, client, department, priority and metric:
-- the stopped clocks, how many met their target and how many breached it.
with ticket_sla as (
    select * from {{ ref('ticket_sla') }}
    where is_met is not null
),

final as (
    select
        cast(date_trunc('month', stopped_at) as date) as month,
        client_id,
        department,
        priority,
        sla_metric,
        count(*) as tickets,
        count(*) filter (where is_met) as met,
        count(*) filter (where not is_met) as breached,
        {{ round_places('100.0 * count(*) filter (where is_met) / count(*)', 2) }} as attainment_pct
    from ticket_sla
    group by cast(date_trunc('month', stopped_at) as date), client_id, department, priority, sla_metric
)

select * from final

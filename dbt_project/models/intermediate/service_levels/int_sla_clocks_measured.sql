-- Every SLA clock read on its calendar: elapsed and paused business minutes and the due
-- instant (macros/adapter/business_time.sql), and the verdicts.
with clocks as (
    select * from {{ ref('int_sla_clocks_defined') }}
),

stops as (
    select * from {{ ref('int_sla_clock_stops') }}
),

intervals as (
    select * from {{ ref('int_business_intervals') }}
),

measured as (
    {{ business_clock('clocks', 'stops', 'intervals') }}
)

select
    clocks.*,
    measured.elapsed_business_minutes,
    measured.paused_business_minutes,
    measured.due_at,
    case
        when clocks.stopped_at is not null
            then measured.elapsed_business_minutes <= clocks.target_minutes
    end as is_met,
    measured.elapsed_business_minutes > clocks.target_minutes as is_breached,
    greatest(measured.elapsed_business_minutes - clocks.target_minutes, 0) as breach_minutes
from clocks
inner join measured on clocks.clock_id = measured.clock_id

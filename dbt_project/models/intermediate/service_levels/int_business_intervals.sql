-- The open intervals of every calendar of calendars.csv (holidays.csv cut out), in UTC,
-- each with the business seconds before it: the spine every SLA clock counts on.
-- It spans the tickets' days, from two days before the first opening to 120 days after
-- the evaluation instant, so due instants far ahead still fall on it.
with tickets as (
    select * from {{ ref('int_tickets_mapped') }}
),

calendars as (
    select * from {{ ref('stg_mappings__calendars') }}
    where calendar is not null and time_zone is not null and weekday is not null
),

holidays as (
    select * from {{ ref('stg_mappings__holidays') }}
    where calendar is not null and holiday_on is not null
),

span as (
    select
        coalesce(cast(min(opened_at) as date), current_date) - 2 as first_day,
        coalesce(max(_extract_date), current_date) + 120 as last_day
    from tickets
),

intervals as (
    {{ business_intervals('calendars', 'holidays', '(select first_day from span)', '(select last_day from span)') }}
)

select * from intervals

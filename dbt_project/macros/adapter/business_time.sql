{#- Adapter layer (README.md in this folder): business time, set-based. The duckdb__ variants
    use ASOF joins, DuckDB's range() and to_minutes(); the default__ (PostgreSQL) variants do the
    same with LATERAL joins, generate_series and interval arithmetic; the spark__ variants with
    sequence(), timestampadd and a sort in place of each ASOF join. The duckdb__ variants are
    plain SQL with relation names as arguments and no dbt builtins, so tests render them with
    Jinja alone and run them on DuckDB (tests/unit/test_business_time_sql.py).

    A calendar's business time is a spine of open intervals in UTC, each with the business
    seconds of the calendar before it (`seconds_before`). An instant's position on the
    calendar is then one ASOF join: the interval that opened last at or before it, plus the
    part of that interval already gone. Elapsed business time is a difference of positions;
    the instant a position is reached is the reverse ASOF join. No loop over tickets or days.
-#}


{% macro business_intervals(calendars, holidays, first_day, last_day) -%}
    {{ return(adapter.dispatch('business_intervals')(calendars, holidays, first_day, last_day)) }}
{%- endmacro %}

{% macro business_clock(clocks, off, intervals) -%}
    {{ return(adapter.dispatch('business_clock')(clocks, off, intervals)) }}
{%- endmacro %}

{#- The open intervals of every calendar, one row per calendar, local day and open span.
    calendars: calendar, time_zone, weekday (1 = Monday), start_minute, end_minute
               (end 1440 = 24:00; no row for a weekday = a day off).
    holidays:  calendar, holiday_on, start_time, end_time (`HH:MM`; both null = whole day);
               at most one row per calendar and date.
    first_day, last_day: SQL date expressions bounding the local days built.
    Local times become UTC through the calendar's IANA zone, so days of a daylight-saving
    change are 23 or 25 hours long and business hours keep their local clock times. -#}
{% macro duckdb__business_intervals(calendars, holidays, first_day, last_day) -%}
with bt_days as (
    select cast(range as date) as local_day
    from range(cast({{ first_day }} as date), cast({{ last_day }} as date) + 1, interval 1 day)
),

bt_day_hours as (
    select
        bt_calendars.calendar,
        bt_calendars.time_zone,
        bt_days.local_day,
        bt_calendars.start_minute,
        bt_calendars.end_minute
    from bt_days
    inner join {{ calendars }} as bt_calendars
        on isodow(bt_days.local_day) = bt_calendars.weekday
    where bt_calendars.start_minute < bt_calendars.end_minute
),

{{ _bt_open_pieces(holidays) }}

bt_utc as (
    select
        calendar,
        local_day,
        timezone('UTC', timezone(time_zone, local_day + to_minutes(from_minute))) as open_from,
        timezone('UTC', timezone(time_zone, local_day + to_minutes(to_minute))) as open_to
    from bt_pieces
    where from_minute < to_minute
)

select
    calendar,
    local_day,
    open_from,
    open_to,
    date_diff('second', open_from, open_to) as open_seconds,
    coalesce(sum(date_diff('second', open_from, open_to)) over (
        partition by calendar order by open_from rows between unbounded preceding and 1 preceding
    ), 0) as seconds_before
from bt_utc
{%- endmacro %}


{#- Elapsed business time and the due instant of SLA clocks.
    clocks:    clock_id, calendar, started_at, end_at (the stop, or the instant of
               evaluation while running), target_minutes.
    off:       clock_id, off_from, off_to: the intervals the clock is stopped (pauses,
               resolved before a reopening); off_to null = still stopped at end_at.
               Intervals of one clock do not overlap.
    intervals: business_intervals() output.
    Returns clock_id, elapsed_business_minutes (running, pauses not counted),
    paused_business_minutes, due_at (the instant the running time reaches the target,
    the pauses up to end_at accounted; later pauses cannot be known). -#}
{% macro duckdb__business_clock(clocks, off, intervals) -%}
with {{ _bc_clocks_and_stops(clocks, off) }}

-- An instant's position: business seconds from the spine's start to it (0 before the spine).
bc_bounds as (
    select
        bc_clocks.clock_id,
        {{ _business_position('bc_start', 'bc_clocks.started_at') }} as start_position,
        {{ _business_position('bc_end', 'bc_clocks.end_at') }} as end_position
    from bc_clocks
    asof left join {{ intervals }} as bc_start
        on bc_clocks.calendar = bc_start.calendar and bc_clocks.started_at >= bc_start.open_from
    asof left join {{ intervals }} as bc_end
        on bc_clocks.calendar = bc_end.calendar and bc_clocks.end_at >= bc_end.open_from
),

bc_off_positions as (
    select
        bc_off.clock_id,
        row_number() over (partition by bc_off.clock_id order by bc_off.off_from) as off_number,
        {{ _business_position('bc_from', 'bc_off.off_from') }} as from_position,
        {{ _business_position('bc_to', 'bc_off.off_to') }} as to_position
    from bc_off
    inner join bc_clocks on bc_off.clock_id = bc_clocks.clock_id
    asof left join {{ intervals }} as bc_from
        on bc_clocks.calendar = bc_from.calendar and bc_off.off_from >= bc_from.open_from
    asof left join {{ intervals }} as bc_to
        on bc_clocks.calendar = bc_to.calendar and bc_off.off_to >= bc_to.open_from
),

{{ _bc_running_and_measured() }}

-- The instant a position is reached: inside the last interval that began below it. A target
-- of 0 is reached at the first open instant at or after the start (the interval that began
-- at or below it), not at the end of the interval before the start.
select
    bc_measured.clock_id,
    (bc_measured.span_seconds - bc_measured.paused_seconds) / 60.0 as elapsed_business_minutes,
    bc_measured.paused_seconds / 60.0 as paused_business_minutes,
    bc_intervals.open_from + to_seconds(cast(bc_measured.due_position - bc_intervals.seconds_before as bigint))
        as due_at
from bc_measured
asof left join {{ intervals }} as bc_intervals
    on bc_measured.calendar = bc_intervals.calendar
    and bc_measured.due_position + cast(bc_measured.target_minutes = 0 as integer) > bc_intervals.seconds_before
{%- endmacro %}



{#- Shared by every variant of business_clock: the clocks (an end before the start is the start),
    and their stops clipped to each clock's span; two CTEs, each followed by a comma. -#}
{% macro _bc_clocks_and_stops(clocks, off) -%}
bc_clocks as (
    select clock_id, calendar, started_at, greatest(end_at, started_at) as end_at, target_minutes
    from {{ clocks }}
),

bc_off as (
    select
        bc_off_source.clock_id,
        greatest(bc_off_source.off_from, bc_clocks.started_at) as off_from,
        least(coalesce(bc_off_source.off_to, bc_clocks.end_at), bc_clocks.end_at) as off_to
    from {{ off }} as bc_off_source
    inner join bc_clocks on bc_off_source.clock_id = bc_clocks.clock_id
    where greatest(bc_off_source.off_from, bc_clocks.started_at)
        < least(coalesce(bc_off_source.off_to, bc_clocks.end_at), bc_clocks.end_at)
),
{%- endmacro %}

{#- Shared by every variant of business_clock, after its CTEs bc_bounds (the positions of each
    clock's start and end) and bc_off_positions (of each stop's start and end, numbered):
    Each stop with the running seconds before it; it delays the due instant when the
    target was not yet reached when it began. -#}
{% macro _bc_running_and_measured() -%}
bc_off_running as (
    select
        bc_off_positions.clock_id,
        bc_off_positions.to_position - bc_off_positions.from_position as off_seconds,
        bc_off_positions.from_position - bc_bounds.start_position - coalesce(sum(
            bc_off_positions.to_position - bc_off_positions.from_position
        ) over (
            partition by bc_off_positions.clock_id order by bc_off_positions.off_number
            rows between unbounded preceding and 1 preceding
        ), 0) as running_before
    from bc_off_positions
    inner join bc_bounds on bc_off_positions.clock_id = bc_bounds.clock_id
),

bc_measured as (
    select
        bc_clocks.clock_id,
        bc_clocks.calendar,
        bc_clocks.target_minutes,
        bc_bounds.end_position - bc_bounds.start_position as span_seconds,
        coalesce(sum(bc_off_running.off_seconds), 0) as paused_seconds,
        bc_bounds.start_position + bc_clocks.target_minutes * 60 + coalesce(sum(bc_off_running.off_seconds) filter (
            where bc_off_running.running_before < bc_clocks.target_minutes * 60
        ), 0) as due_position
    from bc_clocks
    inner join bc_bounds on bc_clocks.clock_id = bc_bounds.clock_id
    left join bc_off_running on bc_clocks.clock_id = bc_off_running.clock_id
    group by bc_clocks.clock_id, bc_clocks.calendar, bc_clocks.target_minutes,
        bc_bounds.start_position, bc_bounds.end_position
)
{%- endmacro %}


{#- The position of `instant` on the interval `alias` an ASOF join found for it. -#}
{% macro _business_position(alias, instant) -%}
    coalesce(
        {{ alias }}.seconds_before
            + least(date_diff('second', {{ alias }}.open_from, {{ instant }}), {{ alias }}.open_seconds),
        0
    )
{%- endmacro %}



{#- PostgreSQL (and the default): the same relations as the duckdb__ variants. Local times
    become UTC through timezone() exactly as on DuckDB; an ASOF join becomes a LATERAL
    subquery taking the last interval at or before the instant. -#}
{% macro default__business_intervals(calendars, holidays, first_day, last_day) -%}
with bt_days as (
    select cast(bt_series.day as date) as local_day
    from generate_series(
        cast({{ first_day }} as timestamp), cast({{ last_day }} as timestamp), interval '1 day'
    ) as bt_series (day)
),

bt_day_hours as (
    select
        bt_calendars.calendar,
        bt_calendars.time_zone,
        bt_days.local_day,
        bt_calendars.start_minute,
        bt_calendars.end_minute
    from bt_days
    inner join {{ calendars }} as bt_calendars
        on cast(extract(isodow from bt_days.local_day) as integer) = bt_calendars.weekday
    where bt_calendars.start_minute < bt_calendars.end_minute
),

{{ _bt_open_pieces(holidays) }}

bt_utc as (
    select
        calendar,
        local_day,
        timezone('UTC', timezone(time_zone, local_day + from_minute * interval '1 minute')) as open_from,
        timezone('UTC', timezone(time_zone, local_day + to_minute * interval '1 minute')) as open_to
    from bt_pieces
    where from_minute < to_minute
)

select
    calendar,
    local_day,
    open_from,
    open_to,
    cast(extract(epoch from open_to - open_from) as bigint) as open_seconds,
    coalesce(sum(cast(extract(epoch from open_to - open_from) as bigint)) over (
        partition by calendar order by open_from rows between unbounded preceding and 1 preceding
    ), 0) as seconds_before
from bt_utc
{%- endmacro %}


{% macro default__business_clock(clocks, off, intervals) -%}
with {{ _bc_clocks_and_stops(clocks, off) }}

bc_bounds as (
    select
        bc_clocks.clock_id,
        {{ _postgres_business_position('bc_start', 'bc_clocks.started_at') }} as start_position,
        {{ _postgres_business_position('bc_end', 'bc_clocks.end_at') }} as end_position
    from bc_clocks
    {{ _postgres_interval_at(intervals, 'bc_start', 'bc_clocks.calendar', 'bc_clocks.started_at') }}
    {{ _postgres_interval_at(intervals, 'bc_end', 'bc_clocks.calendar', 'bc_clocks.end_at') }}
),

bc_off_positions as (
    select
        bc_off.clock_id,
        row_number() over (partition by bc_off.clock_id order by bc_off.off_from) as off_number,
        {{ _postgres_business_position('bc_from', 'bc_off.off_from') }} as from_position,
        {{ _postgres_business_position('bc_to', 'bc_off.off_to') }} as to_position
    from bc_off
    inner join bc_clocks on bc_off.clock_id = bc_clocks.clock_id
    {{ _postgres_interval_at(intervals, 'bc_from', 'bc_clocks.calendar', 'bc_off.off_from') }}
    {{ _postgres_interval_at(intervals, 'bc_to', 'bc_clocks.calendar', 'bc_off.off_to') }}
),

{{ _bc_running_and_measured() }}

select
    bc_measured.clock_id,
    (bc_measured.span_seconds - bc_measured.paused_seconds) / 60.0 as elapsed_business_minutes,
    bc_measured.paused_seconds / 60.0 as paused_business_minutes,
    bc_intervals.open_from + (bc_measured.due_position - bc_intervals.seconds_before) * interval '1 second'
        as due_at
from bc_measured
left join lateral (
    select bc_candidates.*
    from {{ intervals }} as bc_candidates
    where bc_candidates.calendar = bc_measured.calendar
        and bc_candidates.seconds_before
            < bc_measured.due_position + cast(bc_measured.target_minutes = 0 as integer)
    order by bc_candidates.seconds_before desc
    limit 1
) as bc_intervals on true
{%- endmacro %}

{#- The last interval of the calendar that opened at or before the instant (DuckDB's ASOF join). -#}
{% macro _postgres_interval_at(intervals, alias, calendar, instant) -%}
    left join lateral (
        select {{ alias }}_candidates.*
        from {{ intervals }} as {{ alias }}_candidates
        where {{ alias }}_candidates.calendar = {{ calendar }}
            and {{ alias }}_candidates.open_from <= {{ instant }}
        order by {{ alias }}_candidates.open_from desc
        limit 1
    ) as {{ alias }} on true
{%- endmacro %}

{#- The position of `instant` on the interval `alias` found for it; whole seconds from the
    interval's opening, as DuckDB's date_diff('second') counts them. -#}
{% macro _postgres_business_position(alias, instant) -%}
    coalesce(
        {{ alias }}.seconds_before
            + least(cast(floor(extract(epoch from {{ instant }} - {{ alias }}.open_from)) as bigint), {{ alias }}.open_seconds),
        0
    )
{%- endmacro %}


{#- Shared by both variants: a calendar's opening hours of a local day, less its day off.
    A day off cuts [off_start, off_end) out of the day's hours: what is left is the part
    before it and the part after it (either may be empty). Reads CTE bt_day_hours. -#}
{% macro _bt_open_pieces(holidays) -%}
bt_days_off as (
    select
        calendar,
        holiday_on,
        coalesce(
            cast(split_part(start_time, ':', 1) as integer) * 60 + cast(split_part(start_time, ':', 2) as integer), 0
        ) as off_start_minute,
        coalesce(
            cast(split_part(end_time, ':', 1) as integer) * 60 + cast(split_part(end_time, ':', 2) as integer), 1440
        ) as off_end_minute
    from {{ holidays }}
),

bt_with_days_off as (
    select
        bt_day_hours.*,
        coalesce(bt_days_off.off_start_minute, bt_day_hours.end_minute) as off_start_minute,
        coalesce(bt_days_off.off_end_minute, bt_day_hours.end_minute) as off_end_minute
    from bt_day_hours
    left join bt_days_off
        on bt_day_hours.calendar = bt_days_off.calendar
        and bt_day_hours.local_day = bt_days_off.holiday_on
),

bt_pieces as (
    select calendar, time_zone, local_day, start_minute as from_minute,
        least(end_minute, off_start_minute) as to_minute
    from bt_with_days_off
    union all
    select calendar, time_zone, local_day, greatest(start_minute, off_end_minute) as from_minute,
        end_minute as to_minute
    from bt_with_days_off
),
{%- endmacro %}


{#- Spark: the same relations. Spark has no ASOF join, and a LATERAL subquery with LIMIT is a
    join of every instant with every interval of its calendar; _spark_asof finds the interval
    in one sort instead (the instants and the intervals' keys in one ordered list per
    calendar, each instant taking the last key before it). -#}
{% macro spark__business_intervals(calendars, holidays, first_day, last_day) -%}
with bt_days as (
    {{ spark__day_series(first_day, 'date_add(cast(' ~ last_day ~ ' as date), 1)', 'local_day') }}
),

bt_day_hours as (
    select
        bt_calendars.calendar,
        bt_calendars.time_zone,
        bt_days.local_day,
        bt_calendars.start_minute,
        bt_calendars.end_minute
    from bt_days
    inner join {{ calendars }} as bt_calendars
        on extract(dayofweek_iso from bt_days.local_day) = bt_calendars.weekday
    where bt_calendars.start_minute < bt_calendars.end_minute
),

{{ _bt_open_pieces(holidays) }}

bt_utc as (
    select
        calendar,
        local_day,
        to_utc_timestamp(timestampadd(MINUTE, from_minute, cast(local_day as timestamp)), time_zone) as open_from,
        to_utc_timestamp(timestampadd(MINUTE, to_minute, cast(local_day as timestamp)), time_zone) as open_to
    from bt_pieces
    where from_minute < to_minute
)

select
    calendar,
    local_day,
    open_from,
    open_to,
    unix_seconds(open_to) - unix_seconds(open_from) as open_seconds,
    coalesce(sum(unix_seconds(open_to) - unix_seconds(open_from)) over (
        partition by calendar order by open_from rows between unbounded preceding and 1 preceding
    ), 0) as seconds_before
from bt_utc
{%- endmacro %}


{% macro spark__business_clock(clocks, off, intervals) -%}
with {{ _bc_clocks_and_stops(clocks, off) }}

bc_off_numbered as (
    select
        bc_off.*,
        bc_clocks.calendar,
        row_number() over (partition by bc_off.clock_id order by bc_off.off_from) as off_number
    from bc_off
    inner join bc_clocks on bc_off.clock_id = bc_clocks.clock_id
),

bc_start_at as ({{ _spark_asof('bc_clocks', ['clock_id'], 'calendar', 'started_at', intervals, 'open_from') }}),
bc_end_at as ({{ _spark_asof('bc_clocks', ['clock_id'], 'calendar', 'end_at', intervals, 'open_from') }}),
bc_from_at as ({{ _spark_asof('bc_off_numbered', ['clock_id', 'off_number'], 'calendar', 'off_from', intervals, 'open_from') }}),
bc_to_at as ({{ _spark_asof('bc_off_numbered', ['clock_id', 'off_number'], 'calendar', 'off_to', intervals, 'open_from') }}),

bc_bounds as (
    select
        bc_clocks.clock_id,
        {{ _spark_business_position('bc_start', 'bc_clocks.started_at') }} as start_position,
        {{ _spark_business_position('bc_end', 'bc_clocks.end_at') }} as end_position
    from bc_clocks
    {{ _spark_interval_found(intervals, 'bc_start', 'bc_start_at', 'bc_clocks', ['clock_id'], 'open_from') }}
    {{ _spark_interval_found(intervals, 'bc_end', 'bc_end_at', 'bc_clocks', ['clock_id'], 'open_from') }}
),

bc_off_positions as (
    select
        bc_off_numbered.clock_id,
        bc_off_numbered.off_number,
        {{ _spark_business_position('bc_from', 'bc_off_numbered.off_from') }} as from_position,
        {{ _spark_business_position('bc_to', 'bc_off_numbered.off_to') }} as to_position
    from bc_off_numbered
    {{ _spark_interval_found(intervals, 'bc_from', 'bc_from_at', 'bc_off_numbered', ['clock_id', 'off_number'], 'open_from') }}
    {{ _spark_interval_found(intervals, 'bc_to', 'bc_to_at', 'bc_off_numbered', ['clock_id', 'off_number'], 'open_from') }}
),

{{ _bc_running_and_measured() }},

-- The interval that began strictly below the position (at or below it for a target of 0).
bc_due_probes as (
    select clock_id, calendar, due_position + case when target_minutes = 0 then 1 else 0 end as due_probe
    from bc_measured
),

bc_due_at as ({{ _spark_asof('bc_due_probes', ['clock_id'], 'calendar', 'due_probe', intervals, 'seconds_before', strict=true) }})

select
    bc_measured.clock_id,
    (bc_measured.span_seconds - bc_measured.paused_seconds) / 60.0 as elapsed_business_minutes,
    bc_measured.paused_seconds / 60.0 as paused_business_minutes,
    timestampadd(SECOND, cast(bc_measured.due_position - bc_intervals.seconds_before as bigint), bc_intervals.open_from)
        as due_at
from bc_measured
{{ _spark_interval_found(intervals, 'bc_intervals', 'bc_due_at', 'bc_measured', ['clock_id'], 'seconds_before') }}
{%- endmacro %}

{#- For each row of `probes` (its `keys`), the `order_column` value of the last interval of its
    calendar whose value is at or below `instant` (strictly below when `strict`; NULL when none
    is): a SELECT of the keys and `found`. Intervals sort before the instants of the same value,
    or after them when strict. -#}
{% macro _spark_asof(probes, keys, calendar, instant, intervals, order_column, strict=false) -%}
    select {{ keys | join(', ') }}, found
    from (
        select
            {{ keys | join(', ') }},
            asof_kind,
            last_value(asof_found, true) over (
                partition by asof_calendar order by asof_at, asof_kind
                rows between unbounded preceding and current row
            ) as found
        from (
            select {{ keys | join(', ') }}, {{ calendar }} as asof_calendar, {{ instant }} as asof_at,
                1 as asof_kind, null as asof_found
            from {{ probes }}
            union all
            select {% for key in keys %}null, {% endfor %}calendar, {{ order_column }}, {{ 2 if strict else 0 }}, {{ order_column }}
            from {{ intervals }}
        ) as asof_marks
    ) as asof_ordered
    where asof_kind = 1
{%- endmacro %}

{#- The interval _spark_asof found for each row of `probes`, joined as `alias`. -#}
{% macro _spark_interval_found(intervals, alias, found, probes, keys, order_column) -%}
    left join {{ found }}
        on {% for key in keys %}{{ probes }}.{{ key }} = {{ found }}.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
    left join {{ intervals }} as {{ alias }}
        on {{ probes }}.calendar = {{ alias }}.calendar and {{ found }}.found = {{ alias }}.{{ order_column }}
{%- endmacro %}

{#- The position of `instant` on the interval `alias` found for it, in whole seconds from the
    interval's opening as DuckDB's date_diff('second') counts them. -#}
{% macro _spark_business_position(alias, instant) -%}
    coalesce(
        {{ alias }}.seconds_before
            + least(unix_seconds({{ instant }}) - unix_seconds({{ alias }}.open_from), {{ alias }}.open_seconds),
        0
    )
{%- endmacro %}

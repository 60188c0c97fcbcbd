{#- Adapter layer (README.md in this folder): days and epochs. DuckDB builds a series of days
    with range() and reads epochs with epoch_ms/make_timestamp; PostgreSQL with generate_series
    and interval arithmetic; Spark with sequence() and timestamp_millis. Timestamps are UTC
    (Spark's session zone is UTC, profiles.yml). -#}

{#- One row per day from first_day up to, not including, end_day: a whole SELECT whose one
    column is `column` (a date). -#}
{% macro day_series(first_day, end_day, column) -%}
    {{ return(adapter.dispatch('day_series')(first_day, end_day, column)) }}
{%- endmacro %}

{% macro duckdb__day_series(first_day, end_day, column) -%}
    select cast(range as date) as {{ column }}
    from range(
        {{ first_day }},
        {{ end_day }},
        interval 1 day
    )
{%- endmacro %}

{% macro default__day_series(first_day, end_day, column) -%}
    select cast(day_series.day as date) as {{ column }}
    from generate_series(
        cast({{ first_day }} as timestamp),
        cast({{ end_day }} as timestamp) - interval '1 day',
        interval '1 day'
    ) as day_series (day)
{%- endmacro %}


{#- sequence() fails on an empty range rather than give no element: the CASE gives it none. -#}
{% macro spark__day_series(first_day, end_day, column) -%}
    select explode(
        case when cast({{ first_day }} as date) < cast({{ end_day }} as date) then
            sequence(cast({{ first_day }} as date), date_sub(cast({{ end_day }} as date), 1), interval 1 day)
        end
    ) as {{ column }}
{%- endmacro %}


{#- A timestamp from integer milliseconds since 1970-01-01 UTC. -#}
{% macro timestamp_from_epoch_ms(expr) -%}
    {{ return(adapter.dispatch('timestamp_from_epoch_ms')(expr)) }}
{%- endmacro %}

{% macro duckdb__timestamp_from_epoch_ms(expr) -%}
    epoch_ms({{ expr }})
{%- endmacro %}

{% macro default__timestamp_from_epoch_ms(expr) -%}
    (timestamp '1970-01-01' + ({{ expr }}) * interval '1 millisecond')
{%- endmacro %}

{% macro spark__timestamp_from_epoch_ms(expr) -%}
    timestamp_millis({{ expr }})
{%- endmacro %}

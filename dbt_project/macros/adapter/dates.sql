{#- Adapter layer (README.md in this folder): days and epochs. DuckDB builds a series of days
    with range() and reads epochs with epoch_ms/make_timestamp; PostgreSQL with generate_series
    and interval arithmetic. Timestamps are UTC without a zone on both. -#}

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

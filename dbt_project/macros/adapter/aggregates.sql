{#- Adapter layer (README.md in this folder): the value of the row with the smallest (or largest)
    key in a group. DuckDB has arg_min/arg_max (a list of keys compares as a row); PostgreSQL
    takes the first element of an ordered array_agg; Spark has min_by/max_by, several keys
    compared as a struct. All three skip rows whose value is NULL or any of whose keys is NULL
    (DuckDB would rank a NULL key among several as the largest).
    value: a SQL expression; order_by: one expression or a list (compared in order);
    filter: an optional condition on the rows. -#}

{% macro arg_min(value, order_by, filter=none) -%}
    {{ return(adapter.dispatch('arg_min')(value, order_by, filter)) }}
{%- endmacro %}

{% macro arg_max(value, order_by, filter=none) -%}
    {{ return(adapter.dispatch('arg_max')(value, order_by, filter)) }}
{%- endmacro %}

{% macro duckdb__arg_min(value, order_by, filter) -%}
    {{ _duckdb_arg('arg_min', value, order_by, filter) }}
{%- endmacro %}

{% macro duckdb__arg_max(value, order_by, filter) -%}
    {{ _duckdb_arg('arg_max', value, order_by, filter) }}
{%- endmacro %}

{% macro default__arg_min(value, order_by, filter) -%}
    {{ _postgres_arg('asc', value, order_by, filter) }}
{%- endmacro %}

{% macro default__arg_max(value, order_by, filter) -%}
    {{ _postgres_arg('desc', value, order_by, filter) }}
{%- endmacro %}

{% macro spark__arg_min(value, order_by, filter) -%}
    {{ _spark_arg('min_by', value, order_by, filter) }}
{%- endmacro %}

{% macro spark__arg_max(value, order_by, filter) -%}
    {{ _spark_arg('max_by', value, order_by, filter) }}
{%- endmacro %}

{% macro _duckdb_arg(function, value, order_by, filter) -%}
    {%- set keys = [order_by] if order_by is string else order_by -%}
    {{ function }}({{ value }}, {% if keys | length == 1 %}{{ keys[0] }}{% else %}({{ keys | join(', ') }}){% endif %})
    {%- if filter or keys | length > 1 %} filter (where {{ _arg_conditions(none, keys, filter) }}){% endif %}
{%- endmacro %}

{#- The rows an arg_min/arg_max reads: its value (when given) and every key not NULL, and the filter. -#}
{% macro _arg_conditions(value, keys, filter) -%}
    {%- set conditions = [] if value is none else ['(' ~ value ~ ') is not null'] -%}
    {%- for key in keys -%}{%- do conditions.append('(' ~ key ~ ') is not null') -%}{%- endfor -%}
    {%- if filter -%}{%- do conditions.append('(' ~ filter ~ ')') -%}{%- endif -%}
    {{ conditions | join(' and ') }}
{%- endmacro %}

{% macro _postgres_arg(direction, value, order_by, filter) -%}
    {%- set keys = [order_by] if order_by is string else order_by -%}
    (array_agg({{ value }} order by
        {%- for key in keys %} {{ key }} {{ direction }}{% if not loop.last %},{% endif %}{% endfor %})
        filter (where {{ _arg_conditions(value, keys, filter) }}))[1]
{%- endmacro %}

{#- Several keys compare as a struct. -#}
{% macro _spark_arg(function, value, order_by, filter) -%}
    {%- set keys = [order_by] if order_by is string else order_by -%}
    {{ function }}({{ value }}, {% if keys | length == 1 %}{{ keys[0] }}{% else %}struct({{ keys | join(', ') }}){% endif %})
        filter (where {{ _arg_conditions(value, keys, filter) }})
{%- endmacro %}

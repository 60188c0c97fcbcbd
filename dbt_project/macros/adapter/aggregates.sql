{#- Adapter layer (README.md in this folder): the value of the row with the smallest (or largest)
    key in a group. DuckDB has arg_min/arg_max (a list of keys compares as a row); PostgreSQL
    takes the first element of an ordered array_agg; Spark has min_by/max_by, several keys
    compared as a struct. As DuckDB's, both skip rows whose value is
    NULL and, for a single key, rows whose key is NULL.
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
    {%- if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}

{% macro _postgres_arg(direction, value, order_by, filter) -%}
    {%- set keys = [order_by] if order_by is string else order_by -%}
    {%- set conditions = ['(' ~ value ~ ') is not null'] -%}
    {%- if keys | length == 1 -%}{%- do conditions.append('(' ~ keys[0] ~ ') is not null') -%}{%- endif -%}
    {%- if filter -%}{%- do conditions.append('(' ~ filter ~ ')') -%}{%- endif -%}
    (array_agg({{ value }} order by
        {%- for key in keys %} {{ key }} {{ direction }} nulls last{% if not loop.last %},{% endif %}{% endfor %})
        filter (where {{ conditions | join(' and ') }}))[1]
{%- endmacro %}

{#- Several keys compare as a struct; each key is preceded by whether it is NULL, so that a
    NULL key loses as in the other variants (nulls last, either direction). -#}
{% macro _spark_arg(function, value, order_by, filter) -%}
    {%- set keys = [order_by] if order_by is string else order_by -%}
    {%- set conditions = ['(' ~ value ~ ') is not null'] -%}
    {%- if keys | length == 1 -%}{%- do conditions.append('(' ~ keys[0] ~ ') is not null') -%}{%- endif -%}
    {%- if filter -%}{%- do conditions.append('(' ~ filter ~ ')') -%}{%- endif -%}
    {%- if keys | length == 1 -%}
    {{ function }}({{ value }}, {{ keys[0] }})
    {%- else -%}
    {%- set parts = [] -%}
    {%- for key in keys -%}
        {%- do parts.append('(' ~ key ~ ') is ' ~ ('' if function == 'min_by' else 'not ') ~ 'null') -%}
        {%- do parts.append(key) -%}
    {%- endfor -%}
    {{ function }}({{ value }}, struct({{ parts | join(', ') }}))
    {%- endif %} filter (where {{ conditions | join(' and ') }})
{%- endmacro %}

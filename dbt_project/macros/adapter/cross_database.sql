{#- Adapter layer (README.md in this folder): dbt's own cross-database macros, where dbt-spark's
    would give other answers. Its dateadd and datediff fail the whole statement on a NULL
    (assert_not_null), which vendor data holds; its datediff counts elapsed units, not the unit
    boundaries crossed as DuckDB and PostgreSQL do; its listagg ignores the order. dbt finds
    these first (dispatch, dbt_project.yml). -#}

{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set seconds = {'second': 1, 'minute': 60, 'hour': 3600} -%}
    {%- if datepart == 'day' -%}
    datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- elif datepart in seconds -%}
    (floor(unix_seconds(cast({{ second_date }} as timestamp)) / {{ seconds[datepart] }})
        - floor(unix_seconds(cast({{ first_date }} as timestamp)) / {{ seconds[datepart] }}))
    {%- else -%}
    {{ exceptions.raise_compiler_error("datediff: no Spark variant for " ~ datepart) }}
    {%- endif -%}
{%- endmacro %}

{#- The values in the order of `order by <expression> [asc]`. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- set order = modules.re.match('^\\s*order\\s+by\\s+(.+?)(\\s+asc)?\\s*$', order_by_clause or '', modules.re.I) -%}
    {%- if order_by_clause and not order or ',' in (order_by_clause or '') or ' desc' in (order_by_clause or '') | lower or limit_num -%}
        {{ exceptions.raise_compiler_error("listagg: the Spark variant reads one ascending key and no limit, not " ~ order_by_clause) }}
    {%- endif -%}
    {%- if order -%}
    array_join(transform(array_sort(collect_list(struct({{ order.group(1) }} as listagg_key, {{ measure }} as listagg_value))),
        listagg_item -> listagg_item.listagg_value), {{ delimiter_text }})
    {%- else -%}
    array_join(collect_list({{ measure }}), {{ delimiter_text }})
    {%- endif -%}
{%- endmacro %}

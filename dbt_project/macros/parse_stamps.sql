{#- Each vendor's stamp format, parsed in one place. Every macro takes a VARCHAR
    expression and returns a UTC TIMESTAMP, or NULL when the text is not a stamp. -#}

{#- ConnectWise: ISO 8601 with Z (`2026-01-05T14:22:10Z`, fractions allowed), or with an offset. -#}
{% macro connectwise_stamp(expr) -%}
    coalesce(
        try_strptime({{ expr }}, ['%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S.%fZ']),
        timezone('UTC', try_strptime({{ expr }}, ['%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%dT%H:%M:%S.%f%z']))
    )
{%- endmacro %}

{#- ServiceNow: `YYYY-MM-DD HH:MM:SS` UTC from the Table API; a CSV export uses the
    instance's own format (var servicenow_csv_stamp_format). -#}
{% macro servicenow_stamp(expr) -%}
    coalesce(
        try_strptime({{ expr }}, '%Y-%m-%d %H:%M:%S'),
        try_strptime({{ expr }}, '{{ var("servicenow_csv_stamp_format") }}')
    )
{%- endmacro %}

{#- Jira: `2026-01-05T14:22:10.000+0000`, any offset, converted to UTC. -#}
{% macro jira_stamp(expr) -%}
    timezone('UTC', try_strptime({{ expr }}, ['%Y-%m-%dT%H:%M:%S.%g%z', '%Y-%m-%dT%H:%M:%S%z']))
{%- endmacro %}

{#- Jira Service Management date objects (approvals, SLA cycles):
    `{"iso8601": ..., "jira": ..., "friendly": ..., "epochMillis": ...}`. -#}
{% macro jira_date_object(json_expr) -%}
    coalesce(
        epoch_ms(try_cast({{ json_expr }}->>'$.epochMillis' as bigint)),
        {{ jira_stamp(json_expr ~ "->>'$.jira'") }},
        {{ jira_stamp(json_expr ~ "->>'$.iso8601'") }}
    )
{%- endmacro %}

{#- NinjaOne: epoch seconds, fractional (NULL beyond TIMESTAMP's range, e.g. 1e300, nan, inf). -#}
{% macro ninjaone_stamp(expr) -%}
    make_timestamp(try_cast(round(try_cast({{ expr }} as double) * 1000000) as bigint))
{%- endmacro %}

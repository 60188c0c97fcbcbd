{#- Declared tools (usm.yaml `tools:`, docs/landing.md, "Any other tool"): systems without a connector
    of their own, read from their CSV exports through declared columns. The Python side passes
    them as var `declared_tools`, a list of {system, entity, rows, date_format, time_zone, columns},
    where columns maps a role (id, updated, opened, responded, resolved, closed, reopened,
    reopen_count, state, priority, category, subcategory, client, requester) to the export's
    column name. Column names are
    data: they reach SQL only inside quoted JSON paths (json_text, macros/adapter/json.sql). -#}

{% macro declared_tools() -%}
    {%- set tools = var('declared_tools', []) or [] -%}
    {%- for tool in tools -%}
        {%- for key in ('system', 'entity') -%}
            {%- if not modules.re.match('^[a-z][a-z0-9_]*$', tool[key] | string) -%}
                {{ exceptions.raise_compiler_error("declared_tools: " ~ key ~ " " ~ tool[key] ~ " is not a lower-case name") }}
            {%- endif -%}
        {%- endfor -%}
        {%- if tool.rows not in ('per_record', 'per_update') -%}
            {{ exceptions.raise_compiler_error("declared_tools: rows of " ~ tool.system ~ " must be per_record or per_update") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(tools) }}
{%- endmacro %}

{#- A declared role's text, trimmed (an empty cell is null; the null marker already is);
    null when the tool declares no column for the role. -#}
{% macro declared_text(tool, role) -%}
    {%- set column = tool.columns.get(role) -%}
    {%- if column -%}
        nullif(trim({{ json_text('record', [column]) }}), '')
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{#- A declared role's stamp: the export's declared format (in the tool's csv.time_zone, or its
    offset with %z), else ISO 8601 with Z or an offset, as the loader reads the update stamp.
    NULL when unreadable or past the horizon (macros/read_fields.sql), as a vendor's stamps are. -#}
{% macro declared_stamp(tool, role) -%}
    {%- set stamp = declared_stamp_unbounded(tool, role) -%}
    case when {{ stamp }} < {{ stamp_horizon('_extract_date') }} then {{ stamp }} end
{%- endmacro %}

{% macro declared_stamp_unbounded(tool, role) -%}
    {%- set text = declared_text(tool, role) -%}
    {%- set time_zone = tool.get('time_zone') or 'UTC' -%}
    {%- set formatted = stamp_with_format(text, tool.date_format) -%}
    {%- if time_zone != 'UTC' and '%z' not in tool.date_format -%}
        {%- set formatted = local_stamp_to_utc(formatted, time_zone) -%}
    {%- endif -%}
    coalesce(
        {{ formatted }},
        {{ connectwise_stamp(text) }}
    )
{%- endmacro %}

{#- The roles staging casts, with how: what int_unreadable_values_listed reports. -#}
{% macro declared_read_roles() -%}
    {{ return({
        'opened': 'stamp', 'responded': 'stamp', 'resolved': 'stamp', 'closed': 'stamp',
        'reopened': 'stamp', 'reopen_count': 'count',
    }) }}
{%- endmacro %}

{#- A declared role's whole number (a reopen count), null when the cell is not one. -#}
{% macro declared_count(tool, role) -%}
    {{ try_cast_text(declared_text(tool, role), 'integer') }}
{%- endmacro %}

{#- Every row of every declared tool's raw table, in one shape. A tool whose raw table does not
    exist yet (declared, nothing loaded) adds nothing; no tool at all is an empty relation. -#}
{% macro declared_ticket_rows() -%}
    {%- set selects = [] -%}
    {%- for tool in declared_tools() -%}
        {%- set relation = adapter.get_relation(
            database=target.database, schema='raw_' ~ tool.system, identifier=tool.entity
        ) if execute else none -%}
        {%- if relation is not none -%}
            {%- set select -%}
    select
        '{{ tool.system }}' as source_system,
        '{{ tool.entity }}' as source_entity,
        record_id,
        {{ declared_text(tool, 'state') }} as state,
        {{ declared_text(tool, 'priority') }} as priority,
        {{ declared_text(tool, 'category') }} as category,
        {{ declared_text(tool, 'subcategory') }} as subcategory,
        {{ declared_text(tool, 'client') }} as client_alias,
        {{ declared_text(tool, 'requester') }} as requester_id,
        {{ declared_stamp(tool, 'opened') }} as opened_at,
        {{ declared_stamp(tool, 'responded') }} as responded_at,
        {{ declared_stamp(tool, 'resolved') }} as resolved_at,
        {{ declared_stamp(tool, 'closed') }} as closed_at,
        {{ declared_stamp(tool, 'reopened') }} as reopened_at,
        {%- if tool.columns.get('reopen_count') %}
        {{ declared_count(tool, 'reopen_count') }} as reopen_count,
        {%- elif tool.columns.get('reopened') %}
        case when {{ declared_stamp(tool, 'reopened') }} is null then 0 else 1 end as reopen_count,
        {%- else %}
        cast(null as integer) as reopen_count,
        {%- endif %}
        {{ 'true' if tool.rows == 'per_update' else 'false' }} as has_state_history,
        {{ 'true' if tool.columns.get('resolved') else 'false' }} as has_resolved_column,
        updated_at,
        _source_file,
        _extract_date,
        _record_position
    from {{ relation }}
            {%- endset -%}
            {%- do selects.append(select) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if selects -%}
        {{ selects | join('\n    union all\n') }}
    {%- else -%}
    select
        cast(null as {{ dbt.type_string() }}) as source_system,
        cast(null as {{ dbt.type_string() }}) as source_entity,
        cast(null as {{ dbt.type_string() }}) as record_id,
        cast(null as {{ dbt.type_string() }}) as state,
        cast(null as {{ dbt.type_string() }}) as priority,
        cast(null as {{ dbt.type_string() }}) as category,
        cast(null as {{ dbt.type_string() }}) as subcategory,
        cast(null as {{ dbt.type_string() }}) as client_alias,
        cast(null as {{ dbt.type_string() }}) as requester_id,
        cast(null as timestamp) as opened_at,
        cast(null as timestamp) as responded_at,
        cast(null as timestamp) as resolved_at,
        cast(null as timestamp) as closed_at,
        cast(null as timestamp) as reopened_at,
        cast(null as integer) as reopen_count,
        cast(null as boolean) as has_state_history,
        cast(null as boolean) as has_resolved_column,
        cast(null as timestamp) as updated_at,
        cast(null as {{ dbt.type_string() }}) as _source_file,
        cast(null as date) as _extract_date,
        cast(null as integer) as _record_position
    where false
    {%- endif -%}
{%- endmacro %}

{#- A generic test: the column holds a ticket system, a shipped one or a declared tool. -#}
{% test known_ticket_system(model, column_name) -%}
    {%- set systems = ['connectwise', 'servicenow', 'jira'] -%}
    {%- for tool in declared_tools() -%}
        {%- do systems.append(tool.system) -%}
    {%- endfor %}
    select {{ column_name }} as value
    from {{ model }}
    where {{ column_name }} not in ('{{ systems | join("', '") }}')
{%- endtest %}

{#- Every vendor field that staging casts, per raw entity (`system.entity`): its JSON path and how
    it is read. Staging reads these fields through `read_field` only, and
    int_unreadable_values_listed reports each current record whose value is present but cannot be
    read, or is a stamp more than var('stamp_horizon_days') after its extract date: both become
    NULL in staging, so one bad value nulls itself and stops nothing else. One list, so no field
    is cast unchecked (tests/unit/test_read_fields.py holds staging to it).

    The record's key fields (its id, update stamp and opening stamp) never get here unread: the
    loader quarantines their records (pipelines/sources/catalog.py).

    Kinds: a vendor's stamp macro (macros/adapter/parse_stamps.sql), `servicenow_duration` (a
    ServiceNow duration, written as a stamp after 1970-01-01: no horizon), `day` (a date in the
    first ten characters of a stamp), or a type for try_cast_text. -#}
{% macro read_fields() -%}
    {{ return({
        'connectwise.companies': {'_info.dateEntered': 'connectwise_stamp'},
        'connectwise.agreements': {
            'startDate': 'connectwise_stamp', 'endDate': 'connectwise_stamp',
            'billAmount': 'decimal(18, 2)', '_info.dateEntered': 'connectwise_stamp',
        },
        'connectwise.holidays': {
            'date': 'day', 'allDayFlag': 'boolean', 'timeStart': 'time', 'timeEnd': 'time',
        },
        'connectwise.calendars': {
            'mondayStartTime': 'time', 'mondayEndTime': 'time',
            'tuesdayStartTime': 'time', 'tuesdayEndTime': 'time',
            'wednesdayStartTime': 'time', 'wednesdayEndTime': 'time',
            'thursdayStartTime': 'time', 'thursdayEndTime': 'time',
            'fridayStartTime': 'time', 'fridayEndTime': 'time',
            'saturdayStartTime': 'time', 'saturdayEndTime': 'time',
            'sundayStartTime': 'time', 'sundayEndTime': 'time',
        },
        'connectwise.slas': {
            'respondHours': 'double', 'planWithin': 'double', 'resolutionHours': 'double',
            'defaultFlag': 'boolean',
        },
        'connectwise.sla_priorities': {
            'respondHours': 'double', 'planWithin': 'double', 'resolutionHours': 'double',
        },
        'connectwise.tickets': {
            'closedFlag': 'boolean', '_info.dateEntered': 'connectwise_stamp',
            'dateResponded': 'connectwise_stamp', 'dateResolved': 'connectwise_stamp',
            'closedDate': 'connectwise_stamp',
        },
        'connectwise.time_entries': {
            'timeStart': 'connectwise_stamp', 'timeEnd': 'connectwise_stamp',
            'actualHours': 'double', 'hoursBilled': 'double', 'hourlyRate': 'decimal(18, 2)',
            'dateEntered': 'connectwise_stamp', '_info.dateEntered': 'connectwise_stamp',
        },
        'connectwise.invoices': {
            'date': 'connectwise_stamp', 'total': 'decimal(18, 2)', 'subtotal': 'decimal(18, 2)',
            '_info.dateEntered': 'connectwise_stamp',
        },
        'servicenow.core_company': {'customer': 'boolean'},
        'servicenow.incident': {
            'made_sla': 'boolean', 'reopen_count': 'integer', 'opened_at': 'servicenow_stamp',
            'resolved_at': 'servicenow_stamp', 'closed_at': 'servicenow_stamp',
        },
        'servicenow.sc_req_item': {
            'made_sla': 'boolean', 'opened_at': 'servicenow_stamp',
            'resolved_at': 'servicenow_stamp', 'closed_at': 'servicenow_stamp',
        },
        'servicenow.sys_audit': {'sys_created_on': 'servicenow_stamp'},
        'servicenow.task_sla': {
            'has_breached': 'boolean', 'start_time': 'servicenow_stamp', 'end_time': 'servicenow_stamp',
            'planned_end_time': 'servicenow_stamp', 'business_duration': 'servicenow_duration',
            'business_pause_duration': 'servicenow_duration',
        },
        'jira.issues': {'fields.created': 'jira_stamp', 'fields.resolutiondate': 'jira_stamp'},
        'ninjaone.devices': {'created': 'ninjaone_stamp', 'lastContact': 'ninjaone_stamp'},
        'ninjaone.alerts': {'createTime': 'ninjaone_stamp'},
        'ninjaone.activities': {'activityTime': 'ninjaone_stamp'},
    }) }}
{%- endmacro %}

{#- The field's text in a current record: ServiceNow's in any of its shapes, the others' at
    their JSON path; blank is no value. -#}
{% macro read_field_text(entity, path, record='record') -%}
    {%- if entity.startswith('servicenow.') -%}
        {{ servicenow_value(path, record) }}
    {%- else -%}
        nullif(trim({{ json_text(record, path) }}), '')
    {%- endif -%}
{%- endmacro %}

{#- The field's value, read as its kind without the horizon: NULL when the text is no such value. -#}
{% macro read_field_unbounded(entity, path, record='record') -%}
    {%- set kind = read_fields()[entity][path] -%}
    {%- set text = read_field_text(entity, path, record) -%}
    {%- set stamps = {
        'connectwise_stamp': connectwise_stamp, 'servicenow_stamp': servicenow_stamp,
        'jira_stamp': jira_stamp, 'ninjaone_stamp': ninjaone_stamp, 'servicenow_duration': servicenow_stamp,
    } -%}
    {%- if kind in stamps -%}
        {{ stamps[kind](text) }}
    {%- elif kind == 'day' -%}
        {{ try_cast_text('left(' ~ text ~ ', 10)', 'date') }}
    {%- elif kind == 'double' -%}
        {#- NaN and infinity are no amounts of hours: x - x is 0 only for a finite x -#}
        {%- set number = try_cast_text(text, kind) -%}
        case when {{ number }} - {{ number }} = 0 then {{ number }} end
    {%- else -%}
        {{ try_cast_text(text, kind) }}
    {%- endif -%}
{%- endmacro %}

{#- The field's value as staging keeps it: NULL when unreadable, and a stamp past the horizon
    (its record's extract date plus var('stamp_horizon_days')) is NULL too. Needs `_extract_date`. -#}
{% macro read_field(entity, path, record='record') -%}
    {%- set kind = read_fields()[entity][path] -%}
    {%- set value = read_field_unbounded(entity, path, record) -%}
    {%- if kind.endswith('_stamp') -%}
        case when {{ value }} < {{ stamp_horizon('_extract_date') }} then {{ value }} end
    {%- else -%}
        {{ value }}
    {%- endif -%}
{%- endmacro %}

{% macro stamp_horizon(extract_date) -%}
    {{ dbt.dateadd('day', var('stamp_horizon_days') | int + 1, 'cast(' ~ extract_date ~ ' as timestamp)') }}
{%- endmacro %}

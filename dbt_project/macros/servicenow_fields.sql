{#- A ServiceNow field arrives as a plain string, as {"value", "link"} (a reference),
    or as {"value", "display_value"} (a display-value export). These two macros read
    any of the three shapes. An empty string is ServiceNow's null. -#}

{% macro servicenow_value(field, record='record') -%}
    nullif(
        case
            when {{ json_is_object(json_get(record, [field])) }} then {{ json_text(record, [field, 'value']) }}
            else {{ json_text(record, [field]) }}
        end,
        ''
    )
{%- endmacro %}

{#- The display value when the export carries one; NULL for a plain value. -#}
{% macro servicenow_display_value(field, record='record') -%}
    nullif(
        case
            when {{ json_is_object(json_get(record, [field])) }} then {{ json_text(record, [field, 'display_value']) }}
        end,
        ''
    )
{%- endmacro %}

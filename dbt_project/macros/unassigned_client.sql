{#- The client that money is counted under: its own, else the unassigned client
    (var `unassigned_client_id`), so that work without a client (missing_client, unmapped_client
    in marts.normalization_exceptions) is a visible row in revenue and reconciliation, never NULL. -#}
{% macro client_or_unassigned(client_id) -%}
    coalesce({{ client_id }}, '{{ var("unassigned_client_id") }}')
{%- endmacro %}

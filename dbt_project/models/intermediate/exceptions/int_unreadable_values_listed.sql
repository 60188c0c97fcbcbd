-- One row per value that staging nulls (macros/read_fields.sql): in a current record, a field
-- whose text is no value of its kind (`unreadable_value`), or a stamp past the horizon after its
-- extract date (`far_future_value`). Staging keeps the record, with NULL for the value.
-- A declared tool's stamps and reopen count count too, in every row of its export (an event
-- log's rows are all current).
-- depends_on: {{ ref('stg_declared__ticket_versions') }}
{%- set entities = read_fields() %}

with
{% for entity in entities %}
{%- set system, name = entity.split('.') %}
{{ system }}__{{ name }} as (
    {{ current_records(source('raw_' ~ system, name)) }}
),
{% endfor %}

unread as (
{%- set first_entity = namespace(value=true) %}
{%- for entity, fields in entities.items() %}
{%- set system, name = entity.split('.') %}
{%- for path in fields %}
    {% if not (loop.first and first_entity.value) %}union all{% endif %}
    select
        '{{ system }}' as system,
        '{{ name }}' as entity,
        '{{ path }}' as field,
        record_id as record_key,
        {{ read_field_text(entity, path) }} as raw_value,
        {{ read_field_unbounded(entity, path) }} is not null as is_readable,
        {{ read_field(entity, path) }} is null as is_nulled,
        _extract_date,
        _first_extract_date
    from {{ system }}__{{ name }}
{%- endfor %}
{%- set first_entity.value = false %}
{%- endfor %}
{%- for tool in declared_tools() %}
{%- set relation = adapter.get_relation(
    database=target.database, schema='raw_' ~ tool.system, identifier=tool.entity
) if execute else none %}
{%- if relation is not none %}
{%- for role, kind in declared_read_roles().items() if tool.columns.get(role) %}
    union all
    select
        '{{ tool.system }}' as system,
        '{{ tool.entity }}' as entity,
        '{{ tool.columns[role] | replace("'", "''") }}' as field,
        record_id as record_key,
        {{ declared_text(tool, role) }} as raw_value,
        {{ declared_stamp_unbounded(tool, role) if kind == 'stamp' else declared_count(tool, role) }} is not null as is_readable,
        {{ declared_stamp(tool, role) if kind == 'stamp' else declared_count(tool, role) }} is null as is_nulled,
        _extract_date,
        _extract_date as _first_extract_date
    from {{ relation }}
{%- endfor %}
{%- endif %}
{%- endfor %}
)

select
    case when is_readable then 'far_future_value' else 'unreadable_value' end as reason,
    system,
    entity,
    field,
    record_key,
    raw_value,
    _extract_date,
    _first_extract_date
from unread
where raw_value is not null and is_nulled

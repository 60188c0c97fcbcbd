{#- The current version of each record in a raw table: the newest by the vendor's
    update stamp, then by extract date, then by position in the file (README, "How
    tickets are normalized and linked"). Older versions stay in raw.
    `_first_extract_date` is the first extract date on which any version of the record
    arrived; `_version_rank` (always 1 here) is the rank that picked the version. -#}
{% macro current_records(relation, key='record_id') -%}
    select * from (
        select
            *,
            min(_extract_date) over (partition by {{ key }}) as _first_extract_date,
            row_number() over (partition by {{ key }} order by {{ newest_first() }}) as _version_rank
        from {{ relation }}
    ) as versions
    where _version_rank = 1
{%- endmacro %}

{#- The order of a record's versions, newest first: the one rule for "current" (staging) and
    "superseded" (raw retention, macros/adapter/retention.sql). -#}
{% macro newest_first() -%}
    updated_at desc nulls last, _extract_date desc, _record_position desc, _source_file desc
{%- endmacro %}

{#- The lineage every staging model keeps from its raw table. -#}
{% macro lineage_columns() -%}
    updated_at,
    _source_file,
    _extract_date,
    _first_extract_date
{%- endmacro %}

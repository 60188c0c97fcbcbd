{#- The current version of each record in a raw table: the newest by the vendor's
    update stamp, then by extract date, then by position in the file (README, "How
    tickets are normalized and linked"). Older versions stay in raw.
    `_first_extract_date` is the first extract date on which any version of the record
    arrived; `_version_rank` (always 1 here) is the rank that picked the version.

    In an incremental staging model (incremental_staging_config) a run recomputes only the
    records the loads since its last run touched (records_to_restage), over all their versions,
    and adds a marker row (restage_marker_rows) for each of them: the strategy replace_records
    deletes every row of a marked record before it inserts the recomputed ones, so a record
    whose every version a re-delivered file dropped leaves staging. -#}
{% macro current_records(relation, key='record_id') -%}
    {%- if is_incremental() %}{{ require_watermark() }}{% endif -%}
    {%- if is_incremental() and key != 'record_id' -%}
        {#- the records to restage and their markers are keyed by a raw table's record_id -#}
        {{ exceptions.raise_compiler_error("current_records: an incremental model reads a raw table by record_id, not " ~ key) }}
    {%- endif -%}
    {#- The versions are ranked on their key and lineage columns alone, then the current one is
        fetched whole by its file position (unique: the raw lineage check): a window over whole
        records would sort every version's JSON with them (a year of Jira issues: 608 MB). -#}
    select versions.*, current_versions._first_extract_date, current_versions._version_rank
    from {{ relation }} as versions
    inner join (
        select * from (
            select
                _source_file,
                _record_position,
                min(_extract_date) over (partition by {{ key }}) as _first_extract_date,
                row_number() over (partition by {{ key }} order by {{ newest_first() }}) as _version_rank
            from {{ relation }}
            {%- if is_incremental() %}
            where {{ key }} in ({{ records_to_restage(relation) }})
            {%- endif %}
        ) as ranked
        where _version_rank = 1
    ) as current_versions
        on versions._source_file = current_versions._source_file
        and versions._record_position = current_versions._record_position
    {%- if is_incremental() %}
    union all
    {{ restage_marker_rows(relation) }}
    {%- endif %}
{%- endmacro %}

{#- The order of a record's versions, newest first: the one rule for "current" (staging) and
    "superseded" (raw retention, macros/adapter/retention.sql). -#}
{% macro newest_first() -%}
    updated_at desc nulls last, _extract_date desc, _record_position desc, _source_file desc
{%- endmacro %}

{#- The lineage every staging model keeps from its raw table. `_loaded_at` (when the load run
    wrote the version) is the watermark of an incremental staging model; the declared tools'
    staging is rebuilt whole and has none. -#}
{% macro lineage_columns(loaded_at=true) -%}
    updated_at,
    _source_file,
    _extract_date,
    _first_extract_date
    {%- if loaded_at %},
    _loaded_at
    {%- endif %}
{%- endmacro %}

{#- An incremental staging model of one raw table, one row per record, keyed by `key` (the
    column its record_id becomes). `usm run --full-refresh` rebuilds it whole. A change of its
    columns fails the build rather than leave the rows already there without them: rebuild with
    --full-refresh after such a change (docs/commands.md). Where the warehouse cannot replace
    records in place (Spark, macros/adapter/materializations.sql) it is a table, rebuilt whole. -#}
{% macro incremental_staging_config(key) -%}
    {%- if replaces_records_in_place() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='replace_records',
        unique_key=key,
        on_schema_change='fail',
    ) }}
    {%- else -%}
    {{ config(materialized='table', unique_key=key) }}
    {%- endif -%}
{%- endmacro %}

{#- The record_ids whose current version may have changed since the model's last run:
    those with a version loaded after the newest `_loaded_at` the model holds (the watermark),
    and those whose current or first version is of an extract date reloaded since (a
    re-delivered file may have dropped that version: the record falls back to an older one, or
    keeps its version but gets a later first extract date, or leaves staging). Dropping any
    other version changes neither. -#}
{% macro records_to_restage(relation) -%}
    {%- set key = config.get('unique_key') -%}
    select record_id from {{ relation }}
    where _loaded_at > ({{ staging_watermark() }})
    union
    select {{ key }} from {{ this }}
    where _extract_date in ({{ extract_dates_reloaded(relation) }})
        or _first_extract_date in ({{ extract_dates_reloaded(relation) }})
{%- endmacro %}

{#- A staging table built before staging was incremental has no `_loaded_at`: say what to do,
    rather than fail on the missing column. -#}
{% macro require_watermark() -%}
    {%- if execute and '_loaded_at' not in adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {{ exceptions.raise_compiler_error(
            this ~ " has no _loaded_at (built before staging was incremental): rebuild it once with "
            ~ "`usm run --full-refresh`"
        ) }}
    {%- endif -%}
{%- endmacro %}

{% macro staging_watermark() -%}
    select coalesce(max(_loaded_at), cast('1900-01-01' as timestamp)) from {{ this }}
{%- endmacro %}

{#- The extract dates of the raw table a load replaced since the watermark, from the loader's log
    (raw_loads.replaced_dates): a date replaced by no rows at all (an emptied or removed file)
    leaves nothing newer in the table itself. -#}
{% macro extract_dates_reloaded(relation) -%}
    select extract_date from raw_loads.replaced_dates
    where raw_table = '{{ relation.schema }}.{{ relation.identifier }}'
        and _loaded_at > ({{ staging_watermark() }})
{%- endmacro %}

{#- One row per record to restage, its record_id and nothing else (every other column NULL, so
    `_extract_date` too): the mark replace_records deletes by and never inserts. Shaped like
    current_records' rows, so that it passes through the model's SELECT like them. -#}
{% macro restage_marker_rows(relation) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
    select
        {%- for column in columns %}
        {% if column.name == 'record_id' %}record_id{% else %}null{% endif %} as {{ adapter.quote(column.name) }},
        {%- endfor %}
        null as _first_extract_date,
        null as _version_rank
    from ({{ records_to_restage(relation) }}) as restaged
{%- endmacro %}

{#- The incremental strategy of the staging models: every row of each record in the new batch
    goes, then the batch's rows but its markers (restage_marker_rows) go in. dbt's delete+insert
    would keep a record whose versions all went (it has no new row to delete by). -#}
{% macro get_incremental_replace_records_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} where {{ key }} in (select {{ key }} from {{ batch }});
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ batch }} where _extract_date is not null
{%- endmacro %}

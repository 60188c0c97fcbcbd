-- One row per documented column of every mart: the reference analysts read where they query,
-- taken from the dbt YAML that documents the marts. It reads no data, so it builds in every run,
-- even one that holds some marts back; the analysts' snapshot is published after it
-- (pipelines/defs/publish/marts_snapshot.py). Its tag puts it in the pipeline job, which selects
-- what the raw layer feeds (pipelines/defs/automation.py).
{{ config(tags=['every_run']) }}
{%- set rows = [] %}
{%- if execute %}
{%- for node in graph.nodes.values() | sort(attribute='name')
    if node.resource_type == 'model' and node.config.schema == 'marts' and node.name != this.identifier %}
{%- for column in node.columns.values() %}
{%- do rows.append([node.name, column.name, column.description or '', node.description or '']
    | map('trim') | map('replace', "'", "''") | map('replace', '\n', ' ') | list) %}
{%- endfor %}
{%- endfor %}
{%- endif %}

{%- if rows %}
{%- for mart, column, description, mart_description in rows %}
{% if not loop.first %}union all
{% endif -%}
select
    cast('{{ mart }}' as {{ dbt.type_string() }}) as mart,
    cast('{{ column }}' as {{ dbt.type_string() }}) as column_name,
    cast('{{ description }}' as {{ dbt.type_string() }}) as description,
    cast('{{ mart_description }}' as {{ dbt.type_string() }}) as mart_description
{%- endfor %}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as mart,
    cast(null as {{ dbt.type_string() }}) as column_name,
    cast(null as {{ dbt.type_string() }}) as description,
    cast(null as {{ dbt.type_string() }}) as mart_description
where false
{%- endif %}

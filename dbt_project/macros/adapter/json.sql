{#- Adapter layer (README.md in this folder): JSON. DuckDB reads JSON paths with `->`/`->>`
    and `$.a.b[0]` paths on its JSON type; PostgreSQL with `#>`/`#>>` and a text array on
    jsonb (the raw layer's `record` is jsonb there, raw_export.py); Spark with get_json_object
    on JSON text (the lakehouse's Parquet files hold `record` as text, lakehouse.py), and with
    its VARIANT type where a value is read as JSON: that value is JSON text, a string with its
    quotes, as DuckDB's JSON values are, so a string that holds JSON is no object.

    A path is either a dotted string with array indexes (`fields.reporter.accountId`,
    `types[0].name`, `[0].id`) or a list of keys, for keys that are data (a declared CSV
    column's name may hold spaces or dots). -#}

{#- The path as a list of keys and integer indexes. -#}
{% macro _json_path_parts(path) -%}
    {%- set parts = [] -%}
    {%- if path is string -%}
        {%- for piece in path.replace('[', '.[').split('.') if piece != '' -%}
            {%- if piece.startswith('[') -%}
                {%- do parts.append(piece[1:-1] | int) -%}
            {%- else -%}
                {%- do parts.append(piece) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {%- for piece in path -%}
            {%- do parts.append(piece | string) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(parts) }}
{%- endmacro %}

{#- DuckDB's JSONPath literal: the dotted string as it always was; a list of keys quoted. -#}
{% macro _duckdb_json_path(path) -%}
    {%- if path is string -%}
        '${{ '' if path.startswith('[') else '.' }}{{ path }}'
    {%- else -%}
        {%- set keys = [] -%}
        {%- for key in path -%}
            {%- if '"' in key -%}
                {{ exceptions.raise_compiler_error("JSON key " ~ key ~ " holds a double quote") }}
            {%- endif -%}
            {%- do keys.append('"' ~ (key | replace("'", "''")) ~ '"') -%}
        {%- endfor -%}
        '$.{{ keys | join(".") }}'
    {%- endif -%}
{%- endmacro %}

{#- PostgreSQL's path: a text array literal, every element quoted. -#}
{% macro _postgres_json_path(path) -%}
    {%- set elements = [] -%}
    {%- for part in _json_path_parts(path) -%}
        {%- do elements.append('"' ~ (part | string | replace('\\', '\\\\') | replace('"', '\\"') | replace("'", "''")) ~ '"') -%}
    {%- endfor -%}
    '{{ "{" ~ (elements | join(",")) ~ "}" }}'
{%- endmacro %}

{#- Spark's JSONPath literal (get_json_object, variant_get): `.key` for a plain key, `['key']` for
    any other (spaces, dots), `[0]` for an index. -#}
{% macro _spark_json_path(path) -%}
    {%- set ns = namespace(path='$') -%}
    {%- for part in _json_path_parts(path) -%}
        {%- if part is number -%}
            {%- set ns.path = ns.path ~ '[' ~ part ~ ']' -%}
        {%- elif modules.re.match('^[A-Za-z0-9_]+$', part) -%}
            {%- set ns.path = ns.path ~ '.' ~ part -%}
        {%- elif "'" in part or ']' in part -%}
            {{ exceptions.raise_compiler_error("JSON key " ~ part ~ " holds a quote or a bracket, which Spark's paths cannot") }}
        {%- else -%}
            {%- set ns.path = ns.path ~ "['" ~ part ~ "']" -%}
        {%- endif -%}
    {%- endfor -%}
    {{ spark_string_literal(ns.path) }}
{%- endmacro %}


{#- The value at `path` as text (a string without its quotes; an object or array as JSON text);
    NULL when the path is missing. -#}
{% macro json_text(expr, path) -%}
    {{ return(adapter.dispatch('json_text')(expr, path)) }}
{%- endmacro %}

{% macro duckdb__json_text(expr, path) -%}
    {{ expr }}->>{{ _duckdb_json_path(path) }}
{%- endmacro %}

{% macro default__json_text(expr, path) -%}
    ({{ expr }} #>> {{ _postgres_json_path(path) }})
{%- endmacro %}

{% macro spark__json_text(expr, path) -%}
    get_json_object({{ expr }}, {{ _spark_json_path(path) }})
{%- endmacro %}


{#- The value at `path` as JSON. -#}
{% macro json_get(expr, path) -%}
    {{ return(adapter.dispatch('json_get')(expr, path)) }}
{%- endmacro %}

{% macro duckdb__json_get(expr, path) -%}
    {{ expr }}->{{ _duckdb_json_path(path) }}
{%- endmacro %}

{% macro default__json_get(expr, path) -%}
    ({{ expr }} #> {{ _postgres_json_path(path) }})
{%- endmacro %}

{% macro spark__json_get(expr, path) -%}
    to_json(variant_get(try_parse_json({{ expr }}), {{ _spark_json_path(path) }}))
{%- endmacro %}


{#- Whether a JSON value is an object (false or NULL otherwise). -#}
{% macro json_is_object(json_expr) -%}
    {{ return(adapter.dispatch('json_is_object')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__json_is_object(json_expr) -%}
    json_type({{ json_expr }}) = 'OBJECT'
{%- endmacro %}

{% macro default__json_is_object(json_expr) -%}
    jsonb_typeof({{ json_expr }}) = 'object'
{%- endmacro %}

{#- json_object_keys is NULL for any JSON text that is not an object (a quoted string included);
    NULL stays NULL, as DuckDB's json_type gives. -#}
{% macro spark__json_is_object(json_expr) -%}
    case when ({{ json_expr }}) is not null then json_object_keys({{ json_expr }}) is not null end
{%- endmacro %}


{#- One row per element of a JSON array: a whole SELECT over `relation`, with the `columns`
    (SQL expressions over the relation, with their aliases), the element as `element` and,
    when `position` is given, its 1-based position. A value that is not an array (NULL, an
    object, a string) gives no row. -#}
{% macro json_array_rows(relation, array_expr, element, position=none, columns=[]) -%}
    {{ return(adapter.dispatch('json_array_rows')(relation, array_expr, element, position, columns)) }}
{%- endmacro %}

{% macro duckdb__json_array_rows(relation, array_expr, element, position, columns) -%}
    select
        {% for column in columns -%}
        {{ column }},
        {% endfor -%}
        unnest(try_cast({{ array_expr }} as json[])) as {{ element }}
        {%- if position %},
        generate_subscripts(try_cast({{ array_expr }} as json[]), 1) as {{ position }}
        {%- endif %}
    from {{ relation }}
{%- endmacro %}

{% macro default__json_array_rows(relation, array_expr, element, position, columns) -%}
    select
        {% for column in columns -%}
        {{ column }},
        {% endfor -%}
        {{ element }}_rows.element_value as {{ element }}
        {%- if position %},
        cast({{ element }}_rows.element_position as integer) as {{ position }}
        {%- endif %}
    from {{ relation }}
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof({{ array_expr }}) = 'array' then {{ array_expr }} end
    ) with ordinality as {{ element }}_rows (element_value, element_position)
{%- endmacro %}

{#- Spark: the array's elements as JSON text (a string with its quotes), by posexplode; text
    that is not a JSON array reads as no array. -#}
{% macro spark__json_array_rows(relation, array_expr, element, position, columns) -%}
    select
        {% for column in columns -%}
        {{ column }},
        {% endfor -%}
        to_json({{ element }}_rows.{{ element }}_value) as {{ element }}
        {%- if position %},
        cast({{ element }}_rows.{{ element }}_index + 1 as integer) as {{ position }}
        {%- endif %}
    from {{ relation }}
    lateral view posexplode(
        case when ltrim({{ array_expr }}) like '[%' then from_json({{ array_expr }}, 'array<variant>') end
    ) {{ element }}_rows as {{ element }}_index, {{ element }}_value
{%- endmacro %}

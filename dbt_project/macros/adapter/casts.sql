{#- Adapter layer (README.md in this folder): casts of vendor text. DuckDB's `try_cast` gives
    NULL for text that is not a value of the type; PostgreSQL has no such cast and fails the
    whole statement, so its variant casts only text that a pattern has checked first (and,
    for dates, a day that exists in its month). dbt.safe_cast is no help: on PostgreSQL it is
    a plain cast. Spark's try_cast gives NULL as DuckDB's does, but reads more than DuckDB
    (`1.5d` as a double, `2026` as a date) and rounds no fraction into an integer: its variant
    checks the same patterns as PostgreSQL's first. Spark has no TIME type: a time is its
    checked text as `HH:MM:SS` (no model past staging reads one). -#}

{% macro try_cast_text(expr, data_type) -%}
    {{ return(adapter.dispatch('try_cast_text')(expr, data_type)) }}
{%- endmacro %}

{% macro duckdb__try_cast_text(expr, data_type) -%}
    try_cast({{ expr }} as {{ data_type }})
{%- endmacro %}

{% macro default__try_cast_text(expr, data_type) -%}
    {%- set kind = data_type | lower | trim -%}
    {%- set number = "'" ~ _cast_pattern('number') ~ "'" -%}
    {%- if kind.startswith('decimal') or kind.startswith('numeric') -%}
    {#- as DuckDB: NULL when the value does not fit the precision -#}
    {%- set sizes = modules.re.findall('[0-9]+', kind) -%}
    {%- set integer_digits = (sizes[0] | int) - (sizes[1] | int if sizes | length > 1 else 0) if sizes else 15 -%}
    case when ({{ expr }}) ~ {{ number }} then
        case when abs(cast(trim({{ expr }}) as numeric)) < 1e{{ integer_digits }}
            then cast(cast(trim({{ expr }}) as numeric) as {{ data_type }}) end
    end
    {%- elif kind in ('double', 'double precision', 'float', 'real') -%}
    case when ({{ expr }}) ~ {{ number }} then cast(trim({{ expr }}) as double precision) end
    {%- elif kind in ('integer', 'int', 'bigint', 'smallint') -%}
    {#- DuckDB rounds text with a fraction (`1.5` is 2), as numeric rounding does -#}
    case when ({{ expr }}) ~ '{{ _cast_pattern('bigint' if kind == 'bigint' else 'integer') }}' then cast(round(cast(trim({{ expr }}) as numeric)) as {{ kind }}) end
    {%- elif kind == 'boolean' -%}
    case when lower(trim({{ expr }})) in ('true', 'false', 't', 'f', 'yes', 'no', 'y', 'n', '1', '0') then cast(lower(trim({{ expr }})) as boolean) end
    {%- elif kind == 'time' -%}
    {#- 24:00 is a day's end (a calendar open until midnight), which both read -#}
    case when ({{ expr }}) ~ '{{ _cast_pattern('time') }}' then cast(trim({{ expr }}) as time) end
    {%- elif kind == 'date' -%}
    {{ _postgres_safe_date(expr) }}
    {%- elif kind == 'timestamp' -%}
    {#- a day that does not exist (30 February) or an hour past 23 is NULL, as in DuckDB -#}
    case when ({{ expr }}) ~ '{{ _cast_pattern('timestamp') }}'
            and {{ _postgres_safe_date(expr) }} is not null
        then cast(trim({{ expr }}) as timestamp) end
    {%- else -%}
    {{ exceptions.raise_compiler_error("try_cast_text: no PostgreSQL variant for type " ~ data_type) }}
    {%- endif -%}
{%- endmacro %}

{#- The patterns the PostgreSQL and Spark variants check before they cast (POSIX and Java
    regular expressions read them alike). -#}
{% macro _cast_pattern(kind) -%}
    {{ return({
        'number': '^\\s*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]{1,2})?\\s*$',
        'integer': '^\\s*[+-]?[0-9]{1,9}(\\.[0-9]*)?\\s*$',
        'bigint': '^\\s*[+-]?[0-9]{1,18}(\\.[0-9]*)?\\s*$',
        'time': '^\\s*(([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?|24:00(:00)?)\\s*$',
        'date': '^\\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9:.]*)?\\s*$',
        'timestamp': '^\\s*[0-9]{4}-[0-9]{2}-[0-9]{2}([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?)?\\s*$',
    }[kind]) }}
{%- endmacro %}

{#- Text as a Spark string literal: Spark reads a backslash in a literal as an escape, so each
    is doubled, and a quote is escaped. -#}
{% macro spark_string_literal(text) -%}
    '{{ text | replace('\\', '\\\\') | replace("'", "\\'") }}'
{%- endmacro %}

{% macro spark__try_cast_text(expr, data_type) -%}
    {%- set kind = data_type | lower | trim -%}
    {%- if kind.startswith('decimal') or kind.startswith('numeric') -%}
    case when ({{ expr }}) rlike {{ spark_string_literal(_cast_pattern('number')) }} then try_cast(trim({{ expr }}) as {{ data_type }}) end
    {%- elif kind in ('double', 'double precision', 'float', 'real') -%}
    case when ({{ expr }}) rlike {{ spark_string_literal(_cast_pattern('number')) }} then try_cast(trim({{ expr }}) as double) end
    {%- elif kind in ('integer', 'int', 'bigint') -%}
    {#- DuckDB rounds text with a fraction (`1.5` is 2), half away from zero as Spark's round; the
        pattern allows 18 digits, which decimal(38, 20) holds with 20 of fraction -#}
    case when ({{ expr }}) rlike {{ spark_string_literal(_cast_pattern('bigint' if kind == 'bigint' else 'integer')) }}
        then cast(round(cast(trim({{ expr }}) as decimal(38, 20))) as {{ 'bigint' if kind == 'bigint' else 'integer' }}) end
    {%- elif kind == 'boolean' -%}
    case when lower(trim({{ expr }})) in ('true', 'false', 't', 'f', 'yes', 'no', 'y', 'n', '1', '0')
        then lower(trim({{ expr }})) in ('true', 't', 'yes', 'y', '1') end
    {%- elif kind == 'date' -%}
    case when ({{ expr }}) rlike {{ spark_string_literal(_cast_pattern('date')) }}
        then try_to_date(regexp_extract({{ expr }}, '^\\s*([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})', 1), 'yyyy-M-d') end
    {%- elif kind == 'time' -%}
    case when ({{ expr }}) rlike {{ spark_string_literal(_cast_pattern('time')) }} then format_string('%02d:%02d:%02d',
        cast(split_part(trim({{ expr }}), ':', 1) as integer), cast(split_part(trim({{ expr }}), ':', 2) as integer),
        coalesce(cast(floor(cast(nullif(split_part(trim({{ expr }}), ':', 3), '') as double)) as integer), 0)) end
    {%- elif kind == 'timestamp' -%}
    case when ({{ expr }}) rlike {{ spark_string_literal(_cast_pattern('timestamp')) }} then try_cast(trim({{ expr }}) as timestamp) end
    {%- else -%}
    {{ exceptions.raise_compiler_error("try_cast_text: no Spark variant for type " ~ data_type) }}
    {%- endif -%}
{%- endmacro %}

{#- `YYYY-MM-DD` (one-digit month and day allowed, a time after it ignored, as DuckDB reads them)
    to a date, NULL when the day does not exist: the date is built from its parts, never cast
    from bad text. -#}
{% macro _postgres_safe_date(expr) -%}
    (select case when parts.m is not null and cast(parts.m[1] as integer) > 0
            and cast(parts.m[2] as integer) between 1 and 12
            and cast(parts.m[3] as integer) between 1 and 31
        then case when cast(parts.m[3] as integer) <= extract(day from
                make_date(cast(parts.m[1] as integer), cast(parts.m[2] as integer), 1) + interval '1 month' - interval '1 day')
            then make_date(cast(parts.m[1] as integer), cast(parts.m[2] as integer), cast(parts.m[3] as integer)) end
        end
    from (select regexp_match({{ expr }}, '^\s*([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})([ T][0-9:.]*)?\s*$') as m) as parts)
{%- endmacro %}


{#- round(x, n) of a float. PostgreSQL's round(x, n) takes only numerics: the float becomes a
    numeric (15 significant digits) and rounds half away from zero. DuckDB rounds the binary
    double itself, so where the exact value is a half in the last place (178830 s / 3600 =
    49.675 h) DuckDB may give 49.67 and PostgreSQL 49.68. -#}
{% macro round_places(expr, places) -%}
    {{ return(adapter.dispatch('round_places')(expr, places)) }}
{%- endmacro %}

{% macro duckdb__round_places(expr, places) -%}
    round({{ expr }}, {{ places }})
{%- endmacro %}

{% macro default__round_places(expr, places) -%}
    round(cast({{ expr }} as numeric), {{ places }})
{%- endmacro %}

{#- Spark's round(x, n) rounds a double half up from its shortest decimal text, as PostgreSQL
    does (49.68); DuckDB scales the double, rounds it to a whole number and scales it back, which
    this does too (49.67), on a double as DuckDB's division gives. -#}
{% macro spark__round_places(expr, places) -%}
    (round(cast({{ expr }} as double) * {{ 10 ** (places | int) }}, 0) / {{ 10 ** (places | int) }})
{%- endmacro %}

{#- A float as text, as DuckDB writes a DOUBLE (`100.0`, `12.5`); PostgreSQL writes `100`. -#}
{% macro float_text(expr) -%}
    {{ return(adapter.dispatch('float_text')(expr)) }}
{%- endmacro %}

{% macro duckdb__float_text(expr) -%}
    cast({{ expr }} as varchar)
{%- endmacro %}

{#- Spark writes a double as Java does, `1.0E7` from ten million: the whole ones are written as
    PostgreSQL's are. -#}
{% macro spark__float_text(expr) -%}
    case
        when {{ expr }} = floor({{ expr }}) and abs({{ expr }}) < 1e18 then cast(cast({{ expr }} as bigint) as string) || '.0'
        else cast(cast({{ expr }} as double) as string)
    end
{%- endmacro %}

{% macro default__float_text(expr) -%}
    case
        when {{ expr }} = trunc({{ expr }}) then cast(cast({{ expr }} as bigint) as text) || '.0'
        else cast(cast({{ expr }} as double precision) as text)
    end
{%- endmacro %}

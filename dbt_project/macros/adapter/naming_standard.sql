{#- Adapter layer (README.md in this folder): regular expressions. DuckDB (RE2) has
    regexp_full_match, regexp_extract and list lambdas; PostgreSQL has the `~` operator,
    regexp_match and regexp_matches as a set; Spark (Java) has rlike, regexp_extract and
    regexp_extract_all with its own lambdas. The patterns themselves (the naming standard of
    asset_naming.csv) are written in the syntax both engines read. -#}


{#- Whether the whole text matches the pattern. -#}
{% macro regex_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match')(expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, {{ pattern }})
{%- endmacro %}

{% macro default__regex_full_match(expr, pattern) -%}
    ({{ expr }} ~ ('^(?:' || {{ pattern }} || ')$'))
{%- endmacro %}

{% macro spark__regex_full_match(expr, pattern) -%}
    ({{ expr }} rlike concat('^(?:', {{ pattern }}, ')$'))
{%- endmacro %}

{#- The text of the pattern's group (1-based) in the first match. Without a match, DuckDB and
    Spark give empty text, PostgreSQL NULL: callers check the match first. -#}
{% macro regex_group(expr, pattern, group) -%}
    {{ return(adapter.dispatch('regex_group')(expr, pattern, group)) }}
{%- endmacro %}

{% macro duckdb__regex_group(expr, pattern, group) -%}
    regexp_extract({{ expr }}, {{ pattern }}, {{ group }})
{%- endmacro %}

{% macro default__regex_group(expr, pattern, group) -%}
    (regexp_match({{ expr }}, {{ pattern }}))[{{ group }}]
{%- endmacro %}

{% macro spark__regex_group(expr, pattern, group) -%}
    regexp_extract({{ expr }}, {{ pattern }}, {{ group }})
{%- endmacro %}


{#- Every match of the pattern replaced. `replacement` names groups as this warehouse does
    (naming_standard_key_spelling's key_replacement is spelt for it): `\1` on DuckDB and
    PostgreSQL, `$1` on Spark. -#}
{% macro regex_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro duckdb__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro default__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{#- Spark's regexp_replace replaces every match (its fourth argument is a position, not flags). -#}
{% macro spark__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}


{#- The naming standard's pieces (shared by every variant): a token is a bracket class, a group,
    an escaped character or one character, each with its quantifier; a separator is a literal
    character that is not a letter or a digit. -#}
{% macro _naming_token_pattern() -%}
    {{ return("\\[[^\\]]*\\](\\{[^}]*\\}|[*+?])?|\\([^()]*\\)(\\{[^}]*\\}|[*+?])?|\\\\.(\\{[^}]*\\}|[*+?])?|[^\\[(\\\\](\\{[^}]*\\}|[*+?])?") }}
{%- endmacro %}

{% macro _naming_separator_pattern() -%}
    {{ return("\\\\[^A-Za-z0-9]|[^A-Za-z0-9\\\\^$.|?*+()\\[\\]{}]") }}
{%- endmacro %}


{#- The asset naming standard (the newest `standard_pattern` row of naming_rules) as a
    pattern over match keys: one row with standard_pattern, key_pattern (each run of the
    standard between two literal separators is one group) and key_replacement (the groups
    with the separators put back). -#}
{% macro naming_standard_key_spelling(naming_rules) -%}
    {{ return(adapter.dispatch('naming_standard_key_spelling')(naming_rules)) }}
{%- endmacro %}

{% macro duckdb__naming_standard_key_spelling(naming_rules) -%}
    {%- set token_pattern = _naming_token_pattern() -%}
    {%- set separator_pattern = _naming_separator_pattern() -%}
    select
        standard_pattern,
        '^(' || array_to_string(
            list_transform(
                tokens,
                lambda token: case
                    when regexp_full_match(token, '{{ separator_pattern }}') then ')('
                    when starts_with(token, '(') and not starts_with(token, '(?') then '(?:' || token[2:]
                    else token
                end
            ),
            ''
        ) || ')$' as key_pattern,
        '\1' || array_to_string(
            list_transform(
                list_filter(tokens, lambda token: regexp_full_match(token, '{{ separator_pattern }}')),
                lambda separator, position: replace(separator, '\', '') || '\' || (position + 1)
            ),
            ''
        ) as key_replacement
    from (
        select
            value as standard_pattern,
            list_filter(
                regexp_extract_all(value, '{{ token_pattern }}'), lambda token: token not in ('^', '$')
            ) as tokens
        from {{ naming_rules }}
        where rule = 'standard_pattern'
        qualify row_number() over (order by _record_position desc) = 1
    ) as standard
{%- endmacro %}

{% macro default__naming_standard_key_spelling(naming_rules) -%}
    {%- set token_pattern = _naming_token_pattern() -%}
    {%- set separator_pattern = _naming_separator_pattern() -%}
    with ns_standard as (
        select standard_pattern
        from (
            select value as standard_pattern, row_number() over (order by _record_position desc) as rule_rank
            from {{ naming_rules }}
            where rule = 'standard_pattern'
        ) as rules
        where rule_rank = 1
    ),

    ns_tokens as (
        select
            ns_standard.standard_pattern,
            ns_matches.match[1] as token,
            ns_matches.position,
            ns_matches.match[1] ~ ('^(?:{{ separator_pattern }})$') as is_separator
        from ns_standard
        cross join lateral regexp_matches(
            ns_standard.standard_pattern, '({{ token_pattern }})', 'g'
        ) with ordinality as ns_matches (match, position)
        where ns_matches.match[1] not in ('^', '$')
    ),

    ns_numbered as (
        select
            *,
            count(*) filter (where is_separator) over (order by position rows between unbounded preceding and current row)
                as separator_number
        from ns_tokens
    )

    select
        standard_pattern,
        '^(' || string_agg(
            case
                when is_separator then ')('
                when token like '(%' and token not like '(?%' then '(?:' || substr(token, 2)
                else token
            end,
            '' order by position
        ) || ')$' as key_pattern,
        '\1' || coalesce(string_agg(
            case when is_separator then replace(token, '\', '') || '\' || (separator_number + 1) end,
            '' order by position
        ), '') as key_replacement
    from ns_numbered
    group by standard_pattern
{%- endmacro %}

{#- The DuckDB variant with Spark's lambdas (whose index counts from 0), its string literals
    (where a backslash is doubled) and Java's replacement syntax (`$1`, not `\1`). -#}
{% macro spark__naming_standard_key_spelling(naming_rules) -%}
    {%- set token_pattern = _naming_token_pattern() -%}
    {%- set separator_pattern = '^(?:' ~ _naming_separator_pattern() ~ ')$' -%}
    select
        standard_pattern,
        '^(' || array_join(
            transform(
                tokens,
                token -> case
                    when token rlike {{ spark_string_literal(separator_pattern) }} then ')('
                    when startswith(token, '(') and not startswith(token, '(?') then '(?:' || substr(token, 2)
                    else token
                end
            ),
            ''
        ) || ')$' as key_pattern,
        '$1' || array_join(
            transform(
                filter(tokens, token -> token rlike {{ spark_string_literal(separator_pattern) }}),
                (separator, position) -> replace(replace(separator, '\\', ''), '$', '\\$') || '$' || (position + 2)
            ),
            ''
        ) as key_replacement
    from (
        select
            value as standard_pattern,
            filter(
                regexp_extract_all(value, {{ spark_string_literal(token_pattern) }}, 0), token -> token not in ('^', '$')
            ) as tokens
        from (
            select value, row_number() over (order by _record_position desc) as rule_rank
            from {{ naming_rules }}
            where rule = 'standard_pattern'
        ) as rules
        where rule_rank = 1
    ) as standard
{%- endmacro %}

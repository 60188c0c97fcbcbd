{#- Mapping values match on trimmed text, case-insensitive (docs/landing.md, "Mapping files"). -#}
{% macro match_value(expr) -%}
    lower(trim({{ expr }}))
{%- endmacro %}

{#- An endpoint name's match key: without a DNS suffix (from the first `.`), without
    non-alphanumeric characters, upper-cased. -#}
{% macro asset_match_key(name) -%}
    nullif(upper({{ regex_replace_all("split_part(trim(" ~ name ~ "), '.', 1)", "'[^A-Za-z0-9]'", "''") }}), '')
{%- endmacro %}

{#- Personal data (README, "Privacy"). A person becomes a stable pseudonymous key: the same
    person (system and that system's person id) gets the same key in every run, and the key
    does not show the id. With var reveal_personal_data (false by default) an authorised
    site also gets the names and e-mail addresses in the marts; free text never leaves raw
    and staging. -#}
{% macro pseudonym(system, person_id) -%}
    case when {{ person_id }} is not null
        then 'person:' || left({{ dbt.hash(dbt.concat(["'usm-person|'", system, "'|'", person_id])) }}, 16)
    end
{%- endmacro %}

{% macro personal_data(expr) -%}
    {%- if var('reveal_personal_data') in (true, 'true', 'True', 1, '1') -%}
        {{ expr }}
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

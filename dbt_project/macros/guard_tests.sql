{#- not_null and accepted_values guard a column against what a vendor may send (a value staging
    nulled, a state or priority no mapping names): they warn, with the failing rows counted, and
    never stop a build. Blocking (dbt's default, error) stays with the tests whose failure makes a
    mart wrong: unique keys and relationships (a broken join). These two overrides of dbt's
    built-in tests only set that severity; a test in the YAML may still say otherwise. -#}

{% test not_null(model, column_name) %}
    {{ config(severity='warn') }}
    {{ dbt.default__test_not_null(model, column_name) }}
{% endtest %}

{% test accepted_values(model, column_name, values, quote=True) %}
    {{ config(severity='warn') }}
    {{ dbt.default__test_accepted_values(model, column_name, values, quote) }}
{% endtest %}

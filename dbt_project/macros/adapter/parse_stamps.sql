{#- Adapter layer (README.md in this folder): each vendor's stamp format, parsed in one place.
    Every macro takes a text expression and returns a UTC timestamp (no zone), or NULL when
    the text is not a stamp. DuckDB parses strftime formats with try_strptime; PostgreSQL has
    no parser that gives NULL on bad text (to_timestamp fails the statement), so its variant
    matches the format as a regular expression and builds the timestamp from the parts
    (_postgres_strptime below), NULL for a day or time that does not exist.
    The duckdb__ variants are rendered with Jinja alone by tests/unit/test_properties.py. -#}

{% macro connectwise_stamp(expr) -%}
    {{ return(adapter.dispatch('connectwise_stamp')(expr)) }}
{%- endmacro %}

{% macro servicenow_stamp(expr) -%}
    {{ return(adapter.dispatch('servicenow_stamp')(expr)) }}
{%- endmacro %}

{% macro jira_stamp(expr) -%}
    {{ return(adapter.dispatch('jira_stamp')(expr)) }}
{%- endmacro %}

{% macro ninjaone_stamp(expr) -%}
    {{ return(adapter.dispatch('ninjaone_stamp')(expr)) }}
{%- endmacro %}

{#- A stamp in a strftime format of the site's (a declared tool's date_format): UTC, or
    converted to UTC from its offset when the format has %z. -#}
{#- A local wall-clock stamp (no zone) in `time_zone`, as UTC. -#}
{% macro local_stamp_to_utc(expr, time_zone) -%}
    {{ return(adapter.dispatch('local_stamp_to_utc')(expr, time_zone)) }}
{%- endmacro %}

{% macro stamp_with_format(expr, format) -%}
    {{ return(adapter.dispatch('stamp_with_format')(expr, format)) }}
{%- endmacro %}

{#- Jira Service Management date objects (approvals, SLA cycles):
    `{"iso8601": ..., "jira": ..., "friendly": ..., "epochMillis": ...}`. Portable. -#}
{% macro jira_date_object(json_expr) -%}
    coalesce(
        {{ timestamp_from_epoch_ms(try_cast_text(json_text(json_expr, 'epochMillis'), 'bigint')) }},
        {{ jira_stamp(json_text(json_expr, 'jira')) }},
        {{ jira_stamp(json_text(json_expr, 'iso8601')) }}
    )
{%- endmacro %}


{#- DuckDB. -#}


{#- ConnectWise: ISO 8601 with Z (`2026-01-05T14:22:10Z`, fractions allowed), or with an offset. -#}
{% macro duckdb__connectwise_stamp(expr) -%}
    coalesce(
        try_strptime({{ expr }}, ['%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S.%fZ']),
        timezone('UTC', try_strptime({{ expr }}, ['%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%dT%H:%M:%S.%f%z']))
    )
{%- endmacro %}

{#- ServiceNow: `YYYY-MM-DD HH:MM:SS` UTC from the Table API; a CSV export uses the
    instance's own format (var servicenow_csv_stamp_format). -#}
{% macro duckdb__servicenow_stamp(expr) -%}
    coalesce(
        try_strptime({{ expr }}, '%Y-%m-%d %H:%M:%S'),
        try_strptime({{ expr }}, '{{ var("servicenow_csv_stamp_format") }}')
    )
{%- endmacro %}

{#- Jira: `2026-01-05T14:22:10.000+0000`, any offset, converted to UTC. -#}
{% macro duckdb__jira_stamp(expr) -%}
    timezone('UTC', try_strptime({{ expr }}, ['%Y-%m-%dT%H:%M:%S.%g%z', '%Y-%m-%dT%H:%M:%S%z']))
{%- endmacro %}

{#- NinjaOne: epoch seconds, fractional (NULL beyond TIMESTAMP's range, e.g. 1e300, nan, inf). -#}
{% macro duckdb__ninjaone_stamp(expr) -%}
    make_timestamp(try_cast(round(try_cast({{ expr }} as double) * 1000000) as bigint))
{%- endmacro %}


{% macro duckdb__stamp_with_format(expr, format) -%}
    {%- set parsed = "try_strptime(" ~ expr ~ ", '" ~ (format | replace("'", "''")) ~ "')" -%}
    {% if '%z' in format %}timezone('UTC', {{ parsed }}){% else %}{{ parsed }}{% endif %}
{%- endmacro %}


{#- PostgreSQL (and the default). -#}

{% macro default__connectwise_stamp(expr) -%}
    {{ _postgres_strptime(expr, ['%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%dT%H:%M:%S.%f%z']) }}
{%- endmacro %}

{% macro default__servicenow_stamp(expr) -%}
    {{ _postgres_strptime(expr, ['%Y-%m-%d %H:%M:%S', var("servicenow_csv_stamp_format")]) }}
{%- endmacro %}

{% macro default__jira_stamp(expr) -%}
    {{ _postgres_strptime(expr, ['%Y-%m-%dT%H:%M:%S.%g%z', '%Y-%m-%dT%H:%M:%S%z']) }}
{%- endmacro %}

{#- Epoch seconds, fractional, to the microsecond; NULL beyond PostgreSQL's timestamp range. -#}
{% macro default__ninjaone_stamp(expr) -%}
    (select case when epoch.seconds > -210000000000 and epoch.seconds < 9000000000000
        then timestamp '1970-01-01' + round(epoch.seconds * 1000000) * interval '1 microsecond' end
    from (select {{ try_cast_text(expr, 'double') }} as seconds) as epoch)
{%- endmacro %}

{% macro duckdb__local_stamp_to_utc(expr, time_zone) -%}
    timezone('UTC', timezone('{{ time_zone | replace("'", "''") }}', {{ expr }}))
{%- endmacro %}

{% macro default__local_stamp_to_utc(expr, time_zone) -%}
    (({{ expr }}) at time zone '{{ time_zone | replace("'", "''") }}') at time zone 'UTC'
{%- endmacro %}

{% macro default__stamp_with_format(expr, format) -%}
    {{ _postgres_strptime(expr, [format]) }}
{%- endmacro %}

{#- The first of the strftime formats the text matches, whole, as a UTC timestamp, each format
    read by `parse_one` (_postgres_strptime_one or _spark_strptime_one). Directives:
    %Y %y %m %d %H %M %S, %f (1-6 digits), %g (1-3 digits), %z (+HH:MM or +HHMM), %%. -#}
{% macro _strptime(expr, formats, parse_one) -%}
    {%- set parsed = [] -%}
    {%- for format in formats | unique -%}
        {%- do parsed.append(parse_one(expr, format)) -%}
    {%- endfor -%}
    {%- if parsed | length == 1 -%}{{ parsed[0] }}{%- else -%}coalesce({{ parsed | join(', ') }}){%- endif -%}
{%- endmacro %}

{% macro _postgres_strptime(expr, formats) -%}
    {{ _strptime(expr, formats, _postgres_strptime_one) }}
{%- endmacro %}

{#- A strftime format as a regular expression over the whole text, and the stamp part each of
    its groups holds, in order: shared by the PostgreSQL and Spark variants. -#}
{% macro _strftime_pattern(format) -%}
    {%- set directives = {
        'Y': ('([0-9]{4})', ['year']), 'y': ('([0-9]{2})', ['year2']),
        'm': ('([0-9]{1,2})', ['month']), 'd': ('([0-9]{1,2})', ['day']),
        'H': ('([0-9]{1,2})', ['hour']), 'M': ('([0-9]{1,2})', ['minute']), 'S': ('([0-9]{1,2})', ['second']),
        'f': ('([0-9]{1,6})', ['micro']), 'g': ('([0-9]{1,3})', ['milli']),
        'z': ('([+-])([0-9]{2}):?([0-9]{2})', ['tz_sign', 'tz_hour', 'tz_minute'])
    } -%}
    {%- set ns = namespace(regex='', skip=false) -%}
    {%- set fields = [] -%}
    {%- for i in range(format | length) -%}
        {%- if ns.skip -%}
            {%- set ns.skip = false -%}
        {%- elif format[i] == '%' and i + 1 < (format | length) -%}
            {%- set ns.skip = true -%}
            {%- set directive = format[i + 1] -%}
            {%- if directive == '%' -%}
                {%- set ns.regex = ns.regex ~ '%' -%}
            {%- elif directive in directives -%}
                {%- set ns.regex = ns.regex ~ directives[directive][0] -%}
                {%- for field in directives[directive][1] -%}{%- do fields.append(field) -%}{%- endfor -%}
            {%- else -%}
                {{ exceptions.raise_compiler_error("stamp format " ~ format ~ ": %" ~ directive ~ " is not read outside DuckDB") }}
            {%- endif -%}
        {%- elif format[i] in '.^$|?*+()[]{}\\' -%}
            {%- set ns.regex = ns.regex ~ '\\' ~ format[i] -%}
        {%- else -%}
            {%- set ns.regex = ns.regex ~ format[i] -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'regex': '^' ~ ns.regex ~ '$', 'fields': fields}) }}
{%- endmacro %}

{#- The stamp's parts as SQL; `group` is the SQL of the pattern's n-th group as text, with `{n}`
    for n. -#}
{% macro _stamp_parts(fields, group) -%}
    {%- set part = {} -%}
    {%- for field in fields -%}
        {%- do part.update({field: 'cast(' ~ group | replace('{n}', loop.index | string) ~ ' as integer)'}) -%}
    {%- endfor -%}
    {%- set parts = {
        'year': part.get('year') or ('(case when ' ~ part['year2'] ~ ' < 69 then 2000 else 1900 end + ' ~ part['year2'] ~ ')' if 'year2' in part else '1970'),
        'month': part.get('month', '1'), 'day': part.get('day', '1'),
        'hour': part.get('hour', '0'), 'minute': part.get('minute', '0'), 'second': part.get('second', '0'),
        'fraction': '0', 'offset_minutes': none,
    } -%}
    {%- if 'micro' in fields -%}
        {%- do parts.update({'fraction': "cast(rpad(" ~ group | replace('{n}', (fields.index('micro') + 1) | string) ~ ", 6, '0') as integer) / 1000000.0"}) -%}
    {%- elif 'milli' in fields -%}
        {%- do parts.update({'fraction': "cast(rpad(" ~ group | replace('{n}', (fields.index('milli') + 1) | string) ~ ", 3, '0') as integer) / 1000.0"}) -%}
    {%- endif -%}
    {%- if 'tz_sign' in fields -%}
        {%- do parts.update({'offset_minutes': "(case when " ~ group | replace('{n}', (fields.index('tz_sign') + 1) | string) ~ " = '-' then -1 else 1 end) * ("
            ~ part['tz_hour'] ~ " * 60 + " ~ part['tz_minute'] ~ ")"}) -%}
    {%- endif -%}
    {{ return(parts) }}
{%- endmacro %}

{% macro _postgres_strptime_one(expr, format) -%}
    {%- set pattern = _strftime_pattern(format) -%}
    {%- set p = _stamp_parts(pattern.fields, 'stamp.m[{n}]') -%}
    (select case when stamp.m is not null and {{ p.year }} > 0 and {{ p.month }} between 1 and 12
            and {{ p.day }} between 1 and 31 and {{ p.hour }} <= 23 and {{ p.minute }} <= 59 and {{ p.second }} <= 59
        then case when {{ p.day }} <= extract(day from make_date({{ p.year }}, {{ p.month }}, 1) + interval '1 month' - interval '1 day')
            then make_timestamp({{ p.year }}, {{ p.month }}, {{ p.day }}, {{ p.hour }}, {{ p.minute }}, {{ p.second }} + {{ p.fraction }})
            {%- if p.offset_minutes %}
                - {{ p.offset_minutes }} * interval '1 minute'
            {%- endif %}
            end
        end
    from (select regexp_match({{ expr }}, '{{ pattern.regex | replace("'", "''") }}') as m) as stamp)
{%- endmacro %}


{#- Spark. Its parsers (to_timestamp and its patterns) read a different set of formats than
    DuckDB's strftime, so Spark reads each stamp as PostgreSQL does: the format as a regular
    expression, the timestamp built from its parts by try_make_timestamp (NULL for a day or a
    time that does not exist). -#}

{% macro spark__connectwise_stamp(expr) -%}
    {{ _spark_strptime(expr, ['%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%dT%H:%M:%S.%f%z']) }}
{%- endmacro %}

{% macro spark__servicenow_stamp(expr) -%}
    {{ _spark_strptime(expr, ['%Y-%m-%d %H:%M:%S', var("servicenow_csv_stamp_format")]) }}
{%- endmacro %}

{% macro spark__jira_stamp(expr) -%}
    {{ _spark_strptime(expr, ['%Y-%m-%dT%H:%M:%S.%g%z', '%Y-%m-%dT%H:%M:%S%z']) }}
{%- endmacro %}

{#- Epoch seconds, fractional, to the microsecond; NULL beyond the range PostgreSQL's variant reads. -#}
{% macro spark__ninjaone_stamp(expr) -%}
    {%- set seconds = try_cast_text(expr, 'double') -%}
    case when {{ seconds }} > -210000000000 and {{ seconds }} < 9000000000000
        then timestamp_micros(cast(round({{ seconds }} * 1000000) as bigint)) end
{%- endmacro %}

{% macro spark__local_stamp_to_utc(expr, time_zone) -%}
    to_utc_timestamp({{ expr }}, {{ spark_string_literal(time_zone) }})
{%- endmacro %}

{% macro spark__stamp_with_format(expr, format) -%}
    {{ _spark_strptime(expr, [format]) }}
{%- endmacro %}

{% macro _spark_strptime(expr, formats) -%}
    {{ _strptime(expr, formats, _spark_strptime_one) }}
{%- endmacro %}

{% macro _spark_strptime_one(expr, format) -%}
    {%- set pattern = _strftime_pattern(format) -%}
    {%- set literal = spark_string_literal(pattern.regex) -%}
    {%- set p = _stamp_parts(pattern.fields, 'regexp_extract(' ~ expr ~ ', ' ~ literal ~ ', {n})') -%}
    {%- set stamp = 'try_make_timestamp(' ~ [p.year, p.month, p.day, p.hour, p.minute, p.second ~ ' + ' ~ p.fraction] | join(', ') ~ ')' -%}
    case when ({{ expr }}) rlike {{ literal }} and {{ p.year }} > 0 and {{ p.hour }} <= 23 and {{ p.minute }} <= 59 and {{ p.second }} <= 59
        then {% if p.offset_minutes %}timestampadd(MINUTE, -({{ p.offset_minutes }}), {{ stamp }}){% else %}{{ stamp }}{% endif %} end
{%- endmacro %}

{{ incremental_staging_config('sla_id') }}

with source as (
    {{ current_records(source('raw_connectwise', 'slas')) }}
),

renamed as (
    select
        record_id as sla_id,
        {{ json_text('record', 'name') }} as sla_name,
        {{ json_text('record', 'basedOn') }} as based_on,
        -- a Custom SLA's calendar (older extracts: `calendar`)
        coalesce(
            {{ json_text('record', 'customCalendar.id') }},
            {{ json_text('record', 'calendar.id') }},
            {{ json_text('record', 'calendar') }}
        ) as calendar_id,
        coalesce({{ json_text('record', 'customCalendar.name') }}, {{ json_text('record', 'calendar.name') }})
            as calendar_name,
        {{ read_field('connectwise.slas', 'respondHours') }} as respond_hours,
        {{ read_field('connectwise.slas', 'planWithin') }} as plan_within_hours,
        {{ read_field('connectwise.slas', 'resolutionHours') }} as resolution_hours,
        coalesce({{ read_field('connectwise.slas', 'defaultFlag') }}, false) as is_default,
        {{ lineage_columns() }}
    from source
)

select * from renamed

with source as (
    {{ current_records(source('raw_connectwise', 'slas')) }}
),

renamed as (
    select
        record_id as sla_id,
        {{ json_text('record', 'name') }} as sla_name,
        {{ json_text('record', 'basedOn') }} as based_on,
        coalesce({{ json_text('record', 'calendar.id') }}, {{ json_text('record', 'calendar') }}) as calendar_id,
        {{ json_text('record', 'calendar.name') }} as calendar_name,
        -- flattened in stg_connectwise__sla_priorities
        {{ json_get('record', 'priorities') }} as priorities,
        {{ lineage_columns() }}
    from source
)

select * from renamed

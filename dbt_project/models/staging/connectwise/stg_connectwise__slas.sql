with source as (
    {{ current_records(source('raw_connectwise', 'slas')) }}
),

renamed as (
    select
        record_id as sla_id,
        record->>'$.name' as sla_name,
        record->>'$.basedOn' as based_on,
        coalesce(record->>'$.calendar.id', record->>'$.calendar') as calendar_id,
        record->>'$.calendar.name' as calendar_name,
        -- flattened in stg_connectwise__sla_priorities
        record->'$.priorities' as priorities,
        {{ lineage_columns() }}
    from source
)

select * from renamed

with source as (
    {{ current_records(source('raw_ninjaone', 'organizations')) }}
),

renamed as (
    select
        record_id as organization_id,
        record->>'$.name' as organization_name,
        record->>'$.description' as description,
        {{ lineage_columns() }}
    from source
)

select * from renamed

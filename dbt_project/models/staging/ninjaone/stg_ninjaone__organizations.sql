{{ incremental_staging_config('organization_id') }}

with source as (
    {{ current_records(source('raw_ninjaone', 'organizations')) }}
),

renamed as (
    select
        record_id as organization_id,
        {{ json_text('record', 'name') }} as organization_name,
        {{ json_text('record', 'description') }} as description,
        {{ lineage_columns() }}
    from source
)

select * from renamed

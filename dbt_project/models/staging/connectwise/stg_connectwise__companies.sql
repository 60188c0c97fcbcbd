{{ incremental_staging_config('company_id') }}

with source as (
    {{ current_records(source('raw_connectwise', 'companies')) }}
),

renamed as (
    select
        record_id as company_id,
        {{ json_text('record', 'identifier') }} as company_identifier,
        {{ json_text('record', 'name') }} as company_name,
        {{ json_text('record', 'status.name') }} as status_name,
        {{ json_text('record', 'types[0].name') }} as company_type_name,
        {{ read_field('connectwise.companies', '_info.dateEntered') }} as entered_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

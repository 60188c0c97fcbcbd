with source as (
    {{ current_records(source('raw_connectwise', 'companies')) }}
),

renamed as (
    select
        record_id as company_id,
        record->>'$.identifier' as company_identifier,
        record->>'$.name' as company_name,
        record->>'$.status.name' as status_name,
        record->>'$.types[0].name' as company_type_name,
        {{ connectwise_stamp("record->>'$._info.dateEntered'") }} as entered_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

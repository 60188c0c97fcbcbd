with source as (
    {{ current_records(source('raw_connectwise', 'invoices')) }}
),

renamed as (
    select
        record_id as invoice_id,
        record->>'$.identifier' as invoice_identifier,
        coalesce(record->>'$.type.name', record->>'$.type') as invoice_type,
        record->>'$.company.id' as company_id,
        record->>'$.company.identifier' as company_identifier,
        cast({{ connectwise_stamp("record->>'$.date'") }} as date) as invoiced_on,
        try_cast(record->>'$.total' as decimal(18, 2)) as total,
        try_cast(record->>'$.subtotal' as decimal(18, 2)) as subtotal,
        nullif(record->>'$.applyToId', '0') as apply_to_id,
        coalesce(record->>'$.status.name', record->>'$.status') as status_name,
        {{ connectwise_stamp("record->>'$._info.dateEntered'") }} as entered_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

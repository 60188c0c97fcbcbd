with source as (
    {{ current_records(source('raw_connectwise', 'agreements')) }}
),

renamed as (
    select
        record_id as agreement_id,
        record->>'$.name' as agreement_name,
        coalesce(record->>'$.type.name', record->>'$.type') as agreement_type,
        record->>'$.company.id' as company_id,
        record->>'$.company.identifier' as company_identifier,
        cast({{ connectwise_stamp("record->>'$.startDate'") }} as date) as started_on,
        cast({{ connectwise_stamp("record->>'$.endDate'") }} as date) as ended_on,
        record->>'$.sla.id' as sla_id,
        try_cast(record->>'$.billAmount' as decimal(18, 2)) as bill_amount,
        {{ connectwise_stamp("record->>'$._info.dateEntered'") }} as entered_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

with source as (
    {{ current_records(source('raw_connectwise', 'agreements')) }}
),

renamed as (
    select
        record_id as agreement_id,
        {{ json_text('record', 'name') }} as agreement_name,
        coalesce({{ json_text('record', 'type.name') }}, {{ json_text('record', 'type') }}) as agreement_type,
        {{ json_text('record', 'company.id') }} as company_id,
        {{ json_text('record', 'company.identifier') }} as company_identifier,
        cast({{ connectwise_stamp(json_text('record', 'startDate')) }} as date) as started_on,
        cast({{ connectwise_stamp(json_text('record', 'endDate')) }} as date) as ended_on,
        {{ json_text('record', 'sla.id') }} as sla_id,
        {{ try_cast_text(json_text('record', 'billAmount'), 'decimal(18, 2)') }} as bill_amount,
        {{ connectwise_stamp(json_text('record', '_info.dateEntered')) }} as entered_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

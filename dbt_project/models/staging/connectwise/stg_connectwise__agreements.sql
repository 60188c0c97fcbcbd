{{ incremental_staging_config('agreement_id') }}

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
        cast({{ read_field('connectwise.agreements', 'startDate') }} as date) as started_on,
        cast({{ read_field('connectwise.agreements', 'endDate') }} as date) as ended_on,
        {{ json_text('record', 'sla.id') }} as sla_id,
        {{ read_field('connectwise.agreements', 'billAmount') }} as bill_amount,
        {{ read_field('connectwise.agreements', '_info.dateEntered') }} as entered_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

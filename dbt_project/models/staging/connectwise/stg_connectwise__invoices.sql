{{ incremental_staging_config('invoice_id') }}

with source as (
    {{ current_records(source('raw_connectwise', 'invoices')) }}
),

renamed as (
    select
        record_id as invoice_id,
        -- the invoice's number: invoiceNumber (older extracts: identifier)
        coalesce({{ json_text('record', 'invoiceNumber') }}, {{ json_text('record', 'identifier') }}) as invoice_identifier,
        coalesce({{ json_text('record', 'type.name') }}, {{ json_text('record', 'type') }}) as invoice_type,
        {{ json_text('record', 'company.id') }} as company_id,
        {{ json_text('record', 'company.identifier') }} as company_identifier,
        cast({{ read_field('connectwise.invoices', 'date') }} as date) as invoiced_on,
        {{ read_field('connectwise.invoices', 'total') }} as total,
        {{ read_field('connectwise.invoices', 'subtotal') }} as subtotal,
        -- what the invoice or credit memo applies to: a Ticket, an Agreement, a Project, ... or All
        {{ json_text('record', 'applyToType') }} as apply_to_type,
        nullif({{ json_text('record', 'applyToId') }}, '0') as apply_to_id,
        -- ConnectWise's credit memo (`Credit` in older extracts)
        coalesce({{ json_text('record', 'type.name') }}, {{ json_text('record', 'type') }}) in ('CreditMemo', 'Credit')
            as is_credit_memo,
        coalesce({{ json_text('record', 'status.name') }}, {{ json_text('record', 'status') }}) as status_name,
        {{ read_field('connectwise.invoices', '_info.dateEntered') }} as entered_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

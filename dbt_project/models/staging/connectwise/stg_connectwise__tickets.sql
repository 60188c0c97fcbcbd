{{ incremental_staging_config('ticket_id') }}

with source as (
    {{ current_records(source('raw_connectwise', 'tickets')) }}
),

renamed as (
    select
        record_id as ticket_id,
        {{ json_text('record', 'summary') }} as summary,
        -- personal data: stays in staging; the marts carry a pseudonymous key (int_ticket_requesters)
        {{ json_text('record', 'contact.id') }} as contact_id,
        {{ json_text('record', 'contact.name') }} as contact_name,
        {{ json_text('record', 'contactEmailAddress') }} as contact_email,
        {{ json_text('record', 'board.name') }} as board_name,
        {{ json_text('record', 'status.name') }} as status_name,
        {{ json_text('record', 'company.id') }} as company_id,
        {{ json_text('record', 'company.identifier') }} as company_identifier,
        {{ json_text('record', 'priority.name') }} as priority_name,
        {{ json_text('record', 'type.name') }} as type_name,
        {{ json_text('record', 'subType.name') }} as sub_type_name,
        {{ json_text('record', 'source.name') }} as source_name,
        {{ json_text('record', 'agreement.id') }} as agreement_id,
        -- the SLA the ticket runs under; its agreement's applies only when it names none
        {{ json_text('record', 'sla.id') }} as sla_id,
        {{ read_field('connectwise.tickets', 'closedFlag') }} as is_closed,
        nullif(trim({{ json_text('record', 'externalXRef') }}), '') as external_xref,
        {{ read_field('connectwise.tickets', '_info.dateEntered') }} as entered_at,
        {{ read_field('connectwise.tickets', 'dateResponded') }} as responded_at,
        {{ read_field('connectwise.tickets', 'dateResolved') }} as resolved_at,
        {{ read_field('connectwise.tickets', 'closedDate') }} as closed_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

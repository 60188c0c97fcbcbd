with source as (
    {{ current_records(source('raw_connectwise', 'tickets')) }}
),

renamed as (
    select
        record_id as ticket_id,
        record->>'$.summary' as summary,
        -- personal data: stays in staging; the marts carry a pseudonymous key (int_ticket_requesters)
        record->>'$.contact.id' as contact_id,
        record->>'$.contact.name' as contact_name,
        record->>'$.contactEmailAddress' as contact_email,
        record->>'$.board.name' as board_name,
        record->>'$.status.name' as status_name,
        record->>'$.company.id' as company_id,
        record->>'$.company.identifier' as company_identifier,
        record->>'$.priority.name' as priority_name,
        record->>'$.type.name' as type_name,
        record->>'$.subType.name' as sub_type_name,
        record->>'$.source.name' as source_name,
        record->>'$.agreement.id' as agreement_id,
        try_cast(record->>'$.closedFlag' as boolean) as is_closed,
        nullif(trim(record->>'$.externalXRef'), '') as external_xref,
        {{ connectwise_stamp("record->>'$._info.dateEntered'") }} as entered_at,
        {{ connectwise_stamp("record->>'$.dateResponded'") }} as responded_at,
        {{ connectwise_stamp("record->>'$.dateResolved'") }} as resolved_at,
        {{ connectwise_stamp("record->>'$.closedDate'") }} as closed_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

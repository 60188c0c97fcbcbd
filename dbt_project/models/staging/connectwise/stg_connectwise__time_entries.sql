with source as (
    {{ current_records(source('raw_connectwise', 'time_entries')) }}
),

renamed as (
    select
        record_id as time_entry_id,
        record->>'$.company.id' as company_id,
        record->>'$.company.identifier' as company_identifier,
        record->>'$.chargeToId' as charge_to_id,
        record->>'$.chargeToType' as charge_to_type,
        record->>'$.member.identifier' as member_identifier,
        record->>'$.workType.name' as work_type_name,
        record->>'$.workRole.name' as work_role_name,
        {{ connectwise_stamp("record->>'$.timeStart'") }} as started_at,
        {{ connectwise_stamp("record->>'$.timeEnd'") }} as ended_at,
        try_cast(record->>'$.actualHours' as double) as actual_hours,
        try_cast(record->>'$.hoursBilled' as double) as hours_billed,
        record->>'$.billableOption' as billable_option,
        try_cast(record->>'$.hourlyRate' as decimal(18, 2)) as hourly_rate,
        record->>'$.invoice.id' as invoice_id,
        record->>'$.invoice.identifier' as invoice_identifier,
        record->>'$.agreement.id' as agreement_id,
        coalesce(record->>'$.status.name', record->>'$.status') as approval_status,
        {{ connectwise_stamp("record->>'$._info.dateEntered'") }} as entered_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

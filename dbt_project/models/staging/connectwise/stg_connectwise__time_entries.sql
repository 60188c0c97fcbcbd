with source as (
    {{ current_records(source('raw_connectwise', 'time_entries')) }}
),

renamed as (
    select
        record_id as time_entry_id,
        {{ json_text('record', 'company.id') }} as company_id,
        {{ json_text('record', 'company.identifier') }} as company_identifier,
        {{ json_text('record', 'chargeToId') }} as charge_to_id,
        {{ json_text('record', 'chargeToType') }} as charge_to_type,
        {{ json_text('record', 'member.identifier') }} as member_identifier,
        {{ json_text('record', 'workType.name') }} as work_type_name,
        {{ json_text('record', 'workRole.name') }} as work_role_name,
        {{ connectwise_stamp(json_text('record', 'timeStart')) }} as started_at,
        {{ connectwise_stamp(json_text('record', 'timeEnd')) }} as ended_at,
        {{ try_cast_text(json_text('record', 'actualHours'), 'double') }} as actual_hours,
        {{ try_cast_text(json_text('record', 'hoursBilled'), 'double') }} as hours_billed,
        {{ json_text('record', 'billableOption') }} as billable_option,
        {{ try_cast_text(json_text('record', 'hourlyRate'), 'decimal(18, 2)') }} as hourly_rate,
        {{ json_text('record', 'invoice.id') }} as invoice_id,
        {{ json_text('record', 'invoice.identifier') }} as invoice_identifier,
        {{ json_text('record', 'agreement.id') }} as agreement_id,
        coalesce({{ json_text('record', 'status.name') }}, {{ json_text('record', 'status') }}) as approval_status,
        {{ connectwise_stamp(json_text('record', '_info.dateEntered')) }} as entered_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

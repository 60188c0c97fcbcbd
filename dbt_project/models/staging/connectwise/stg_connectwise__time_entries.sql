{{ incremental_staging_config('time_entry_id') }}

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
        {{ read_field('connectwise.time_entries', 'timeStart') }} as started_at,
        {{ read_field('connectwise.time_entries', 'timeEnd') }} as ended_at,
        {{ read_field('connectwise.time_entries', 'actualHours') }} as actual_hours,
        {{ read_field('connectwise.time_entries', 'hoursBilled') }} as hours_billed,
        {{ json_text('record', 'billableOption') }} as billable_option,
        {{ read_field('connectwise.time_entries', 'hourlyRate') }} as hourly_rate,
        {{ json_text('record', 'invoice.id') }} as invoice_id,
        {{ json_text('record', 'invoice.identifier') }} as invoice_identifier,
        {{ json_text('record', 'agreement.id') }} as agreement_id,
        coalesce({{ json_text('record', 'status.name') }}, {{ json_text('record', 'status') }}) as approval_status,
        -- the entry date is a field of its own (older extracts had it only under _info)
        coalesce(
            {{ read_field('connectwise.time_entries', 'dateEntered') }},
            {{ read_field('connectwise.time_entries', '_info.dateEntered') }}
        ) as entered_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed
